"""The customer list and the customer page: ledger records with their figures as of any date
(receivables, overdue, aging, a corporate group's totals, month-end history)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from credere.ledger import selectors
from credere.ledger.models import Customer, OpenItem
from credere.ledger.params import Params, reporting_currencies
from credere.ledger.tables import (
    STATUS_LABELS,
    STATUS_TONES,
    allocation_columns,
    allocation_row,
    customer_url,
    events_table,
    items_table,
    not_found,
    payment_columns,
    sort_rows,
)
from credere.reporting import services as reports
from credere.reporting.selectors import customers as figures
from credere.web import formatting, panels
from credere.web.access import page
from credere.web.datatable import DETAIL, PRIMARY, Col, DataTable, respond_export

#: The customer list opens on the customers that need attention: the largest overdue first.
WORST_FIRST = "-overdue"


@page("view_ledger")
def customers(request: HttpRequest) -> HttpResponse:
    p = Params(request)
    today = timezone.localdate()
    group_account = p.text("group", 40)
    group = Customer.objects.filter(account_number=group_account).first() if group_account else None
    if group_account and group is None:
        p.errors.append(f"group: no customer with account number '{group_account}'")
    f = selectors.CustomerFilters(
        q=p.text("q"), company=p.company(), country=p.text("country", 2).upper(), industry=p.text("industry", 10),
        group=group, status=p.choice("status", Customer.Status.values), overdue=p.flag("overdue"),
        currency=p.text("item_currency", 3).upper(),
    )
    as_of = p.date("as_of", today) or today
    rc = p.currency() or settings.CREDERE_REPORTING_CURRENCY
    bal = reports.customer_balances(actor=request.user, as_of=as_of, company=f.company, currency=rc)
    suffix = "" if as_of == today else f"?as_of={as_of.isoformat()}"

    def link(pk: int | None) -> str | None:
        return f"{customer_url(pk)}{suffix}" if pk else None

    rows: list[dict[str, Any]] = [dict(r) for r in selectors.customers(f, on=as_of).values(
        "pk", "account_number", "name", "country", "industry_code", "status", "parent__name", "parent_id")]
    for r in rows:
        b = bal.of(r["account_number"])
        r["total"] = b.total if b else None
        r["overdue"] = b.overdue if b else None
        r["oldest_due"] = b.oldest_due if b and b.overdue else None
    sort = request.GET.get("sort") or WORST_FIRST
    if sort == WORST_FIRST:  # the largest overdue first, then the largest receivables
        sort_rows(rows, "-total", {"total"})
    sort_rows(rows, sort, {"account_number", "name", "country", "industry_code", "total", "overdue", "oldest_due"})
    table = DataTable(
        id="main", request=request, rows=rows, caption="Customers", export_name=f"customers-{as_of}",
        default_sort=WORST_FIRST, empty="No customer matches these filters.",
        empty_hint="Clear a filter, or import customers from your ERP on the Imports page.",
        columns=[
            Col("account_number", "Account", "code", sort="account_number", link=lambda r: link(r["pk"])),
            Col("name", "Name", sort="name", link=lambda r: link(r["pk"]), lead=True),
            Col("country", "Country", "code", sort="country"),
            Col("industry_code", "Industry", sort="industry_code", display=formatting.industry, priority=DETAIL),
            Col("parent__name", "Parent company", link=lambda r: link(r["parent_id"]), priority=DETAIL),
            Col("status", "Status", "badge", display=lambda v: STATUS_LABELS.get(v, v),
                tone=lambda v: STATUS_TONES.get(v, "neutral")),
            Col("total", f"Receivables ({bal.currency})", "money", currency=bal.currency, sort="total"),
            Col("overdue", f"Overdue ({bal.currency})", "money", currency=bal.currency, sort="overdue"),
            Col("oldest_due", "Oldest overdue", "date", sort="oldest_due", priority=PRIMARY),
        ],
    )
    exported = respond_export(request, [table])
    if exported is not None:
        return exported
    return render(request, "reporting/customers.html", {
        "table": table, "f": f, "errors": p.errors, "balance_error": bal.error, "rc": bal.currency, "today": today,
        "as_of": as_of, "currencies": reporting_currencies(selectors.currencies()),
        "companies": selectors.companies(), "countries": selectors.countries(), "industries": selectors.industries(),
        "groups": selectors.group_roots(), "item_currencies": selectors.currencies(),
        "statuses": Customer.Status.choices, "group_account": group_account,
    })


@page("view_ledger")
def customer(request: HttpRequest, pk: int) -> HttpResponse:
    obj = Customer.objects.select_related("parent", "payment_terms").filter(pk=pk).first()
    if obj is None:
        return not_found(request, f"customer with id {pk}")
    p = Params(request)
    today = timezone.localdate()
    as_of = p.date("as_of", today) or today
    rc = p.currency("currency") or settings.CREDERE_REPORTING_CURRENCY

    suffix = "" if as_of == today else f"?as_of={as_of.isoformat()}"
    root = selectors.group_root(obj)
    members = selectors.group_members(root) if (root.pk != obj.pk or obj.children.exists()) else []
    aging = figures.customers_aging(customers=[m.customer for m in members] or [obj], as_of=as_of, currency=rc)
    own = aging.balance(obj.account_number) if aging.report is not None else None
    group_rows: list[dict[str, Any]] = []
    for m in members:
        b = aging.balance(m.customer.account_number)
        group_rows.append({"pk": m.customer.pk, "name": m.customer.name, "account": m.customer.account_number,
                           "depth": m.depth, "total": b.total, "overdue": b.overdue, "country": m.customer.country,
                           "label": ("\u2003" * m.depth) + ("↳ " if m.depth else "") + m.customer.name})
    group_total: Decimal = sum((r["total"] for r in group_rows), Decimal(0))
    group_overdue: Decimal = sum((r["overdue"] for r in group_rows), Decimal(0))
    group_table = DataTable(
        id="group", request=request, rows=group_rows, per_page=None, caption="Corporate group",
        export_name=f"group-{root.account_number}-{as_of}",
        columns=[
            Col("label", "Company", link=lambda r: f"{customer_url(r['pk'])}{suffix}", export=False, lead=True),
            Col("name", "Company", show=False),
            Col("account", "Account", "code"),
            Col("country", "Country", "code"),
            Col("total", f"Receivables ({rc})", "money", currency=rc),
            Col("overdue", f"Overdue ({rc})", "money", currency=rc),
        ],
        footer=[{"label": "Group total", "name": "Group total", "account": "", "country": "", "total": group_total,
                 "overdue": group_overdue}] if group_rows and aging.report is not None else [],
    )

    aging_rows = []
    buckets = aging.report.buckets if aging.report else ()
    if aging.report is not None:
        for line in aging.report.lines:
            if line.key == obj.account_number:
                row: dict[str, Any] = {"currency": line.currency, "total": line.total,
                                       "converted_total": line.converted_total}
                for bucket, amount in zip(buckets, line.amounts, strict=True):
                    row[f"b{bucket.index}"] = amount
                aging_rows.append(row)
    items_base = reverse("web:items")
    aging_table = DataTable(
        id="aging", request=request, rows=aging_rows, per_page=None, caption=f"Aging on {formatting.date(as_of)}",
        export_name=f"aging-{obj.account_number}-{as_of}", empty="Nothing open on this date.",
        columns=[Col("currency", "Currency", "code")] + [
            Col(f"b{bk.index}", bk.label, "money", currency_key="currency", link=_bucket_link(
                items_base, obj.account_number, bk.index, as_of))
            for bk in buckets
        ] + [Col("total", "Total", "money", currency_key="currency",
                 link=lambda r: f"{items_base}?customer={obj.account_number}&item_currency={r['currency']}"
                                f"&as_of={as_of.isoformat()}"),
             Col("converted_total", f"Total ({rc})", "money", currency=rc)],
    )

    item_status = p.choice("items_status", ["open", "settled", "all"], "open")
    item_filters = selectors.ItemFilters(
        customer=obj, status=item_status.replace("all", ""),
        document_type=p.choice("items_type", OpenItem.Type.values), currency=p.text("items_currency", 3).upper(),
    )
    items_tbl = items_table(
        request, selectors.items(item_filters, as_of=None if as_of == today else as_of, today=today),
        table_id="items", on=as_of,
        caption="Items", export_name=f"items-{obj.account_number}", show_customer=False,
        empty="No item matches these filters.")
    payments_table = DataTable(
        id="payments", request=request, per_page=10, caption="Payments", export_name=f"payments-{obj.account_number}",
        rows=selectors.payments(selectors.PaymentFilters(customer=obj)), empty="No payment recorded.",
        columns=payment_columns(show_customer=False),
    )
    allocations_table = DataTable(
        id="allocations", request=request, per_page=10, caption="Allocations",
        export_name=f"allocations-{obj.account_number}", rows=selectors.allocations_of_customer(obj),
        empty="No allocation yet.", columns=allocation_columns(), row_class=allocation_row,
    )
    timeline = selectors.customer_timeline(obj)
    timeline_table = events_table(request, timeline, table_id="timeline",
                                   export_name=f"history-{obj.account_number}")
    exported = respond_export(request, [group_table, aging_table, items_tbl, payments_table, allocations_table,
                                        timeline_table])
    if exported is not None:
        return exported

    history = figures.customer_history(customer=obj, as_of=as_of, currency=rc)
    loc = formatting.current()
    chart = {
        "labels": [format_date(m.as_of, "MMM yyyy", locale=loc) for m in history.points],
        "datasets": [
            {"label": "DSO (days)", "data": [_s(m.dso_simple) for m in history.points], "axis": "days"},
            {"label": "Best possible DSO (days)", "data": [_s(m.best_possible_dso) for m in history.points],
             "axis": "days"},
            {"label": "Avg days delinquent", "data": [_s(m.average_days_delinquent) for m in history.points],
             "axis": "days"},
            {"label": "Overdue share (%)", "data": [_s(m.overdue_share) for m in history.points], "axis": "pct"},
        ],
        "locale": loc.replace("_", "-"), "kind": "line",
    }
    latest = history.points[-1] if history.points else None
    return render(request, "reporting/customer.html", {
        "c": obj, "own": own, "rc": rc, "balance_error": aging.error, "today": today, "as_of": as_of,
        "currencies": reporting_currencies(selectors.currencies()), "errors": p.errors,
        "status_tone": STATUS_TONES.get(obj.status, "neutral"), "contacts": list(obj.contacts.all()),
        "root": root, "group_table": group_table if group_rows else None, "aging_table": aging_table,
        "items_table": items_tbl, "payments_table": payments_table, "allocations_table": allocations_table,
        "timeline_table": timeline_table, "history": history, "history_chart": chart, "latest": latest,
        "item_status": item_status, "item_types": OpenItem.Type.choices, "items_type": item_filters.document_type,
        "items_currency": item_filters.currency, "item_currencies": sorted(
            set(OpenItem.objects.filter(customer=obj).values_list("currency", flat=True))),
        "children": list(obj.children.order_by("name")),
        "panels": panels.collect("customer.side", request, customer=obj),
        "main_panels": panels.collect("customer.main", request, customer=obj),
    })


def _bucket_link(base: str, account: str, index: int, as_of: Any) -> Callable[[Any], str]:
    def link(r: Any) -> str:
        return f"{base}?customer={account}&bucket={index}&item_currency={r['currency']}&as_of={as_of.isoformat()}"

    return link


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


