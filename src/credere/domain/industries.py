"""Industry codes in words: NACE Rev. 2 (the EU's statistical classification of economic activities).

Customers carry an industry code as their ERP wrote it: a NACE section letter and class
(``G46.1``), the class alone (``46.19``), UK SIC 2007 (``46190``) or the section (``G``). :func:`industry_name`
names its division (the first two digits), or the section when no division is given; anything
else (a SIC code written without a NACE section, free text) has no name here and is shown as
written. Source: Eurostat, *NACE Rev. 2 — Statistical classification of economic activities in
the European Community* (2008).
"""

from __future__ import annotations

import re

SECTIONS: dict[str, str] = {
    "A": "Agriculture, forestry and fishing",
    "B": "Mining and quarrying",
    "C": "Manufacturing",
    "D": "Electricity, gas, steam and air conditioning supply",
    "E": "Water supply; sewerage, waste management and remediation",
    "F": "Construction",
    "G": "Wholesale and retail trade; repair of motor vehicles and motorcycles",
    "H": "Transportation and storage",
    "I": "Accommodation and food service activities",
    "J": "Information and communication",
    "K": "Financial and insurance activities",
    "L": "Real estate activities",
    "M": "Professional, scientific and technical activities",
    "N": "Administrative and support service activities",
    "O": "Public administration and defence; compulsory social security",
    "P": "Education",
    "Q": "Human health and social work activities",
    "R": "Arts, entertainment and recreation",
    "S": "Other service activities",
    "T": "Activities of households as employers",
    "U": "Activities of extraterritorial organisations and bodies",
}

DIVISIONS: dict[str, str] = {
    "01": "Crop and animal production, hunting and related services",
    "02": "Forestry and logging",
    "03": "Fishing and aquaculture",
    "05": "Mining of coal and lignite",
    "06": "Extraction of crude petroleum and natural gas",
    "07": "Mining of metal ores",
    "08": "Other mining and quarrying",
    "09": "Mining support service activities",
    "10": "Manufacture of food products",
    "11": "Manufacture of beverages",
    "12": "Manufacture of tobacco products",
    "13": "Manufacture of textiles",
    "14": "Manufacture of wearing apparel",
    "15": "Manufacture of leather and related products",
    "16": "Manufacture of wood and of products of wood and cork, except furniture",
    "17": "Manufacture of paper and paper products",
    "18": "Printing and reproduction of recorded media",
    "19": "Manufacture of coke and refined petroleum products",
    "20": "Manufacture of chemicals and chemical products",
    "21": "Manufacture of basic pharmaceutical products and preparations",
    "22": "Manufacture of rubber and plastic products",
    "23": "Manufacture of other non-metallic mineral products",
    "24": "Manufacture of basic metals",
    "25": "Manufacture of fabricated metal products, except machinery and equipment",
    "26": "Manufacture of computer, electronic and optical products",
    "27": "Manufacture of electrical equipment",
    "28": "Manufacture of machinery and equipment n.e.c.",
    "29": "Manufacture of motor vehicles, trailers and semi-trailers",
    "30": "Manufacture of other transport equipment",
    "31": "Manufacture of furniture",
    "32": "Other manufacturing",
    "33": "Repair and installation of machinery and equipment",
    "35": "Electricity, gas, steam and air conditioning supply",
    "36": "Water collection, treatment and supply",
    "37": "Sewerage",
    "38": "Waste collection, treatment and disposal; materials recovery",
    "39": "Remediation activities and other waste management services",
    "41": "Construction of buildings",
    "42": "Civil engineering",
    "43": "Specialised construction activities",
    "45": "Wholesale and retail trade and repair of motor vehicles and motorcycles",
    "46": "Wholesale trade, except of motor vehicles and motorcycles",
    "47": "Retail trade, except of motor vehicles and motorcycles",
    "49": "Land transport and transport via pipelines",
    "50": "Water transport",
    "51": "Air transport",
    "52": "Warehousing and support activities for transportation",
    "53": "Postal and courier activities",
    "55": "Accommodation",
    "56": "Food and beverage service activities",
    "58": "Publishing activities",
    "59": "Motion picture, video and television production, sound recording and music publishing",
    "60": "Programming and broadcasting activities",
    "61": "Telecommunications",
    "62": "Computer programming, consultancy and related activities",
    "63": "Information service activities",
    "64": "Financial service activities, except insurance and pension funding",
    "65": "Insurance, reinsurance and pension funding, except compulsory social security",
    "66": "Activities auxiliary to financial services and insurance",
    "68": "Real estate activities",
    "69": "Legal and accounting activities",
    "70": "Activities of head offices; management consultancy",
    "71": "Architectural and engineering activities; technical testing and analysis",
    "72": "Scientific research and development",
    "73": "Advertising and market research",
    "74": "Other professional, scientific and technical activities",
    "75": "Veterinary activities",
    "77": "Rental and leasing activities",
    "78": "Employment activities",
    "79": "Travel agency, tour operator and other reservation services",
    "80": "Security and investigation activities",
    "81": "Services to buildings and landscape activities",
    "82": "Office administrative, office support and other business support activities",
    "84": "Public administration and defence; compulsory social security",
    "85": "Education",
    "86": "Human health activities",
    "87": "Residential care activities",
    "88": "Social work activities without accommodation",
    "90": "Creative, arts and entertainment activities",
    "91": "Libraries, archives, museums and other cultural activities",
    "92": "Gambling and betting activities",
    "93": "Sports activities and amusement and recreation activities",
    "94": "Activities of membership organisations",
    "95": "Repair of computers and personal and household goods",
    "96": "Other personal service activities",
    "97": "Activities of households as employers of domestic personnel",
    "98": "Goods- and services-producing activities of private households for own use",
    "99": "Activities of extraterritorial organisations and bodies",
}

