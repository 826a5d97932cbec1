"""The ledger's pages: open items and payments, lists with filters, and one page per record.

The customer list and the customer page show figures (receivables, aging, history) and live
with reporting (:mod:`credere.reporting.views.customers`).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from credere.audit.models import AuditEvent
from credere.ledger import selectors
from credere.ledger.models import Customer, OpenItem, Payment
from credere.ledger.params import Params, reporting_currencies
from credere.ledger.tables import (
    TYPE_LABELS,
    allocation_row,
    allocation_state,
    events_table,
    item_url,
    items_table,
    not_found,
    payment_columns,
    payment_url,
    source_currency,
    source_label,
)
from credere.web import panels
from credere.web.access import page
from credere.web.datatable import DETAIL, PRIMARY, Col, DataTable, respond_export


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
    table = items_table(request, qs, table_id="main", on=on, caption=title, export_name=f"items-{on}",
                         empty="No item matches these filters.")
    exported = respond_export(request, [table])
    if exported is not None:
        return exported
    from credere.domain.aging import make_buckets

    buckets = make_buckets()
    return render(request, "ledger/items.html", {
        "table": table, "f": f, "errors": p.errors, "as_of": as_of, "on": on, "today": today,
        "companies": selectors.companies(), "item_currencies": selectors.currencies(),
        "types": OpenItem.Type.choices, "group_account": group_account, "bucket": bucket,
        "bucket_label": buckets[bucket].label if bucket is not None and bucket < len(buckets) else "",
        "status": p.text("status") or "open", "title": title,
    })


@page("view_ledger")
def item(request: HttpRequest, pk: int) -> HttpResponse:
    obj = OpenItem.objects.select_related("customer", "company").filter(pk=pk).first()
    if obj is None:
        return not_found(request, f"item with id {pk}")
    today = timezone.localdate()
    allocations = list(selectors.allocations_of_item(obj))
    alloc_table = DataTable(
        id="allocations", request=request, rows=allocations, per_page=None, caption="Allocations",
        export_name=f"allocations-{obj.document_number}", empty="Nothing has been allocated to this item yet.",
        columns=[
            Col("applied_on", "Applied", "date"),
            Col("source", "From", get=source_label, link=lambda a: payment_url(a.payment_id) if a.payment_id
                else item_url(a.credit_note_id), lead=True),
            allocation_state(),
            Col("target.document_number", "To item", "code", link=lambda a: item_url(a.target_id)),
            Col("target.currency", "Currency", "code", show=False),
            Col("amount", "Amount", "money", currency_key="target.currency"),
            Col("source_currency", "Source currency", "code", get=source_currency, show=False),
            Col("source_amount", "Source amount", "money", currency_key=source_currency),
            Col("reversed_on", "Reversed", "date", priority=PRIMARY),
            Col("note", "Note", priority=DETAIL),
        ],
        row_class=allocation_row,
    )
    history = selectors.item_history(obj)
    history_table = events_table(request, history, table_id="history", export_name=f"history-{obj.document_number}")
    exported = respond_export(request, [alloc_table, history_table])
    if exported is not None:
        return exported
    settled = obj.amount - obj.open_amount
    return render(request, "ledger/item.html", {
        "i": obj, "type_label": TYPE_LABELS.get(obj.document_type, obj.document_type),
        "settled": settled if obj.is_target else -settled, "today": today,
        "days_past_due": (today - obj.due_date).days if obj.open_amount else None,
        "alloc_table": alloc_table, "history_table": history_table, "history": history,
        "used_label": "Allocated" if obj.is_target else "Used",
        "panels": panels.collect("item.details", request, item=obj),
    })


@page("view_ledger")
def payments(request: HttpRequest) -> HttpResponse:
    p = Params(request)
    f = selectors.PaymentFilters(
        q=p.text("q", 60), company=p.company(), customer=p.customer(), currency=p.text("item_currency", 3).upper(),
        unapplied=p.flag("unapplied"), received_from=p.date("received_from"), received_to=p.date("received_to"),
    )
    columns = payment_columns()
    fields = {"reference": ["reference", "id"], "received_on": ["received_on", "id"], "amount": ["amount", "id"],
              "unapplied": ["unapplied_amount", "id"]}
    _w, order = DataTable.ordering(request, columns, fields, "-received_on")
    table = DataTable(id="main", request=request, rows=selectors.payments(f).order_by(*order), caption="Payments",
                      export_name="payments", columns=columns, default_sort="-received_on",
                      empty="No payment matches these filters.")
    exported = respond_export(request, [table])
    if exported is not None:
        return exported
    return render(request, "ledger/payments.html", {
        "table": table, "f": f, "errors": p.errors, "companies": selectors.companies(),
        "item_currencies": reporting_currencies(selectors.currencies()),
    })


@page("view_ledger")
def payment(request: HttpRequest, pk: int) -> HttpResponse:
    obj = Payment.objects.select_related("customer", "company").filter(pk=pk).first()
    if obj is None:
        return not_found(request, f"payment with id {pk}")
    table = DataTable(
        id="allocations", request=request, rows=selectors.allocations_of_payment(obj), per_page=None,
        caption="Allocations", export_name=f"allocations-{obj.reference}", empty="This payment is not allocated yet.",
        columns=[
            Col("applied_on", "Applied", "date"),
            Col("target.document_number", "Item", "code", link=lambda a: item_url(a.target_id), lead=True),
            allocation_state(),
            Col("target.currency", "Currency", "code", show=False),
            Col("amount", "Amount (item currency)", "money", currency_key="target.currency"),
            Col("source_amount", "Amount (payment currency)", "money", currency=obj.currency),
            Col("reversed_on", "Reversed", "date", priority=PRIMARY),
            Col("note", "Note", priority=DETAIL),
        ],
        row_class=allocation_row,
    )
    events = list(AuditEvent.objects.filter(object_type="ledger.payment", object_id=str(obj.pk)).order_by("-seq"))
    history_table = events_table(request, events, table_id="history", export_name=f"history-{obj.reference}")
    exported = respond_export(request, [table, history_table])
    if exported is not None:
        return exported
    return render(request, "ledger/payment.html", {"pay": obj, "table": table, "history_table": history_table,
                                                        "applied": obj.amount - obj.unapplied_amount})
