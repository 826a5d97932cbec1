"""Reading a table from an uploaded file, whatever its format."""

from __future__ import annotations

from pathlib import PurePath
from typing import Literal

from credere.adapters.erpfiles.csvfile import read_csv
from credere.adapters.erpfiles.ecb import ecb_table, read_ecb
from credere.adapters.erpfiles.errors import FileFormatError
from credere.adapters.erpfiles.rows import Table
from credere.adapters.erpfiles.xlsxfile import read_xlsx

Format = Literal["csv", "xlsx", "ecb"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "ecb")

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls


def detect_format(data: bytes, filename: str = "") -> Format:
    """Decide from the content first (a renamed file is common), then from the name."""
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(_ZIP):
        return "xlsx"
    if data.startswith(_OLE2):
        raise FileFormatError("this is an old binary Excel (.xls) file; save it as .xlsx or CSV")
    if head.startswith(b"<"):
        return "ecb"
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        raise FileFormatError(f"'{filename}' is named like a workbook but is not an XLSX file")
    return "csv"


def read_table(data: bytes, *, fmt: str | None = None, filename: str = "", encoding: str | None = None,
               delimiter: str | None = None, sheet: str | None = None, max_rows: int = 1_000_000) -> Table:
    """Read CSV, XLSX or ECB XML into a :class:`Table`; raise :class:`FileFormatError`."""
    if not data:
        raise FileFormatError("the file is empty")
    if fmt is not None and fmt not in FORMATS:
        raise FileFormatError(f"unknown file format '{fmt}'; choose from {', '.join(FORMATS)}")
    kind = fmt or detect_format(data, filename)
    if kind == "xlsx":
        if not data.startswith(_ZIP):
            raise FileFormatError("not an XLSX workbook (an XLSX file is a ZIP archive)")
        return read_xlsx(data, sheet=sheet, max_rows=max_rows)
    if kind == "ecb":
        rates = read_ecb(data)
        if len(rates) > max_rows:
            raise FileFormatError(f"the file has more than {max_rows:,} rates; split it into smaller files")
        return ecb_table(rates)
    return read_csv(data, encoding=encoding, delimiter=delimiter, max_rows=max_rows)
