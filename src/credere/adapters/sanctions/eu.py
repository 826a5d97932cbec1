"""The EU consolidated financial sanctions list, XML version 1.1 (FSF ``xmlFullSanctionsList_1_1``).

Root ``<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="…">``; one ``<sanctionEntity
euReferenceNumber="EU.27.28" logicalId="13" designationDate="…">`` per party, with ``<subjectType
code="person|enterprise">``, ``<nameAlias wholeName firstName middleName lastName strong="true|false">``,
``<regulation programme publicationDate>``, ``<citizenship countryIso2Code>``, ``<address countryIso2Code>``,
``<identification identificationTypeCode number latinNumber countryIso2Code>`` and ``<remark>``.

* The primary name is the first strong ``nameAlias``; every other name (all languages) is an alias, and the
  ``strong="false"`` ones are also weak aliases.
* ``listed_on`` is the entity's ``designationDate`` when the file has it, else its earliest regulation's
  ``publicationDate``.
* Country code ``00`` (unknown) is left out.
"""

from __future__ import annotations

import datetime as dt

from .countries import country_code
from .values import Identifier, Listed, SanctionsFile, SanctionsFormatError
from .xmlfile import Element, child, children, countries, distinct, iterate, local, parse_date, text

SOURCE = "EU consolidated financial sanctions list"
NAMESPACE = "http://eu.europa.ec/fpi/fsd/export"
_KINDS = {"person": "person", "enterprise": "entity"}
_DATE = ("%Y-%m-%d",)


def _name(alias: Element) -> str:
    whole = " ".join((alias.get("wholeName") or "").split())
    if whole:
        return whole
    parts = (alias.get(a) or "" for a in ("firstName", "middleName", "lastName"))
    return " ".join(" ".join(parts).split())


def _entity(element: Element, number: int) -> Listed:
    reference = element.get("euReferenceNumber") or element.get("logicalId") or ""
    location = f"sanctionEntity[{number}]" + (f" ({reference})" if reference else "")
    if not reference:
        raise SanctionsFormatError(location, "has neither euReferenceNumber nor logicalId")
    subject = child(element, "subjectType")
    if subject is None:
        raise SanctionsFormatError(location, "has no subjectType")
    kind = _KINDS.get((subject.get("code") or "").strip(), "other")
    names: list[tuple[str, bool]] = []
    for alias in children(element, "nameAlias"):
        name = _name(alias)
        if name:
            names.append((name, (alias.get("strong") or "true").strip().lower() != "false"))
    if not names:
        raise SanctionsFormatError(location, "has no name (no nameAlias with a wholeName)")
    primary = next((n for n, strong in names if strong), names[0][0])
    aliases = distinct(n for n, _ in names if n != primary)
    weak = distinct(n for n, strong in names if not strong and n != primary)
    regulations = children(element, "regulation")
    dates = [parse_date(r.get("publicationDate") or "", _DATE, f"{location}/regulation/@publicationDate")
             for r in regulations]
    listed_on = parse_date(element.get("designationDate") or "", _DATE, f"{location}/@designationDate")
    if listed_on is None:
        listed_on = min((d for d in dates if d is not None), default=None)
    identifiers = []
    for ident in children(element, "identification"):
        value = " ".join((ident.get("number") or ident.get("latinNumber") or "").split())
        if value:
            scheme = ident.get("identificationTypeCode") or ident.get("identificationTypeDescription") or ""
            identifiers.append(Identifier(scheme, value, country_code(ident.get("countryIso2Code") or "")))
    return Listed(
        reference=reference,
        kind=kind,
        name=primary,
        aliases=aliases,
        weak_aliases=weak,
        countries=countries(e.get("countryIso2Code") or "" for e in [*children(element, "citizenship"),
                                                                     *children(element, "address")]),
        programmes=distinct((r.get("programme") or "").strip() for r in regulations),
        listed_on=listed_on,
        identifiers=tuple(dict.fromkeys(identifiers)),
        remark="; ".join(distinct(text(r) for r in children(element, "remark"))),
    )


def parse(content: bytes) -> SanctionsFile:
    """Every ``sanctionEntity`` of an EU FSF XML 1.1 file; :class:`SanctionsFormatError` names the first that
    cannot be read."""
    published: dt.date | None = None
    entries: list[Listed] = []
    for event, element in iterate(content, root="export", tags=(), records=("sanctionEntity",)):
        if event == "start" and local(element) == "export":
            namespace = element.nsmap.get(None, "")
            if namespace != NAMESPACE:
                raise SanctionsFormatError("export", f"the namespace is {namespace!r}, not {NAMESPACE!r}")
            generated = (element.get("generationDate") or "")[:10]
            published = parse_date(generated, _DATE, "export/@generationDate")
        elif event == "end" and local(element) == "sanctionEntity":
            entries.append(_entity(element, len(entries) + 1))
    return SanctionsFile(SOURCE, "eu-fsf", published, tuple(entries))
