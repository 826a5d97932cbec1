"""What a sanctions list file says, whatever its format: plain frozen values, no Django."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: ``Listed.kind`` values.
KINDS = ("entity", "person", "vessel", "other")


class SanctionsFormatError(ValueError):
    """A file that cannot be read as a sanctions list; ``location`` names the element or row."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"{location}: {reason}" if location else reason)
        self.location = location
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Identifier:
    """A number the list gives for a party: registration number, tax id, passport, IMO number…"""

    #: What the number is, in the list's own words (``regnumber``, ``Tax ID No.``, ``Passport``…).
    scheme: str
    number: str
    #: ISO alpha-2 where the list gives or names a country (else the name as given, or "").
    country: str = ""


@dataclass(frozen=True, slots=True)
class Listed:
    """One party on a sanctions list (a company, a person, a vessel…)."""

    #: The list's own id of the entry (EU reference number, OFAC uid, UK unique id, UN reference number).
    reference: str
    #: ``entity``, ``person``, ``vessel`` or ``other`` (aircraft, unknown).
    kind: str
    #: The primary name, given names first for persons.
    name: str
    #: Every other name the list gives (aliases, spellings, original script), weak ones included.
    aliases: tuple[str, ...] = ()
    #: The aliases the list calls weak or of low quality (each also in ``aliases``).
    weak_aliases: tuple[str, ...] = ()
    #: ISO 3166 alpha-2 codes (nationality, citizenship, address, flag) where known; else the name as given.
    countries: tuple[str, ...] = ()
    #: The sanctions regimes or programmes (EU ``programme``, OFAC ``program``, UK regime, UN list type).
    programmes: tuple[str, ...] = ()
    listed_on: dt.date | None = None
    identifiers: tuple[Identifier, ...] = ()
    remark: str = ""


@dataclass(frozen=True, slots=True)
class SanctionsFile:
    """A whole list as published."""

    #: Which list: ``EU consolidated financial sanctions list``, ``OFAC SDN list``…
    source: str
    #: The format it was read as (see :data:`credere.adapters.sanctions.FORMATS`).
    format: str
    #: The publication (generation) date the file states, if it states one.
    published: dt.date | None
    entries: tuple[Listed, ...]
