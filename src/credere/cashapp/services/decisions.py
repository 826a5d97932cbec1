"""Clerks' decisions in the workbench: accept a suggestion, match by hand, undo a match, keep a
payment on a customer's account and release it. Each is audited and undoable, and Credere
learns the payer from it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from credere.audit.services import actor_name, record
from credere.cashapp.models import Adjustment, BankTransaction, MatchProposal, OnAccount, ProposalLine
from credere.cashapp.services.errors import field_error
from credere.cashapp.services.learning import learn_payer, unlearn
from credere.cashapp.services.runs import apply_proposal, supersede_open
from credere.core.errors import Conflict
from credere.domain.matching import reasons as R
from credere.domain.money import quantize
from credere.identity.authz import authorize
from credere.ledger import changes
from credere.ledger.models import Allocation, Customer, OpenItem, Payment
from credere.ledger.services import allocations, fx


def _payment(payment_id: int) -> Payment:
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise field_error("payment_id", f"no payment with id {payment_id}", code="not_found", status=404)
    return payment


def accept_proposal(*, actor: Any, proposal_id: int, applied_on: dt.date | None = None) -> MatchProposal:
    """A clerk confirms a suggestion: it is applied, and the payer's account and name are learned."""
    authorize(actor, "allocate")
    proposal = MatchProposal.objects.filter(pk=proposal_id).select_related("payment").first()
    if proposal is None:
        raise field_error("proposal_id", f"no proposal with id {proposal_id}", code="not_found", status=404)
    if not proposal.lines.exists():
        raise Conflict("this proposal has no items to apply", code="empty_proposal")
    apply_proposal(actor, proposal, applied_on or timezone.localdate(), MatchProposal.Status.ACCEPTED)
    _learn_after_decision(actor, proposal)
    return proposal


def _learn_after_decision(actor: Any, proposal: MatchProposal) -> None:
    items = [line.item for line in proposal.lines.select_related("item")]
    customers = {item.customer_id for item in items}
    if len(customers) == 1:
        learn_payer(actor=actor, payment=proposal.payment, customer_id=customers.pop(), items=items,
                    decision=f"proposal:{proposal.pk}")


@dataclass(frozen=True)
class ManualLine:
    item_id: int
    #: Applied to the item, in the item's currency (for a credit note: the credit used, positive).
    amount: Decimal
    #: Left open on the item and flagged as a deduction to resolve.
    deduction: Decimal = Decimal(0)


def manual_match(*, actor: Any, payment_id: int, lines: Sequence[ManualLine], note: str = "",
                 applied_on: dt.date | None = None, remember: bool = True) -> MatchProposal:
    """A clerk's own match (one or many items, split as they choose, deductions flagged); audited
    and undoable like an automatic one, and Credere learns the payer from it unless the clerk says
    not to (``remember``: a one-off payment by someone else for the customer)."""
    authorize(actor, "allocate")
    payment = _payment(payment_id)
    if not lines:
        raise field_error("lines", "choose at least one item")
    items = {i.pk: i for i in OpenItem.objects.filter(pk__in=[ln.item_id for ln in lines])}
    rows: list[ProposalLine] = []
    total = Decimal(0)
    for n, ln in enumerate(lines, start=1):
        item = items.get(ln.item_id)
        if item is None:
            raise field_error(f"lines[{n}].item_id", f"no open item with id {ln.item_id}", status=404)
        amount = quantize(Decimal(ln.amount), item.currency)
        deduction = quantize(Decimal(ln.deduction or 0), item.currency)
        if amount <= 0 or deduction < 0:
            raise field_error(f"lines[{n}].amount", "give an amount greater than zero (and a deduction of zero "
                                                     "or more)")
        credit = item.document_type == OpenItem.Type.CREDIT_NOTE
        if not credit and amount + deduction > item.open_amount:
            raise field_error(f"lines[{n}].amount", f"{item.document_number} has {item.open_amount} {item.currency} "
                                                     f"open, but {amount} plus a deduction of {deduction} would take "
                                                     f"{amount + deduction - item.open_amount} more: lower the amount "
                                                     "or the deduction", code="over_allocation", status=409)
        pay_amount = amount if item.currency == payment.currency else fx.convert(
            amount=amount, from_currency=item.currency, to_currency=payment.currency, on=payment.received_on)
        signed = -amount if credit else amount
        total += -pay_amount if credit else pay_amount
        rows.append(ProposalLine(item=item, amount=signed, payment_amount=-pay_amount if credit else pay_amount,
                                 deduction=deduction))
    if total > payment.unapplied_amount:
        raise field_error("lines", f"the ticked items take {total} {payment.currency}, but only "
                                    f"{payment.unapplied_amount} {payment.currency} of the payment is unapplied — "
                                    f"{total - payment.unapplied_amount} {payment.currency} too much: lower an "
                                    "amount to apply part of an item, or untick an item",
                          code="source_exhausted", status=409)
    with transaction.atomic():
        supersede_open([payment])
        customers = {items[ln.item_id].customer_id for ln in lines}
        proposal = MatchProposal.objects.create(
            payment=payment, status=MatchProposal.Status.SUGGESTED, confidence=Decimal(1),
            reasons=[R.MANUAL] + ([R.DEDUCTION] if any(ln.deduction for ln in lines) else []),
            customer_id=next(iter(customers)) if len(customers) == 1 else None,
            unapplied=payment.unapplied_amount - total, note=note[:300])
        for row in rows:
            row.proposal = proposal
            row.save()
        apply_proposal(actor, proposal, applied_on or timezone.localdate(), MatchProposal.Status.MANUAL)
    if remember:
        _learn_after_decision(actor, proposal)
    return proposal


