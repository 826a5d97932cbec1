"""The UN Security Council consolidated list, XML (``consolidated.xml``).

Root ``<CONSOLIDATED_LIST dateGenerated="2024-…Z">`` (no namespace) with ``INDIVIDUALS/INDIVIDUAL`` and
``ENTITIES/ENTITY``. A person: ``DATAID``, ``FIRST_NAME``…``FOURTH_NAME``, ``UN_LIST_TYPE``,
``REFERENCE_NUMBER`` (``QDi.430``), ``LISTED_ON``, ``NAME_ORIGINAL_SCRIPT``, ``COMMENTS1``,
``NATIONALITY/VALUE``, ``INDIVIDUAL_ALIAS`` (``QUALITY`` Good/Low/a.k.a./f.k.a., ``ALIAS_NAME``),
``INDIVIDUAL_ADDRESS/COUNTRY``, ``INDIVIDUAL_DOCUMENT`` (``TYPE_OF_DOCUMENT``, ``NUMBER``,
``ISSUING_COUNTRY``). An entity: its name in ``FIRST_NAME``, ``ENTITY_ALIAS``, ``ENTITY_ADDRESS/COUNTRY``.

Aliases of quality ``Low`` are weak aliases; the name in original script is an alias.
"""

from __future__ import annotations

import datetime as dt

from .countries import country_code
from .values import Identifier, Listed, SanctionsFile, SanctionsFormatError
from .xmlfile import Element, child_text, children, countries, distinct, iterate, local, parse_date, texts

SOURCE = "UN Security Council consolidated list"
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def _record(element: Element, number: int) -> Listed:
    tag = local(element)
    person = tag == "INDIVIDUAL"
    reference = child_text(element, "REFERENCE_NUMBER") or child_text(element, "DATAID")
    location = f"{tag}[{number}]" + (f" ({reference})" if reference else "")
    if not reference:
        raise SanctionsFormatError(location, "has neither REFERENCE_NUMBER nor DATAID")
    name = " ".join(" ".join(child_text(element, p) for p in (_NAME_PARTS if person else _NAME_PARTS[:1])).split())
    if not name:
        raise SanctionsFormatError(location, "has no name (FIRST_NAME)")
    aliases: list[str] = []
    weak: list[str] = []
    for alias in children(element, f"{tag}_ALIAS"):
        alias_name = child_text(alias, "ALIAS_NAME")
        if alias_name:
            aliases.append(alias_name)
            if child_text(alias, "QUALITY").casefold() == "low":
                weak.append(alias_name)
    aliases.append(child_text(element, "NAME_ORIGINAL_SCRIPT"))
    identifiers = [
        Identifier(child_text(d, "TYPE_OF_DOCUMENT"), child_text(d, "NUMBER"),
                   country_code(child_text(d, "ISSUING_COUNTRY") or child_text(d, "COUNTRY_OF_ISSUE")))
        for d in children(element, f"{tag}_DOCUMENT") if child_text(d, "NUMBER")
    ]
    listed_on = child_text(element, "LISTED_ON")[:10]
    return Listed(
        reference=reference,
        kind="person" if person else "entity",
        name=name,
        aliases=distinct(a for a in aliases if a != name),
        weak_aliases=distinct(a for a in weak if a != name),
        countries=countries([*texts(element, "NATIONALITY/VALUE"), *texts(element, f"{tag}_ADDRESS/COUNTRY")]),
        programmes=distinct([child_text(element, "UN_LIST_TYPE")]),
        listed_on=parse_date(listed_on, ("%Y-%m-%d",), f"{location}/LISTED_ON"),
        identifiers=tuple(dict.fromkeys(identifiers)),
        remark=child_text(element, "COMMENTS1"),
    )


def parse(content: bytes) -> SanctionsFile:
    """Every ``INDIVIDUAL`` and ``ENTITY`` of the UN consolidated list XML; :class:`SanctionsFormatError`
    names the first that cannot be read."""
    published: dt.date | None = None
    entries: list[Listed] = []
    counts = {"INDIVIDUAL": 0, "ENTITY": 0}
    for event, element in iterate(content, root="CONSOLIDATED_LIST", tags=(), records=("INDIVIDUAL", "ENTITY")):
        tag = local(element)
        if event == "start" and tag == "CONSOLIDATED_LIST":
            published = parse_date((element.get("dateGenerated") or "")[:10], ("%Y-%m-%d",),
                                   "CONSOLIDATED_LIST/@dateGenerated")
        elif event == "end" and tag in counts:
            counts[tag] += 1
            entries.append(_record(element, counts[tag]))
    return SanctionsFile(SOURCE, "un-consolidated", published, tuple(entries))
