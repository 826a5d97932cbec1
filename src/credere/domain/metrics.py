"""Receivables metrics as of a date: DSO (simple and countback), best possible DSO, average
days delinquent, collection effectiveness index, overdue share, largest overdue customers.

Pure: the selector loads receivables per currency as of a date and net credit sales per
posting day and currency; these functions plan which dates are needed and compute the
figures. Definitions and formulas are in ``docs/reports.md``; in short, with every amount
converted to the reporting currency at the as-of date's rates:

* receivables = open amount as of the date of every item posted by then (credit notes
  reduce it); *current* = the part not yet due (due date on or after the as-of date);
* net credit sales of a period = amounts of invoices, debit notes and credit notes posted
  in it (credit notes are negative, so they reduce sales);
* simple DSO = receivables / sales of the last N days × N;
* countback DSO = walk back month by month, taking whole months of sales off the
  receivables until what is left is smaller than a month's sales, then add that fraction of
  the month; at most :data:`COUNTBACK_MONTHS` months;
* best possible DSO = current receivables / sales of the last N days × N;
* average days delinquent = DSO − best possible DSO (both simple, both rounded);
* CEI = (opening receivables + sales − closing receivables) /
  (opening receivables + sales − closing current receivables) × 100;
* overdue share = overdue receivables / receivables × 100.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from credere.domain.aging import AgingRow, ReportError, convert_sum, rate_map
from credere.domain.cells import conversions
from credere.domain.fx import RateTable
from credere.domain.money import from_storage, quantum, to_storage

#: The countback walks back at most this many months.
COUNTBACK_MONTHS = 24
#: Days (DSO, BPDSO, ADD) and percentages (CEI, overdue share) are rounded half-even to this.
RATIO_QUANTUM = Decimal("0.01")
MAX_DSO_DAYS = 3650
MAX_CEI_MONTHS = 24

ByCurrency = Mapping[str, Decimal]


def _ratio(value: Decimal) -> Decimal:
    return value.quantize(RATIO_QUANTUM, rounding=ROUND_HALF_EVEN)


# --------------------------------------------------------------------------- calendar


def is_month_end(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier; a month-end maps to a month-end (31 Mar → 28 Feb → 31 Jan)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    if y < dt.MINYEAR:
        raise ReportError("bad_date", f"{day.isoformat()} is too early for this report", "as_of")
    last = calendar.monthrange(y, m + 1)[1]
    return dt.date(y, m + 1, last if is_month_end(day) else min(day.day, last))


def month_ends(as_of: dt.date, count: int) -> tuple[dt.date, ...]:
    """The ``count`` most recent month-ends on or before ``as_of``, oldest first."""
    last = as_of if is_month_end(as_of) else as_of.replace(day=1) - dt.timedelta(days=1)
    return tuple(months_before(last, k) for k in range(count - 1, -1, -1))


@dataclass(frozen=True, slots=True)
class Period:
    """The days after ``start`` up to and including ``end``."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def month_periods(as_of: dt.date, count: int) -> tuple[Period, ...]:
    """Month-long periods ending at ``as_of``, newest first (calendar months if ``as_of`` is a month-end)."""
    ends = [months_before(as_of, k) for k in range(count + 1)]
    return tuple(Period(ends[k + 1], ends[k]) for k in range(count))


@dataclass(frozen=True, slots=True)
class MetricsPlan:
    """The windows the metrics of one as-of date need."""

    as_of: dt.date
    dso_days: int
    dso_window: Period
    cei_period: Period
    countback: tuple[Period, ...]

    def sales_start(self, countback_months: int = COUNTBACK_MONTHS) -> dt.date:
        """The earliest day (exclusive) of net credit sales needed with that many countback months."""
        return min(self.dso_window.start, self.cei_period.start, self.countback[countback_months - 1].start)


