"""Country names as the lists write them, to ISO 3166 alpha-2 codes (pycountry, when it is installed)."""

from __future__ import annotations

import re
from functools import lru_cache

try:  # pycountry comes with schwifty; without it, names are kept as the lists give them.
    import pycountry
except ImportError:  # pragma: no cover
    pycountry = None  # type: ignore[assignment]

#: Names the lists use that ISO 3166 (pycountry) spells otherwise.
_NAMES = {
    "russia": "RU", "north korea": "KP", "korea, north": "KP", "south korea": "KR", "korea, south": "KR",
    "republic of korea": "KR", "burma": "MM", "turkey": "TR", "congo, democratic republic of the": "CD",
    "democratic republic of the congo": "CD", "congo, republic of the": "CG", "republic of the congo": "CG",
    "iran (islamic republic of)": "IR", "syria": "SY", "laos": "LA", "vietnam": "VN", "viet nam": "VN",
    "moldova": "MD", "republic of moldova": "MD", "bolivia (plurinational state of)": "BO",
    "venezuela (bolivarian republic of)": "VE", "tanzania": "TZ", "united republic of tanzania": "TZ",
    "cote d'ivoire": "CI", "ivory coast": "CI", "czech republic": "CZ", "macedonia": "MK",
    "the former yugoslav republic of macedonia": "MK", "swaziland": "SZ", "cape verde": "CV",
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "united states": "US", "usa": "US",
    "the bahamas": "BS", "bahamas, the": "BS", "the gambia": "GM", "gambia, the": "GM", "brunei": "BN",
    "micronesia, federated states of": "FM", "palestinian territory": "PS", "state of palestine": "PS",
    "west bank": "PS", "gaza": "PS", "holy see": "VA", "vatican city": "VA", "kyrgyz republic": "KG",
    "slovak republic": "SK", "netherlands antilles": "AN", "taiwan": "TW", "taiwan, province of china": "TW",
    "hong kong": "HK", "macau": "MO", "macao": "MO",
}
#: What the lists write when they do not know the country.
_UNKNOWN = {"", "00", "unknown", "undetermined", "not known", "n/a"}
_ALPHA2 = re.compile(r"^[A-Za-z]{2}$")


@lru_cache(maxsize=4096)
def country_code(value: str) -> str:
    """``Russian Federation`` → ``RU``; an ISO alpha-2 code stays itself (upper case); a name neither this
    table nor pycountry knows is kept as given; unknown markers (``00``, ``Unknown``) give ``""``."""
    value = " ".join(value.split())
    key = value.casefold()
    if key in _UNKNOWN:
        return ""
    if key in _NAMES:
        return _NAMES[key]
    if _ALPHA2.match(value):
        return value.upper()
    if pycountry is not None:
        for candidate in (value, re.sub(r"\s*\((.*)\)$", r", \1", value)):
            try:
                return str(pycountry.countries.lookup(candidate).alpha_2)
            except LookupError:
                continue
    return value
