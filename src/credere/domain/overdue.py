"""The customers with the largest overdue receivables, in the reporting currency, as of a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from credere.domain.aging import AgingRow, convert_sum, convert_with, rate_map
from credere.domain.fx import RateTable
from credere.domain.metrics import share


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


def largest_overdue(rows: Iterable[AgingRow], *, as_of: dt.date, limit: int, reporting_currency: str,
                    rates: RateTable, names: Mapping[str, str] | None = None) -> tuple[OverdueCustomer, ...]:
    """Top ``limit`` customers by overdue amount in the reporting currency (ties by key).

    ``rows`` are keyed by customer with two buckets: not yet due, overdue. A customer's
    ``oldest_due`` is that of its oldest item with a debit balance, which is overdue
    whenever the customer has a positive overdue amount.
    """
    names = names or {}
    to = reporting_currency
    total: dict[str, dict[str, Decimal]] = {}
    overdue: dict[str, dict[str, Decimal]] = {}
    all_overdue: dict[str, Decimal] = {}
    oldest: dict[str, dt.date] = {}
    for r in rows:
        not_due, late = r.amounts
        t = total.setdefault(r.key, {})
        t[r.currency] = t.get(r.currency, Decimal(0)) + not_due + late
        if late:
            o = overdue.setdefault(r.key, {})
            o[r.currency] = o.get(r.currency, Decimal(0)) + late
            all_overdue[r.currency] = all_overdue.get(r.currency, Decimal(0)) + late
        if r.oldest_due is not None and (r.key not in oldest or r.oldest_due < oldest[r.key]):
            oldest[r.key] = r.oldest_due
    rate = rate_map(all_overdue, to, rates, as_of)
    converted = [(convert_with(o, rate, to), key) for key, o in overdue.items()]
    ranked = sorted((-amount, key) for amount, key in converted if amount > 0)[:limit]
    grand = convert_with(all_overdue, rate, to)
    out = []
    for rank, (neg, key) in enumerate(ranked, start=1):
        due = oldest.get(key)
        out.append(OverdueCustomer(
            rank=rank, key=key, name=names.get(key, key), overdue=-neg,
            receivables=convert_sum(total[key], to, rates, as_of), share_of_overdue=share(-neg, grand),
            oldest_due=due, days_past_due=(as_of - due).days if due is not None else None,
        ))
    return tuple(out)
