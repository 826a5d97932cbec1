"""Risk classes and credit limits. A limit is never set directly: it is requested with a reason and
applied when an approver with the authority approves it (:mod:`credere.approvals`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from credere.approvals.services import file_request
from credere.audit.services import actor_name, record, snapshot
from credere.core.errors import BusinessError
from credere.credit import selectors
from credere.credit.models import CreditLimit, RiskClassAssignment
from credere.credit.policy import policy_in_force
from credere.credit.services import standing
from credere.domain.money import MoneyError, check_currency, parse_amount
from credere.identity.authz import authorize
from credere.ledger.models import Company, Customer
from credere.ledger.services.fx import convert

KIND = "credit_limit"


def _field(name: str, message: str) -> BusinessError:
    return BusinessError(f"{name}: {message}", fields=[{"field": name, "message": message}])


def set_risk_class(*, actor: Any, customer: Customer, risk_class: str, reason: str,
                   effective_from: dt.date | None = None) -> RiskClassAssignment:
    authorize(actor, "request_limits")
    policy = policy_in_force()
    if risk_class not in policy.settings["risk_classes"]:
        raise _field("risk_class", f"choose one of {', '.join(policy.settings['risk_classes'])}")
    if not (reason or "").strip():
        raise _field("reason", "say why the class changes")
    with transaction.atomic():
        row = RiskClassAssignment.objects.create(customer=customer, risk_class=risk_class,
                                                 effective_from=effective_from or timezone.localdate(),
                                                 reason=reason.strip()[:500], set_by=actor_name(actor))
        record(actor=actor, action="risk_class.set", obj=row, after=snapshot(row), reason=row.reason)
        standing.refresh_after_commit([customer.pk])
    return row


def request_limit(*, actor: Any, customer: Customer, amount: Any, currency: str, reason: str,
                  company: Company | None = None, for_group: bool = False,
                  expires_on: dt.date | None = None, valid_from: dt.date | None = None) -> Any:
    """Ask for a new limit, in force from its approval or from ``valid_from`` (a later day); the
    approval matrix (policy data) routes it by amount and risk class."""
    authorize(actor, "request_limits")
    try:
        currency = check_currency(currency)
    except MoneyError as exc:
        raise _field("currency", str(exc)) from None
    try:
        value = parse_amount(amount, currency)
    except MoneyError as exc:
        raise _field("amount", str(exc)) from None
    if value < 0:
        raise _field("amount", "a limit cannot be negative")
    today = timezone.localdate()
    if valid_from is not None and valid_from < today:
        raise _field("valid_from", "cannot be in the past: a limit applies from its approval or a later day")
    if expires_on is not None and expires_on <= max(today, valid_from or today):
        raise _field("expires_on", "must be after the day the limit comes into force")
    if for_group and customer.parent_id is not None:
        raise _field("customer", "a group limit belongs to the group's top company")
    policy = policy_in_force()
    risk_class = selectors.risk_class_of(customer, today, policy.settings["default_risk_class"])
    routed_amount = convert(amount=value, from_currency=currency, to_currency=policy.currency, on=today)
    current = selectors.limit_for(customer, company, today, for_group=for_group)
    ids = selectors.members(customer) if for_group else [customer.pk]
    exposure = selectors.exposure(ids, currency, today, company=company, cover_kinds=policy.settings["cover_counts"],
                                                                         commitment_kinds=policy.settings["commitment_counts"])
    scope = ("Group limit of " if for_group else "Credit limit of ") + customer.name
    before = f"{current.amount} {current.currency}" if current else "none"
    starts = f" from {valid_from.isoformat()}" if valid_from is not None and valid_from > today else ""
    with transaction.atomic():
        return file_request(
            actor=actor, kind=KIND, subject_type="ledger.customer", subject_id=str(customer.pk),
            summary=f"{scope}{f' ({company.code})' if company else ''}: {before} → {value} {currency}{starts}",
            amount=routed_amount, currency=policy.currency, risk_class=risk_class,
            payload={"customer": customer.pk, "for_group": for_group, "company": company.pk if company else None,
                     "currency": currency, "amount": str(value),
                     "expires_on": expires_on.isoformat() if expires_on else None,
                     "valid_from": valid_from.isoformat() if valid_from else None},
            facts={"limit_before": before, "exposure": str(exposure.total), "currency": currency,
                   "risk_class": risk_class, "on": today.isoformat()},
            reason=reason)


def apply_approved_limit(request: Any, actor: Any) -> None:
    """What approving a limit request does: :func:`grant_limit` with the request's payload."""
    p = request.payload
    grant_limit(actor=actor, customer=Customer.objects.get(pk=p["customer"]), for_group=p["for_group"],
                company_id=p["company"], currency=p["currency"], amount=Decimal(p["amount"]),
                valid_from=dt.date.fromisoformat(p["valid_from"]) if p.get("valid_from") else None,
                expires_on=dt.date.fromisoformat(p["expires_on"]) if p.get("expires_on") else None,
                approval_id=request.pk, reason=f"approval request {request.pk}: {request.reason}")