#: The section each division belongs to (a code's letter must agree with its digits).
_SECTION_OF: dict[str, str] = {
    d: s for s, ranges in {
        "A": (1, 3), "B": (5, 9), "C": (10, 33), "D": (35, 35), "E": (36, 39), "F": (41, 43), "G": (45, 47),
        "H": (49, 53), "I": (55, 56), "J": (58, 63), "K": (64, 66), "L": (68, 68), "M": (69, 75), "N": (77, 82),
        "O": (84, 84), "P": (85, 85), "Q": (86, 88), "R": (90, 93), "S": (94, 96), "T": (97, 98), "U": (99, 99),
    }.items() for n in range(ranges[0], ranges[1] + 1) if (d := f"{n:02d}") in DIVISIONS
}

#: ``G``, ``G46``, ``G46.1``, ``46.19``, ``G 46.19.0`` and UK SIC 2007's five digits (``46190``, NACE plus
#: one). Four bare digits are left alone: a US SIC code (``5045``) would be misread as NACE.
_CODE = re.compile(r"^(?P<section>[A-U])?\s*(?:(?P<division>\d{2})(?:\.\d{1,2}(?:\.\d{1,2})?|\d{3})?)?$")


def _parts(code: str) -> tuple[str | None, str | None] | None:
    """A code's NACE section and division, ``None`` when they disagree or it is not NACE."""
    found = _CODE.match(code.strip().upper())
    if found is None:
        return None
    section, division = found["section"], found["division"]
    if division is not None and (division not in DIVISIONS or (section is not None and _SECTION_OF[division] != section)):
        return None
    return section, division


def industry_name(code: str) -> str:
    """The NACE division (or section) a code names, in words; ``""`` when it names none."""
    parts = _parts(code)
    if parts is None:
        return ""
    section, division = parts
    return DIVISIONS[division] if division is not None else SECTIONS.get(section or "", "")


def section_of(code: str) -> str:
    """The NACE section letter a code belongs to (``G46.1`` and ``46.19`` are both ``G``); ``""`` when none."""
    parts = _parts(code)
    if parts is None:
        return ""
    section, division = parts
    if division is not None:
        return _SECTION_OF[division]
    return section if section in SECTIONS else ""
