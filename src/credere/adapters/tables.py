"""Write rows as CSV, XLSX, JSON or a terminal table — used by every export and report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

FORMATS = ("csv", "xlsx", "json", "table")


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


#: What a spreadsheet reads as the start of a formula (or of a command, after a tab or a carriage return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """Text that a spreadsheet opening the CSV shows as text, never runs: a name a payer wrote on a bank
    transfer (``=HYPERLINK(...)``, ``@SUM(...)``, ``-2+3``) gets a leading apostrophe (OWASP's advice).
    Numbers are not text: a negative amount is written as it is."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_cell(value: Any) -> Any:
    cell = _cell(value)
    return neutralised(cell) if isinstance(cell, str) and not isinstance(value, Decimal | dt.date) else cell


def to_csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    # the csv module quotes a field with a line feed (the line terminator) but not one with a lone carriage
    # return, which readers take as the end of the row: such a row is written with every field quoted
    quoted = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow([neutralised(h) for h in headers])
    for row in rows:
        cells = [_csv_cell(v) for v in row]
        (quoted if any(isinstance(c, str) and "\r" in c for c in cells) else writer).writerow(cells)
    return buf.getvalue().encode("utf-8")


def _text_cell(ws: Any, text: str) -> Any:
    """A cell that holds ``text`` as a string even when it starts like a formula (openpyxl would write
    ``=...`` as a live formula)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    return cell


def to_xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Credere") -> bytes:
    """XLSX with amounts as exact numeric cells (Decimal), dates as dates, bold header."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "Credere")
    ws.append([_header_cell(ws, h, Font) for h in headers])
    for row in rows:
        cells = [v if isinstance(v, Decimal | int | dt.date | str) or v is None else str(v) for v in row]
        ws.append([_text_cell(ws, v) if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in cells])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _header_cell(ws: Any, text: str, font_cls: Any) -> Any:

    cell = _text_cell(ws, text)
    cell.font = font_cls(bold=True)
    return cell


def to_json_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    data = [{h: _cell(v) for h, v in zip(headers, row, strict=True)} for row in rows]
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def render(fmt: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Credere") -> bytes:
    if fmt == "csv":
        return to_csv_bytes(headers, rows)
    if fmt == "xlsx":
        return to_xlsx_bytes(headers, rows, title)
    if fmt == "json":
        return to_json_bytes(headers, rows)
    raise ValueError(f"unknown format '{fmt}'; choose from csv, xlsx, json")


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # piped or redirected: never cut figures to fit 80 columns
        console.width = 250
    table = Table(title=title)
    for h in headers:
        table.add_column(h, overflow="fold")
    for row in rows:
        table.add_row(*[str(_cell(v)) for v in row])
    console.print(table)


def write(fmt: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], out: str | Path | BinaryIO | None,
          title: str = "Credere") -> None:
    """Write to a path, a binary stream, or (``out`` None/'-') standard output."""
    if fmt == "table":
        print_table(headers, rows, title)
        return
    data = render(fmt, headers, rows, title)
    if out is None or out == "-":
        import sys

        if fmt == "xlsx":
            raise ValueError("XLSX cannot be written to the terminal: give --out FILE")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    elif isinstance(out, str | Path):
        Path(out).write_bytes(data)
    else:
        out.write(data)
