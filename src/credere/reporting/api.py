"""Reports over the API (mounted at /api/v1/reports): aging, metrics, series, largest overdue,
and one customer's monthly history.

All parameters are optional query parameters given as text and checked by
:mod:`credere.reporting.params` (bad values answer 422 with the project's error body).
Amounts are decimal strings, never numbers; ``format=csv`` or ``format=xlsx`` downloads the
same report as a file (needs the ``export_data`` right).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema

from credere.adapters import tables
from credere.reporting import layout, params, services
from credere.reporting.selectors.portfolio import reporting_currency

router = Router(tags=["reports"])

_FORMATS = ("json", "csv", "xlsx")
_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

AS_OF = "Report as of this date, YYYY-MM-DD (default: today)"
COMPANY = "Company code (default: all companies)"
CURRENCY = "Reporting currency, ISO 4217 (default: the installation's reporting currency)"
FORMAT = "json (default), csv or xlsx"


class BucketOut(Schema):
    key: str
    label: str
    min_days: int | None
    max_days: int | None


class AgingLineOut(Schema):
    key: str
    name: str
    currency: str
    amounts: dict[str, str]
    total: str
    converted: dict[str, str]
    converted_total: str
    items: int
    oldest_due: str | None


class RateOut(Schema):
    currency: str
    rate: str


class AgingOut(Schema):
    as_of: str
    by: str
    company: str | None
    reporting_currency: str
    buckets: list[BucketOut]
    lines: list[AgingLineOut]
    currency_totals: list[AgingLineOut]
    totals: dict[str, str]
    total: str
    items: int
    rates: list[RateOut]


class PeriodOut(Schema):
    after: str
    to: str


class MetricsOut(Schema):
    as_of: str
    company: str | None
    reporting_currency: str
    dso_days: int
    dso_window: PeriodOut
    cei_period: PeriodOut
    receivables: str
    current: str
    overdue: str
    overdue_share: str | None
    credit_sales: str
    dso_simple: str | None
    dso_countback: str | None
    best_possible_dso: str | None
    average_days_delinquent: str | None
    cei_opening: str
    cei_credit_sales: str
    cei: str | None
    notes: list[str]


class SeriesOut(Schema):
    company: str | None
    points: list[MetricsOut]


class OverdueCustomerOut(Schema):
    rank: int
    account_number: str
    name: str
    overdue: str
    receivables: str
    share_of_overdue: str | None
    oldest_due: str | None
    days_past_due: int | None


class TopOverdueOut(Schema):
    as_of: str
    company: str | None
    reporting_currency: str
    customers: list[OverdueCustomerOut]


def _start(request: HttpRequest, fmt: str | None, **raw: Any) -> tuple[params.ReportQuery, str]:
    f = params.parse_format(fmt, allowed=_FORMATS, default="json")
    services.authorize_export(request.auth, f)  # type: ignore[attr-defined]
    return params.parse_query(today=timezone.localdate(), **raw), f


def _download(f: str, name: str, table: layout.Table, title: str) -> HttpResponse:
    headers, rows = table
    response = HttpResponse(tables.render(f, headers, rows, title), content_type=_CONTENT_TYPES[f])
    response["Content-Disposition"] = f'attachment; filename="{name}.{f}"'
    return response


def _code(q: params.ReportQuery) -> str | None:
    return q.company.code if q.company else None


@router.get("/aging", response=AgingOut, operation_id="report_aging",
            summary="Aging of open receivables as of a date")
def aging(request: HttpRequest, as_of: str | None = None, company: str | None = None, currency: str | None = None,
          by: str | None = None, buckets: str | None = None, format: str | None = None) -> Any:
    """Open amounts as of ``as_of`` by days past due, grouped ``by`` customer (default), group
    (top-most parent), company or currency; ``buckets`` are upper limits in days past due
    (default ``0,30,60,90,120``)."""
    q, f = _start(request, format, as_of=as_of, company=company, currency=currency, by=by, buckets=buckets)
    report = services.aging_report(actor=request.auth, as_of=q.as_of, company=q.company,  # type: ignore[attr-defined]
                                   currency=q.currency, by=q.by, limits=q.limits)
    if f != "json":
        return _download(f, f"aging-{q.as_of}", layout.aging_table(report), "Aging")
    return layout.aging_json(report, _code(q))


@router.get("/metrics", response=MetricsOut, operation_id="report_metrics",
            summary="DSO, best possible DSO, average days delinquent, CEI and overdue share")
def metrics(request: HttpRequest, as_of: str | None = None, company: str | None = None,
            currency: str | None = None, days: str | None = None, months: str | None = None,
            format: str | None = None) -> Any:
    """``days`` is the simple-DSO window (default 90), ``months`` the CEI period ending on the as-of date (default 1)."""
    q, f = _start(request, format, as_of=as_of, company=company, currency=currency, days=days, months=months)
    m = services.metrics_report(actor=request.auth, as_of=q.as_of, company=q.company,  # type: ignore[attr-defined]
                                currency=q.currency, dso_days=q.days, cei_months=q.months)
    if f != "json":
        return _download(f, f"metrics-{q.as_of}", layout.metrics_table(m), "Metrics")
    return layout.metrics_json(m, _code(q))


@router.get("/series", response=SeriesOut, operation_id="report_series",
            summary="The metrics at each of the last month-ends")
def series(request: HttpRequest, as_of: str | None = None, company: str | None = None,
           currency: str | None = None, days: str | None = None, months: str | None = None,
           format: str | None = None) -> Any:
    """``months`` month-ends on or before ``as_of`` (default 12, at most 36); each CEI covers its month."""
    q, f = _start(request, format, as_of=as_of, company=company, currency=currency, days=days, months=months,
                  default_months=12, max_months=36)
    points = services.metrics_series(actor=request.auth, as_of=q.as_of, company=q.company,  # type: ignore[attr-defined]
                                     currency=q.currency, dso_days=q.days, months=q.months)
    if f != "json":
        return _download(f, f"series-{q.as_of}", layout.series_table(points), "Monthly metrics")
    return layout.series_json(points, _code(q))


class CustomerHistoryOut(Schema):
    account_number: str
    name: str
    as_of: str
    reporting_currency: str
    points: list[MetricsOut]


@router.get("/customers/{account_number}/history", response=CustomerHistoryOut,
            operation_id="report_customer_history", summary="One customer's metrics at each of the last month-ends")
def customer_history(request: HttpRequest, account_number: str, as_of: str | None = None,
                     currency: str | None = None, days: str | None = None, months: str | None = None,
                     format: str | None = None) -> Any:
    """The customer's DSO, best possible DSO, days delinquent, CEI and overdue share at ``months``
    month-ends up to ``as_of`` (default 12, at most 36) — the chart of the customer page, with the
    portfolio's definitions applied to the customer's own items."""
    q, f = _start(request, format, as_of=as_of, currency=currency, days=days, months=months,
                  default_months=12, max_months=36)
    customer, points = services.customer_history(
        actor=request.auth, account_number=account_number, as_of=q.as_of,  # type: ignore[attr-defined]
        currency=q.currency, dso_days=q.days, months=q.months)
    if f != "json":
        return _download(f, f"history-{customer.account_number}-{q.as_of}", layout.series_table(points),
                         f"Monthly metrics of {customer.name}")
    return {"account_number": customer.account_number, "name": customer.name, "as_of": q.as_of.isoformat(),
            "reporting_currency": reporting_currency(q.currency),
            "points": layout.series_json(points)["points"]}


@router.get("/top-overdue", response=TopOverdueOut, operation_id="report_top_overdue",
            summary="Customers with the largest overdue receivables")
def top_overdue(request: HttpRequest, as_of: str | None = None, company: str | None = None,
                currency: str | None = None, limit: str | None = None, format: str | None = None) -> Any:
    """The ``limit`` (default 10) customers with the most overdue, in the reporting currency."""
    q, f = _start(request, format, as_of=as_of, company=company, currency=currency, limit=limit)
    rc = reporting_currency(q.currency)
    rows = services.top_overdue(actor=request.auth, as_of=q.as_of, company=q.company,  # type: ignore[attr-defined]
                                currency=q.currency, limit=q.limit)
    if f != "json":
        return _download(f, f"top-overdue-{q.as_of}", layout.top_overdue_table(rows, rc), "Largest overdue")
    return layout.top_overdue_json(rows, as_of=q.as_of, currency=rc, company=_code(q))
