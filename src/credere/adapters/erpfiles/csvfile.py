"""CSV with any of the usual delimiters, quoted fields, BOMs and code pages."""

from __future__ import annotations

import csv
import io

from credere.adapters.erpfiles.errors import FileFormatError
from credere.adapters.erpfiles.rows import Row, Table
from credere.adapters.erpfiles.text import decode

#: Delimiters recognised automatically, in order of preference on a tie.
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def _first_record_text(text: str) -> str:
    """The header record (up to the first line break outside quotes)."""
    in_quotes = False
    for i, ch in enumerate(text):
        if ch == '"':
            in_quotes = not in_quotes
        elif ch in "\r\n" and not in_quotes:
            return text[:i]
    return text


def detect_delimiter(text: str) -> str:
    """The candidate delimiter that occurs most often in the header, outside quotes."""
    header = _first_record_text(text)
    counts = dict.fromkeys(DELIMITERS, 0)
    in_quotes = False
    for ch in header:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(data: bytes, *, encoding: str | None = None, delimiter: str | None = None,
             max_rows: int = 1_000_000) -> Table:
    text, used = decode(data, encoding)
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
        raise FileFormatError(f"'{delimiter}' cannot be a CSV delimiter (give one character)")
    sep = delimiter or detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"', doublequote=True,
                        strict=True, skipinitialspace=False)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
            if len(records) > max_rows + 1:
                raise FileFormatError(f"the file has more than {max_rows:,} rows; split it into smaller files")
    except csv.Error as exc:
        raise FileFormatError(f"row {len(records) + 1}: not valid CSV ({exc})", row=len(records) + 1) from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise FileFormatError("the file is empty: the first row must be the column headers")
    headers = [h.strip().lstrip("\ufeff") for h in records[0]]
    rows = [Row(number=i, cells=tuple(r)) for i, r in enumerate(records[1:], start=2)]
    table = Table(headers=headers, rows=[r for r in rows if not r.is_blank()], format="csv",
                  encoding=used, delimiter=sep)
    if used == "cp1252":
        table.warnings.append("the file is not UTF-8; it was read as Windows-1252")
    return table
