"""OFAC's SDN list in its XML format (``sdn.xml``; the consolidated non-SDN list ``consolidated.xml`` has the
same shape).

Root ``<sdnList>`` in namespace ``https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML``
(files from before the Sanctions List Service: ``http://tempuri.org/sdnList.xsd``; any namespace is read).
``<publshInformation><Publish_Date>MM/DD/YYYY</Publish_Date>`` (OFAC's spelling), then one ``<sdnEntry>`` per
party: ``uid``, ``firstName``, ``lastName``, ``title``, ``sdnType`` (Individual, Entity, Vessel, Aircraft),
``remarks``, ``programList/program``, ``idList/id`` (``idType``, ``idNumber``, ``idCountry``),
``akaList/aka`` (``type`` a.k.a./f.k.a./n.k.a., ``category`` strong/weak, ``firstName``, ``lastName``),
``addressList/address/country``, ``nationalityList/nationality/country``,
``citizenshipList/citizenship/country``, ``vesselInfo`` (``callSign``, ``vesselFlag``…).

Names are given names first (``Ivan Petrovich SIDOROV``). The file gives no listing date.
"""

from __future__ import annotations

import datetime as dt

from .countries import country_code
from .values import Identifier, Listed, SanctionsFile, SanctionsFormatError
from .xmlfile import Element, child, child_text, children, countries, distinct, iterate, local, parse_date, texts

SOURCE = "OFAC SDN list"
_KINDS = {"individual": "person", "entity": "entity", "vessel": "vessel", "aircraft": "other"}


def _name(element: Element) -> str:
    return " ".join(f"{child_text(element, 'firstName')} {child_text(element, 'lastName')}".split())


def _entry(element: Element, number: int) -> Listed:
    uid = child_text(element, "uid")
    location = f"sdnEntry[{number}]" + (f" (uid {uid})" if uid else "")
    if not uid:
        raise SanctionsFormatError(location, "has no uid")
    if not child_text(element, "lastName"):
        raise SanctionsFormatError(location, "has no lastName (the name, or the surname of a person)")
    sdn_type = child_text(element, "sdnType")
    if not sdn_type:
        raise SanctionsFormatError(location, "has no sdnType")
    aliases: list[str] = []
    weak: list[str] = []
    for aka in (a for lst in children(element, "akaList") for a in children(lst, "aka")):
        name = _name(aka)
        if name:
            aliases.append(name)
            if child_text(aka, "category").lower() == "weak":
                weak.append(name)
    identifiers = [
        Identifier(child_text(i, "idType"), child_text(i, "idNumber"), country_code(child_text(i, "idCountry")))
        for lst in children(element, "idList") for i in children(lst, "id") if child_text(i, "idNumber")
    ]
    vessel = child(element, "vesselInfo")
    flags: list[str] = []
    if vessel is not None:
        if child_text(vessel, "callSign"):
            identifiers.append(Identifier("Call Sign", child_text(vessel, "callSign")))
        flags = texts(vessel, "vesselFlag")
    name = _name(element)
    return Listed(
        reference=uid,
        kind=_KINDS.get(sdn_type.lower(), "other"),
        name=name,
        aliases=distinct(a for a in aliases if a != name),
        weak_aliases=distinct(a for a in weak if a != name),
        countries=countries([*texts(element, "nationalityList/nationality/country"),
                             *texts(element, "citizenshipList/citizenship/country"),
                             *texts(element, "addressList/address/country"), *flags]),
        programmes=distinct(texts(element, "programList/program")),
        listed_on=None,
        identifiers=tuple(dict.fromkeys(identifiers)),
        remark=child_text(element, "remarks"),
    )


def parse(content: bytes) -> SanctionsFile:
    """Every ``sdnEntry`` of an OFAC ``sdn.xml``; :class:`SanctionsFormatError` names the first that cannot be
    read."""
    published: dt.date | None = None
    entries: list[Listed] = []
    for event, element in iterate(content, root="sdnList", tags=(), records=("publshInformation", "sdnEntry")):
        if event != "end":
            continue
        if local(element) == "publshInformation":
            published = parse_date(child_text(element, "Publish_Date"), ("%m/%d/%Y",),
                                   "publshInformation/Publish_Date")
        elif local(element) == "sdnEntry":
            entries.append(_entry(element, len(entries) + 1))
    return SanctionsFile(SOURCE, "ofac-sdn-xml", published, tuple(entries))
