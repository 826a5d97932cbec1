"""Reading one cell as text, a date or an exact decimal. Raises ``ValueError`` with the reason.

Conventions (docs/file-formats.md):

* dates: ``YYYY-MM-DD`` (ISO 8601); also ``DD.MM.YYYY`` and ``YYYYMMDD`` as SAP writes them,
  and real date cells in XLSX. Nothing else: ``01/02/2026`` is ambiguous and is refused.
* numbers: ``.`` as the decimal separator, an optional leading sign, no thousands
  separators, no currency symbols. XLSX number cells are taken exactly (see
  :func:`credere.adapters.erpfiles.xlsxfile.exact_number`).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from credere.adapters.erpfiles.rows import Cell

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)  # ASCII digits: "１２" is not 12
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", re.ASCII)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$", re.ASCII)
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$", re.ASCII)


def _show(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text(cell: Cell) -> str:
    """A cell as text, trimmed. Whole numbers from XLSX lose their ``.0``."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, Decimal):
        if cell == cell.to_integral_value():
            return str(int(cell))
        return format(cell, "f")
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat()
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell).strip()


def date(cell: Cell) -> dt.date:
    if isinstance(cell, dt.datetime):
        if cell.time() != dt.time():
            raise ValueError(f"'{cell.isoformat()}' has a time of day; give a date only")
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, int) and not isinstance(cell, bool) and 10_000_000 <= cell <= 99_999_999:
        cell = str(cell)  # 20260131 typed into a spreadsheet number cell
    if not isinstance(cell, str):
        raise ValueError(f"'{_show(text(cell))}' is not a date (use YYYY-MM-DD)")
    value = cell.strip()
    for pattern, order in ((_ISO, "ymd"), (_DOTTED, "dmy"), (_COMPACT, "ymd")):
        m = pattern.match(value)
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
            try:
                return dt.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                raise ValueError(f"'{value}' is not a valid date") from None
    raise ValueError(f"'{_show(value)}' is not a date (use YYYY-MM-DD)")


def decimal(cell: Cell) -> Decimal:
    """An exact decimal number; never goes through a float."""
    if isinstance(cell, bool):
        raise ValueError(f"'{text(cell)}' is not a number")
    if isinstance(cell, Decimal):
        return cell
    if isinstance(cell, int):
        return Decimal(cell)
    if not isinstance(cell, str):
        raise ValueError(f"'{_show(text(cell))}' is not a number")
    value = cell.strip()
    if _NUMBER.match(value):
        return Decimal(value)
    if "," in value and re.fullmatch(r"[+-]?[\d.,' ]+", value):
        raise ValueError(f"'{_show(value)}' is not a number: use '.' as the decimal separator and no "
                         "thousands separators (1234.50)")
    raise ValueError(f"'{_show(value)}' is not a number")
