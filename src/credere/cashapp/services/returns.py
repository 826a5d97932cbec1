"""Returned payments: a return or reversal on a bank statement is paired with the payment it returns, and that
payment is reversed — its allocations undone (the items reopen), its proposals closed, the money out of the
workbench for good — with an alert to the people who follow the customer (credit control listens: ``changes.on_payment_returned``); a return that cannot be paired waits
in the workbench for a clerk to pair or dismiss. Everything is audited."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from credere.audit.services import actor_name, record
from credere.cashapp.models import Adjustment, BankTransaction, MatchProposal, OnAccount, PaymentReturn
from credere.cashapp.services.errors import field_error
from credere.cashapp.services.runs import supersede_open
from credere.core.errors import Conflict
from credere.domain.returns import Returnable, pair, reason_in_words
from credere.identity.authz import authorize
from credere.ledger import changes
from credere.ledger.models import Allocation, Payment
from credere.ledger.services import allocations


def is_return(row: BankTransaction) -> bool:
    """Money that went back out with a return reason (a return or a reversal of a payment received)."""
    return row.amount < 0 and bool(row.return_reason)


def record_returns(*, actor: Any, rows: Iterable[BankTransaction]) -> list[PaymentReturn]:
    """Each return among ``rows`` is recorded and, when it names exactly one payment of the same amount, that
    payment is reversed; the others wait in the workbench. A pairing that fails leaves the return unpaired."""
    out = []
    for row in rows:
        if not is_return(row) or PaymentReturn.objects.filter(transaction=row).exists():
            continue
        with transaction.atomic():
            ret = PaymentReturn.objects.create(
                transaction=row, company=row.bank_account.company, amount=-row.amount, currency=row.currency,
                returned_on=row.booking_date, returned_reference=row.returned_reference[:100],
                reason=reason_in_words(row.return_reason)[:300], status=PaymentReturn.Status.UNPAIRED)
            record(actor=actor, action="payment_return.recorded", obj=ret,
                   after={"amount": str(ret.amount), "currency": ret.currency, "reason": ret.reason,
                          "returned_reference": ret.returned_reference})
        payment_id = _payment_named(ret)
        if payment_id is not None:
            with contextlib.suppress(Conflict):  # decided meanwhile (returned already): the return waits for a clerk
                _reverse(actor, ret, payment_id, note="paired by its reference")
        ret.refresh_from_db()
        out.append(ret)
    return out


def _payment_named(ret: PaymentReturn) -> int | None:
    """The one payment of the company the return names by reference, of its amount and currency: by its
    end-to-end id or the bank's reference, or by the payer's own reference on its transaction (a BAI2 return
    names the item it returns by the customer reference of the deposit)."""
    if not ret.returned_reference:
        return None
    key = ret.returned_reference
    same = Payment.objects.filter(company=ret.company, currency=ret.currency, amount=ret.amount,
                                  returned_on__isnull=True, received_on__lte=ret.returned_on)
    found = list(same.filter(Q(bank_reference__iexact=key) | Q(reference__iexact=key)
                             | Q(bank_transaction__end_to_end_id__iexact=key)
                             | Q(bank_transaction__bank_reference__iexact=key))
                 .values_list("pk", "bank_reference", "reference", "bank_transaction__end_to_end_id",
                              "bank_transaction__bank_reference", "amount", "currency", "received_on")[:10])
    options = [Returnable(pk, (ref, own, e2e, bank), amount, currency, received)
               for pk, ref, own, e2e, bank, amount, currency, received in found]
    seen = {option.payment_id for option in options}
    # the payer's references on the transaction (a list in JSON, read here on every database): the latest
    # payments of that amount, which is few
    for pk, refs, amount, currency, received in (
            same.exclude(pk__in=seen).filter(bank_transaction__isnull=False).order_by("-received_on", "-pk")
            .values_list("pk", "bank_transaction__references", "amount", "currency", "received_on")[:500]):
        if isinstance(refs, list):
            options.append(Returnable(pk, tuple(str(r) for r in refs), amount, currency, received))
    return pair(key, ret.amount, ret.currency, ret.returned_on, options)


def pair_return(*, actor: Any, return_id: int, payment_id: int, note: str = "") -> PaymentReturn:
    """A clerk pairs a waiting return with the payment it returns (same company, currency and amount)."""
    authorize(actor, "allocate")
    ret = PaymentReturn.objects.filter(pk=return_id).first()
    if ret is None:
        raise field_error("return_id", f"no returned payment with id {return_id}", code="not_found", status=404)
    if ret.status != PaymentReturn.Status.UNPAIRED:
        raise Conflict(f"the return of {ret.amount} {ret.currency} is already {ret.get_status_display().lower()}",
                       code="return_decided")
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise field_error("payment_id", f"no payment with id {payment_id}", code="not_found", status=404)
    if (payment.company_id, payment.currency, payment.amount) != (ret.company_id, ret.currency, ret.amount):
        raise field_error("payment_id", f"{payment} is {payment.amount} {payment.currency} of "
                                        f"{payment.company.code}; the return is {ret.amount} {ret.currency} of "
                                        f"{ret.company.code}: a return pairs with a payment of the same amount")
    return _reverse(actor, ret, payment.pk, note=note or "paired by a clerk")


def dismiss_return(*, actor: Any, return_id: int, note: str) -> PaymentReturn:
    """A clerk says a waiting return concerns no payment Credere holds (it returns an outgoing payment, say)."""
    authorize(actor, "allocate")
    if not (note or "").strip():
        raise field_error("note", "say why this return concerns no payment received")
    with transaction.atomic():
        ret = PaymentReturn.objects.select_for_update().filter(pk=return_id).first()
        if ret is None:
            raise field_error("return_id", f"no returned payment with id {return_id}", code="not_found", status=404)
        if ret.status != PaymentReturn.Status.UNPAIRED:
            raise Conflict(f"the return is already {ret.get_status_display().lower()}", code="return_decided")
        ret.status, ret.note, ret.decided_by = PaymentReturn.Status.DISMISSED, note.strip()[:300], actor_name(actor)
        ret.save(update_fields=["status", "note", "decided_by", "updated_at"])
        record(actor=actor, action="payment_return.dismissed", obj=ret, after={"status": ret.status}, reason=note)
    return ret


def _reverse(actor: Any, ret: PaymentReturn, payment_id: int, *, note: str) -> PaymentReturn:
    """Reverse the payment a return returns: every allocation still in force reversed on the day of the return
    (or the day it was applied, if later), its adjustments cancelled and proposals closed, money kept on account
    released, and the payment marked returned; then the alert. What the matches taught about the payer stands:
    the match was right, the money bounced."""
    why = f"returned by the bank: {ret.reason}"
    with transaction.atomic():
        payment = Payment.objects.select_for_update(no_key=True).get(pk=payment_id)
        ret = PaymentReturn.objects.select_for_update().get(pk=ret.pk)
        if payment.returned_on is not None:
            raise Conflict(f"{payment} was already returned on {payment.returned_on}", code="payment_returned")
        if ret.status != PaymentReturn.Status.UNPAIRED:
            raise Conflict("the return is already decided", code="return_decided")
        for allocation in Allocation.objects.filter(payment=payment, reversed_on__isnull=True).order_by("id"):
            allocations.reverse_allocation(actor=actor, allocation_id=allocation.pk,
                                           reversed_on=max(ret.returned_on, allocation.applied_on), reason=why)
        applied = MatchProposal.objects.filter(payment=payment, status__in=MatchProposal.APPLIED_STATUSES)
        Adjustment.objects.filter(proposal__in=applied, status=Adjustment.Status.OPEN).update(
            status=Adjustment.Status.CANCELLED)
        for proposal in applied:
            record(actor=actor, action="match.undone", obj=proposal, before={"status": proposal.status},
                   after={"status": MatchProposal.Status.UNDONE}, reason=why)
        applied.update(status=MatchProposal.Status.UNDONE, decided_by=actor_name(actor))
        supersede_open([payment])
        OnAccount.objects.filter(payment=payment, released_at__isnull=True).update(
            released_at=timezone.now(), released_by=actor_name(actor))
        payment.refresh_from_db()
        payment.returned_on, payment.return_reason = ret.returned_on, ret.reason
        payment.save(update_fields=["returned_on", "return_reason"])
        record(actor=actor, action="payment.returned", obj=payment,
               after={"returned_on": ret.returned_on.isoformat(), "reason": ret.reason, "return": ret.pk}, reason=note)
        ret.payment, ret.status, ret.note, ret.decided_by = payment, PaymentReturn.Status.PAIRED, note[:300], \
            actor_name(actor)
        ret.save(update_fields=["payment", "status", "note", "decided_by", "updated_at"])
        record(actor=actor, action="payment_return.paired", obj=ret, after={"payment": payment.pk}, reason=note)
        if payment.customer_id is not None:
            changes.payment_returned(changes.PaymentReturned(
                key=f"payment_returned:{ret.pk}", payment_id=payment.pk, customer_id=payment.customer_id,
                label=payment.label, amount=payment.amount, currency=payment.currency, returned_on=ret.returned_on,
                reason=ret.reason))
    return ret


def _day(day: dt.date) -> str:
    return day.isoformat()
