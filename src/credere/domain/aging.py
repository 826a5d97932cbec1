"""Aging of receivables as of any date: buckets, open amounts as of a date, the report.

Everything here is pure: the as-of date comes in as an argument, aggregated amounts come
in as :class:`AgingCell` values (the selector sums them in SQL), and the report comes out.

*Days past due* of an item on ``as_of`` is ``(as_of - due_date).days``; an item due today
is not yet due (0 days past due). Buckets are given by their upper limits in days past
due, e.g. ``(0, 30, 60, 90, 120)`` gives *not due* (≤ 0), 1–30, 31–60, 61–90, 91–120 and
over 120.

Converted amounts follow one rule everywhere (see ``docs/reports.md``, "Conversion and
rounding"). Each :class:`AgingRow` is one *cell*: the open amounts of one customer in one of
our companies and one item currency, one per bucket. Each cell amount is converted at the
as-of rate and rounded half-even, once, to the reporting currency's minor unit
(:func:`convert_cell`, with :func:`credere.domain.fx.convert_rounded`). Every converted figure
of a report — a line's buckets and total, the totals per currency and bucket, the grand
total, a customer's receivables and overdue, the metrics' receivables — is a sum of those
rounded cell amounts, so every total is the sum of the figures shown next to it and a
customer's figures are the same whichever report, page or grouping shows them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal, NamedTuple

from credere.domain.cells import CellConversion, conversions
from credere.domain.fx import RateTable, convert_rounded
from credere.domain.money import from_storage, quantum

#: Default bucket limits: not due, 1–30, 31–60, 61–90, 91–120, over 120 days past due.
DEFAULT_LIMITS: tuple[int, ...] = (0, 30, 60, 90, 120)
#: At most this many limits (so at most one more bucket).
MAX_LIMITS = 12
#: The largest limit accepted, in days (ten years).
MAX_LIMIT_DAYS = 3650

Dimension = Literal["customer", "group", "company", "currency"]
DIMENSIONS: tuple[Dimension, ...] = ("customer", "group", "company", "currency")


class ReportError(ValueError):
    """A report request that cannot be answered; ``code`` and ``field`` are machine-readable."""

    def __init__(self, code: str, message: str, field: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.field = field


# --------------------------------------------------------------------------- buckets


@dataclass(frozen=True, slots=True)
class Bucket:
    """Items whose days past due lie in ``[min_days, max_days]`` (``None``: unbounded)."""

    index: int
    key: str
    label: str
    min_days: int | None
    max_days: int | None

    def holds(self, days_past_due: int) -> bool:
        return (self.min_days is None or days_past_due >= self.min_days) and (
            self.max_days is None or days_past_due <= self.max_days
        )


def make_buckets(limits: Sequence[int] = DEFAULT_LIMITS) -> tuple[Bucket, ...]:
    """Buckets from strictly increasing upper limits in days past due (0 ≤ limit ≤ 3650)."""
    if not limits:
        raise ReportError("bad_buckets", "give at least one bucket limit, e.g. 0,30,60,90,120", "buckets")
    if len(limits) > MAX_LIMITS:
        raise ReportError("bad_buckets", f"give at most {MAX_LIMITS} bucket limits", "buckets")
    for i, limit in enumerate(limits):
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise ReportError("bad_buckets", f"bucket limit {limit!r} is not a whole number of days", "buckets")
        if not 0 <= limit <= MAX_LIMIT_DAYS:
            raise ReportError("bad_buckets", f"bucket limit {limit} must be between 0 and {MAX_LIMIT_DAYS} days",
                              "buckets")
        if i and limit <= limits[i - 1]:
            raise ReportError("bad_buckets", "bucket limits must increase strictly, e.g. 0,30,60,90,120", "buckets")
    first = limits[0]
    buckets = [Bucket(0, "not_due" if first == 0 else f"upto_{first}",
                      "Not due" if first == 0 else f"Up to {first}", None, first)]
    for i in range(1, len(limits)):
        lo, hi = limits[i - 1] + 1, limits[i]
        buckets.append(Bucket(i, f"d{lo}_{hi}", f"{lo}–{hi}", lo, hi))
    last = limits[-1]
    buckets.append(Bucket(len(limits), f"over_{last}", f"Over {last}", last + 1, None))
    return tuple(buckets)


def parse_limits(text: str) -> tuple[int, ...]:
    """``"0,30,60,90,120"`` → ``(0, 30, 60, 90, 120)``; the result is checked by :func:`make_buckets`."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) > MAX_LIMITS or len(text) > 200:
        raise ReportError("bad_buckets", f"give at most {MAX_LIMITS} bucket limits", "buckets")
    limits: list[int] = []
    for part in parts:
        if not part.isascii() or not part.isdigit():
            raise ReportError("bad_buckets", f"'{part}' is not a whole number of days; write limits like "
                                             "0,30,60,90,120", "buckets")
        limits.append(int(part))
    make_buckets(limits)
    return tuple(limits)


