"""Figures of one customer or a few (a corporate group): balances, aging and month-end history.

The portfolio's rules, applied to a few customers' own rows: balances come from the aging
report (:mod:`credere.reporting.services`), a few customers' aging and history from
:func:`credere.domain.aging.open_as_of` and :func:`credere.domain.metrics.compute_metrics`.
The customer pages, ``/api/v1/reports/customers/…`` and ``credere report customer`` read them here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q

from credere.domain import aging as aging_rules
from credere.domain import metrics as figures
from credere.domain import overdue
from credere.domain.aging import AllocationHistory, open_as_of
from credere.ledger.models import Allocation, Customer, OpenItem
from credere.ledger.services.fx import rate_table
from credere.reporting.selectors.portfolio import reporting_currency

# --------------------------------------------------------------------------- balances from the aging report


@dataclass
class Balances:
    as_of: dt.date
    currency: str
    by_account: dict[str, overdue.Balance]
    report: aging_rules.AgingReport | None = None
    error: str = ""

    def of(self, account: str) -> overdue.Balance | None:
        return self.by_account.get(account)


# --------------------------------------------------------------------------- a few customers, from their own rows


@dataclass(frozen=True)
class _Ledger:
    """The items (pk, customer_id, type, posted, due, currency, amount, company_id) and allocation history."""

    rows: list[tuple[int, int, str, dt.date, dt.date, str, Decimal, int]]
    history: dict[int, list[AllocationHistory]]

    def open_on(self, on: dt.date) -> Iterator[tuple[int, int, dt.date, str, Decimal, int]]:
        """(item, customer, due date, currency, open amount, company) of every item open at the end of ``on``."""
        for pk, customer_id, kind, posted, due, cur, amount, company_id in self.rows:
            if posted > on:
                continue
            value = open_as_of(amount, self.history.get(pk, ()), on, credit_note=kind == OpenItem.Type.CREDIT_NOTE)
            if value:
                yield pk, customer_id, due, cur, value, company_id

    def cells(self, on: dt.date, buckets: Sequence[aging_rules.Bucket],
              accounts: dict[int, str]) -> list[aging_rules.AgingRow]:
        """The aging's cells as of ``on`` (customer, company, currency), keyed by account number."""
        n = len(buckets)
        cells: dict[tuple[str, int, str], list[Any]] = {}
        for _pk, customer_id, due, cur, value, company_id in self.open_on(on):
            cell = cells.setdefault((accounts[customer_id], company_id, cur), [[Decimal(0)] * n, 0, None])
            cell[0][aging_rules.bucket_of(due, on, buckets)] += value
            cell[1] += 1
            if value > 0 and (cell[2] is None or due < cell[2]):
                cell[2] = due
        return [aging_rules.AgingRow(key=k, currency=c, amounts=tuple(v[0]), items=v[1], oldest_due=v[2])
                for (k, _company, c), v in cells.items()]


def _ledger(customer_ids: Sequence[int], until: dt.date) -> _Ledger:
    rows = list(OpenItem.objects.filter(customer_id__in=list(customer_ids), posting_date__lte=until)
                .values_list("pk", "customer_id", "document_type", "posting_date", "due_date", "currency", "amount",
                         "company_id"))
    history: dict[int, list[AllocationHistory]] = {}
    for target_id, credit_id, amount, source_amount, applied, reversed_on in (
            Allocation.objects.filter(Q(target__customer_id__in=list(customer_ids))
                                      | Q(credit_note__customer_id__in=list(customer_ids)))
            .values_list("target_id", "credit_note_id", "amount", "source_amount", "applied_on", "reversed_on")):
        history.setdefault(target_id, []).append(AllocationHistory(amount, applied, reversed_on))
        if credit_id is not None:
            history.setdefault(credit_id, []).append(AllocationHistory(source_amount, applied, reversed_on))
    return _Ledger(rows, history)


@dataclass(frozen=True)
class CustomersAging:
    report: aging_rules.AgingReport | None
    error: str = ""

    def balance(self, account: str) -> overdue.Balance:
        """The customer's receivables and overdue: sums of its converted cells, as on every page."""
        if self.report is None:
            return overdue.Balance()
        return overdue.balances(self.report).get(account) or overdue.Balance()


def customers_aging(*, customers: Sequence[Customer], as_of: dt.date, currency: str | None = None,
                    limits: Sequence[int] = aging_rules.DEFAULT_LIMITS) -> CustomersAging:
    """The aging of a few customers (one customer, a corporate group) as of ``as_of``.

    Computed from their own items with :func:`credere.domain.aging.open_as_of` and assembled by
    :func:`credere.domain.aging.assemble_aging` — the portfolio report's rules — so that only
    the rates of their own currencies are needed.
    """
    to = reporting_currency(currency)
    buckets = aging_rules.make_buckets(limits)
    accounts = {c.pk: c.account_number for c in customers}
    names = {c.account_number: c.name for c in customers}
    rows = _ledger(list(accounts), as_of).cells(as_of, buckets, accounts)
    try:
        rates = rate_table(as_of, {r.currency for r in rows} | {to})
        report = aging_rules.assemble_aging(rows, as_of=as_of, by="customer", buckets=buckets, reporting_currency=to,
                                            rates=rates, names=names)
    except LookupError as exc:
        return CustomersAging(None, f"{exc}; load FX rates first")
    except aging_rules.ReportError as exc:
        return CustomersAging(None, str(exc))
    return CustomersAging(report)


# --------------------------------------------------------------------------- a customer's history


@dataclass(frozen=True)
class CustomerHistory:
    points: tuple[figures.Metrics, ...]
    error: str = ""


def customer_history(*, customer: Customer, as_of: dt.date, currency: str | None = None,
                     months: int = 12, dso_days: int = 90) -> CustomerHistory:
    """The customer's DSO, best possible DSO, days delinquent and overdue at each month-end.

    The customer's items and allocations are loaded once; open amounts as of each date come
    from :func:`credere.domain.aging.open_as_of` and the figures from
    :func:`credere.domain.metrics.compute_metrics` — the same definitions as the portfolio.
    """
    to = reporting_currency(currency)
    ends = figures.month_ends(as_of, months)
    plans = [figures.plan_metrics(e, dso_days=dso_days, cei_months=1) for e in ends]
    start = min(p.sales_start(figures.COUNTBACK_MONTHS) for p in plans)
    ledger = _ledger([customer.pk], ends[-1])
    daily: dict[dt.date, dict[str, Decimal]] = {}
    for _pk, _c, _kind, posted, _due, cur, amount, _company in ledger.rows:
        if posted > start:
            day = daily.setdefault(posted, {})
            day[cur] = day.get(cur, Decimal(0)) + amount
    sales = figures.SalesLedger(start, ends[-1], daily)

    buckets = aging_rules.make_buckets(aging_rules.DEFAULT_LIMITS)
    accounts = {customer.pk: customer.account_number}

    def receivables(on: dt.date) -> figures.Receivables:
        return figures.Receivables.from_rows(on, ledger.cells(on, buckets, accounts))

    try:
        currencies = {r[5] for r in ledger.rows} | {to}
        rates = rate_table(ends[-1], currencies)
        points = tuple(figures.compute_metrics(p, closing=receivables(p.as_of), opening=receivables(p.cei_period.start),
                                               sales=sales, reporting_currency=to, rates=rates) for p in plans)
    except LookupError as exc:
        return CustomerHistory((), f"{exc}; load FX rates first")
    except aging_rules.ReportError as exc:
        return CustomerHistory((), str(exc))
    return CustomerHistory(points)
