"""The UK Sanctions List (FCDO), XML: since 28 January 2026 the one UK list (OFSI's consolidated list closed).

Root ``<Designations>`` (no namespace) with ``<DateGenerated>DD/MM/YYYY</DateGenerated>``, then one
``<Designation>`` per party: ``LastUpdated``, ``DateDesignated`` (DD/MM/YYYY), ``UniqueID`` (``RUS0251``),
``OFSIGroupID``, ``UNReferenceNumber``, ``Names/Name`` (``Name1``…``Name6``: given names to surname, or the
whole name of an entity in ``Name6``; ``NameType`` "Primary Name", "Primary name variation", "Alias";
``AliasStrength`` "Good quality a.k.a" / "Low quality a.k.a"), ``NonLatinNames/NonLatinName/
NameNonLatinScript``, ``RegimeName``, ``IndividualEntityShip`` (Individual, Entity, Ship), ``OtherInformation``,
``UKStatementofReasons``, ``Addresses/Address/AddressCountry``, and per kind ``IndividualDetails/Individual``
(``Nationalities/Nationality``, ``PassportDetails/Passport/PassportNumber``,
``NationalIdentifierDetails/NationalIdentifier/NationalIdentifierNumber``), ``EntityDetails/Entity``
(``BusinessRegistrationNumbers/BusinessRegistrationNumber``) or ``ShipDetails/Ship`` (``IMONumbers/IMONumber``,
``CurrentBelievedFlagOfShips/CurrentBelievedFlagOfShip``). Details are looked up at any depth below the
designation, so either nesting of nationalities is read.
"""

from __future__ import annotations

import datetime as dt

from .values import Identifier, Listed, SanctionsFile, SanctionsFormatError
from .xmlfile import Element, child_text, children, countries, descendant_texts, distinct, iterate, local, parse_date

SOURCE = "UK Sanctions List"
_KINDS = {"individual": "person", "entity": "entity", "ship": "vessel"}
_DATE = ("%d/%m/%Y", "%Y-%m-%d")
_NAME_PARTS = ("Name1", "Name2", "Name3", "Name4", "Name5", "Name6")
_IDENTIFIERS = (
    ("PassportNumber", "Passport"),
    ("NationalIdentifierNumber", "National identifier"),
    ("BusinessRegistrationNumber", "Business registration number"),
    ("IMONumber", "IMO number"),
)


def _designation(element: Element, number: int) -> Listed:
    reference = child_text(element, "UniqueID")
    location = f"Designation[{number}]" + (f" ({reference})" if reference else "")
    if not reference:
        raise SanctionsFormatError(location, "has no UniqueID")
    names: list[tuple[str, str, str]] = []
    for names_element in children(element, "Names"):
        for name in children(names_element, "Name"):
            whole = " ".join(" ".join(child_text(name, p) for p in _NAME_PARTS).split())
            if whole:
                names.append((whole, child_text(name, "NameType").casefold(),
                              child_text(name, "AliasStrength").casefold()))
    if not names:
        raise SanctionsFormatError(location, "has no name (Names/Name)")
    primary = next((n for n, kind, _ in names if kind == "primary name"), names[0][0])
    non_latin = descendant_texts(element, "NameNonLatinScript")
    identifiers = [Identifier(scheme, value) for tag, scheme in _IDENTIFIERS
                   for value in descendant_texts(element, tag)]
    for tag, scheme in (("UNReferenceNumber", "UN reference number"), ("OFSIGroupID", "OFSI group ID")):
        if child_text(element, tag):
            identifiers.append(Identifier(scheme, child_text(element, tag)))
    flags = descendant_texts(element, "CurrentBelievedFlagOfShip")
    remark = "\n".join(distinct([child_text(element, "OtherInformation"), child_text(element, "UKStatementofReasons")]))
    return Listed(
        reference=reference,
        kind=_KINDS.get(child_text(element, "IndividualEntityShip").casefold(), "other"),
        name=primary,
        aliases=distinct([*(n for n, _, _ in names if n != primary), *non_latin]),
        weak_aliases=distinct(n for n, _, strength in names if n != primary and strength.startswith("low")),
        countries=countries([*descendant_texts(element, "Nationality"), *descendant_texts(element, "AddressCountry"),
                             *flags]),
        programmes=distinct([child_text(element, "RegimeName")]),
        listed_on=parse_date(child_text(element, "DateDesignated"), _DATE, f"{location}/DateDesignated"),
        identifiers=tuple(dict.fromkeys(identifiers)),
        remark=remark,
    )


def parse(content: bytes) -> SanctionsFile:
    """Every ``Designation`` of the UK Sanctions List XML; :class:`SanctionsFormatError` names the first that
    cannot be read."""
    published: dt.date | None = None
    entries: list[Listed] = []
    for event, element in iterate(content, root="Designations", tags=("DateGenerated",),
                                  records=("Designation",)):
        if event != "end":
            continue
        if local(element) == "DateGenerated" and element.getparent() is not None \
                and local(element.getparent()) == "Designations":
            published = parse_date(" ".join((element.text or "").split()), _DATE, "DateGenerated")
        elif local(element) == "Designation":
            entries.append(_designation(element, len(entries) + 1))
    return SanctionsFile(SOURCE, "uk-sanctions-list", published, tuple(entries))