def _forget_customer_named_by_matching(actor: Any, payment_id: int, reason: str) -> None:
    """A payment from a bank statement has no customer until its first allocation names one. When the last
    allocation in force is undone and no clerk keeps the money on an account, that name goes too: the money
    can then be applied to another customer's items (the ledger refuses another customer's, rightly, while
    the name stands)."""
    payment = Payment.objects.select_for_update(no_key=True).get(pk=payment_id)
    if (payment.customer_id is None or not BankTransaction.objects.filter(payment_id=payment_id).exists()
            or Allocation.objects.filter(payment_id=payment_id, reversed_on__isnull=True).exists()
            or OnAccount.objects.filter(payment_id=payment_id, released_at__isnull=True).exists()):
        return
    before = {"customer": payment.customer_id}
    payment.customer = None
    payment.save(update_fields=["customer"])
    record(actor=actor, action="payment.customer_cleared", obj=payment, before=before, after={"customer": None},
           reason=reason)
    changes.customers_changed({before["customer"]})  # its unapplied cash no longer counts for that customer


def undo_match(*, actor: Any, proposal_id: int, reason: str, on: dt.date | None = None) -> MatchProposal:
    """Reverse every allocation a match made (audited); the payment goes back to the workbench."""
    authorize(actor, "allocate")
    if not (reason or "").strip():
        raise field_error("reason", "say why the match is undone")
    with transaction.atomic():
        proposal = MatchProposal.objects.select_for_update(no_key=True).filter(pk=proposal_id).first()
        if proposal is None:
            raise field_error("proposal_id", f"no proposal with id {proposal_id}", code="not_found", status=404)
        if proposal.status not in MatchProposal.APPLIED_STATUSES:
            raise Conflict(f"proposal {proposal_id} is {proposal.get_status_display().lower()}, not applied",
                           code="not_applied")
        allocation_ids = sorted({a for line in proposal.lines.all()
                                 for a in line.allocations.values_list("pk", flat=True)})
        day = on or timezone.localdate()
        for allocation in Allocation.objects.filter(pk__in=allocation_ids, reversed_on__isnull=True):
            allocations.reverse_allocation(actor=actor, allocation_id=allocation.pk,
                                      reversed_on=max(day, allocation.applied_on), reason=reason)
        proposal.adjustments.filter(status=Adjustment.Status.OPEN).update(status=Adjustment.Status.CANCELLED)
        _forget_customer_named_by_matching(actor, proposal.payment_id, reason)
        before = {"status": proposal.status}
        proposal.status = MatchProposal.Status.UNDONE
        proposal.decided_by = actor_name(actor)
        proposal.save(update_fields=["status", "decided_by", "updated_at"])
        record(actor=actor, action="match.undone", obj=proposal, before=before, after={"status": proposal.status},
               reason=reason)
        unlearn(actor=actor, decision=f"proposal:{proposal.pk}", reason=reason)
    return proposal


def put_on_account(*, actor: Any, payment_id: int, customer: Customer, note: str = "",
                   remember: bool = False) -> OnAccount:
    """Keep a payment's unapplied money on a customer's account (out of the workbench queue).
    ``remember``: the clerk says the payer's account and name are this customer's (an unknown
    payer's money put somewhere for now teaches nothing, by default)."""
    authorize(actor, "allocate")
    with transaction.atomic():
        payment = Payment.objects.select_for_update(no_key=True).filter(pk=payment_id).first()
        if payment is None:
            raise field_error("payment_id", f"no payment with id {payment_id}", code="not_found", status=404)
        if payment.unapplied_amount <= 0:
            raise Conflict(f"{payment} has nothing unapplied", code="nothing_unapplied")
        if payment.customer_id is not None and payment.customer_id != customer.pk:
            raise field_error("customer", f"{payment} already belongs to another customer")
        if OnAccount.objects.filter(payment=payment, released_at__isnull=True).exists():
            raise Conflict(f"{payment} is already on account", code="on_account")
        if payment.customer_id is None:
            payment.customer = customer
            payment.save(update_fields=["customer"])
        supersede_open([payment])
        row = OnAccount.objects.create(payment=payment, customer=customer, note=note[:300],
                                       created_by=actor_name(actor))
        record(actor=actor, action="payment.put_on_account", obj=payment,
               after={"customer": customer.account_number, "unapplied": payment.unapplied_amount}, reason=note)
    if remember:
        learn_payer(actor=actor, payment=payment, customer_id=customer.pk, decision=f"on_account:{row.pk}")
    return row


def release_on_account(*, actor: Any, payment_id: int, reason: str = "") -> OnAccount:
    authorize(actor, "allocate")
    with transaction.atomic():
        row = OnAccount.objects.select_for_update().filter(payment_id=payment_id, released_at__isnull=True).first()
        if row is None:
            raise Conflict(f"payment {payment_id} is not on account", code="not_on_account")
        row.released_at = timezone.now()
        row.released_by = actor_name(actor)
        row.save(update_fields=["released_at", "released_by"])
        record(actor=actor, action="payment.released_from_account", obj=row.payment, reason=reason)
        unlearn(actor=actor, decision=f"on_account:{row.pk}", reason=reason or "released from the account")
    return row