def due_boundaries(buckets: Sequence[Bucket], as_of: dt.date) -> tuple[dt.date, ...]:
    """Due-date boundaries for SQL: item in bucket ``i`` for the first ``i`` with ``due_date >= b[i]``.

    Items due before every boundary fall in the last bucket.
    """
    try:
        return tuple(as_of - dt.timedelta(days=b.max_days) for b in buckets if b.max_days is not None)
    except OverflowError:
        raise ReportError("bad_date", f"{as_of.isoformat()} is too early for these buckets", "as_of") from None


def bucket_of(due_date: dt.date, as_of: dt.date, buckets: Sequence[Bucket]) -> int:
    """Index of the bucket an item due on ``due_date`` falls in on ``as_of``."""
    days = (as_of - due_date).days
    for b in buckets:
        if b.holds(days):
            return b.index
    raise AssertionError("buckets do not cover every day")  # pragma: no cover - make_buckets covers all


# --------------------------------------------------------------------------- open amount as of a date


@dataclass(frozen=True, slots=True)
class AllocationHistory:
    """One allocation as seen from an item, in the item's currency.

    For an invoice or debit note (the target) ``amount`` is the allocation's ``amount``; for
    a credit note used as the source it is the allocation's ``source_amount``.
    """

    amount: Decimal
    applied_on: dt.date
    reversed_on: dt.date | None = None

    def active_on(self, on: dt.date) -> bool:
        return self.applied_on <= on and (self.reversed_on is None or self.reversed_on > on)


def open_as_of(amount: Decimal, allocations: Iterable[AllocationHistory], on: dt.date, *,
               credit_note: bool = False) -> Decimal:
    """The definition: amount minus what was allocated and not reversed at the end of ``on``.

    A credit note (negative amount) moves towards zero as it is used: amount + used.
    """
    used = sum((a.amount for a in allocations if a.active_on(on)), Decimal(0))
    return amount + used if credit_note else amount - used


def open_now(amount: Decimal, allocations: Iterable[AllocationHistory], *, credit_note: bool = False) -> Decimal:
    """The denormalised open amount the ledger keeps: every allocation not reversed counts."""
    used = sum((a.amount for a in allocations if a.reversed_on is None), Decimal(0))
    return amount + used if credit_note else amount - used


def as_of_correction(allocations: Iterable[AllocationHistory], on: dt.date) -> Decimal:
    """``open_as_of(on) - open_now`` for a target (negate it for a credit note).

    Only allocations applied after ``on`` and still standing (they were not there yet), or
    applied by ``on`` and reversed after it (they were there then), contribute; so a report
    as of today reads no allocation rows at all. The selector computes the same in SQL.
    """
    total = Decimal(0)
    for a in allocations:
        if a.reversed_on is None and a.applied_on > on:
            total += a.amount
        elif a.reversed_on is not None and a.applied_on <= on < a.reversed_on:
            total -= a.amount
    return total


