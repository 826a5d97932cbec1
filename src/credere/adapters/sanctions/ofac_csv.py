"""OFAC's SDN list in its legacy comma-separated files: ``sdn.csv`` and, for aliases, ``alt.csv``.

No header row; CRLF records, fields in double quotes when they need them (remarks may span lines), ``-0-``
(often ``-0- ``) for an empty value, and a DOS end-of-file character (``0x1A``) at the end.

* ``sdn.csv``: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag,
  Vess_owner, Remarks. SDN_Type is ``individual``, ``vessel``, ``aircraft`` or empty (an entity); several
  programmes are written ``SDGT] [IRGC``.
* ``alt.csv``: ent_num, alt_num, alt_type (aka, fka, nka), alt_name, alt_remarks.

Persons' names (``SIDOROV, Ivan Petrovich``) are turned round to given names first, as in the XML reader.
These files do not say which aliases are weak, nor when the list was published.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace

from .countries import country_code
from .values import Identifier, Listed, SanctionsFile, SanctionsFormatError
from .xmlfile import distinct

SOURCE = "OFAC SDN list"
SDN_COLUMNS = ("ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign", "Vess_type", "Tonnage", "GRT",
               "Vess_flag", "Vess_owner", "Remarks")
ALT_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
_KINDS = {"individual": "person", "": "entity", "vessel": "vessel", "aircraft": "other"}


def decode(content: bytes) -> str:
    """The text of an OFAC CSV file (UTF-8, else Windows-1252), without its end-of-file character."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    return text.replace("\x1a", "")


def rows(content: bytes, file: str, width: int) -> list[tuple[str, list[str]]]:
    """``(location, fields)`` of every non-blank record (located by the line it starts on), ``-0-`` read as "";
    a record of another width, or whose first field is not a number, is an error."""
    out = []
    reader = csv.reader(io.StringIO(decode(content), newline=""))
    start = 1
    for row in reader:
        location, start = f"{file} line {start}", reader.line_num + 1
        if not any(f.strip() for f in row):
            continue
        if len(row) != width:
            raise SanctionsFormatError(location, f"has {len(row)} fields, not {width}")
        fields = ["" if f.strip() == "-0-" else " ".join(f.split()) for f in row]
        if not fields[0].isdigit():
            raise SanctionsFormatError(location, f"ent_num {fields[0]!r} is not a number")
        out.append((location, fields))
    return out


def _given_names_first(name: str) -> str:
    """``SIDOROV, Ivan Petrovich`` → ``Ivan Petrovich SIDOROV`` (a name with one comma; others as they are)."""
    last, sep, first = name.partition(", ")
    return f"{first} {last}" if sep and "," not in first and first else name


def parse(content: bytes, alt: bytes | None = None) -> SanctionsFile:
    """The parties of ``sdn.csv`` with, given ``alt.csv``, their aliases."""
    found: dict[str, Listed] = {}
    for location, f in rows(content, "sdn.csv", len(SDN_COLUMNS)):
        number, name, sdn_type = f[0], f[1], f[2].lower()
        if not name:
            raise SanctionsFormatError(location, "has no SDN_Name")
        if sdn_type not in _KINDS:
            raise SanctionsFormatError(location, f"SDN_Type {f[2]!r} is not individual, vessel, aircraft or empty")
        if number in found:
            raise SanctionsFormatError(location, f"ent_num {number} appears twice")
        kind = _KINDS[sdn_type]
        found[number] = Listed(
            reference=number,
            kind=kind,
            name=_given_names_first(name) if kind == "person" else name,
            countries=(country_code(f[9]),) if f[9] else (),
            programmes=distinct(p.strip(" []") for p in f[3].split("] [")),
            identifiers=(Identifier("Call Sign", f[5]),) if f[5] else (),
            remark=f[11],
        )
    aliases: dict[str, list[str]] = {}
    for location, f in rows(alt, "alt.csv", len(ALT_COLUMNS)) if alt is not None else ():
        entry = found.get(f[0])
        if entry is None:
            raise SanctionsFormatError(location, f"ent_num {f[0]} is not in sdn.csv")
        if f[3]:
            aliases.setdefault(f[0], []).append(_given_names_first(f[3]) if entry.kind == "person" else f[3])
    entries = tuple(
        replace(e, aliases=distinct(a for a in aliases[n] if a != e.name)) if n in aliases else e
        for n, e in found.items()
    )
    return SanctionsFile(SOURCE, "ofac-sdn-csv", None, entries)
