"""The ledger's tables and links, shared by its pages and by the pages that show ledger records
(a customer's items, payments, allocations and history on the customer page)."""

from __future__ import annotations

import copy
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from credere.audit import labels
from credere.audit.models import AuditEvent
from credere.audit.personal import resolved
from credere.core import personal
from credere.domain.masking import mask
from credere.identity.privacy import sees_personal_data
from credere.ledger import selectors
from credere.ledger.models import Customer, OpenItem
from credere.web import formatting
from credere.web.datatable import DETAIL, NORMAL, PRIMARY, Col, DataTable

STATUS_TONES: dict[str, str] = {Customer.Status.ACTIVE: "ok", Customer.Status.ON_HOLD: "warn", Customer.Status.BLOCKED: "bad",
                Customer.Status.CLOSED: "neutral"}
TYPE_LABELS = dict(OpenItem.Type.choices)
STATUS_LABELS = dict(Customer.Status.choices)


def not_found(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "web/404.html", {"message": f"There is no {what}."}, status=404)


def customer_url(pk: int | None) -> str | None:
    return reverse("web:customer", args=[pk]) if pk else None


def item_url(pk: int | None) -> str | None:
    return reverse("web:item", args=[pk]) if pk else None


def payment_url(pk: int | None) -> str | None:
    return reverse("web:payment", args=[pk]) if pk else None


def sortable(value: Any) -> tuple[int, Any]:
    if value is None or value == "":
        return (1, 0)
    return (0, value.casefold() if isinstance(value, str) else value)


def sort_rows(rows: list[dict[str, Any]], wanted: str, allowed: set[str]) -> None:
    key = wanted.lstrip("-")
    if key not in allowed:
        return
    filled = [r for r in rows if r.get(key) not in (None, "")]
    empty = [r for r in rows if r.get(key) in (None, "")]
    filled.sort(key=lambda r: sortable(r[key]), reverse=wanted.startswith("-"))
    rows[:] = filled + empty


def items_table(request: HttpRequest, qs: Any, *, table_id: str, on: Any, caption: str, export_name: str,
                 show_customer: bool = True, empty: str = "No items match these filters.") -> DataTable:
    fields = {
        "due_date": ["due_date", "id"], "document_date": ["document_date", "id"],
        "document_number": ["document_number", "id"], "amount": ["amount", "id"], "open": ["open_as_of", "id"],
        "customer": ["customer__name", "id"],
    }
    columns = [
        Col("document_number", "Document", "code", sort="document_number", link=lambda i: item_url(i.pk)),
        Col("document_type", "Type", "badge", display=lambda v: TYPE_LABELS.get(v, v),
            tone=lambda v: "info" if v == "credit_note" else "neutral", priority=NORMAL),
        Col("customer.name", "Customer", sort="customer", show=show_customer,
            link=lambda i: customer_url(i.customer_id)),
        Col("customer.account_number", "Account", "code", show=False),
        Col("company.code", "Company", "code"),
        Col("document_date", "Document date", "date", sort="document_date", priority=DETAIL),
        Col("due_date", "Due date", "date", sort="due_date"),
        Col("days_past_due", "Days past due", "due", title=f"On {formatting.date(on)}"),
        Col("currency", "Currency", "code", show=False),
        Col("amount", "Amount", "money", currency_key="currency", sort="amount"),
        Col("open_as_of", "Open", "money", currency_key="currency", sort="open",
            title=f"Open amount on {formatting.date(on)}"),
    ]
    param = "sort" if table_id == "main" else f"{table_id}_sort"
    _wanted, order = DataTable.ordering(request, columns, fields, "due_date", param)
    rows = DaysPastDue(qs.order_by(*order), on)
    return DataTable(id=table_id, request=request, rows=rows, caption=caption, export_name=export_name,
                     default_sort="due_date", columns=columns, empty=empty, footer=totals_footer(qs),
                     export_footer=False)


def totals_footer(qs: Any) -> list[dict[str, Any]]:
    """The footer of an item list: per currency, the amount and the open amount of every item
    the filters select (all pages), in the list's own columns."""
    return [{"document_number": f"Total {t.currency}", "currency": t.currency, "amount": t.amount,
             "open_as_of": t.open, "days_past_due": None,
             "customer": {"name": f"{formatting.number(t.count, 0)} item{'' if t.count == 1 else 's'}"}}
            for t in selectors.item_totals(qs)]