def open_as_of_from_current(current_open: Decimal, allocations: Iterable[AllocationHistory], on: dt.date, *,
                            credit_note: bool = False) -> Decimal:
    """The efficient formulation: correct today's open amount by the allocations after ``on``."""
    correction = as_of_correction(allocations, on)
    return current_open - correction if credit_note else current_open + correction


# --------------------------------------------------------------------------- conversion


def rate_map(currencies: Iterable[str], to: str, rates: RateTable, on: dt.date) -> dict[str, Decimal]:
    """The rate of each currency to ``to`` on ``on`` (raises ``LookupError`` for a missing one)."""
    return {c: rates.rate(c, to, on) for c in sorted(set(currencies))}


def convert_with(per_currency: Mapping[str, Decimal], rate: Mapping[str, Decimal], to: str) -> Decimal:
    """:func:`convert_sum` with the rates looked up already (``rate[currency]``)."""
    tq = quantum(to)
    total = Decimal(0).quantize(tq)
    for currency in sorted(per_currency):
        amount = per_currency[currency]
        if amount:
            total += convert_rounded(amount, rate[currency], tq)
    return total


def convert_sum(per_currency: Mapping[str, Decimal], to: str, rates: RateTable, on: dt.date) -> Decimal:
    """Convert each per-currency amount at ``on``, round it half-even to ``to``, add them up.

    For amounts that are cells of their own (one period's net credit sales per currency).
    """
    return convert_with(per_currency, rate_map((c for c, a in per_currency.items() if a), to, rates, on), to)


def missing_rates(currencies: Iterable[str], to: str, rates: RateTable, on: dt.date) -> list[str]:
    """Currencies that cannot be converted to ``to`` on ``on`` (sorted)."""
    missing = []
    for c in sorted(set(currencies)):
        try:
            rates.rate(c, to, on)
        except LookupError:
            missing.append(c)
    return missing


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True, slots=True)
class AgingRow:
    """A cell: open amounts (item currency, exact) of one customer in one company and one item
    currency, one per bucket, keyed by the group the report shows it in (the customer's
    account, its group's root, the company or the currency).

    The cell is the unit of conversion: its amounts are converted and rounded once, and
    every converted figure is a sum of converted cells. ``items`` counts the open items, ``oldest_due`` is the earliest due date of those with a
    debit balance (``None`` if there is none).
    """

    key: str
    currency: str
    amounts: tuple[Decimal, ...]
    items: int = 0
    oldest_due: dt.date | None = None


class StoredCell(NamedTuple):
    """An :class:`AgingRow` as the database sums it: the amounts in storage units (1/10,000 of
    the currency unit, :data:`credere.domain.money.STORAGE_PLACES`), as the selector reads them
    (a named tuple: reports build tens of thousands)."""

    key: str
    currency: str
    units: tuple[int, ...]
    items: int = 0
    oldest_due: dt.date | None = None

    def row(self) -> AgingRow:
        return AgingRow(self.key, self.currency, tuple(from_storage(u) for u in self.units), self.items,
                        self.oldest_due)


@dataclass(frozen=True, slots=True)
class AgingLine:
    """One group in one item currency: per-bucket amounts, and the same converted."""

    key: str
    name: str
    currency: str
    amounts: tuple[Decimal, ...]
    total: Decimal
    converted: tuple[Decimal, ...]
    converted_total: Decimal
    items: int
    oldest_due: dt.date | None


@dataclass(frozen=True, slots=True)
class AgingReport:
    as_of: dt.date
    by: Dimension
    reporting_currency: str
    buckets: tuple[Bucket, ...]
    lines: tuple[AgingLine, ...]
    #: One line per item currency (``key`` = currency): exact totals of all lines.
    currency_totals: tuple[AgingLine, ...]
    #: Per bucket, in the reporting currency.
    totals: tuple[Decimal, ...]
    total: Decimal
    #: The rate used for each item currency: 1 unit = rate reporting currency.
    rates: tuple[tuple[str, Decimal], ...]

    @property
    def items(self) -> int:
        return sum(line.items for line in self.lines)


