"""Amounts as clerks type them: ``1.234,50``, ``1,234.50``, ``1 234.5``."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation


def parse_amount(text: str) -> Decimal | None:
    """``1.234,50`` / ``1,234.50`` / ``1234.5`` → Decimal; None if ``text`` is not an amount."""
    raw = re.sub(r"[\s'\u00a0\u202f]", "", text or "")
    if not re.fullmatch(r"-?[0-9.,]+", raw) or not re.search(r"[0-9]", raw):  # ASCII digits: "１２" is not 12
        return None
    last_dot, last_comma = raw.rfind("."), raw.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        decimal_sep = "." if last_dot > last_comma else ","
        thousands = "," if decimal_sep == "." else "."
        raw = raw.replace(thousands, "").replace(decimal_sep, ".")
    elif last_comma >= 0:
        head, _, tail = raw.rpartition(",")
        raw = raw.replace(",", "") if len(tail) == 3 and raw.count(",") >= 1 and head else raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
