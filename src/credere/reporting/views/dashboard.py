"""The dashboard, the page behind each figure, and the aging report."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from credere.core.errors import BusinessError
from credere.domain import metrics as figures
from credere.ledger import selectors
from credere.ledger.models import Customer
from credere.ledger.params import Params, reporting_currencies
from credere.reporting import services as reports
from credere.reporting.scope import ReportScope, report_scope
from credere.web import formatting, panels
from credere.web.access import page
from credere.web.datatable import DETAIL, PRIMARY, Col, DataTable, respond_export

#: The figures on the dashboard: key, label, unit, what it means.
FIGURES: dict[str, tuple[str, str, str]] = {
    "receivables": ("Total receivables", "money",
                    "The open amount, as of the date, of every invoice, debit note and credit note posted by then, "
                    "each currency converted at that date's rate."),
    "overdue_share": ("Overdue share", "%", "Overdue receivables (due date before the as-of date) as a share of all "
                                           "receivables."),
    "dso_countback": ("DSO (countback)", "days",
                      "Days sales outstanding by the countback method: walk back month by month, taking whole months "
                      "of net credit sales off the receivables until less than a month is left."),
    "dso_simple": ("DSO (simple)", "days", "Receivables ÷ net credit sales of the DSO window × days in the window."),
    "best_possible_dso": ("Best possible DSO", "days",
                          "Current (not yet due) receivables ÷ net credit sales of the window × days: the DSO if "
                          "every customer paid on time."),
    "average_days_delinquent": ("Average days delinquent", "days",
                                "DSO (simple) − best possible DSO: how many days of sales are late on average."),
    "cei": ("Collection effectiveness index", "%",
            "(Opening receivables + credit sales − closing receivables) ÷ (opening receivables + credit sales − "
            "closing current receivables), over the month to the as-of date."),
}
CARDS = ("receivables", "overdue_share", "dso_countback", "best_possible_dso", "average_days_delinquent", "cei")


def _figure_text(key: str, m: figures.Metrics) -> str:
    value = getattr(m, key)
    unit = FIGURES[key][1]
    if unit == "money":
        return formatting.money(value, m.reporting_currency)
    if unit == "%":
        return formatting.percent(value)
    return "—" if value is None else f"{formatting.number(value, 1)} days"


def _scope_context(scope: ReportScope, p: Params) -> dict[str, Any]:
    return {
        "scope": scope, "errors": p.errors, "companies": selectors.companies(),
        "currencies": reporting_currencies(selectors.currencies()),
    }


def _accounts_to_ids(accounts: list[str]) -> dict[str, int]:
    return dict(Customer.objects.filter(account_number__in=accounts).values_list("account_number", "pk"))


def _chart(labels: list[str], datasets: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """Chart data for the page: amounts and ratios as decimal strings (the browser draws them)."""
    return {"labels": labels, "datasets": datasets, **extra}


@page("view_ledger")
def dashboard(request: HttpRequest) -> HttpResponse:
    p = Params(request)
    scope = report_scope(p)
    ctx: dict[str, Any] = _scope_context(scope, p)
    user = request.user
    try:
        m = reports.metrics_report(actor=user, as_of=scope.as_of, company=scope.company, currency=scope.currency)
        aging = reports.aging_report(actor=user, as_of=scope.as_of, company=scope.company, currency=scope.currency,
                                     by="company")
        top = reports.top_overdue(actor=user, as_of=scope.as_of, company=scope.company, currency=scope.currency,
                                  limit=10)
    except BusinessError as exc:
        ctx["report_error"] = str(exc)
        return render(request, "reporting/dashboard.html", ctx)
    try:
        series: tuple[figures.Metrics, ...] = reports.metrics_series(
            actor=user, as_of=scope.as_of, company=scope.company, currency=scope.currency, months=12)
    except BusinessError as exc:
        series = ()
        ctx["series_error"] = str(exc)
    rc = m.reporting_currency
    ids = _accounts_to_ids([t.key for t in top])

    cards = []
    for key in CARDS:
        label, unit, help_text = FIGURES[key]
        sub = ""
        if key == "receivables":
            sub = f"{formatting.money(m.overdue, rc)} overdue"
        elif key == "dso_countback":
            sub = f"Simple: {_figure_text('dso_simple', m)}"
        elif key == "cei":
            sub = f"{formatting.date(m.cei_period.start)} – {formatting.date(m.cei_period.end)}"
        elif key == "best_possible_dso":
            sub = f"{m.dso_days}-day window"
        cards.append({"key": key, "label": label, "value": _figure_text(key, m), "sub": sub, "help": help_text,
                      "href": reverse("web:figure", args=[key]) + scope.query()})

    bucket_rows = [{
        "index": b.index, "label": b.label, "amount": amount, "share": figures.share(amount, aging.total),
        "href": reverse("web:items") + scope.query(bucket=b.index),
    } for b, amount in zip(aging.buckets, aging.totals, strict=True)]
    bucket_table = DataTable(
        id="aging", request=request, rows=bucket_rows, per_page=None, caption="",
        export_name=f"aging-buckets-{scope.as_of}", empty="No open receivables on this date.",
        columns=[
            Col("label", "Days past due", link=lambda r: r["href"]),
            Col("amount", f"Amount ({rc})", "money", currency=rc),
            Col("share", "Share", "pct"),
        ],
        footer=[{"label": "Total", "amount": aging.total, "share": Decimal(100) if aging.total else None}],
    )
    top_table = DataTable(
        id="top", request=request, rows=list(top), per_page=None, caption="Largest overdue customers",
        export_name=f"largest-overdue-{scope.as_of}", empty="No customer is overdue on this date.",
        columns=[
            Col("rank", "#", "int", priority=DETAIL),
            Col("name", "Customer", link=lambda r: reverse("web:customer", args=[ids[r.key]]) + _customer_query(scope) if r.key in ids else None, lead=True),
            Col("key", "Account", "code"),
            Col("overdue", f"Overdue ({rc})", "money", currency=rc),
            Col("receivables", f"Receivables ({rc})", "money", currency=rc),
            Col("share_of_overdue", "Share of overdue", "pct"),
            Col("days_past_due", "Oldest days past due", "due"),
        ],
    )
    series_table = DataTable(
        id="series", request=request, rows=list(series), per_page=None, caption="The last 12 month-ends",
        export_name=f"monthly-metrics-{scope.as_of}",
        columns=[
            Col("as_of", "Month end", "date"),
            Col("receivables", f"Receivables ({rc})", "money", currency=rc),
            Col("overdue", f"Overdue ({rc})", "money", currency=rc),
            Col("overdue_share", "Overdue share", "pct", priority=PRIMARY),
            Col("dso_countback", "DSO countback", "days", priority=PRIMARY),
            Col("dso_simple", "DSO simple", "days"),
            Col("best_possible_dso", "Best possible DSO", "days"),
            Col("average_days_delinquent", "Avg days delinquent", "days"),
            Col("cei", "CEI", "pct"),
        ],
    )
    exported = respond_export(request, [bucket_table, top_table, series_table])
    if exported is not None:
        return exported

    loc = formatting.current()
    month_labels = [format_date(s.as_of, "MMM yyyy", locale=loc) for s in series]
    ctx.update({
        "metrics": m, "rc": rc, "cards": cards, "bucket_table": bucket_table, "top_table": top_table,
        "series_table": series_table,
        "aging_chart": _chart(
            [str(b["label"]) for b in bucket_rows],
            [{"label": f"Open receivables ({rc})", "data": [str(b["amount"]) for b in bucket_rows]}],
            urls=[str(b["href"]) for b in bucket_rows], currency=rc, locale=loc.replace("_", "-"), kind="bar"),
        "series_chart": _chart(
            month_labels,
            [{"label": "DSO countback (days)", "data": [_s(s.dso_countback) for s in series], "axis": "days"},
             {"label": "Best possible DSO (days)", "data": [_s(s.best_possible_dso) for s in series], "axis": "days"},
             {"label": "Overdue share (%)", "data": [_s(s.overdue_share) for s in series], "axis": "pct"}],
            locale=loc.replace("_", "-"), kind="line"),
        "main_panels": panels.collect("dashboard.main", request, scope=scope),
    })
    return render(request, "reporting/dashboard.html", ctx)


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _as_of_query(scope: ReportScope, as_of: Any) -> str:
    moved = ReportScope(as_of=as_of, company=scope.company, currency=scope.currency, today=scope.today)
    return moved.query()[1:]


AGING_BY = ("customer", "group", "company", "currency")


@page("view_ledger")
def aging(request: HttpRequest) -> HttpResponse:
    """The aging report grouped by customer, group, company or currency; every amount drills down to items."""
    p = Params(request)
    scope = report_scope(p)
    by = p.choice("by", AGING_BY, "customer")
    ctx: dict[str, Any] = _scope_context(scope, p)
    ctx["by"] = by
    ctx["by_choices"] = [("customer", "Customer"), ("group", "Corporate group"), ("company", "Company"),
                         ("currency", "Currency")]
    try:
        report = reports.aging_report(actor=request.user, as_of=scope.as_of, company=scope.company,
                                      currency=scope.currency, by=by)  # type: ignore[arg-type]
    except BusinessError as exc:
        ctx["report_error"] = str(exc)
        return render(request, "reporting/aging.html", ctx)
    rc = report.reporting_currency
    ids = _accounts_to_ids([line.key for line in report.lines]) if by in ("customer", "group") else {}
    items_url = reverse("web:items")

    def drill(key: str, bucket: int | None = None, currency: str | None = None) -> str:
        target: dict[str, Any] = {"bucket": bucket, "item_currency": currency}
        if by == "customer":
            target["customer"] = key
        elif by == "group":
            target["group"] = key
        elif by == "company":
            return items_url + ReportScope(scope.as_of, _company(key), scope.currency, scope.today).query(
                bucket=bucket, item_currency=currency)
        else:
            target["item_currency"] = key
        return items_url + scope.query(**target)

    rows = []
    for line in report.lines:
        row: dict[str, Any] = {"key": line.key, "name": line.name, "currency": line.currency, "total": line.total,
                               "converted_total": line.converted_total, "items": line.items,
                               "oldest_due": line.oldest_due, "pk": ids.get(line.key)}
        for b, amount in zip(report.buckets, line.amounts, strict=True):
            row[f"b{b.index}"] = amount
        rows.append(row)
    sort = request.GET.get("sort", "-converted_total")
    sort_key = sort.lstrip("-")
    if sort_key in {"key", "name", "converted_total", "items", "oldest_due"} | {f"b{b.index}" for b in report.buckets}:
        rows.sort(key=lambda r: _sortable(r[sort_key]), reverse=sort.startswith("-"))
    by_label = dict(ctx["by_choices"])[by]

    def name_link(r: dict[str, Any]) -> str | None:
        if by in ("customer", "group") and r["pk"]:
            return reverse("web:customer", args=[r["pk"]]) + _customer_query(scope)
        return drill(r["key"], None, r["currency"] if by != "currency" else None)

    columns = [
        Col("name", by_label, link=name_link, sort="name"),
        Col("key", "Key", "code", sort="key") if by in ("customer", "group", "company") else None,
        Col("currency", "Currency", "code"),
    ]
    def bucket_link(index: int) -> Callable[[Any], str]:
        return lambda r: drill(r["key"], index, r["currency"] if by != "currency" else None)

    for b in report.buckets:
        columns.append(Col(f"b{b.index}", b.label, "money", currency_key="currency", sort=f"b{b.index}",
                           link=bucket_link(b.index)))
    columns += [
        Col("total", "Total", "money", currency_key="currency",
            link=lambda r: drill(r["key"], None, r["currency"] if by != "currency" else None)),
        Col("converted_total", f"Total ({rc})", "money", currency=rc, sort="converted_total"),
        Col("items", "Items", "int", sort="items", priority=DETAIL),
        Col("oldest_due", "Oldest due", "date", sort="oldest_due"),
    ]
    footer: dict[str, Any] = {"name": f"Total in {rc}", "key": "", "currency": rc, "total": report.total,
                              "converted_total": report.total, "items": report.items, "oldest_due": None}
    for b, amount in zip(report.buckets, report.totals, strict=True):
        footer[f"b{b.index}"] = amount
    table = DataTable(
        id="main", request=request, rows=rows, caption=f"Aging by {by_label.lower()}", default_sort="-converted_total",
        export_name=f"aging-by-{by}-{scope.as_of}", empty="No open receivables on this date.",
        columns=[c for c in columns if c is not None], footer=[footer],
    )
    exported = respond_export(request, [table])
    if exported is not None:
        return exported
    ctx.update({"report": report, "table": table, "rc": rc})
    return render(request, "reporting/aging.html", ctx)


def _customer_query(scope: ReportScope) -> str:
    """The customer page shows the same date and currency as the page it is opened from."""
    return ReportScope(scope.as_of, None, scope.currency, scope.today).query()


def _sortable(value: Any) -> tuple[int, Any]:
    """Sort key that keeps empty values last and compares like with like."""
    if value is None:
        return (1, 0)
    if isinstance(value, str):
        return (0, value.casefold())
    return (0, value)


def _company(code: str) -> Any:
    return selectors.company_by_code(code)