def convert_cell(amounts: Sequence[Decimal], currency: str, rate: Decimal, to: str) -> tuple[Decimal, ...]:
    """The rule: each amount of a cell converted and rounded once (``docs/reports.md``).

    The definition; reports do the same arithmetic with the quanta and rate looked up once per
    currency (:class:`credere.domain.cells.CellConversion`).
    """
    q, tq = quantum(currency), quantum(to)
    zero = Decimal(0).quantize(tq)
    exact = [a.quantize(q, rounding=ROUND_HALF_EVEN) if a else a for a in amounts]
    return tuple([convert_rounded(a, rate, tq) if a else zero for a in exact])


def _line(key: str, name: str, currency: str, cells: Sequence[tuple[list[Decimal], list[Decimal], int, dt.date | None]],
          cc: CellConversion, n: int) -> AgingLine:
    """A line from its cells (exact amounts, converted amounts, items, oldest due date): sums column by column."""
    if len(cells) == 1:
        amounts, converted, items, oldest = cells[0]
    else:
        amounts = [sum(column, cc.zero) for column in zip(*(c[0] for c in cells), strict=True)] or [cc.zero] * n
        converted = [sum(column, cc.to_zero) for column in zip(*(c[1] for c in cells), strict=True)] or [cc.to_zero] * n
        items = sum(c[2] for c in cells)
        oldest = min((c[3] for c in cells if c[3] is not None), default=None)
    return AgingLine(key=key, name=name, currency=currency, amounts=tuple(amounts), total=sum(amounts, cc.zero),
                     converted=tuple(converted), converted_total=sum(converted, cc.to_zero), items=items,
                     oldest_due=oldest)


def assemble_aging(rows: Iterable[AgingRow | StoredCell], *, as_of: dt.date, by: Dimension,
                   buckets: Sequence[Bucket], reporting_currency: str, rates: RateTable,
                   names: Mapping[str, str] | None = None) -> AgingReport:
    """Build the aging report from cells (the selector's output: see :class:`AgingRow`, :class:`StoredCell`).

    Each row is one cell — one customer in one company and one item currency — keyed by
    the group it belongs to. Its amounts are converted by the rule of :func:`convert_cell`
    (:class:`credere.domain.cells.CellConversion`); lines are one per group key and item
    currency (the cells of a group are added up, exact and converted), sorted by key then
    currency; the totals per currency and bucket, and the grand total, are the sums of the
    lines. The same cells give the same totals whatever the grouping.
    """
    n = len(buckets)
    names = names or {}
    to = reporting_currency
    rows = list(rows)
    rate = rate_map((r.currency for r in rows), to, rates, as_of)
    units = conversions(rate, to)
    cells: dict[tuple[str, str], list[tuple[list[Decimal], list[Decimal], int, dt.date | None]]] = {}
    for row in rows:
        cc = units[row.currency]
        exact = cc.exact(row.units) if isinstance(row, StoredCell) else cc.exact_of(row.amounts)
        if len(exact) != n:
            raise ReportError("bad_row", f"a row has {len(exact)} amounts for {n} buckets")
        cells.setdefault((row.key, row.currency), []).append((exact, cc.converted(exact), row.items, row.oldest_due))
    lines = [_line(key, names.get(key, key), c, mine, units[c], n) for (key, c), mine in sorted(cells.items())]
    per_currency: dict[str, list[tuple[list[Decimal], list[Decimal], int, dt.date | None]]] = {c: [] for c in units}
    for line in lines:
        per_currency[line.currency].append((list(line.amounts), list(line.converted), line.items, line.oldest_due))
    currency_totals = tuple(_line(c, c, c, per_currency[c], cc, n) for c, cc in units.items())
    tz = Decimal(0).quantize(quantum(to))
    totals = tuple(sum((t.converted[i] for t in currency_totals), tz) for i in range(n))
    return AgingReport(as_of=as_of, by=by, reporting_currency=to, buckets=tuple(buckets), lines=tuple(lines),
                       currency_totals=currency_totals, totals=totals, total=sum(totals, tz),
                       rates=tuple(rate.items()))
