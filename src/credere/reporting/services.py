"""Reports as of any date: aging, metrics, their monthly series, largest overdue customers.

Each service authorises the actor (``view_ledger``), loads aggregated rows through
:mod:`credere.reporting.selectors` and lets the domain (:mod:`credere.domain.aging`,
:mod:`credere.domain.metrics`) compute the figures. Nothing here reads the clock: callers
pass ``as_of``. Exports (CSV, XLSX, files) additionally need ``export_data``
(:func:`authorize_export`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from credere.core.errors import BusinessError
from credere.domain import aging as rules
from credere.domain import metrics as figures
from credere.domain import overdue
from credere.domain.fx import MAX_RATE_AGE_DAYS, RateTable
from credere.identity.authz import authorize
from credere.ledger import selectors as ledger_selectors
from credere.ledger.models import Company, Customer
from credere.ledger.services.fx import rate_table
from credere.reporting.selectors import customers
from credere.reporting.selectors import portfolio as selectors
from credere.reporting.selectors.portfolio import reporting_currency

#: Countback months loaded at a time: most countbacks end within the first three months.
_COUNTBACK_STEPS = (3, 12, figures.COUNTBACK_MONTHS)
EXPORT_FORMATS = ("csv", "xlsx")


def _error(exc: rules.ReportError) -> BusinessError:
    field = exc.field or "request"
    return BusinessError(str(exc), code=exc.code, fields=[{"field": field, "message": str(exc)}])


def _no_rate(exc: LookupError) -> BusinessError:
    message = f"{exc}; load FX rates first (credere import)"
    return BusinessError(message, code="no_fx_rate", fields=[{"field": "currency", "message": message}])


def authorize_export(actor: Any, fmt: str, *, to_file: bool = False) -> None:
    """CSV and XLSX output, and any output written to a file, are exports (``export_data``)."""
    authorize(actor, "view_ledger")
    if fmt in EXPORT_FORMATS or to_file:
        authorize(actor, "export_data")


def _rates(on: dt.date, currencies: Iterable[str], to: str, check_on: Sequence[dt.date]) -> RateTable:
    """The rate table up to ``on``; refuses with the missing currencies when a rate is missing."""
    wanted = set(currencies)
    table = rate_table(on, wanted | {to})
    for day in check_on:
        missing = rules.missing_rates(wanted, to, table, day)
        if missing:
            message = (f"no FX rate from {', '.join(missing)} to {to} on {day.isoformat()} or in the "
                       f"{MAX_RATE_AGE_DAYS} days before; load FX rates first (credere import)")
            raise BusinessError(message, code="no_fx_rate", fields=[{"field": "currency", "message": message}])
    return table


def _company_id(company: Company | None) -> int | None:
    return company.pk if company is not None else None


# --------------------------------------------------------------------------- aging


def aging_report(*, actor: Any, as_of: dt.date, company: Company | None = None, currency: str | None = None,
                 by: rules.Dimension = "customer",
                 limits: Sequence[int] = rules.DEFAULT_LIMITS) -> rules.AgingReport:
    """Aging as of ``as_of`` grouped ``by`` customer, group, company or currency."""
    authorize(actor, "view_ledger")
    to = reporting_currency(currency)
    try:
        if by not in rules.DIMENSIONS:
            raise rules.ReportError("bad_by", f"group by one of {', '.join(rules.DIMENSIONS)}", "by")
        buckets = rules.make_buckets(limits)
        boundaries = rules.due_boundaries(buckets, as_of)
        rows, names = selectors.aging_cells(on=as_of, boundaries=boundaries, by=by, company_id=_company_id(company))
        rates = _rates(as_of, {r.currency for r in rows}, to, [as_of])
        return rules.assemble_aging(rows, as_of=as_of, by=by, buckets=buckets, reporting_currency=to,
                                    rates=rates, names=names)
    except rules.ReportError as exc:
        raise _error(exc) from None


# --------------------------------------------------------------------------- metrics


def _metrics_at(plan: figures.MetricsPlan, *, closing: figures.Receivables, opening: figures.Receivables,
                sales: figures.SalesLedger, company_id: int | None, to: str,
                rates: RateTable) -> tuple[figures.Metrics, figures.SalesLedger]:
    """Metrics of one plan, loading older sales only while the countback needs them."""
    result: figures.Metrics | None = None
    for months in _COUNTBACK_STEPS:
        start = plan.sales_start(months)
        if start < sales.start:
            sales = sales.extended(selectors.daily_sales(start=start, end=sales.start, company_id=company_id))
        result = figures.compute_metrics(plan, closing=closing, opening=opening, sales=sales,
                                         reporting_currency=to, rates=rates, countback_months=months)
        if result.dso_countback is not None:
            break
    assert result is not None
    return result, sales


def _currencies(*parts: Any) -> set[str]:
    out: set[str] = set()
    for part in parts:
        if isinstance(part, figures.Receivables):
            out |= set(part.total)
        elif isinstance(part, figures.SalesLedger):
            for day in part.daily.values():
                out |= set(day)
    return out


def metrics_report(*, actor: Any, as_of: dt.date, company: Company | None = None, currency: str | None = None,
                   dso_days: int = 90, cei_months: int = 1) -> figures.Metrics:
    """DSO (simple and countback), best possible DSO, ADD, CEI and overdue share as of ``as_of``."""
    authorize(actor, "view_ledger")
    to = reporting_currency(currency)
    cid = _company_id(company)
    try:
        plan = figures.plan_metrics(as_of, dso_days=dso_days, cei_months=cei_months)
        opening, closing = selectors.receivables_on_dates(days=[plan.cei_period.start, as_of], company_id=cid)
        sales = selectors.daily_sales(start=plan.sales_start(_COUNTBACK_STEPS[0]), end=as_of, company_id=cid)
        # The countback may load older sales in further currencies: _metrics_at then raises LookupError.
        rates = _rates(as_of, _currencies(closing, opening, sales), to, [as_of])
        return _metrics_at(plan, closing=closing, opening=opening, sales=sales, company_id=cid, to=to,
                           rates=rates)[0]
    except LookupError as exc:
        raise _no_rate(exc) from None
    except rules.ReportError as exc:
        raise _error(exc) from None


def metrics_series(*, actor: Any, as_of: dt.date, company: Company | None = None, currency: str | None = None,
                   dso_days: int = 90, months: int = 12) -> tuple[figures.Metrics, ...]:
    """The metrics at each of the last ``months`` month-ends on or before ``as_of`` (oldest first).

    Each point's CEI covers its calendar month; each point is converted at its own date's rates.
    """
    authorize(actor, "view_ledger")
    if not 1 <= months <= 36:
        raise BusinessError("give between 1 and 36 months", code="bad_months",
                            fields=[{"field": "months", "message": "between 1 and 36"}])
    to = reporting_currency(currency)
    cid = _company_id(company)
    try:
        ends = figures.month_ends(as_of, months)
        plans = [figures.plan_metrics(e, dso_days=dso_days, cei_months=1) for e in ends]
        days = sorted({d for p in plans for d in (p.as_of, p.cei_period.start)})
        recv = dict(zip(days, selectors.receivables_on_dates(days=days, company_id=cid), strict=True))
        sales = selectors.daily_sales(start=min(p.sales_start(_COUNTBACK_STEPS[0]) for p in plans), end=ends[-1],
                                      company_id=cid)
        rates = _rates(ends[-1], _currencies(*recv.values(), sales), to, ends[-1:])
        out = []
        for plan in plans:
            m, sales = _metrics_at(plan, closing=recv[plan.as_of], opening=recv[plan.cei_period.start],
                                   sales=sales, company_id=cid, to=to, rates=rates)
            out.append(m)
        return tuple(out)
    except LookupError as exc:
        raise _no_rate(exc) from None
    except rules.ReportError as exc:
        raise _error(exc) from None


# --------------------------------------------------------------------------- largest overdue


def top_overdue(*, actor: Any, as_of: dt.date, company: Company | None = None, currency: str | None = None,
                limit: int = 10) -> tuple[overdue.OverdueCustomer, ...]:
    """The ``limit`` customers with the largest overdue receivables as of ``as_of``."""
    authorize(actor, "view_ledger")
    if not 1 <= limit <= 1000:
        raise BusinessError("give a limit between 1 and 1000", code="bad_limit",
                            fields=[{"field": "limit", "message": "between 1 and 1000"}])
    report = aging_report(actor=actor, as_of=as_of, company=company, currency=currency, by="customer")
    return overdue.largest_overdue(report, limit=limit)


def customer_balances(*, actor: Any, as_of: dt.date, company: Company | None = None,
                      currency: str | None = None) -> customers.Balances:
    """Per-customer receivables and overdue from the aging by customer; an FX gap is reported, not raised."""
    rc = reporting_currency(currency)
    try:
        report = aging_report(actor=actor, as_of=as_of, company=company, currency=currency, by="customer")
    except BusinessError as exc:
        return customers.Balances(as_of, rc, {}, None, str(exc))
    return customers.Balances(as_of, report.reporting_currency, overdue.balances(report), report)


def customer_history(*, actor: Any, account_number: str, as_of: dt.date, currency: str | None = None,
                     dso_days: int = 90, months: int = 12) -> tuple[Customer, tuple[figures.Metrics, ...]]:
    """One customer's DSO, best possible DSO, days delinquent, CEI and overdue at each of ``months``
    month-ends up to ``as_of`` — the portfolio's definitions over the customer's own items (the
    customer page's chart). Refuses an unknown customer and names the missing FX rates."""
    authorize(actor, "view_ledger")
    customer = ledger_selectors.customer_by_account(account_number)
    if customer is None:
        raise BusinessError(f"no customer with account number '{account_number}'", code="not_found", status=404,
                            fields=[{"field": "customer", "message": "not found"}])
    history = customers.customer_history(customer=customer, as_of=as_of, currency=currency, months=months,
                                         dso_days=dso_days)
    if history.error:
        raise BusinessError(history.error, code="missing_rates",
                            fields=[{"field": "currency", "message": history.error}])
    return customer, history.points

