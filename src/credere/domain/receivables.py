"""Receivables as of many dates at once, from today's open items and the allocations since.

An item's open amount as of ``D`` is today's open amount corrected by the allocations applied
or reversed after ``D`` (:func:`credere.domain.aging.as_of_correction`): an allocation applied
after ``D`` and standing adds its amount back; one applied by ``D`` and reversed after it takes
it off again. So the receivables as of every date of a series (the month-ends of the monthly
metrics) come from one read of today's open items and one of the allocations since the first
date: each part is spread over the dates it counts on, in the aging bucket its due date falls
in on each of them, and added to its cell (customer, company, item currency). The cells are
then exactly the aging's cells as of each date (the default buckets), converted and rounded by
the same rule (:class:`credere.domain.metrics.Receivables`).

Pure: rows in, :class:`~credere.domain.metrics.Receivables` out. Amounts are integers in
storage units (:data:`credere.domain.money.STORAGE_PLACES`).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence

from credere.domain.aging import DEFAULT_LIMITS, bucket_of, make_buckets
from credere.domain.metrics import Receivables

#: Today's open item: (customer, company, currency, posting date, due date, open amount now).
OpenPart = tuple[Hashable, Hashable, str, dt.date, dt.date, int]
#: An allocation applied or reversed after the first date, as seen from one item: (customer,
#: company, currency, posting date, due date of the item, amount it took off the item's open
#: amount — negative for a credit note used —, applied on, reversed on).
MovedPart = tuple[Hashable, Hashable, str, dt.date, dt.date, int, dt.date, dt.date | None]


def _places(days: Sequence[dt.date], n: int) -> Callable[[dt.date, int, int], list[int]]:
    """Flat places (``date index × n + bucket``) of the dates ``lo ≤ j < hi`` for an item due on ``due``."""
    buckets = make_buckets(DEFAULT_LIMITS)
    cache: dict[tuple[dt.date, int, int], list[int]] = {}

    def places(due: dt.date, lo: int, hi: int) -> list[int]:
        key = (due, lo, hi)
        found = cache.get(key)
        if found is None:
            found = cache[key] = [j * n + bucket_of(due, days[j], buckets) for j in range(lo, hi)]
        return found

    return places


_Part = tuple[Hashable, Hashable, str, dt.date, dt.date, int, dt.date | None, dt.date | None]


def _parts(open_parts: Iterable[OpenPart], moved_parts: Iterable[MovedPart]) -> Iterator[_Part]:
    """Today's open items as parts without an application date, then the allocations."""
    for customer, company, currency, posted, due, amount in open_parts:
        yield customer, company, currency, posted, due, amount, None, None
    yield from moved_parts


def receivables_on_dates(days: Sequence[dt.date], open_parts: Iterable[OpenPart],
                         moved_parts: Iterable[MovedPart]) -> tuple[Receivables, ...]:
    """The receivables as of each of ``days`` (sorted, distinct), with the default buckets.

    ``open_parts`` are today's open items posted by the last date, ``moved_parts`` the
    allocations applied or reversed after the first date on items posted by the last date.
    An item counts from the first date on or after its posting date; a standing allocation
    applied after a date adds its amount on that date, one applied by a date and reversed
    after it takes its amount off.
    """
    days = list(days)
    end, n = len(days), len(DEFAULT_LIMITS) + 1
    size = end * n
    places = _places(days, n)
    slots: dict[dt.date, int] = {}
    # Per cell (customer, company, currency): the amounts per date and bucket, flat. Written
    # out, without a call per part: it runs for every open item and allocation of the series.
    cells: dict[tuple[Hashable, Hashable, str], list[int]] = {}
    for part in _parts(open_parts, moved_parts):
        customer, company, currency, posted, due, amount, applied, reversed_on = part
        lo = slots.get(posted, -1)
        if lo < 0:
            lo = slots[posted] = bisect.bisect_left(days, posted)  # the first date on or after it
        if applied is None:  # open today: counts from its posting on
            hi = end
        else:
            hi = slots.get(applied, -1)
            if hi < 0:
                hi = slots[applied] = bisect.bisect_left(days, applied)
            if reversed_on is not None:  # there from its application until its reversal
                lo = max(lo, hi)
                hi = slots.get(reversed_on, -1)
                if hi < 0:
                    hi = slots[reversed_on] = bisect.bisect_left(days, reversed_on)
                amount = -amount
            # else: not there yet on the dates before it was applied
        if lo >= hi or not amount:
            continue
        flat = cells.get((customer, company, currency))
        if flat is None:
            flat = cells[(customer, company, currency)] = [0] * size
        for i in places(due, lo, hi):
            flat[i] += amount
    current: list[dict[str, list[int]]] = [{} for _ in days]
    overdue: list[dict[str, list[int]]] = [{} for _ in days]
    for (_customer, _company, currency), flat in cells.items():
        for j in range(end):
            a = j * n
            if flat[a]:
                current[j].setdefault(currency, []).append(flat[a])
            rest = [x for x in flat[a + 1:a + n] if x]
            if rest:
                overdue[j].setdefault(currency, []).extend(rest)
    return tuple(Receivables.from_amounts(day, current[j], overdue[j]) for j, day in enumerate(days))
