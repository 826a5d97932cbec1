"""Matching a file's column headers to Credere's column names, through an optional mapping.

A mapping says, for one source system (``SAP``, ``Navision``...) and one kind of record,
which file column holds which Credere column (``KUNNR`` → ``account_number``), which
columns to ignore on purpose (target ``-``), and optionally how to translate codes in a
column (``document_type``: ``RV`` → ``invoice``).

Headers are matched ignoring case, surrounding spaces, and the difference between spaces,
hyphens and underscores (``Account Number`` = ``account_number``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

#: Mapping target that means "this column is deliberately not imported".
IGNORE = "-"


def normalise(header: str) -> str:
    value = header.strip().lstrip("\ufeff").lower()
    return re.sub(r"[\s\-.]+", "_", value).strip("_")


@dataclass(frozen=True)
class Mapping:
    #: source header (as written in the file) -> Credere column, or ``-`` to ignore it
    columns: dict[str, str] = field(default_factory=dict)
    #: Credere column -> {value in the file: value for Credere}
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> Mapping:
        """Check the shape of stored or submitted mapping JSON; raise ``ValueError``."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ValueError("a mapping is an object: {\"columns\": {...}, \"values\": {...}}")
        unknown = set(data) - {"columns", "values"}
        if unknown:
            raise ValueError(f"unknown mapping keys: {', '.join(sorted(unknown))} (use 'columns' and 'values')")
        columns = data.get("columns") or {}
        values = data.get("values") or {}
        if not isinstance(columns, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in columns.items()):
            raise ValueError("'columns' maps file headers to column names: {\"KUNNR\": \"account_number\"}")
        if not isinstance(values, dict) or not all(
                isinstance(k, str) and isinstance(v, dict)
                and all(isinstance(a, str) and isinstance(b, str) for a, b in v.items())
                for k, v in values.items()):
            raise ValueError("'values' maps a column to code translations: {\"document_type\": {\"RV\": \"invoice\"}}")
        cleaned = {k.strip(): (v.strip() if v.strip() == IGNORE else normalise(v)) for k, v in columns.items()}
        if any(not k for k in cleaned):
            raise ValueError("a mapped file header cannot be empty")
        return cls(columns=cleaned, values={normalise(k): dict(v) for k, v in values.items()})

    def to_json(self) -> dict[str, Any]:
        return {"columns": dict(self.columns), "values": {k: dict(v) for k, v in self.values.items()}}

    def merged(self, other: Mapping) -> Mapping:
        """This mapping with ``other``'s entries added (``other`` wins)."""
        values = {k: dict(v) for k, v in self.values.items()}
        for k, v in other.values.items():
            values.setdefault(k, {}).update(v)
        return Mapping(columns={**self.columns, **other.columns}, values=values)

    def target(self, header: str) -> str | None:
        """The mapped column for a file header (exact match first, then loosely), or None."""
        if header in self.columns:
            return self.columns[header]
        key = normalise(header)
        for source, target in self.columns.items():
            if normalise(source) == key:
                return target
        return None


def parse_pairs(text: str) -> Mapping:
    """``"KUNNR=account_number, BELNR=document_number, ZZ=-"`` (the CLI's ``--map``)."""
    columns: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"'{part.strip()}' is not SOURCE=column")
        source, target = (s.strip() for s in part.split("=", 1))
        if not source or not target:
            raise ValueError(f"'{part.strip()}' is not SOURCE=column")
        columns[source] = target
    return Mapping.from_json({"columns": columns})


@dataclass(frozen=True)
class HeaderProblem:
    column: str
    message: str


def resolve(headers: Sequence[str], known: Sequence[str], mapping: Mapping,
            has_data: Sequence[bool] | None = None) -> tuple[list[str | None], list[HeaderProblem]]:
    """For each file column, the Credere column it fills (None: ignored), and any problems.

    Unknown columns are a problem, not silently skipped: the user maps them or ignores them
    explicitly. A column without a header is ignored only while it holds no data.
    """
    targets: list[str | None] = []
    problems: list[HeaderProblem] = []
    seen: dict[str, str] = {}
    known_set = set(known)
    for i, header in enumerate(headers):
        if not header.strip():
            if has_data is not None and i < len(has_data) and has_data[i]:
                problems.append(HeaderProblem(f"#{i + 1}", f"column {i + 1} holds data but has no header"))
            targets.append(None)
            continue
        mapped = mapping.target(header)
        if mapped == IGNORE:
            targets.append(None)
            continue
        target = mapped or normalise(header)
        if target not in known_set:
            if mapped:
                problems.append(HeaderProblem(header, f"is mapped to '{mapped}', which is not a column here "
                                              f"(columns: {', '.join(known)})"))
            else:
                problems.append(HeaderProblem(header, f"is not a known column; map it (--map '{header}=COLUMN') "
                                              f"or ignore it (--map '{header}=-')"))
            targets.append(None)
            continue
        if target in seen:
            problems.append(HeaderProblem(header, f"fills '{target}', which column '{seen[target]}' already fills"))
            targets.append(None)
            continue
        seen[target] = header
        targets.append(target)
    return targets, problems
