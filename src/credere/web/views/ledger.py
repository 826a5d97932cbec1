"""Customers, open items and payments: lists with filters, and one page per record."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from credere.audit.models import AuditEvent
from credere.cashapp import selectors as cash_selectors
from credere.ledger.models import Customer, OpenItem, Payment
from credere.web import formatting, selectors
from credere.web.access import page
from credere.web.datatable import Col, DataTable, respond_export
from credere.web.views.common import Params, reporting_currencies

STATUS_TONES = {"active": "ok", "on_hold": "warn", "blocked": "bad", "closed": "neutral"}
TYPE_LABELS = dict(OpenItem.Type.choices)
STATUS_LABELS = dict(Customer.Status.choices)


def _not_found(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "web/404.html", {"message": f"There is no {what}."}, status=404)


def customer_url(pk: int | None) -> str | None:
    return reverse("web:customer", args=[pk]) if pk else None


def item_url(pk: int | None) -> str | None:
    return reverse("web:item", args=[pk]) if pk else None


def payment_url(pk: int | None) -> str | None:
    return reverse("web:payment", args=[pk]) if pk else None


def _sortable(value: Any) -> tuple[int, Any]:
    if value is None or value == "":
        return (1, 0)
    return (0, value.casefold() if isinstance(value, str) else value)


def _sort_rows(rows: list[dict[str, Any]], wanted: str, allowed: set[str]) -> None:
    key = wanted.lstrip("-")
    if key not in allowed:
        return
    filled = [r for r in rows if r.get(key) not in (None, "")]
    empty = [r for r in rows if r.get(key) in (None, "")]
    filled.sort(key=lambda r: _sortable(r[key]), reverse=wanted.startswith("-"))
    rows[:] = filled + empty


# --------------------------------------------------------------------------- customers


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
    bal = selectors.balances(actor=request.user, as_of=as_of, company=f.company, currency=rc)
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
    sort = request.GET.get("sort") or "name"
    _sort_rows(rows, sort, {"account_number", "name", "country", "industry_code", "total", "overdue", "oldest_due"})
    table = DataTable(
        id="main", request=request, rows=rows, caption="Customers", export_name=f"customers-{as_of}",
        default_sort="name", empty="No customer matches these filters.",
        empty_hint="Clear a filter, or import customers from your ERP on the Imports page.",
        columns=[
            Col("account_number", "Account", "code", sort="account_number", link=lambda r: link(r["pk"])),
            Col("name", "Name", sort="name", link=lambda r: link(r["pk"])),
            Col("country", "Country", "code", sort="country"),
            Col("industry_code", "Industry", "code", sort="industry_code"),
            Col("parent__name", "Parent company", link=lambda r: link(r["parent_id"])),
            Col("status", "Status", "badge", display=lambda v: STATUS_LABELS.get(v, v),
                tone=lambda v: STATUS_TONES.get(v, "neutral")),
            Col("total", f"Receivables ({bal.currency})", "money", currency=bal.currency, sort="total"),
            Col("overdue", f"Overdue ({bal.currency})", "money", currency=bal.currency, sort="overdue"),
            Col("oldest_due", "Oldest overdue", "date", sort="oldest_due"),
        ],
    )
    exported = respond_export(request, [table])
    if exported is not None:
        return exported
    return render(request, "web/ledger/customers.html", {
        "table": table, "f": f, "errors": p.errors, "balance_error": bal.error, "rc": bal.currency, "today": today,
        "as_of": as_of, "currencies": reporting_currencies(selectors.currencies()),
        "companies": selectors.companies(), "countries": selectors.countries(), "industries": selectors.industries(),
        "groups": selectors.group_roots(), "item_currencies": selectors.currencies(),
        "statuses": Customer.Status.choices, "group_account": group_account,
    })


def _items_table(request: HttpRequest, qs: Any, *, table_id: str, on: Any, caption: str, export_name: str,
                 show_customer: bool = True, empty: str = "No items match these filters.") -> DataTable:
    fields = {
        "due_date": ["due_date", "id"], "document_date": ["document_date", "id"],
        "document_number": ["document_number", "id"], "amount": ["amount", "id"], "open": ["open_as_of", "id"],
        "customer": ["customer__name", "id"],
    }
    columns = [
        Col("document_number", "Document", "code", sort="document_number", link=lambda i: item_url(i.pk)),
        Col("document_type", "Type", "badge", display=lambda v: TYPE_LABELS.get(v, v),
            tone=lambda v: "info" if v == "credit_note" else "neutral"),
        Col("customer.name", "Customer", sort="customer", show=show_customer,
            link=lambda i: customer_url(i.customer_id)),
        Col("customer.account_number", "Account", "code", show=False),
        Col("company.code", "Company", "code"),
        Col("document_date", "Document date", "date", sort="document_date"),
        Col("due_date", "Due date", "date", sort="due_date"),
        Col("days_past_due", "Days past due", "int", title=f"On {formatting.date(on)}"),
        Col("currency", "Currency", "code", show=False),
        Col("amount", "Amount", "money", currency_key="currency", sort="amount"),
        Col("open_as_of", "Open", "money", currency_key="currency", sort="open",
            title=f"Open amount on {formatting.date(on)}"),
    ]
    param = "sort" if table_id == "main" else f"{table_id}_sort"
    _wanted, order = DataTable.ordering(request, columns, fields, "due_date", param)
    rows = _DaysPastDue(qs.order_by(*order), on)
    return DataTable(id=table_id, request=request, rows=rows, caption=caption, export_name=export_name,
                     default_sort="due_date", columns=columns, empty=empty)


class _DaysPastDue:
    """A queryset wrapper that adds ``days_past_due`` to each item as it is read (pages and exports)."""

    def __init__(self, qs: Any, on: Any) -> None:
        self.qs, self.on = qs, on

    def count(self) -> int:
        return int(self.qs.count())

    def __len__(self) -> int:
        return self.count()

    def _mark(self, items: Any) -> list[Any]:
        out = []
        for i in items:
            i.days_past_due = (self.on - i.due_date).days if i.open_as_of else None
            out.append(i)
        return out

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            return self._mark(self.qs[key])
        return self._mark([self.qs[key]])[0]

    def __iter__(self) -> Any:
        for item in self.qs.iterator(chunk_size=2000):
            yield from self._mark([item])


@page("view_ledger")
def items(request: HttpRequest) -> HttpResponse:
    p = Params(request)
    today = timezone.localdate()
    as_of = p.date("as_of", None)
    group_account = p.text("group", 40)
    group = Customer.objects.filter(account_number=group_account).first() if group_account else None
    if group_account and group is None:
        p.errors.append(f"group: no customer with account number '{group_account}'")
    bucket = p.integer("bucket", 0, 12)
    f = selectors.ItemFilters(
        q=p.text("q", 60), company=p.company(), customer=p.customer(),
        customers=[m.customer.pk for m in selectors.group_members(group)] if group else None,
        document_type=p.choice("type", OpenItem.Type.values), currency=p.text("item_currency", 3).upper(),
        status=p.choice("status", ["open", "settled", "all"], "open").replace("all", ""),
        overdue=p.flag("overdue"), bucket=bucket,
        due_from=p.date("due_from"), due_to=p.date("due_to"), posted_after=p.date("posted_after"),
        posted_to=p.date("posted_to"),
    )
    on = as_of or today
    qs = selectors.items(f, as_of=as_of, today=today)
    title = "Open items" if f.status == "open" else "Items"
    table = _items_table(request, qs, table_id="main", on=on, caption=title, export_name=f"items-{on}",
                         empty="No item matches these filters.")
    exported = respond_export(request, [table])
    if exported is not None:
        return exported
    from credere.domain.aging import make_buckets

    buckets = make_buckets()
    return render(request, "web/ledger/items.html", {
        "table": table, "f": f, "errors": p.errors, "as_of": as_of, "on": on, "today": today,
        "companies": selectors.companies(), "item_currencies": selectors.currencies(),
        "types": OpenItem.Type.choices, "group_account": group_account, "bucket": bucket,
        "bucket_label": buckets[bucket].label if bucket is not None and bucket < len(buckets) else "",
        "status": p.text("status") or "open", "title": title,
    })


def _events_table(request: HttpRequest, events: list[AuditEvent], *, table_id: str, export_name: str) -> DataTable:
    return DataTable(
        id=table_id, request=request, rows=events, per_page=25, caption="History", export_name=export_name,
        empty="No audited change yet.",
        columns=[
            Col("occurred_at", "When", "datetime"),
            Col("actor", "Who", "code"),
            Col("action", "What", "badge", tone=lambda v: "bad" if "reversed" in v or "rejected" in v else "info"),
            Col("object_repr", "Record"),
            Col("after", "Change", display=lambda v: _change_text(v)),
            Col("reason", "Reason"),
            Col("seq", "#", "int", link=lambda e: reverse("web:audit-event", args=[e.seq])),
        ],
    )


def _change_text(after: Any) -> str:
    if not after:
        return ""
    if isinstance(after, dict):
        parts = [f"{k}: {v}" for k, v in list(after.items())[:6] if v not in (None, "")]
        more = "…" if len(after) > 6 else ""
        return ", ".join(parts) + more
    return json.dumps(after)[:200]


@page("view_ledger")
def customer(request: HttpRequest, pk: int) -> HttpResponse:
    obj = Customer.objects.select_related("parent", "payment_terms").filter(pk=pk).first()
    if obj is None:
        return _not_found(request, f"customer with id {pk}")
    p = Params(request)
    today = timezone.localdate()
    as_of = p.date("as_of", today) or today
    rc = p.currency("currency") or settings.CREDERE_REPORTING_CURRENCY

    suffix = "" if as_of == today else f"?as_of={as_of.isoformat()}"
    root = selectors.group_root(obj)
    members = selectors.group_members(root) if (root.pk != obj.pk or obj.children.exists()) else []
    aging = selectors.customers_aging(customers=[m.customer for m in members] or [obj], as_of=as_of, currency=rc)
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
            Col("label", "Company", link=lambda r: f"{customer_url(r['pk'])}{suffix}", export=False),
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
    items_table = _items_table(
        request, selectors.items(item_filters, as_of=None if as_of == today else as_of, today=today),
        table_id="items", on=as_of,
        caption="Items", export_name=f"items-{obj.account_number}", show_customer=False,
        empty="No item matches these filters.")
    payments_table = DataTable(
        id="payments", request=request, per_page=10, caption="Payments", export_name=f"payments-{obj.account_number}",
        rows=selectors.payments(selectors.PaymentFilters(customer=obj)), empty="No payment recorded.",
        columns=_payment_columns(show_customer=False),
    )
    allocations_table = DataTable(
        id="allocations", request=request, per_page=10, caption="Allocations",
        export_name=f"allocations-{obj.account_number}", rows=selectors.allocations_of_customer(obj),
        empty="No allocation yet.", columns=_allocation_columns(),
    )
    timeline = selectors.customer_timeline(obj)
    timeline_table = _events_table(request, timeline, table_id="timeline",
                                   export_name=f"history-{obj.account_number}")
    exported = respond_export(request, [group_table, aging_table, items_table, payments_table, allocations_table,
                                        timeline_table])
    if exported is not None:
        return exported

    history = selectors.customer_history(customer=obj, as_of=as_of, currency=rc)
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
    return render(request, "web/ledger/customer.html", {
        "c": obj, "own": own, "rc": rc, "balance_error": aging.error, "today": today, "as_of": as_of,
        "currencies": reporting_currencies(selectors.currencies()), "errors": p.errors,
        "status_tone": STATUS_TONES.get(obj.status, "neutral"), "contacts": list(obj.contacts.all()),
        "root": root, "group_table": group_table if group_rows else None, "aging_table": aging_table,
        "items_table": items_table, "payments_table": payments_table, "allocations_table": allocations_table,
        "timeline_table": timeline_table, "history": history, "history_chart": chart, "latest": latest,
        "item_status": item_status, "item_types": OpenItem.Type.choices, "items_type": item_filters.document_type,
        "items_currency": item_filters.currency, "item_currencies": sorted(
            set(OpenItem.objects.filter(customer=obj).values_list("currency", flat=True))),
        "children": list(obj.children.order_by("name")),
        "payers": cash_selectors.payer_knowledge(obj.pk),
    })


def _bucket_link(base: str, account: str, index: int, as_of: Any) -> Callable[[Any], str]:
    def link(r: Any) -> str:
        return f"{base}?customer={account}&bucket={index}&item_currency={r['currency']}&as_of={as_of.isoformat()}"

    return link


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _payment_columns(show_customer: bool = True) -> list[Col]:
    return [
        Col("reference", "Reference", "code", link=lambda x: payment_url(x.pk), sort="reference"),
        Col("received_on", "Received", "date", sort="received_on"),
        Col("customer.name", "Customer", show=show_customer, link=lambda x: customer_url(x.customer_id)),
        Col("company.code", "Company", "code"),
        Col("payer_name", "Payer"),
        Col("currency", "Currency", "code", show=False),
        Col("amount", "Amount", "money", currency_key="currency", sort="amount"),
        Col("unapplied_amount", "Unapplied", "money", currency_key="currency", sort="unapplied"),
    ]


def _source_label(a: Any) -> str:
    if a.payment_id:
        return f"Payment {a.payment.reference}"
    return f"Credit note {a.credit_note.document_number}"


def _source_currency(a: Any) -> str:
    return str(a.payment.currency if a.payment_id else a.credit_note.currency)


def _allocation_columns() -> list[Col]:
    return [
        Col("applied_on", "Applied", "date"),
        Col("target.document_number", "Item", "code", link=lambda a: item_url(a.target_id)),
        Col("source", "From", get=_source_label, link=lambda a: payment_url(a.payment_id) if a.payment_id
            else item_url(a.credit_note_id)),
        Col("target.currency", "Currency", "code", show=False),
        Col("amount", "Amount", "money", currency_key="target.currency"),
        Col("reversed_on", "Reversed", "date"),
        Col("note", "Note"),
    ]


@page("view_ledger")
def item(request: HttpRequest, pk: int) -> HttpResponse:
    obj = OpenItem.objects.select_related("customer", "company").filter(pk=pk).first()
    if obj is None:
        return _not_found(request, f"item with id {pk}")
    today = timezone.localdate()
    allocations = list(selectors.allocations_of_item(obj))
    alloc_table = DataTable(
        id="allocations", request=request, rows=allocations, per_page=None, caption="Allocations",
        export_name=f"allocations-{obj.document_number}", empty="Nothing has been allocated to this item yet.",
        columns=[
            Col("applied_on", "Applied", "date"),
            Col("source", "From", get=_source_label, link=lambda a: payment_url(a.payment_id) if a.payment_id
                else item_url(a.credit_note_id)),
            Col("target.document_number", "To item", "code", link=lambda a: item_url(a.target_id)),
            Col("target.currency", "Currency", "code", show=False),
            Col("amount", "Amount", "money", currency_key="target.currency"),
            Col("source_currency", "Source currency", "code", get=_source_currency, show=False),
            Col("source_amount", "Source amount", "money", currency_key=_source_currency),
            Col("reversed_on", "Reversed", "date"),
            Col("note", "Note"),
        ],
    )
    history = selectors.item_history(obj)
    history_table = _events_table(request, history, table_id="history", export_name=f"history-{obj.document_number}")
    exported = respond_export(request, [alloc_table, history_table])
    if exported is not None:
        return exported
    settled = obj.amount - obj.open_amount
    return render(request, "web/ledger/item.html", {
        "i": obj, "type_label": TYPE_LABELS.get(obj.document_type, obj.document_type),
        "settled": settled if obj.is_target else -settled, "today": today,
        "days_past_due": (today - obj.due_date).days if obj.open_amount else None,
        "alloc_table": alloc_table, "history_table": history_table, "history": history,
        "used_label": "Allocated" if obj.is_target else "Used",
        "adjustments": cash_selectors.adjustments_of_item(obj.pk),
    })


@page("view_ledger")
def payments(request: HttpRequest) -> HttpResponse:
    p = Params(request)
    f = selectors.PaymentFilters(
        q=p.text("q", 60), company=p.company(), customer=p.customer(), currency=p.text("item_currency", 3).upper(),
        unapplied=p.flag("unapplied"), received_from=p.date("received_from"), received_to=p.date("received_to"),
    )
    columns = _payment_columns()
    fields = {"reference": ["reference", "id"], "received_on": ["received_on", "id"], "amount": ["amount", "id"],
              "unapplied": ["unapplied_amount", "id"]}
    _w, order = DataTable.ordering(request, columns, fields, "-received_on")
    table = DataTable(id="main", request=request, rows=selectors.payments(f).order_by(*order), caption="Payments",
                      export_name="payments", columns=columns, default_sort="-received_on",
                      empty="No payment matches these filters.")
    exported = respond_export(request, [table])
    if exported is not None:
        return exported
    return render(request, "web/ledger/payments.html", {
        "table": table, "f": f, "errors": p.errors, "companies": selectors.companies(),
        "item_currencies": reporting_currencies(selectors.currencies()),
    })


@page("view_ledger")
def payment(request: HttpRequest, pk: int) -> HttpResponse:
    obj = Payment.objects.select_related("customer", "company").filter(pk=pk).first()
    if obj is None:
        return _not_found(request, f"payment with id {pk}")
    table = DataTable(
        id="allocations", request=request, rows=selectors.allocations_of_payment(obj), per_page=None,
        caption="Allocations", export_name=f"allocations-{obj.reference}", empty="This payment is not allocated yet.",
        columns=[
            Col("applied_on", "Applied", "date"),
            Col("target.document_number", "Item", "code", link=lambda a: item_url(a.target_id)),
            Col("target.currency", "Currency", "code", show=False),
            Col("amount", "Amount (item currency)", "money", currency_key="target.currency"),
            Col("source_amount", "Amount (payment currency)", "money", currency=obj.currency),
            Col("reversed_on", "Reversed", "date"),
            Col("note", "Note"),
        ],
    )
    events = list(AuditEvent.objects.filter(object_type="ledger.payment", object_id=str(obj.pk)).order_by("-seq"))
    history_table = _events_table(request, events, table_id="history", export_name=f"history-{obj.reference}")
    exported = respond_export(request, [table, history_table])
    if exported is not None:
        return exported
    return render(request, "web/ledger/payment.html", {"pay": obj, "table": table, "history_table": history_table,
                                                        "applied": obj.amount - obj.unapplied_amount})
