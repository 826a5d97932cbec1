"""Reading parameters given as text (query strings, CLI options) into values.

Every refusal is a :class:`~credere.core.errors.BusinessError` naming the parameter, so the
API answers 422 with the project's error body, the CLI prints the message and a page shows it
next to the filters.
"""

from __future__ import annotations

import datetime as dt
import re

from credere.core.errors import BusinessError
from credere.domain.money import MoneyError, check_currency

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Reports go back no further than this (and date arithmetic stays far from year 1).
EARLIEST = dt.date(1900, 1, 1)


def bad_parameter(field: str, message: str, code: str = "invalid") -> BusinessError:
    return BusinessError(f"{field}: {message}", code=code, fields=[{"field": field, "message": message}])


def parse_date(value: str | None, *, default: dt.date, field: str = "as_of") -> dt.date:
    if value is None or value == "":
        return default
    if not _DATE.fullmatch(value):
        raise bad_parameter(field, f"'{value[:40]}' is not a date; write YYYY-MM-DD", "bad_date")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise bad_parameter(field, f"'{value}' is not a valid date", "bad_date") from None
    if day < EARLIEST:
        raise bad_parameter(field, f"must be on or after {EARLIEST.isoformat()}", "bad_date")
    return day


def parse_currency(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        return check_currency(value)
    except MoneyError as exc:
        raise bad_parameter("currency", str(exc), "bad_currency") from None
