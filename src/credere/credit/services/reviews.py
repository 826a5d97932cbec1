"""Periodic credit reviews: opened when due (a daily, idempotent run) or by hand, completed with the
facts of that moment and a decision. A changed limit is requested (the approval matrix and four eyes
decide it, as any limit request); blocking a customer is an approval request of its own kind
(``credit_block``); a changed risk class is set at once. The next periodic review counts from the
day a review is completed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from credere.approvals.services import file_request
from credere.audit.services import actor_name, record, snapshot
from credere.core.errors import BusinessError, Conflict
from credere.credit import selectors
from credere.credit.models import CreditLimit, CreditReview
from credere.credit.policy import PolicyInForce, policy_in_force
from credere.credit.services import limits
from credere.domain.credit.reviews import (
    BLOCK,
    KEEP,
    LOWER,
    RAISE,
    REQUESTED,
    Problem,
    check_outcome,
    due_reviews,
    payment_windows,
)
from credere.domain.money import MoneyError, check_currency, parse_amount, quantize
from credere.identity.authz import authorize
from credere.ledger.models import Customer
from credere.ledger.services.fx import convert

BLOCK_KIND = "credit_block"


def _field(name: str, message: str) -> BusinessError:
    return BusinessError(f"{name}: {message}", fields=[{"field": name, "message": message}])


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def facts_of(customer: Customer, on: dt.date, policy: PolicyInForce) -> dict[str, Any]:
    """The figures a review looks at, as of ``on`` (amounts in the limit's currency, as strings)."""
    p = selectors.picture(customer, on, policy_currency=policy.currency,
                          default_class=policy.settings["default_risk_class"],
                             cover_kinds=policy.settings["cover_counts"],
                             commitment_kinds=policy.settings["commitment_counts"])
    recent, earlier = payment_windows(selectors.paid_items(customer, on - dt.timedelta(days=180), on), on)
    cur = p.currency

    def money(value: Decimal | None) -> str | None:
        return None if value is None else str(quantize(value, cur))

    return {
        "on": on.isoformat(), "currency": cur, "risk_class": p.risk_class,
        "limit": money(p.limit.amount) if p.limit else None,
        "limit_expires_on": p.limit.expires_on.isoformat() if p.limit and p.limit.expires_on else None,
        "receivables": money(p.exposure.receivables), "open_orders": money(p.exposure.orders),
        "commitments": money(p.exposure.commitments),
        "exposure": money(p.exposure.uncovered), "headroom": money(p.headroom), "utilisation": _text(p.utilisation),
        "overdue": money(p.overdue.amount), "oldest_overdue_days": p.overdue.oldest_days,
        "days_late_last_90": _text(recent), "days_late_previous_90": _text(earlier),
        "customer_status": customer.status,
    }


def schedule(*, actor: Any, as_of: dt.date | None = None) -> list[CreditReview]:
    """Open a review for every customer with a limit whose review falls due within the policy's lead
    days, or whose limit expires within them or has expired. Idempotent: a customer never has two
    open reviews, so running it again (or twice at once) opens nothing more. ``actor=None`` is the
    daily run itself (recorded as "system")."""
    if actor is not None:
        authorize(actor, "request_limits")
    on = as_of or timezone.localdate()
    policy = policy_in_force()
    due = due_reviews(selectors.review_candidates(on, policy.settings["default_risk_class"]), on,
                      policy.review_schedule())
    opened: list[CreditReview] = []
    with transaction.atomic():
        for d in due:
            try:
                with transaction.atomic():  # another run opened it meanwhile: the constraint says so
                    row = CreditReview.objects.create(customer_id=d.customer_id, due_on=d.due_on, trigger=d.trigger,
                                                      opened_by=actor_name(actor))
            except IntegrityError:
                continue
            record(actor=actor, action="credit_review.opened", obj=row, after=snapshot(row),
                   reason=f"{row.get_trigger_display()} due {row.due_on.isoformat()}")
            opened.append(row)
    return opened


def open_review(*, actor: Any, customer: Customer, reason: str) -> CreditReview:
    """Start a review by hand, due today."""
    authorize(actor, "request_limits")
    if not (reason or "").strip():
        raise _field("reason", "say why the customer is reviewed now")
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk", flat=True).first()
        current = selectors.open_review_of(customer)
        if current is not None:
            raise Conflict(f"{customer.name} is already under review (due {current.due_on.isoformat()})",
                           code="review_open", fields=[{"field": "customer", "message": "already under review"}])
        row = CreditReview.objects.create(customer=customer, due_on=timezone.localdate(), trigger=REQUESTED,
                                          reason=reason.strip()[:500], opened_by=actor_name(actor))
        record(actor=actor, action="credit_review.opened", obj=row, after=snapshot(row), reason=row.reason)
    return row


def _new_limit(value: Any, currency: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_amount(value, currency)
    except MoneyError as exc:
        raise _field("new_limit", str(exc)) from None


def complete(*, actor: Any, review: CreditReview, outcome: str, note: str, new_risk_class: str | None = None,
             new_limit: Any = None, currency: str | None = None) -> CreditReview:
    """Record the review's decision with the facts of this moment. ``raise``/``lower`` request the new
    limit (in the limit's currency unless ``currency`` says otherwise), ``block`` requests blocking
    the customer; ``keep`` on a limit that has expired or expires within the lead days requests its
    renewal at the same amount. Each request waits for an approver (never the reviewer)."""
    authorize(actor, "request_limits")
    policy = policy_in_force()
    today = timezone.localdate()
    note = (note or "").strip()
    new_risk_class = (new_risk_class or "").strip() or None
    with transaction.atomic():
        row = CreditReview.objects.select_for_update().select_related("customer").filter(pk=review.pk).first()
        if row is None:
            raise BusinessError(f"no credit review {review.pk}", code="not_found", status=404)
        if row.status != CreditReview.Status.OPEN:
            raise Conflict(f"the review is already {row.get_status_display().lower()}", code="review_closed")
        customer = row.customer
        # the limit for all companies, else the customer's own limit for one company
        current = selectors.limit_for(customer, None, today) or selectors.limits_of(customer).filter(
            status=CreditLimit.Status.ACTIVE, for_group=False, valid_from__lte=today).first()
        try:
            money = check_currency(currency or (current.currency if current else policy.currency))
        except MoneyError as exc:
            raise _field("currency", str(exc)) from None
        amount = _new_limit(new_limit, money)
        in_force = (convert(amount=current.amount, from_currency=current.currency, to_currency=money, on=today)
                    if current is not None else None)
        problems = check_outcome(outcome=outcome, note=note, current_limit=in_force, new_limit=amount,
                                 new_risk_class=new_risk_class, risk_classes=policy.settings["risk_classes"])
        if outcome == BLOCK and customer.status == Customer.Status.BLOCKED:
            problems.append(Problem("outcome", "the customer is already blocked"))
        if problems:
            raise BusinessError("; ".join(f"{p.field}: {p.message}" for p in problems),
                                fields=[{"field": p.field, "message": p.message} for p in problems])
        facts = facts_of(customer, today, policy)
        before = snapshot(row)
        if new_risk_class is not None and new_risk_class != facts["risk_class"]:
            limits.set_risk_class(actor=actor, customer=customer, risk_class=new_risk_class,
                                  reason=f"Credit review: {note}")
        else:
            new_risk_class = None
        request = None
        why = f"Credit review {row.pk}: {note}"
        if outcome in (RAISE, LOWER):
            request = limits.request_limit(actor=actor, customer=customer, amount=amount, currency=money, reason=why,
                                           company=current.company if current else None,
                                           for_group=current.for_group if current else False)
        elif outcome == KEEP and current is not None and _ending(current, today, policy):
            amount, money = current.amount, current.currency
            request = limits.request_limit(actor=actor, customer=customer, amount=current.amount,
                                           currency=current.currency, reason=f"{why} (renewed at the same amount)",
                                           company=current.company, for_group=current.for_group)
        elif outcome == BLOCK:
            request = _request_block(actor, customer, row, facts, policy, why)
        row.status, row.outcome, row.note = CreditReview.Status.COMPLETED, outcome, note[:1000]
        row.facts, row.new_risk_class = facts, new_risk_class or ""
        row.proposed_amount = amount if request is not None and outcome != BLOCK else None
        row.proposed_currency = money if row.proposed_amount is not None else ""
        row.reviewed_by, row.completed_at = actor_name(actor), timezone.now()
        row.approval_id = request.pk if request is not None else None
        row.save()
        record(actor=actor, action="credit_review.completed", obj=row, before=before, after=snapshot(row),
               reason=f"{row.get_outcome_display()}: {row.note}"[:300])
    return row


def _ending(limit: CreditLimit, today: dt.date, policy: PolicyInForce) -> bool:
    """Whether the limit has expired or expires within the review lead days."""
    lead = dt.timedelta(days=policy.review_schedule().lead_days)
    return limit.expires_on is not None and limit.expires_on <= today + lead


def _request_block(actor: Any, customer: Customer, review: CreditReview, facts: dict[str, Any],
                   policy: PolicyInForce, why: str) -> Any:
    """Ask for the customer to be blocked, routed by its exposure (in the policy currency)."""
    exposure = Decimal(facts["exposure"])
    routed = convert(amount=exposure, from_currency=facts["currency"], to_currency=policy.currency,
                     on=timezone.localdate())
    return file_request(
        actor=actor, kind=BLOCK_KIND, subject_type="ledger.customer", subject_id=str(customer.pk),
        summary=f"Block {customer.name} (exposure {exposure} {facts['currency']})",
        amount=max(routed, Decimal(0)), currency=policy.currency, risk_class=facts["risk_class"],
        payload={"customer": customer.pk, "review": review.pk},
        facts={k: facts[k] for k in ("exposure", "overdue", "oldest_overdue_days", "limit", "currency", "on")},
        reason=why)


def apply_approved_block(request: Any, actor: Any) -> None:
    """What approving a block does: the customer's account is blocked (every new order is held)."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=request.payload["customer"])
        if customer.status == Customer.Status.BLOCKED:
            return
        before = snapshot(customer)
        customer.status = Customer.Status.BLOCKED
        customer.save(update_fields=["status", "updated_at"])
        record(actor=actor, action="customer.blocked", obj=customer, before=before, after=snapshot(customer),
               reason=f"approval request {request.pk}: {request.reason}"[:300])


def cancel(*, actor: Any, review: CreditReview, note: str) -> CreditReview:
    """Close an open review without a decision (say why)."""
    authorize(actor, "request_limits")
    if not (note or "").strip():
        raise _field("note", "say why the review is cancelled")
    with transaction.atomic():
        row = CreditReview.objects.select_for_update().filter(pk=review.pk).first()
        if row is None or row.status != CreditReview.Status.OPEN:
            raise Conflict("only an open review can be cancelled", code="review_closed")
        before = snapshot(row)
        row.status, row.note = CreditReview.Status.CANCELLED, note.strip()[:1000]
        row.reviewed_by, row.completed_at = actor_name(actor), timezone.now()
        row.save(update_fields=["status", "note", "reviewed_by", "completed_at"])
        record(actor=actor, action="credit_review.cancelled", obj=row, before=before, after=snapshot(row),
               reason=row.note[:300])
    return row
