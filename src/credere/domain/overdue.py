"""Per-customer figures from the aging: receivables and overdue of each customer, and the
customers with the largest overdue receivables, in the reporting currency, as of a date.

Both are read off an :class:`~credere.domain.aging.AgingReport` grouped by customer, so they
are sums of the same converted cells as the report (``docs/reports.md``, "Conversion and
rounding"): a customer's overdue is the sum of its converted overdue buckets, its receivables
the sum of its converted line totals — the same figures on every page and in every answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from credere.domain.aging import AgingLine, AgingReport, ReportError
from credere.domain.metrics import share


@dataclass(frozen=True, slots=True)
class Balance:
    """One group's receivables (usually a customer's) in the reporting currency, from the aging."""

    total: Decimal = Decimal(0)
    overdue: Decimal = Decimal(0)
    items: int = 0
    #: Due date of the oldest item with an open debit balance.
    oldest_due: dt.date | None = None
    #: The exact open amount in each item currency.
    by_currency: dict[str, Decimal] = field(default_factory=dict)


def _not_due_first(report: AgingReport) -> None:
    first = report.buckets[0] if report.buckets else None
    if first is None or first.min_days is not None or first.max_days != 0:
        raise ReportError("bad_buckets", "overdue amounts need buckets that start with 'Not due' (first limit 0)",
                          "buckets")


def balances(report: AgingReport) -> dict[str, Balance]:
    """Each key's receivables and overdue: the sums of its lines' converted total and overdue buckets."""
    _not_due_first(report)
    zero = Decimal(0)
    lines: dict[str, list[AgingLine]] = {}
    for line in report.lines:
        lines.setdefault(line.key, []).append(line)
    out = {}
    for key, mine in lines.items():
        total = overdue = zero
        items = 0
        oldest: dt.date | None = None
        by_currency: dict[str, Decimal] = {}
        for line in mine:
            total += line.converted_total
            overdue += sum(line.converted[1:], zero)
            items += line.items
            by_currency[line.currency] = by_currency.get(line.currency, zero) + line.total
            if line.oldest_due is not None and (oldest is None or line.oldest_due < oldest):
                oldest = line.oldest_due
        out[key] = Balance(total, overdue, items, oldest, by_currency)
    return out


@dataclass(frozen=True, slots=True)
class OverdueCustomer:
    rank: int
    key: str
    name: str
    overdue: Decimal
    receivables: Decimal
    #: This customer's part of all overdue receivables, in percent.
    share_of_overdue: Decimal | None
    #: Due date of the oldest overdue item with an open debit balance.
    oldest_due: dt.date | None
    days_past_due: int | None


def largest_overdue(report: AgingReport, *, limit: int) -> tuple[OverdueCustomer, ...]:
    """Top ``limit`` keys of an aging by customer by overdue amount (ties by key).

    A customer's ``oldest_due`` is that of its oldest item with a debit balance, which is
    overdue whenever the customer has a positive overdue amount. The share of overdue is
    taken of all overdue receivables of the report (the sum of its overdue bucket totals).
    """
    of = balances(report)
    grand = sum(report.totals[1:], Decimal(0))
    ranked = sorted((-b.overdue, key) for key, b in of.items() if b.overdue > 0)[:limit]
    names = {line.key: line.name for line in report.lines}
    out = []
    for rank, (neg, key) in enumerate(ranked, start=1):
        b = of[key]
        due = b.oldest_due
        out.append(OverdueCustomer(
            rank=rank, key=key, name=names[key], overdue=-neg, receivables=b.total,
            share_of_overdue=share(-neg, grand), oldest_due=due,
            days_past_due=(report.as_of - due).days if due is not None else None,
        ))
    return tuple(out)
