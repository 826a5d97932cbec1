"""From an uploaded file to typed rows: read the table, match headers, read every cell.

Everything here is about the file's shape (which column, what type, how long); whether
the values make a valid customer or invoice is for the ledger services to say.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from credere.adapters.erpfiles import FileFormatError, Table, read_table
from credere.adapters.erpfiles import values as cells
from credere.adapters.erpfiles.headers import Mapping, resolve
from credere.core.errors import BusinessError
from credere.imports.schema import Column, columns

#: Numbers this large (10^18 and up) are no amount or rate; refuse them before any arithmetic.
MAX_MAGNITUDE = 18


@dataclass(frozen=True)
class RowError:
    """One problem: the row as the user sees it (header = 1), the file's column, the reason."""

    row: int
    column: str
    field: str
    message: str

    def describe(self, numbering: str = "row") -> str:
        where = f"{numbering} {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "field": self.field, "message": self.message}


@dataclass
class ParsedRow:
    number: int
    #: Credere column -> value (text, date, Decimal or None for an empty optional cell);
    #: only the columns the file has.
    values: dict[str, Any]
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ParsedFile:
    table: Table
    rows: list[ParsedRow]
    #: Credere column -> the header the file uses for it (for error messages)
    header_of: dict[str, str]

    @property
    def errors(self) -> list[RowError]:
        return [e for r in self.rows for e in r.errors]


def read(data: bytes, *, fmt: str | None, file_name: str, encoding: str | None, delimiter: str | None,
         sheet: str | None, max_rows: int) -> Table:
    try:
        return read_table(data, fmt=fmt, filename=file_name, encoding=encoding, delimiter=delimiter, sheet=sheet,
                          max_rows=max_rows)
    except FileFormatError as exc:
        raise BusinessError(f"{file_name or 'the file'}: {exc}", code="bad_file",
                            fields=[{"field": "file", "message": str(exc)}]) from None


def _translate(col: Column, cell: Any, mapping: Mapping) -> Any:
    table = mapping.values.get(col.name)
    if not table:
        return cell
    key = cells.text(cell)
    if key in table:
        return table[key]
    folded = {k.casefold(): v for k, v in table.items()}
    return folded.get(key.casefold(), cell)


def _value(col: Column, cell: Any) -> Any:
    """Read one non-empty cell for ``col``; raise ``ValueError`` with the reason."""
    if col.kind == "date":
        return cells.date(cell)
    if col.kind == "decimal":
        number = cells.decimal(cell)
        if number.is_finite() and number != 0 and number.adjusted() >= MAX_MAGNITUDE:
            raise ValueError(f"'{cells.text(cell)[:40]}' is too large")
        return number
    text = cells.text(cell)
    if col.max_length is not None and len(text) > col.max_length:
        raise ValueError(f"is longer than {col.max_length} characters ({len(text)})")
    if col.kind == "code":
        return text.upper()
    if col.kind == "choice":
        return re.sub(r"[\s\-]+", "_", text.lower())
    return text


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def parse(table: Table, entity: str, mapping: Mapping) -> ParsedFile:
    """Match headers (a header problem rejects the whole file) and read every row."""
    spec = {c.name: c for c in columns(entity)}
    width = len(table.headers)
    has_data = [any(i < len(r.cells) and not _blank(r.cells[i]) for r in table.rows) for i in range(width)]
    targets, problems = resolve(table.headers, list(spec), mapping, has_data)
    present = {t for t in targets if t}
    for name, col in spec.items():
        if col.required and name not in present:
            problems.append(_missing(name, mapping))
    if problems:
        listing = "; ".join(f"'{p.column}' {p.message}" if not p.column.startswith("#") else p.message
                            for p in problems)
        raise BusinessError(f"the columns do not fit {entity}: {listing}", code="bad_columns",
                            fields=[{"field": p.column, "message": p.message} for p in problems])
    header_of = {t: table.headers[i] for i, t in enumerate(targets) if t}
    rows: list[ParsedRow] = []
    for row in table.rows:
        parsed = ParsedRow(number=row.number, values={})
        extra = [c for c in row.cells[width:] if not _blank(c)]
        if extra:
            parsed.errors.append(RowError(row.number, "", "", f"has {len(row.cells)} cells but the header row "
                                                                f"has {width} columns"))
        for i, target in enumerate(targets):
            if target is None:
                continue
            col = spec[target]
            if col.read_only:
                continue
            cell = _translate(col, row.cells[i] if i < len(row.cells) else None, mapping)
            if _blank(cell):
                if col.required:
                    parsed.errors.append(RowError(row.number, header_of[target], target, "is required"))
                parsed.values[target] = None if col.kind in ("date", "decimal") else ""
                continue
            try:
                parsed.values[target] = _value(col, cell)
            except ValueError as exc:
                parsed.errors.append(RowError(row.number, header_of[target], target, str(exc)))
        rows.append(parsed)
    return ParsedFile(table=table, rows=rows, header_of=header_of)


def _missing(name: str, mapping: Mapping) -> Any:
    from credere.adapters.erpfiles.headers import HeaderProblem

    sources = [s for s, t in mapping.columns.items() if t == name]
    hint = f" (the mapping expects it as '{sources[0]}')" if sources else ""
    return HeaderProblem(name, f"is a required column and the file has none{hint}")


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
