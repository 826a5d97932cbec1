"""Report parameters as the CLI and the API receive them (text), checked into values.

Every refusal is a :class:`~credere.core.errors.BusinessError` naming the parameter, so the
API answers 422 with the project's error body and the CLI prints the message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from credere.core.params import bad_parameter, parse_currency, parse_date
from credere.domain import aging as rules
from credere.ledger.models import Company
from credere.ledger.params import parse_company

FORMATS = ("table", "csv", "json", "xlsx")


def parse_by(value: str | None) -> rules.Dimension:
    for dimension in rules.DIMENSIONS:
        if (value or "customer") == dimension:
            return dimension
    raise bad_parameter("by", f"'{str(value)[:40]}' is not one of {', '.join(rules.DIMENSIONS)}", "bad_by")


def parse_buckets(value: str | None) -> tuple[int, ...]:
    if value is None or value == "":
        return rules.DEFAULT_LIMITS
    try:
        return rules.parse_limits(value)
    except rules.ReportError as exc:
        raise bad_parameter("buckets", str(exc), exc.code) from None


def parse_int(value: str | int | None, *, field: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        raise bad_parameter(field, f"'{text[:40]}' is not a whole number", f"bad_{field}")
    number = int(text)
    if not low <= number <= high:
        raise bad_parameter(field, f"must be between {low} and {high}", f"bad_{field}")
    return number


def parse_format(value: str | None, *, allowed: tuple[str, ...] = FORMATS, default: str = "table") -> str:
    value = value or default
    if value not in allowed:
        raise bad_parameter("format", f"'{value[:40]}' is not one of {', '.join(allowed)}", "bad_format")
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
