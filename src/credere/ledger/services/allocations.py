"""Allocating payments and credit notes to invoices, and reversing an allocation: locked,
checked by the domain's allocation rules, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from credere.audit.services import record, record_many, snapshot
from credere.core.bulk import insert_rows, update_rows
from credere.core.errors import BusinessError, Conflict
from credere.domain import allocation as rules
from credere.identity.authz import authorize
from credere.ledger import changes, selectors
from credere.ledger.models import Allocation, OpenItem, Payment
from credere.ledger.services.fx import convert
from credere.ledger.services.validation import field_error, valid_amount

# --------------------------------------------------------------------------- allocations


@dataclass(frozen=True, slots=True)
class AllocationRequest:
    """One allocation asked of :func:`allocate_many`: the arguments :func:`allocate` takes."""

    target_id: int
    amount: Any
    applied_on: dt.date
    payment_id: int | None = None
    credit_note_id: int | None = None
    source_amount: Any = None
    note: str = ""


def _one_source(payment_id: int | None, credit_note_id: int | None) -> None:
    if (payment_id is None) == (credit_note_id is None):
        raise BusinessError("give exactly one source: payment_id or credit_note_id", code="source",
                            fields=[{"field": "payment_id", "message": "give a payment or a credit note"}])


def allocate(*, actor: Any, target_id: int, amount: Any, applied_on: dt.date, payment_id: int | None = None,
             credit_note_id: int | None = None, source_amount: Any = None, note: str = "") -> Allocation:
    """Apply part of a payment or credit note to an invoice or debit note.

    Rows are locked in a fixed order (open items by id, then the payment) so that
    concurrent allocations against the same items serialise instead of over-allocating.
    """
    authorize(actor, "allocate")
    _one_source(payment_id, credit_note_id)
    with transaction.atomic():
        item_ids = sorted({target_id, *([credit_note_id] if credit_note_id else [])})
        items = {i.pk: i for i in OpenItem.objects.select_for_update(no_key=True).filter(pk__in=item_ids).order_by("pk")}
        payments: dict[int, Payment] = {}
        if payment_id is not None and target_id in items:
            payments = {p.pk: p for p in Payment.objects.select_for_update(no_key=True).filter(pk=payment_id)}
        request = AllocationRequest(target_id, amount, applied_on, payment_id, credit_note_id, source_amount, note)
        allocation = _take(items, payments, request)
        allocation.save(force_insert=True)
        target = allocation.target
        target.save(update_fields=["open_amount", "updated_at"])
        if allocation.payment is not None:
            allocation.payment.save(update_fields=["unapplied_amount", "customer"])
        else:
            assert allocation.credit_note is not None
            allocation.credit_note.save(update_fields=["open_amount", "updated_at"])
        record(actor=actor, action="allocation.created", obj=allocation, after=snapshot(allocation), reason=note)
        changes.customers_changed({target.customer_id, *([allocation.credit_note.customer_id]
                                                         if allocation.credit_note is not None else [])})
        return allocation


def allocate_many(*, actor: Any, requests: Sequence[AllocationRequest]) -> list[Allocation]:
    """Make many allocations in one transaction, all or none: the same checks, locks (every item by id,
    then every payment by id) and audit events as :func:`allocate` one by one, written in bulk. The
    first request that :func:`allocate` would refuse raises its error, and nothing is written."""
    authorize(actor, "allocate")
    for request in requests:
        _one_source(request.payment_id, request.credit_note_id)
    if not requests:
        return []
    with transaction.atomic():
        item_ids = sorted({i for r in requests for i in (r.target_id, r.credit_note_id) if i is not None})
        items = {i.pk: i for i in OpenItem.objects.select_for_update(no_key=True).filter(pk__in=item_ids).order_by("pk")}
        payment_ids = sorted({r.payment_id for r in requests if r.payment_id is not None})
        payments = {p.pk: p for p in Payment.objects.select_for_update(no_key=True).filter(pk__in=payment_ids)
                    .order_by("pk")}
        made = [_take(items, payments, request) for request in requests]
        insert_rows(Allocation, made)
        now = timezone.now()
        touched = {a.target_id for a in made} | {a.credit_note_id for a in made if a.credit_note_id is not None}
        for pk in touched:
            items[pk].updated_at = now
        update_rows(OpenItem, [items[pk] for pk in sorted(touched)], ["open_amount", "updated_at"])
        paid = sorted({a.payment_id for a in made if a.payment_id is not None})
        update_rows(Payment, [payments[pk] for pk in paid], ["unapplied_amount", "customer"])
        record_many(actor=actor, events=[{
            "action": "allocation.created", "object_type": Allocation._meta.label_lower, "object_id": a.pk,
            "object_repr": str(a)[:300], "after": snapshot(a), "reason": a.note} for a in made])
        changes.customers_changed({items[pk].customer_id for pk in touched})
        return made


def _take(items: dict[int, OpenItem], payments: dict[int, Payment], request: AllocationRequest) -> Allocation:
    """Check one allocation against the locked rows and take its amount from them (in memory): the
    allocation to save, with its target, payment or credit note changed, or the error that refuses it."""
    target_id, payment_id, credit_note_id = request.target_id, request.payment_id, request.credit_note_id
    target = items.get(target_id)
    if target is None:
        raise BusinessError(f"no open item with id {target_id}", code="not_found", status=404,
                            fields=[{"field": "target_id", "message": "not found"}])
    payment: Payment | None = None
    credit: OpenItem | None = None
    if payment_id is not None:
        payment = payments.get(payment_id)
        if payment is None:
            raise BusinessError(f"no payment with id {payment_id}", code="not_found", status=404,
                                fields=[{"field": "payment_id", "message": "not found"}])
        if payment.returned_on is not None:
            raise Conflict(f"{payment} was returned by the bank on {payment.returned_on}: it has no money to apply",
                           code="payment_returned",
                           fields=[{"field": "payment_id", "message": "returned by the bank"}])
        source = rules.SourceState(payment.amount, payment.amount - payment.unapplied_amount, payment.currency)
        source_company, source_customer = payment.company_id, payment.customer_id
    else:
        credit = items.get(credit_note_id)  # type: ignore[arg-type]
        if credit is None or credit.document_type != OpenItem.Type.CREDIT_NOTE:
            raise BusinessError(f"no credit note with id {credit_note_id}", code="not_found", status=404,
                                fields=[{"field": "credit_note_id", "message": "not a credit note"}])
        source = rules.SourceState(credit.amount, credit.open_amount - credit.amount, credit.currency)
        source_company, source_customer = credit.company_id, credit.customer_id
    if source_company != target.company_id:
        raise BusinessError("the source and the item belong to different companies", code="company_mismatch")
    if source_customer is not None and source_customer != target.customer_id and not _same_group(
            source_customer, target.customer_id):
        raise BusinessError("the source belongs to another customer outside this corporate group",
                            code="customer_mismatch")
    amt = valid_amount("amount", request.amount, target.currency)
    src_amt = None
    if request.source_amount is not None:
        src_amt = valid_amount("source_amount", request.source_amount, source.currency)
    elif source.currency != target.currency:
        src_amt = convert(amount=amt, from_currency=target.currency, to_currency=source.currency,
                          on=request.applied_on)
    if not target.is_target:
        raise BusinessError("only invoices and debit notes can receive allocations", code="not_a_target",
                            fields=[{"field": "target_id", "message": "is a credit note"}])
    try:
        new_target, new_source = rules.allocate(
            rules.TargetState(target.amount, target.amount - target.open_amount, target.currency),
            source, amt, src_amt,
        )
    except rules.AllocationError as exc:
        raise Conflict(str(exc), code=exc.code, fields=[{"field": "amount", "message": str(exc)}]) from None
    target.open_amount = new_target.open_amount
    if payment is not None:
        payment.unapplied_amount = payment.amount - new_source.used
        if payment.customer_id is None:
            payment.customer_id = target.customer_id
    else:
        assert credit is not None
        credit.open_amount = rules.credit_open_amount(credit.amount, new_source.used)
    return Allocation(target=target, payment=payment, credit_note=credit, amount=amt,
                      source_amount=src_amt if src_amt is not None else amt, applied_on=request.applied_on,
                      note=request.note or "")


def _same_group(a: int, b: int) -> bool:
    return selectors.group_root_id(a) == selectors.group_root_id(b)


def reverse_allocation(*, actor: Any, allocation_id: int, reversed_on: dt.date, reason: str) -> Allocation:
    """Reverse an allocation: both sides get back exactly what it took (audited)."""
    authorize(actor, "allocate")
    if not (reason or "").strip():
        raise field_error("reason", "say why the allocation is reversed")
    with transaction.atomic():
        allocation = Allocation.objects.filter(pk=allocation_id).first()
        if allocation is None:
            raise BusinessError(f"no allocation with id {allocation_id}", code="not_found", status=404)
        ids = sorted({allocation.target_id, *([allocation.credit_note_id] if allocation.credit_note_id else [])})
        items = {i.pk: i for i in OpenItem.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")}
        payment = Payment.objects.select_for_update(no_key=True).get(pk=allocation.payment_id) if allocation.payment_id else None
        allocation = Allocation.objects.select_for_update(no_key=True).get(pk=allocation_id)
        if allocation.reversed_on is not None:
            raise Conflict(f"allocation {allocation_id} was already reversed on {allocation.reversed_on}",
                           code="already_reversed")
        if reversed_on < allocation.applied_on:
            raise field_error("reversed_on", "is before the allocation was applied")
        target = items[allocation.target_id]
        if payment is not None:
            source = rules.SourceState(payment.amount, payment.amount - payment.unapplied_amount, payment.currency)
        else:
            credit = items[allocation.credit_note_id]  # type: ignore[index]
            source = rules.SourceState(credit.amount, credit.open_amount - credit.amount, credit.currency)
        new_target, new_source = rules.reverse(
            rules.TargetState(target.amount, target.amount - target.open_amount, target.currency), source,
            allocation.amount, allocation.source_amount,
        )
        before = snapshot(allocation)
        allocation.reversed_on = reversed_on
        allocation.save(update_fields=["reversed_on"])
        target.open_amount = new_target.open_amount
        target.save(update_fields=["open_amount", "updated_at"])
        if payment is not None:
            payment.unapplied_amount = payment.amount - new_source.used
            payment.save(update_fields=["unapplied_amount"])
        else:
            credit.open_amount = rules.credit_open_amount(credit.amount, new_source.used)
            credit.save(update_fields=["open_amount", "updated_at"])
        record(actor=actor, action="allocation.reversed", obj=allocation, before=before,
               after=snapshot(allocation), reason=reason)
        changes.customers_changed({i.customer_id for i in items.values()})
        return allocation
