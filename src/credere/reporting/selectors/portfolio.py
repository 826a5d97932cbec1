"""Reads for the reports: the aggregation runs in SQL, the results come back as domain values.

Open amounts as of a date ``D`` are never rebuilt from all allocations. The ledger keeps each
item's current ``open_amount``; the queries correct it only by the allocations applied after
``D`` (and not reversed) and those applied by ``D`` but reversed after it — see
:func:`credere.domain.aging.as_of_correction`. A report as of today therefore reads only the
open items (a small partial index, see ``docs/reports.md``) and hardly any allocation.

Amount columns are integers in 1/10000 units; sums are converted with
:func:`credere.domain.money.from_storage`, so no float is ever involved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connections, router

from credere.domain import receivables as history
from credere.domain.aging import AgingRow, Dimension, StoredCell
from credere.domain.metrics import Receivables, SalesLedger
from credere.domain.money import STORAGE_PLACES, from_storage
from credere.ledger.models import Allocation, Company, Customer, OpenItem


def _cursor() -> Any:
    return connections[router.db_for_read(OpenItem)].cursor()


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])  # SQLite returns aggregates of dates as text


_ZERO = from_storage(0)


def _amount(value: Any) -> Decimal:
    """An integer sum in storage units (``None`` for no rows) as an exact Decimal."""
    if not value:
        return _ZERO
    return Decimal(value if isinstance(value, int) else int(value)).scaleb(-STORAGE_PLACES)


def _open_items_cte(on: dt.date, company_id: int | None, params: list[Any]) -> str:
    """CTEs ``moved``, ``corr`` and ``open_items`` (company_id, customer_id, currency, due_date, open_as_of).

    ``moved`` are the allocations applied or reversed after ``on`` (one scan, by the indexes
    on ``applied_on`` and ``reversed_on``) with their weight: +1 if applied after ``on`` and
    standing (not there yet on ``on``), -1 if applied by ``on`` and reversed after it (there
    on ``on``, gone now), 0 if both happened after ``on``. ``corr`` holds, per item,
    ``open_as_of(on) - open_amount`` in storage units (a credit note used sees the opposite
    weight). ``open_items`` are today's open items corrected, plus the items closed today
    that were open as of ``on`` (looked up one by one: few for recent dates; a report as of
    a year ago looks up about half the items of that year).
    """
    item, alloc = OpenItem._meta.db_table, Allocation._meta.db_table
    scope = "" if company_id is None else " AND i.company_id = %s"
    company = [] if company_id is None else [company_id]
    params += [on, on, on, on, *company, on, *company]
    return f"""
    moved AS (
        SELECT a.target_id, a.credit_note_id, a.amount, a.source_amount,
               CASE WHEN a.reversed_on IS NULL THEN 1 WHEN a.applied_on <= %s THEN -1 ELSE 0 END AS w
          FROM {alloc} a
         WHERE a.applied_on > %s OR a.reversed_on > %s
    ),
    corr AS (
        SELECT item_id, CAST(SUM(delta) AS BIGINT) AS delta FROM (
            SELECT target_id AS item_id, w * amount AS delta FROM moved
            UNION ALL
            SELECT credit_note_id, -w * source_amount FROM moved WHERE credit_note_id IS NOT NULL
        ) x GROUP BY item_id
    ),
    open_items AS (
        SELECT i.company_id, i.customer_id, i.currency, i.due_date,
               i.open_amount + COALESCE(c.delta, 0) AS open_as_of
          FROM {item} i LEFT JOIN corr c ON c.item_id = i.id
         WHERE NOT (i.open_amount = 0) AND i.posting_date <= %s{scope}
        UNION ALL
        SELECT i.company_id, i.customer_id, i.currency, i.due_date, c.delta
          FROM corr c JOIN {item} i ON i.id = c.item_id
         WHERE i.open_amount = 0 AND i.posting_date <= %s{scope}
    )"""


def _roots_cte() -> str:
    """``roots(id, root_id)``: every customer with the top-most parent of its corporate group."""
    customer = Customer._meta.db_table
    return f"""
    roots(id, root_id) AS (
        SELECT id, id FROM {customer} WHERE parent_id IS NULL
        UNION ALL
        SELECT c.id, r.root_id FROM {customer} c JOIN roots r ON c.parent_id = r.id
    )"""


def aging_rows(*, on: dt.date, boundaries: Sequence[dt.date], by: Dimension,
               company_id: int | None = None) -> tuple[list[AgingRow], dict[str, str]]:
    """:func:`aging_cells` with the amounts as ``Decimal``."""
    cells, names = aging_cells(on=on, boundaries=boundaries, by=by, company_id=company_id)
    return [c.row() for c in cells], names


def aging_cells(*, on: dt.date, boundaries: Sequence[dt.date], by: Dimension,
                company_id: int | None = None) -> tuple[list[StoredCell], dict[str, str]]:
    """Open amounts as of ``on`` per cell, one sum per bucket in storage units (one SQL query).

    A cell is one customer in one company and one item currency (the unit the domain
    converts, see :class:`credere.domain.aging.AgingRow`), keyed by the group it is shown in.

    An item is in bucket ``i`` for the first ``i`` with ``due_date >= boundaries[i]``, else
    in bucket ``len(boundaries)`` (see :func:`credere.domain.aging.due_boundaries`). Items
    posted after ``on`` are left out; so are items whose open amount as of ``on`` is zero.
    Groups are keyed by customer account number, corporate-group root account number,
    company code or currency; the second result maps keys to names.
    """
    params: list[Any] = []
    ctes = []
    if by == "group":
        ctes.append(_roots_cte())
    ctes.append(_open_items_cte(on, company_id, params))
    n = len(boundaries) + 1
    case = " ".join(f"WHEN o.due_date >= %s THEN {i}" for i in range(n - 1))
    bucket = f"CASE {case} ELSE {n - 1} END" if n > 1 else "0"
    params += boundaries
    key_expr, join, label = {
        "customer": ("o.customer_id", "", ("k.account_number", "k.name", Customer._meta.db_table)),
        "group": ("COALESCE(r.root_id, o.customer_id)", "LEFT JOIN roots r ON r.id = o.customer_id",
                  ("k.account_number", "k.name", Customer._meta.db_table)),
        "company": ("o.company_id", "", ("k.code", "k.name", Company._meta.db_table)),
        "currency": ("o.currency", "", None),
    }[by]
    # Sums come back as integers (PostgreSQL would return numeric, slower to read); a bucket
    # without items is NULL.
    # One row per cell (customer, company, currency): the unit the domain converts and rounds.
    sums = ", ".join(f"CAST(SUM(t.open_as_of) FILTER (WHERE t.bucket = {i}) AS BIGINT) AS b{i}" for i in range(n))
    grouped = f"""
        SELECT t.key_id, t.currency, {sums}, COUNT(*) AS n,
               MIN(t.due_date) FILTER (WHERE t.open_as_of > 0) AS oldest
          FROM (SELECT {key_expr} AS key_id, o.customer_id, o.company_id, o.currency, {bucket} AS bucket,
                       o.open_as_of, o.due_date
                  FROM open_items o {join}
                 WHERE NOT (o.open_as_of = 0)) t
         GROUP BY t.key_id, t.customer_id, t.company_id, t.currency"""
    columns = ", ".join(f"g.b{i}" for i in range(n))
    if label is None:
        select = f"SELECT g.key_id, g.key_id, g.currency, {columns}, g.n, g.oldest FROM ({grouped}) g ORDER BY 1, 3"
    else:
        key_col, name_col, table = label
        select = (f"SELECT {key_col}, {name_col}, g.currency, {columns}, g.n, g.oldest "
                  f"FROM ({grouped}) g JOIN {table} k ON k.id = g.key_id ORDER BY 1, 3")  # eases the domain's sort
    sql = f"WITH {'RECURSIVE ' if by == 'group' else ''}{','.join(ctes)}\n{select}"
    with _cursor() as cur:
        cur.execute(sql, params)
        fetched = cur.fetchall()
    names: dict[str, str] = {}
    cells = []
    dates: dict[Any, dt.date | None] = {None: None}
    for key, name, currency, *values in fetched:
        key = str(key)
        names[key] = name
        oldest = values[n + 1]
        day = dates.get(oldest, dt.date.min)
        if day == dt.date.min:
            day = dates[oldest] = _date(oldest)
        cells.append(StoredCell(key, currency, tuple([v or 0 for v in values[:n]]), int(values[n]), day))
    return cells, names


#: Spans of dates longer than this read the allocations since the first date without index (SQLite).
_INDEX_SPAN_DAYS = 92


def receivables(*, on: dt.date, company_id: int | None = None) -> Receivables:
    """Receivables as of ``on``: the cells of the aging by customer with the default buckets."""
    return receivables_on_dates(days=[on], company_id=company_id)[0]


def receivables_on_dates(*, days: Sequence[dt.date], company_id: int | None = None) -> tuple[Receivables, ...]:
    """Receivables as of each of ``days`` (sorted, once each) in two reads.

    Today's open items and the allocations applied or reversed after the first date are each
    read once, ungrouped; :func:`credere.domain.receivables.receivables_on_dates` spreads them
    over the dates and their cells (customer, company, currency, aging bucket as of each date).
    """
    days = sorted(set(days))
    item, alloc = OpenItem._meta.db_table, Allocation._meta.db_table
    scope = "" if company_id is None else " AND i.company_id = %s"
    company = [] if company_id is None else [company_id]
    # SQLite hands dates back as text: read them so (the converter would parse each), parse each once.
    sqlite = connections[router.db_for_read(OpenItem)].vendor == "sqlite"
    text = "CAST({} AS TEXT)" if sqlite else "{}"
    # Over a long span most allocations moved since the first date: SQLite reads them faster in
    # one pass over the table than through its indexes on applied_on and reversed_on.
    scan = " NOT INDEXED" if sqlite and (days[-1] - days[0]).days > _INDEX_SPAN_DAYS else ""
    posted, due, applied, reversed_on = (text.format(c) for c in ("i.posting_date", "i.due_date", "m.applied_on",
                                                                  "m.reversed_on"))
    open_sql = f"""SELECT i.customer_id, i.company_id, i.currency, {posted}, {due}, i.open_amount
                     FROM {item} i WHERE NOT (i.open_amount = 0) AND i.posting_date <= %s{scope}"""
    # A standing allocation counts on the dates from the item's posting to its application:
    # none if it was applied before the first date on or after the posting date.
    first_date = "CASE " + " ".join("WHEN i.posting_date <= %s THEN %s" for _ in days) + " END"
    moved_sql = f"""
        WITH moved AS (
            SELECT a.target_id, a.credit_note_id, a.amount, a.source_amount, a.applied_on, a.reversed_on
              FROM {alloc} a{scan} WHERE a.applied_on > %s OR a.reversed_on > %s
        ), m AS (
            SELECT target_id AS item_id, amount, applied_on, reversed_on FROM moved
            UNION ALL
            SELECT credit_note_id, -source_amount, applied_on, reversed_on FROM moved WHERE credit_note_id IS NOT NULL
        )
        SELECT i.customer_id, i.company_id, i.currency, {posted}, {due}, m.amount, {applied}, {reversed_on}
          FROM m JOIN {item} i ON i.id = m.item_id
         WHERE i.posting_date <= %s{scope} AND (m.reversed_on IS NOT NULL OR m.applied_on > {first_date})"""
    dates: dict[Any, dt.date | None] = {}

    def day(value: Any) -> Any:
        if value is None:
            return None
        found = dates.get(value)
        if found is None:
            found = dates[value] = _date(value)
        return found

    with _cursor() as cur:
        cur.execute(open_sql, [days[-1], *company])
        open_parts = [(c, k, cur_, day(p), day(d), int(a)) for c, k, cur_, p, d, a in cur.fetchall()]
        cur.execute(moved_sql, [days[0], days[0], days[-1], *company, *(d for d in days for _ in (0, 1))])
        moved_parts = [(c, k, cur_, day(p), day(d), int(a), day(ap), day(rv))
                       for c, k, cur_, p, d, a, ap, rv in cur.fetchall()]
    return history.receivables_on_dates(days, open_parts, moved_parts)


def daily_sales(*, start: dt.date, end: dt.date, company_id: int | None = None) -> SalesLedger:
    """Net credit sales (invoices + debit notes + credit notes, signed) per posting day in ``(start, end]``."""
    item = OpenItem._meta.db_table
    params: list[Any] = [start, end]
    scope = ""
    if company_id is not None:
        scope = " AND i.company_id = %s"
        params.append(company_id)
    sql = f"""SELECT i.posting_date, i.currency, SUM(i.amount) FROM {item} i
               WHERE i.posting_date > %s AND i.posting_date <= %s{scope}
               GROUP BY i.posting_date, i.currency"""
    with _cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    daily: dict[dt.date, dict[str, Decimal]] = {}
    for day, currency, amount in rows:
        d = _date(day)
        assert d is not None
        daily.setdefault(d, {})[currency] = _amount(amount)
    return SalesLedger(start, end, daily)


def reporting_currency(currency: str | None) -> str:
    return currency or settings.CREDERE_REPORTING_CURRENCY