class DaysPastDue:
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


def events_table(request: HttpRequest, events: list[AuditEvent], *, table_id: str, export_name: str) -> DataTable:
    return DataTable(
        id=table_id, request=request, rows=shown_events(events, request.user), per_page=25, caption="History",
        export_name=export_name,
        empty="No audited change yet.",
        columns=[
            Col("occurred_at", "When", "datetime"),
            Col("actor", "Who", "code"),
            Col("action", "What", "badge", display=labels.action_label,
                tone=lambda v: "bad" if "reversed" in v or "rejected" in v else "info"),
            Col("object_repr", "Record", get=labels.record_label),
            Col("after", "Change", get=labels.change_summary),
            Col("reason", "Reason", priority=PRIMARY),
            Col("seq", "#", "int", link=lambda e: reverse("web:audit-event", args=[e.seq]), priority=DETAIL),
        ],
    )


def _masked_snapshot(snapshot: Any, fields: dict[str, str]) -> Any:
    if not isinstance(snapshot, dict):
        return snapshot
    return {k: mask(fields[k], v) if k in fields and isinstance(v, str) and v else v for k, v in snapshot.items()}


def shown_events(events: list[AuditEvent], actor: Any) -> list[AuditEvent]:
    """A record's history as ``actor`` may read it (in memory, nothing saved): the personal values the trail
    keeps by reference shown again (:func:`credere.audit.personal.resolved`: masked unless ``actor`` may see
    personal data), and those an event recorded before holds in its snapshots masked the same way."""
    if not sees_personal_data(actor):
        masked = []
        for event in events:
            fields = personal.fields_of(event.object_type)
            if fields:
                event = copy.copy(event)
                event.before = _masked_snapshot(event.before, fields)
                event.after = _masked_snapshot(event.after, fields)
            masked.append(event)
        events = masked
    return resolved(events, actor)


def payment_columns(show_customer: bool = True) -> list[Col]:
    return [
        Col("label", "Reference", "code", get=lambda x: x.label, link=lambda x: payment_url(x.pk), sort="reference"),
        Col("received_on", "Received", "date", sort="received_on"),
        Col("customer.name", "Customer", show=show_customer, link=lambda x: customer_url(x.customer_id)),
        Col("company.code", "Company", "code"),
        Col("payer_name", "Payer", priority=DETAIL),
        Col("currency", "Currency", "code", show=False),
        Col("amount", "Amount", "money", currency_key="currency", sort="amount"),
        Col("unapplied_amount", "Unapplied", "money", currency_key="currency", sort="unapplied"),
    ]


def source_label(a: Any) -> str:
    if a.payment_id:
        return f"Payment {a.payment.label}"
    return f"Credit note {a.credit_note.document_number}"


def source_currency(a: Any) -> str:
    return str(a.payment.currency if a.payment_id else a.credit_note.currency)


def allocation_columns() -> list[Col]:
    return [
        Col("applied_on", "Applied", "date"),
        Col("target.document_number", "Item", "code", link=lambda a: item_url(a.target_id), lead=True),
        allocation_state(),
        Col("source", "From", get=source_label, link=lambda a: payment_url(a.payment_id) if a.payment_id
            else item_url(a.credit_note_id)),
        Col("target.currency", "Currency", "code", show=False),
        Col("amount", "Amount", "money", currency_key="target.currency"),
        Col("reversed_on", "Reversed", "date", priority=PRIMARY),
        Col("note", "Note", priority=DETAIL),
    ]


def allocation_state() -> Col:
    """"Applied" or "Reversed" as a badge (the page only: the export has the reversal date)."""
    return Col("state", "Status", "badge", get=lambda a: "Reversed" if a.reversed_on else "Applied",
               tone=lambda v: "bad" if v == "Reversed" else "ok", export=False)


def allocation_row(a: Any) -> str:
    """A reversed allocation reads as undone: the row muted, its amounts struck through."""
    return "row-muted" if a.reversed_on else ""