def plan_metrics(as_of: dt.date, *, dso_days: int = 90, cei_months: int = 1) -> MetricsPlan:
    if isinstance(dso_days, bool) or not isinstance(dso_days, int) or not 1 <= dso_days <= MAX_DSO_DAYS:
        raise ReportError("bad_days", f"the DSO window must be between 1 and {MAX_DSO_DAYS} days", "days")
    if isinstance(cei_months, bool) or not isinstance(cei_months, int) or not 1 <= cei_months <= MAX_CEI_MONTHS:
        raise ReportError("bad_months", f"the CEI period must be between 1 and {MAX_CEI_MONTHS} months", "months")
    try:
        window = Period(as_of - dt.timedelta(days=dso_days), as_of)
    except OverflowError:
        raise ReportError("bad_date", f"{as_of.isoformat()} is too early for this report", "as_of") from None
    return MetricsPlan(as_of=as_of, dso_days=dso_days, dso_window=window,
                       cei_period=Period(months_before(as_of, cei_months), as_of),
                       countback=month_periods(as_of, COUNTBACK_MONTHS))


# --------------------------------------------------------------------------- inputs


#: One cell of the receivables: its item currency and its open amounts per default aging
#: bucket (the first: not yet due) in storage units (1/10,000, see
#: :data:`credere.domain.money.STORAGE_PLACES`).
Cell = tuple[str, Sequence[int]]
#: The amounts of the cells in one item currency, in storage units: the not-yet-due ones and
#: the overdue ones (each cell's other buckets), each sorted, zeros left out.
CurrencyAmounts = tuple[str, tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class Receivables:
    """Open amounts as of ``on``: the amounts of the aging's cells with the default buckets.

    A cell is one customer in one company and one item currency (see
    :class:`credere.domain.aging.AgingRow`), with one amount per bucket; each amount is
    converted and rounded on its own, so the receivables keep just those amounts, per item
    currency and split into not yet due (the first bucket) and overdue (the others), sorted so
    that equal ledgers give equal values. Converted, the receivables are the sum of all of them
    converted — the aging's grand total — and the current part the sum of the first ones.
    """

    on: dt.date
    by_currency: tuple[CurrencyAmounts, ...] = ()

    @property
    def total(self) -> dict[str, Decimal]:
        """The exact open amount per item currency."""
        out = {c: sum(current) + sum(overdue) for c, current, overdue in self.by_currency}
        return {c: from_storage(a) for c, a in out.items() if a}

    @property
    def current(self) -> dict[str, Decimal]:
        """The exact not-yet-due amount per item currency."""
        out = {c: sum(current) for c, current, _overdue in self.by_currency}
        return {c: from_storage(a) for c, a in out.items() if a}

    def converted(self, to: str, rates: RateTable, on: dt.date) -> tuple[Decimal, Decimal]:
        """(receivables, current receivables) in ``to`` at the rates of ``on``: sums of converted cell amounts.

        Each amount is converted by the rule of :func:`credere.domain.aging.convert_cell`.
        """
        zero = Decimal(0).quantize(quantum(to))
        total = current = zero
        units = conversions(rate_map((c for c, _, _ in self.by_currency), to, rates, on), to)
        for currency, not_due, overdue in self.by_currency:
            cc = units[currency]
            part = cc.converted_sum(not_due)
            current += part
            total += part + cc.converted_sum(overdue)
        return total, current

    @classmethod
    def from_amounts(cls, on: dt.date, current: Mapping[str, list[int]],
                     overdue: Mapping[str, list[int]]) -> Receivables:
        """From the cells' non-zero amounts in storage units, per currency: not yet due, overdue."""
        currencies = sorted({c for c, a in current.items() if a} | {c for c, a in overdue.items() if a})
        return cls(on, tuple((c, tuple(sorted(current.get(c, ()))), tuple(sorted(overdue.get(c, ()))))
                             for c in currencies))

    @classmethod
    def from_cells(cls, on: dt.date, cells: Iterable[Cell]) -> Receivables:
        """From cells (currency, amounts per default bucket) in storage units."""
        current: dict[str, list[int]] = {}
        overdue: dict[str, list[int]] = {}
        for currency, amounts in cells:
            if amounts[0]:
                current.setdefault(currency, []).append(amounts[0])
            rest = [a for a in amounts[1:] if a]
            if rest:
                overdue.setdefault(currency, []).extend(rest)
        return cls.from_amounts(on, current, overdue)

    @classmethod
    def from_rows(cls, on: dt.date, rows: Iterable[AgingRow]) -> Receivables:
        """From the cells of an aging as of ``on`` (amounts of at most four decimals, as stored)."""
        return cls.from_cells(on, ((r.currency, tuple(map(to_storage, r.amounts))) for r in rows))


@dataclass(frozen=True)
class SalesLedger:
    """Net credit sales per posting day and currency, loaded for the days in ``(start, end]``."""

    start: dt.date
    end: dt.date
    daily: Mapping[dt.date, ByCurrency]
    _days: list[dt.date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_days", sorted(self.daily))

    def covers(self, period: Period) -> bool:
        return self.start <= period.start and period.end <= self.end

    def between(self, period: Period) -> dict[str, Decimal]:
        if not self.covers(period):
            raise ReportError("not_loaded", f"sales after {period.start} up to {period.end} were not loaded")
        lo = bisect.bisect_right(self._days, period.start)
        hi = bisect.bisect_right(self._days, period.end)
        out: dict[str, Decimal] = {}
        for day in self._days[lo:hi]:
            for c, a in self.daily[day].items():
                out[c] = out.get(c, Decimal(0)) + a
        return out

    def extended(self, older: SalesLedger) -> SalesLedger:
        """This ledger plus ``older``, which must end where this one starts."""
        if older.end != self.start:
            raise ReportError("not_contiguous", "sales ledgers must be contiguous")
        return SalesLedger(older.start, self.end, {**older.daily, **self.daily})


# --------------------------------------------------------------------------- formulas


def simple_dso(receivables: Decimal, sales: Decimal, days: int) -> Decimal | None:
    """Receivables / sales × days; ``None`` without positive sales; 0 if nothing is receivable."""
    if sales <= 0:
        return None
    if receivables <= 0:
        return _ratio(Decimal(0))
    return _ratio(receivables / sales * days)


@dataclass(frozen=True, slots=True)
class CountbackStep:
    """One month of the countback walk: the receivables left to explain before and after it."""

    #: Months back from the as-of date: 0 is the month (or month-long period) ending on it.
    month: int
    sales: Decimal
    #: Days in the month.
    days: int
    left_before: Decimal
    left_after: Decimal
    #: Days counted for this month: all of them, or the fraction left / sales of them (exact).
    counted: Decimal


def countback_walk(receivables: Decimal,
                   periods: Sequence[tuple[Decimal, int]]) -> tuple[Decimal | None, tuple[CountbackStep, ...]]:
    """The countback DSO and the months it walked through ``(sales, days)`` periods, newest first.

    While what is left exceeds a month's net sales, the month's sales are taken off and all
    its days counted; in the month where they no longer do, the fraction left / sales of its
    days is added and the walk stops. A month whose net sales are zero or negative counts all
    its days and takes nothing off. ``None`` if the periods run out first.
    """
    if receivables <= 0:
        return _ratio(Decimal(0)), ()
    remaining = receivables
    days = Decimal(0)
    steps = []
    for month, (sales, n) in enumerate(periods):
        if sales > 0 and remaining <= sales:
            counted = remaining / sales * n
            steps.append(CountbackStep(month, sales, n, remaining, Decimal(0).quantize(remaining), counted))
            return _ratio(days + counted), tuple(steps)
        after = remaining - sales if sales > 0 else remaining
        steps.append(CountbackStep(month, sales, n, remaining, after, Decimal(n)))
        remaining = after
        days += n
    return None, tuple(steps)


def countback_dso(receivables: Decimal, periods: Sequence[tuple[Decimal, int]]) -> Decimal | None:
    """The countback DSO of :func:`countback_walk`; ``None`` if the periods are not enough."""
    return countback_walk(receivables, periods)[0]


def collection_effectiveness(opening: Decimal, sales: Decimal, closing: Decimal,
                             closing_current: Decimal) -> Decimal | None:
    """CEI in percent; ``None`` when the denominator is not positive."""
    denominator = opening + sales - closing_current
    if denominator <= 0:
        return None
    return _ratio((opening + sales - closing) / denominator * 100)


def share(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part / whole`` in percent; ``None`` unless ``whole`` is positive."""
    if whole <= 0:
        return None
    return _ratio(part / whole * 100)


# --------------------------------------------------------------------------- the metrics


@dataclass(frozen=True, slots=True)
class Metrics:
    as_of: dt.date
    reporting_currency: str
    dso_days: int
    dso_window: Period
    cei_period: Period
    receivables: Decimal
    current: Decimal
    overdue: Decimal
    #: Net credit sales in the DSO window.
    credit_sales: Decimal
    dso_simple: Decimal | None
    dso_countback: Decimal | None
    best_possible_dso: Decimal | None
    average_days_delinquent: Decimal | None
    cei: Decimal | None
    cei_opening: Decimal
    cei_credit_sales: Decimal
    overdue_share: Decimal | None
    #: Reason codes for figures that could not be computed.
    notes: tuple[str, ...] = ()
    #: The countback walk, newest month first (periods: :func:`month_periods` of ``as_of``).
    countback_steps: tuple[CountbackStep, ...] = ()


def compute_metrics(plan: MetricsPlan, *, closing: Receivables, opening: Receivables, sales: SalesLedger,
                    reporting_currency: str, rates: RateTable,
                    countback_months: int = COUNTBACK_MONTHS) -> Metrics:
    """All metrics of ``plan.as_of``; every amount converted at that date's rates.

    ``closing`` are the receivables as of ``plan.as_of``, ``opening`` those as of the start
    of the CEI period; ``sales`` must cover the DSO window, the CEI period and
    ``countback_months`` countback periods. With fewer than :data:`COUNTBACK_MONTHS`
    months a countback that is not exhausted is ``None`` and the caller loads more.
    """
    to, on = reporting_currency, plan.as_of

    def conv(amounts: ByCurrency) -> Decimal:
        return convert_sum(amounts, to, rates, on)

    notes: list[str] = []
    ar, cur = closing.converted(to, rates, on)
    overdue = ar - cur
    window_sales = conv(sales.between(plan.dso_window))
    dso = simple_dso(ar, window_sales, plan.dso_days)
    bpdso = simple_dso(cur, window_sales, plan.dso_days)
    if dso is None:
        notes.append("no_credit_sales")
    periods = [(conv(sales.between(p)), p.days) for p in plan.countback[:countback_months]]
    countback, steps = countback_walk(ar, periods)
    if countback is None and countback_months >= COUNTBACK_MONTHS:
        notes.append("countback_beyond_limit")
    cei_opening = opening.converted(to, rates, on)[0]
    cei_sales = conv(sales.between(plan.cei_period))
    cei = collection_effectiveness(cei_opening, cei_sales, ar, cur)
    if cei is None:
        notes.append("cei_undefined")
    overdue_share = share(overdue, ar)
    if overdue_share is None:
        notes.append("no_receivables")
    return Metrics(
        as_of=on, reporting_currency=to, dso_days=plan.dso_days, dso_window=plan.dso_window,
        cei_period=plan.cei_period, receivables=ar, current=cur, overdue=overdue, credit_sales=window_sales,
        dso_simple=dso, dso_countback=countback, best_possible_dso=bpdso,
        average_days_delinquent=dso - bpdso if dso is not None and bpdso is not None else None,
        cei=cei, cei_opening=cei_opening, cei_credit_sales=cei_sales, overdue_share=overdue_share,
        notes=tuple(notes), countback_steps=steps,
    )
