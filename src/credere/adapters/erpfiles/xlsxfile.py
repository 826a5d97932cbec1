"""XLSX workbooks (first worksheet, or a named one), with numbers kept exact."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from decimal import Decimal
from typing import Any

from credere.adapters.erpfiles.errors import FileFormatError
from credere.adapters.erpfiles.rows import Cell, Row, Table

#: Refuse workbooks that unpack to more than this (zip bombs).
MAX_UNPACKED_BYTES = 1_000_000_000


def exact_number(value: float) -> Decimal:
    """The exact decimal a spreadsheet number stands for.

    XLSX stores numbers as text (``<v>1234.5</v>``) that openpyxl turns into a float;
    ``repr`` gives back the shortest text that round-trips, which is what was stored for
    anything typed or exported with up to 15 significant digits. A value that came out
    of floating-point arithmetic (``=0.1+0.2`` caches ``0.30000000000000004``) keeps all
    its digits, so the import rejects it rather than round it silently.
    """
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    return Decimal(repr(value))


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, bool | int | str | dt.datetime | dt.date | dt.time | Decimal):
        return value
    if isinstance(value, float):
        try:
            return exact_number(value)
        except ValueError:
            return repr(value)
    return str(value)


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileFormatError(f"not a readable XLSX workbook ({exc})") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileFormatError("the workbook unpacks to more than 1 GB; split it into smaller files")


def read_xlsx(data: bytes, *, sheet: str | None = None, max_rows: int = 1_000_000) -> Table:
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise FileFormatError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    try:
        if not wb.worksheets:
            raise FileFormatError("the workbook has no worksheet")
        if sheet:
            if sheet not in wb.sheetnames:
                raise FileFormatError(f"the workbook has no sheet '{sheet}' (it has: {', '.join(wb.sheetnames)})")
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        rows: list[Row] = []
        headers: list[str] | None = None
        try:
            for number, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
                cells = [_cell(v) for v in values]
                while cells and (cells[-1] is None or cells[-1] == ""):
                    cells.pop()
                if number == 1:
                    headers = ["" if c is None else str(c).strip() for c in cells]
                    continue
                if number > max_rows + 1:
                    raise FileFormatError(f"the sheet has more than {max_rows:,} rows; split it into smaller files")
                row = Row(number=number, cells=tuple(cells))
                if not row.is_blank():
                    rows.append(row)
        except FileFormatError:
            raise
        except Exception as exc:
            raise FileFormatError(f"the worksheet cannot be read ({type(exc).__name__}: {exc})") from None
        if not headers or not any(headers):
            raise FileFormatError(f"sheet '{ws.title}' is empty: row 1 must be the column headers")
        return Table(headers=headers, rows=rows, format="xlsx", sheet=ws.title)
    finally:
        wb.close()
