"""Orders from the ERP's files (``credere import orders``, the imports page, ``POST /imports/orders``).

The same rules as the order API (:func:`credere.credit.services.checks.check` and
:func:`~credere.credit.services.checks.cancel_order`), on a bulk path for files of 100,000 rows:

* an order is keyed by company and the ERP's order number, and belongs to one customer (a row
  naming another customer for a stored order is refused);
* a newer version replaces the value (the open value with it) and resets the credit status to
  ``unchecked``; an older version than the one stored is refused; the same version with the same
  values is unchanged; the same version with another value is written like the API does, unless
  that version was credit-checked already (then the row is refused: send a new version);
* ``cancelled`` cancels the order (its open value becomes 0); a cancelled order is not opened
  again, and a closed order (cancelled, or invoiced in full) takes no new version;
* invoices already naming the order (their order reference) take their amount off it, as
  :func:`credere.credit.services.orders.reconcile_invoiced` does.

Imported orders are not credit-checked — the check is the ERP's question per order, through the
API — but they count in exposure as open orders. Every change is audited (``order.created``,
``order.updated``, ``order.cancelled``, ``order.invoiced``); once the import commits, the standings
of the customers touched are refreshed. A preview writes nothing and asks for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Sum
from django.utils import timezone

from credere.audit.services import changes, snapshot
from credere.core.bulk import chunks, update_rows
from credere.core.errors import BusinessError
from credere.core.import_entities import Column, Outcome, Row, Sink
from credere.core.readonly import locked
from credere.credit.models import CreditCheck, Order
from credere.credit.selectors import rates_to
from credere.credit.services import standing
from credere.credit.services.orders import record_states
from credere.domain.aging import convert_with
from credere.domain.money import MoneyError, check_currency, parse_amount, quantize
from credere.ledger.models import Company, Customer, OpenItem

#: Rows per INSERT and per UPDATE statement.
BATCH = 1000
STATUSES = ("open", "cancelled")
UPDATE_FIELDS = ["version", "currency", "amount", "open_amount", "status", "credit_status", "updated_at"]


def _len(model: type[models.Model], field: str) -> int | None:
    return model._meta.get_field(field).max_length  # type: ignore[union-attr]


def columns() -> tuple[Column, ...]:
    """The columns of an orders file (docs/file-formats.md, "Orders")."""
    return (
        Column("company_code", "text", True, "Code of our company that took the order", "DE01", _len(Company, "code")),
        Column("account_number", "text", True, "Account number of an existing customer (an order stays with its "
               "customer)", "C1000", _len(Customer, "account_number")),
        Column("order_id", "text", True, "The ERP's order number, unique per company (the key is company_code + "
               "order_id); invoices name it in their order_reference", "SO-7781", _len(Order, "order_id")),
        Column("order_version", "decimal", False, "The order's version in the ERP, a whole number from 1 (default 1). "
               "A newer version replaces the value; an older one than stored is refused", "2"),
        Column("currency", "code", True, "ISO 4217 currency code", "EUR"),
        Column("amount", "decimal", True, "The order's value, greater than zero, with at most the currency's "
               "decimals", "5000.00"),
        Column("status", "choice", False, "open (default) or cancelled: a cancelled order no longer counts in "
               "exposure", "open", values=STATUSES),
        Column("open_amount", "decimal", False, "Exported for information (the value not yet invoiced or "
               "cancelled); ignored on import", "3810.00", read_only=True),
    )


def _key(company_code: str, order_id: str) -> str:
    return f"{company_code}/{order_id}"


def _by(model: type[models.Model], field: str, wanted: Iterable[str], *only: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in chunks(sorted({w for w in wanted if w})):
        for obj in model._default_manager.filter(**{f"{field}__in": chunk}).only(*only):
            found[getattr(obj, field)] = obj
    return found


def _stored(companies: dict[str, Company], rows: list[Row], *, lock: bool) -> dict[tuple[int, str], Order]:
    """The stored orders the file names, locked for the import (``lock``; a preview locks nothing)."""
    wanted: dict[int, set[str]] = {}
    for r in rows:
        company = companies.get(r.values["company_code"])
        if company is not None:
            wanted.setdefault(company.pk, set()).add(r.values["order_id"])
    found: dict[tuple[int, str], Order] = {}
    for company_id, ids in sorted(wanted.items()):
        for chunk in chunks(sorted(ids)):
            for order in locked(Order.objects.filter(company_id=company_id, order_id__in=chunk), lock=lock):
                found[(company_id, order.order_id)] = order
    return found


def _checked(orders: Iterable[Order]) -> set[tuple[int, int]]:
    """(order, version) pairs that were credit-checked."""
    out: set[tuple[int, int]] = set()
    for chunk in chunks(sorted(o.pk for o in orders)):
        out.update(CreditCheck.objects.filter(order_id__in=chunk).values_list("order_id", "order_version"))
    return out


def _version(sink: Sink, row: Row) -> int | None:
    raw = row.values.get("order_version")
    if raw is None:
        return 1
    if raw != raw.to_integral_value() or raw < 1 or raw > 2_147_483_647:
        sink.fail(row.number, "order_version", f"'{raw}' is not a version: give a whole number from 1")
        return None
    return int(raw)


def _money(sink: Sink, row: Row) -> tuple[str, Decimal] | None:
    try:
        currency = check_currency(row.values["currency"])
    except MoneyError as exc:
        sink.fail(row.number, "currency", str(exc))
        return None
    try:
        value = parse_amount(row.values["amount"], currency)
    except MoneyError as exc:
        sink.fail(row.number, "amount", str(exc))
        return None
    if value <= 0:
        sink.fail(row.number, "amount", "an order's value must be greater than zero")
        return None
    return currency, value


class _Plan:
    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.creates: list[tuple[Row, Order]] = []
        #: row, order, its snapshot before, the audit action
        self.updates: list[tuple[Row, Order, dict[str, Any], str]] = []

    def change(self, row: Row, order: Order, before: dict[str, Any], action: str) -> None:
        self.updates.append((row, order, before, action))


def _apply(sink: Sink, plan: _Plan, row: Row, order: Order, *, version: int, currency: str, value: Decimal,
           status: str, checked: set[tuple[int, int]], account_of: dict[int, str], account: str,
           customer_id: int) -> None:
    """What one row does to a stored order (as the order API would), or why it is refused."""
    number, oid = row.number, order.order_id
    if order.customer_id != customer_id:
        sink.fail(number, "account_number", f"order {oid} belongs to customer {account_of.get(order.customer_id, '?')}"
                  f", not {account}; an order cannot move to another customer")
        return
    if version < order.version:
        sink.fail(number, "order_version", f"order {oid} is at version {order.version}; version {version} is out "
                  "of date")
        return
    same = version == order.version and currency == order.currency and value == order.amount
    key = _key(row.values["company_code"], oid)
    if order.status == Order.Status.CANCELLED:
        if same and status != "open":
            plan.sink.done(number, key, "unchanged")
        elif status == "open":
            sink.fail(number, "status", f"order {oid} is cancelled; a cancelled order is not opened again")
        else:
            sink.fail(number, "order_id", f"order {oid} is cancelled; it takes no new version or value")
        return
    before = snapshot(order)
    if status == "cancelled":
        order.version, order.currency, order.amount = version, currency, value
        order.status, order.open_amount = Order.Status.CANCELLED, Decimal(0)
        plan.change(row, order, before, "order.cancelled")
        return
    if same:
        plan.sink.done(number, key, "unchanged")
        return
    if order.status != Order.Status.OPEN:
        sink.fail(number, "order_id", f"order {oid} is {order.get_status_display().lower()}; it takes no new "
                  "version or value")
        return
    if version == order.version and (order.pk, version) in checked:
        sink.fail(number, "order_version", f"version {version} of order {oid} was credit-checked at "
                  f"{quantize(order.amount, order.currency)} {order.currency}; send version {version + 1} to "
                  "change its value")
        return
    order.version, order.currency, order.amount, order.open_amount = version, currency, value, value
    order.credit_status = "unchecked"
    plan.change(row, order, before, "order.updated")


def _invoiced(orders: list[Order]) -> dict[tuple[int, str], dict[str, Decimal]]:
    """Invoice amounts per currency under each order (company and order reference)."""
    by_company: dict[int, set[str]] = {}
    for o in orders:
        by_company.setdefault(o.company_id, set()).add(o.order_id)
    out: dict[tuple[int, str], dict[str, Decimal]] = {}
    for company_id, refs in sorted(by_company.items()):
        for chunk in chunks(sorted(refs)):
            rows = (OpenItem.objects.filter(company_id=company_id, document_type=OpenItem.Type.INVOICE,
                                            order_reference__in=chunk)
                    .values("order_reference", "currency").annotate(s=Sum("amount"))
                    .values_list("order_reference", "currency", "s"))
            for ref, currency, total in rows:
                out.setdefault((company_id, ref), {})[currency] = total
    return out


def _reduce(sink: Sink, plan: _Plan) -> dict[int, dict[str, Any]]:
    """Take what invoices already billed off the open orders written; the snapshots before, by row."""
    written = [(row, o) for row, o in plan.creates] + [(row, o) for row, o, _b, _a in plan.updates]
    open_orders = [o for _row, o in written if o.status == Order.Status.OPEN]
    billed_per = _invoiced(open_orders) if open_orders else {}
    rates: dict[tuple[frozenset[str], str], dict[str, Decimal]] = {}
    today = timezone.localdate()
    reduced: dict[int, dict[str, Any]] = {}
    for row, order in written:
        per = billed_per.get((order.company_id, order.order_id)) if order.status == Order.Status.OPEN else None
        if not per:
            continue
        wanted = (frozenset(per), order.currency)
        try:
            if wanted not in rates:
                rates[wanted] = rates_to(per, order.currency, today)
        except BusinessError as exc:
            sink.fail_exc(row.number, exc)
            continue
        billed = convert_with(per, rates[wanted], order.currency)
        left = max(order.amount - billed, Decimal(0))
        if left == order.open_amount:
            continue
        reduced[row.number] = snapshot(order)
        order.open_amount = left
        if left == 0:
            order.status = Order.Status.INVOICED
    return reduced


def _event(action: str, order: Order, reason: str, before: dict[str, Any] | None,
           after: dict[str, Any] | None) -> dict[str, Any]:
    return {"action": action, "object_type": "credit.order", "object_id": str(order.pk),
            "object_repr": str(order)[:300], "before": before, "after": after, "reason": reason}


#: How a preview shows a field (the rest by their own names).
_SHOWN = {"company_id": "company", "customer_id": "customer", "order_id": "order_id", "version": "order_version"}
_HIDDEN = {"id", "credit_status"}


def _readable(before: dict[str, Any] | None, after: dict[str, Any], names: dict[str, dict[Any, str]]
              ) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for k, v in after.items():
        if k in _HIDDEN or (before is None and (v is None or v == "")):
            continue
        b = None if before is None else before.get(k)
        label = names.get(k, {})
        out[_SHOWN.get(k, k)] = {"before": label.get(b, b), "after": label.get(v, v)}
    return out


def write_orders(sink: Sink, rows: list[Row]) -> None:
    """The writer of the ``orders`` import (registered by ``CreditConfig.ready()``)."""
    companies = _by(Company, "code", (r.values["company_code"] for r in rows), "id", "code")
    customers = _by(Customer, "account_number", (r.values["account_number"] for r in rows), "id", "account_number")
    stored = _stored(companies, rows, lock=not sink.preview)
    checked = _checked(stored.values())
    account_of = {c.pk: a for a, c in customers.items()}
    others = {o.customer_id for o in stored.values()} - set(account_of)
    for chunk in chunks(sorted(others)):
        account_of.update(Customer.objects.filter(pk__in=chunk).values_list("pk", "account_number"))
    seen: dict[tuple[str, str], int] = {}
    plan = _Plan(sink)
    for row in rows:
        v = row.values
        key = (v["company_code"], v["order_id"])
        if key in seen:
            sink.fail(row.number, "order_id", f"the same order as row {seen[key]}")
            continue
        seen[key] = row.number
        company, customer = companies.get(v["company_code"]), customers.get(v["account_number"])
        if company is None:
            sink.fail(row.number, "company_code", f"no company with code '{v['company_code']}'")
        if customer is None:
            sink.fail(row.number, "account_number", f"no customer with account number '{v['account_number']}'")
        version = _version(sink, row)
        money = _money(sink, row)
        status = v.get("status") or ""
        if status not in ("", *STATUSES):
            sink.fail(row.number, "status", f"'{status}' is not a status: open or cancelled")
        if company is None or customer is None or version is None or money is None or sink.rejected(row.number):
            continue
        currency, value = money
        order = stored.get((company.pk, v["order_id"]))
        if order is None:
            cancelled = status == "cancelled"
            plan.creates.append((row, Order(
                company_id=company.pk, customer_id=customer.pk, order_id=v["order_id"], version=version,
                currency=currency, amount=value, open_amount=Decimal(0) if cancelled else value,
                status=Order.Status.CANCELLED if cancelled else Order.Status.OPEN)))
        else:
            _apply(sink, plan, row, order, version=version, currency=currency, value=value, status=status,
                   checked=checked, account_of=account_of, account=customer.account_number, customer_id=customer.pk)
    # what the rows themselves say, then what invoices already billed
    middle = {row.number: snapshot(o) for row, o in plan.creates}
    middle.update({row.number: snapshot(o) for row, o, _b, _a in plan.updates})
    reduced = _reduce(sink, plan)
    creates = [(row, o) for row, o in plan.creates if not sink.rejected(row.number)]
    updates = [u for u in plan.updates if not sink.rejected(u[0].number)]
    if sink.preview:  # what would be written is reported below; nothing is
        sink.advance(len(creates) + len(updates))
        _report(sink, creates, updates, middle, reduced, companies, account_of)
        return
    for batch in chunks(creates, BATCH):
        Order.objects.bulk_create([o for _, o in batch])
        sink.advance(len(batch))
    now = timezone.now()
    for _, o, _b, _a in updates:
        o.updated_at = now
    for chunk_u in chunks(updates, BATCH):
        update_rows(Order, [o for _, o, _b, _a in chunk_u], UPDATE_FIELDS)
        sink.advance(len(chunk_u))
    record_states([o for _, o in creates] + [o for _, o, _b, _a in updates])
    _report(sink, creates, updates, middle, reduced, companies, account_of)
    touched = sorted({o.customer_id for _, o in creates} | {o.customer_id for _, o, _b, _a in updates})
    if touched:
        standing.refresh_after_commit(touched)


def _report(sink: Sink, creates: list[tuple[Row, Order]], updates: list[tuple[Row, Order, dict[str, Any], str]],
            middle: dict[int, dict[str, Any]], reduced: dict[int, dict[str, Any]],
            companies: dict[str, Company], account_of: dict[int, str]) -> None:
    names: dict[str, dict[Any, str]] = {"company_id": {c.pk: code for code, c in companies.items()},
                                        "customer_id": account_of}
    outcomes: list[tuple[Row, Order, Outcome, dict[str, Any] | None, str]] = (
        [(row, o, "created", None, "order.created") for row, o in creates]
        + [(row, o, "updated", before, action) for row, o, before, action in updates])
    for row, order, outcome, before, action in outcomes:
        mid = {**middle[row.number], "id": order.pk}
        final = snapshot(order)
        if before is None:
            sink.events.append(_event(action, order, sink.reason, None, mid))
        else:
            b, a = changes(before, mid)
            sink.events.append(_event(action, order, sink.reason, b, a))
        if row.number in reduced:
            b, a = changes(mid, final)
            sink.events.append(_event("order.invoiced", order, sink.reason, b, a))
        shown = _readable(None, final, names) if before is None else _readable(*_changed(before, final), names)
        sink.done(row.number, _key(row.values["company_code"], order.order_id), outcome, shown)


def _changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    b, a = changes(before, after)
    return b or {}, a or {}


def export_rows(company: Company | None) -> Iterator[list[Any]]:
    """Orders in the import columns (``credere export orders``); an order invoiced in full is written
    as ``open`` with an open amount of 0 (the file's status is the ERP's word: open or cancelled)."""
    qs = Order.objects.select_related("company", "customer").order_by("company__code", "order_id")
    if company is not None:
        qs = qs.filter(company=company)
    for o in qs.iterator(chunk_size=2000):
        yield [o.company.code, o.customer.account_number, o.order_id, o.version, o.currency,
               quantize(o.amount, o.currency), "cancelled" if o.status == Order.Status.CANCELLED else "open",
               quantize(o.open_amount, o.currency)]
