"""Report parameters as the CLI and the API receive them (text), checked into values.

Every refusal is a :class:`~credere.core.errors.BusinessError` naming the parameter, so the
API answers 422 with the project's error body and the CLI prints the message.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from credere.core.errors import BusinessError
from credere.domain import aging as rules
from credere.domain.money import MoneyError, check_currency
from credere.ledger.models import Company
from credere.reporting import selectors

FORMATS = ("table", "csv", "json", "xlsx")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Reports go back no further than this (and date arithmetic stays far from year 1).
EARLIEST = dt.date(1900, 1, 1)


def _bad(field: str, message: str, code: str = "invalid") -> BusinessError:
    return BusinessError(f"{field}: {message}", code=code, fields=[{"field": field, "message": message}])


def parse_date(value: str | None, *, default: dt.date, field: str = "as_of") -> dt.date:
    if value is None or value == "":
        return default
    if not _DATE.fullmatch(value):
        raise _bad(field, f"'{value[:40]}' is not a date; write YYYY-MM-DD", "bad_date")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise _bad(field, f"'{value}' is not a valid date", "bad_date") from None
    if day < EARLIEST:
        raise _bad(field, f"must be on or after {EARLIEST.isoformat()}", "bad_date")
    return day


def parse_company(code: str | None) -> Company | None:
    if code is None or code == "":
        return None
    if len(code) > 20 or not code.isprintable():
        raise _bad("company", "is not a company code", "unknown_company")
    company = selectors.company_by_code(code)
    if company is None:
        raise _bad("company", f"no company with code '{code}'", "unknown_company")
    return company


def parse_currency(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        return check_currency(value)
    except MoneyError as exc:
        raise _bad("currency", str(exc), "bad_currency") from None


def parse_by(value: str | None) -> rules.Dimension:
    for dimension in rules.DIMENSIONS:
        if (value or "customer") == dimension:
            return dimension
    raise _bad("by", f"'{str(value)[:40]}' is not one of {', '.join(rules.DIMENSIONS)}", "bad_by")


def parse_buckets(value: str | None) -> tuple[int, ...]:
    if value is None or value == "":
        return rules.DEFAULT_LIMITS
    try:
        return rules.parse_limits(value)
    except rules.ReportError as exc:
        raise _bad("buckets", str(exc), exc.code) from None


def parse_int(value: str | int | None, *, field: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        raise _bad(field, f"'{text[:40]}' is not a whole number", f"bad_{field}")
    number = int(text)
    if not low <= number <= high:
        raise _bad(field, f"must be between {low} and {high}", f"bad_{field}")
    return number


def parse_format(value: str | None, *, allowed: tuple[str, ...] = FORMATS, default: str = "table") -> str:
    value = value or default
    if value not in allowed:
        raise _bad("format", f"'{value[:40]}' is not one of {', '.join(allowed)}", "bad_format")
    return value


@dataclass(frozen=True, slots=True)
class ReportQuery:
    as_of: dt.date
    company: Company | None
    currency: str | None
    by: rules.Dimension
    limits: tuple[int, ...]
    days: int
    months: int
    limit: int


def parse_query(*, today: dt.date, as_of: str | None = None, company: str | None = None,
                currency: str | None = None, by: str | None = None, buckets: str | None = None,
                days: str | int | None = None, months: str | int | None = None, limit: str | int | None = None,
                default_months: int = 1, max_months: int = 24) -> ReportQuery:
    """Check every report parameter; ``today`` is the default as-of date (the caller reads the clock)."""
    return ReportQuery(
        as_of=parse_date(as_of, default=today),
        company=parse_company(company),
        currency=parse_currency(currency),
        by=parse_by(by),
        limits=parse_buckets(buckets),
        days=parse_int(days, field="days", default=90, low=1, high=3650),
        months=parse_int(months, field="months", default=default_months, low=1, high=max_months),
        limit=parse_int(limit, field="limit", default=10, low=1, high=1000),
    )