def grant_limit(*, actor: Any, customer: Customer, currency: str, amount: Decimal, approval_id: int | None,
                reason: str, company_id: int | None = None, for_group: bool = False,
                valid_from: dt.date | None = None, expires_on: dt.date | None = None) -> CreditLimit:
    """Put a limit that has been approved (a limit request, a credit application) in force: it replaces
    the one in force (audited) — now, or on its ``valid_from`` day when that is later (until then it is
    *scheduled*, and replaces any limit scheduled before it for the same scope). The caller's approval is
    the authority: this checks none."""
    today = timezone.localdate()
    starts = max(valid_from, today) if valid_from else today
    scope = {"customer": customer, "for_group": for_group, "company_id": company_id}
    with transaction.atomic():
        replaced = [CreditLimit.Status.SCHEDULED] if starts > today else [CreditLimit.Status.ACTIVE,
                                                                         CreditLimit.Status.SCHEDULED]
        for limit in CreditLimit.objects.select_for_update().filter(status__in=replaced, **scope):
            # one in force ends where the new one starts; one scheduled for a later day never was in force
            limit.status = CreditLimit.Status.SUPERSEDED
            limit.ended_on = starts if limit.valid_from <= today else today
            limit.save(update_fields=["status", "ended_on"])
        new = CreditLimit.objects.create(
            **scope, currency=currency, amount=amount, valid_from=starts,
            status=CreditLimit.Status.SCHEDULED if starts > today else CreditLimit.Status.ACTIVE,
            expires_on=expires_on, approval_id=approval_id, approved_by=actor_name(actor))
        record(actor=actor, action="credit_limit.scheduled" if starts > today else "credit_limit.set", obj=new,
               after=snapshot(new), reason=reason)
        standing.refresh_after_commit([customer.pk])
    return new


def assign_risk_class(*, actor: Any, customer: Customer, risk_class: str, reason: str) -> RiskClassAssignment:
    """Record a risk class decided elsewhere (an approved credit application); the caller checked the right."""
    policy = policy_in_force()
    if risk_class not in policy.settings["risk_classes"]:
        raise _field("risk_class", f"choose one of {', '.join(policy.settings['risk_classes'])}")
    with transaction.atomic():
        row = RiskClassAssignment.objects.create(customer=customer, risk_class=risk_class,
                                                 effective_from=timezone.localdate(), reason=reason.strip()[:500],
                                                 set_by=actor_name(actor))
        record(actor=actor, action="risk_class.set", obj=row, after=snapshot(row), reason=row.reason)
        standing.refresh_after_commit([customer.pk])
    return row


def activate_scheduled(*, on: dt.date | None = None) -> list[CreditLimit]:
    """Limits scheduled for a day that has come become the active ones (the one they replace is
    superseded). The daily run does it; until then, :func:`selectors.limit_for` already applies them."""
    on = on or timezone.localdate()
    done: list[CreditLimit] = []
    with transaction.atomic():
        due = list(CreditLimit.objects.select_for_update().filter(status=CreditLimit.Status.SCHEDULED,
                                                                  valid_from__lte=on).order_by("valid_from", "id"))
        for limit in due:
            scope = {"customer_id": limit.customer_id, "for_group": limit.for_group, "company_id": limit.company_id}
            for old in CreditLimit.objects.select_for_update().filter(status=CreditLimit.Status.ACTIVE, **scope):
                old.status, old.ended_on = CreditLimit.Status.SUPERSEDED, limit.valid_from
                old.save(update_fields=["status", "ended_on"])
            before = snapshot(limit)
            limit.status = CreditLimit.Status.ACTIVE
            limit.save(update_fields=["status"])
            record(actor=None, action="credit_limit.set", obj=limit, before=before, after=snapshot(limit),
                   reason=f"scheduled from {limit.valid_from.isoformat()} (approval request {limit.approval_id})")
            done.append(limit)
        if done:
            standing.refresh_after_commit([x.customer_id for x in done])
    return done
