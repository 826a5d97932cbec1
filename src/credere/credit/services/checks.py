"""Order credit checks: may this order ship? Held orders are released or rejected by credit staff.

A check locks the customer (and its group's top company) first, so two orders checked at the
same time are decided one after the other: the second sees the first in the exposure and two
orders that together exceed the limit cannot both be released. Checking the same version of an
order again returns the decision already made.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from credere.audit.services import actor_name, record, snapshot
from credere.core.errors import BusinessError, Conflict
from credere.credit import selectors
from credere.credit.models import CreditCheck, Order
from credere.credit.policy import policy_in_force
from credere.credit.services import standing
from credere.credit.services.orders import record_states
from credere.domain.credit.approvals import route
from credere.domain.credit.check import CheckCase, check_order
from credere.domain.money import MoneyError, check_currency, parse_amount
from credere.identity.authz import authorize
from credere.identity.services import roles_of
from credere.ledger import selectors as ledger
from credere.ledger.models import Company, Customer
from credere.ledger.services.fx import convert


def _field(name: str, message: str, code: str = "invalid") -> BusinessError:
    return BusinessError(f"{name}: {message}", code=code, fields=[{"field": name, "message": message}])


def _order(company: Company, customer: Customer, order_id: str, version: int, currency: str,
           value: Decimal) -> tuple[Order, CreditCheck | None]:
    """The order at ``version`` (created or updated), and the check already made of that version."""
    order = Order.objects.select_for_update().filter(company=company, order_id=order_id).first()
    if order is None:
        return Order.objects.create(company=company, customer=customer, order_id=order_id, version=version,
                                    currency=currency, amount=value, open_amount=value), None
    if order.customer_id != customer.pk:
        raise Conflict(f"order {order_id} belongs to another customer", code="order_customer")
    if version < order.version:
        raise Conflict(f"order {order_id} is at version {order.version}; version {version} is out of date",
                       code="stale_order")
    done = CreditCheck.objects.filter(order=order, order_version=version).first()
    if done is not None:
        return order, done
    if order.status != Order.Status.OPEN:
        raise Conflict(f"order {order_id} is {order.get_status_display().lower()}", code="order_closed")
    order.version, order.currency, order.amount, order.open_amount = version, currency, value, value
    order.save(update_fields=["version", "currency", "amount", "open_amount", "updated_at"])
    return order, None


def check(*, actor: Any, company: Company, customer: Customer, order_id: str, amount: Any, currency: str,
          version: int = 1) -> CreditCheck:
    """Decide an order: released or held, with the reasons; the same order version, the same answer."""
    authorize(actor, "check_credit")
    order_id = (order_id or "").strip()
    if not order_id or len(order_id) > 60:
        raise _field("order_id", "give the ERP's order number (1 to 60 characters)")
    if version < 1:
        raise _field("order_version", "versions start at 1")
    try:
        currency = check_currency(currency)
        value = parse_amount(amount, currency)
    except MoneyError as exc:
        raise _field("amount" if "amount" in str(exc) else "currency", str(exc)) from None
    if value <= 0:
        raise _field("amount", "an order's value must be greater than zero")
    today = timezone.localdate()
    policy = policy_in_force()
    kinds = list(policy.settings["cover_counts"])
    counted = list(policy.settings["commitment_counts"])
    with transaction.atomic():
        root_id = ledger.group_root_id(customer.pk)
        # FOR NO KEY UPDATE: checks wait for each other, while rows that merely point at the customer
        # (an alert, an order of another process) may still be written meanwhile; the status is read
        # under the lock
        status = dict(Customer.objects.select_for_update(no_key=True).filter(pk__in=sorted({customer.pk, root_id}))
                      .order_by("pk").values_list("pk", "status"))
        order, done = _order(company, customer, order_id, version, currency, value)
        if done is not None:
            return done
        customer.status = status[customer.pk]
        # what the check reads is read once, and the customer's standing after it is made from it
        limits = selectors.limits_in_force({customer.pk, root_id}, today)
        limit = selectors.pick_limit(limits, customer.pk, company.pk)
        limit_currency = limit.currency if limit is not None else policy.currency
        group_limit = selectors.pick_limit(limits, root_id, company.pk, for_group=True)
        figures = selectors.figures_of(customer.pk, today, covers=bool(kinds), commitment_kinds=counted)
        rates = selectors.Rates(today, figures.currencies() | {x.currency for x in limits} | {currency, policy.currency})
        root = customer if root_id == customer.pk else Customer(pk=root_id)
        # exposure is counted where the limit applies: its own company, or all companies
        group_exposure = (selectors.exposure(selectors.members(root), group_limit.currency, today,
                                             company=company if group_limit.company_id is not None else None,
                                             exclude_order=order.pk, cover_kinds=kinds, commitment_kinds=counted)
                          if group_limit is not None else None)
        if group_limit is not None and group_limit.currency != limit_currency:
            group_limit = None  # a group limit in another currency is checked in its own currency below
        exposure = selectors.exposure_of(figures, limit_currency, rates,
                                         company_id=limit.company_id if limit is not None else None,
                                         exclude_order=order.pk, cover_kinds=kinds)
        overdue = selectors.overdue_of(figures, limit_currency, rates)
        risk_class = selectors.risk_class_of(customer, today, policy.settings["default_risk_class"])
        in_limit_currency = rates.convert(value, currency, limit_currency)
        decision = check_order(CheckCase(
            as_of=today, order_amount=in_limit_currency, customer_status=customer.status, risk_class=risk_class,
            exposure=exposure, limit=selectors.limit_terms(limit), oldest_overdue_days=overdue.oldest_days,
            overdue_amount=overdue.amount, group_exposure=group_exposure if group_limit else None,
            group_limit=selectors.limit_terms(group_limit)), policy.rules())
        facts = {"receivables": str(exposure.receivables), "open_orders": str(exposure.orders),
                 "commitments": str(exposure.commitments),
                 "cover": str(exposure.cover), "exposure_after": str(decision.exposure_after),
                 "limit": str(limit.amount) if limit else None,
                 "utilisation_after": str(decision.utilisation_after) if decision.utilisation_after else None,
                 "overdue": str(overdue.amount), "oldest_overdue_days": overdue.oldest_days,
                 "group_limit": str(group_limit.amount) if group_limit else None,
                 "group_exposure": str(group_exposure.total) if group_exposure and group_limit else None,
                 # what a policy preview needs to replay the decision exactly
                 "group_cover": str(group_exposure.cover) if group_exposure and group_limit else None,
                 "customer_status": customer.status,
                 "limit_expires_on": limit.expires_on.isoformat() if limit and limit.expires_on else None,
                 "group_limit_expires_on": (group_limit.expires_on.isoformat()
                                            if group_limit and group_limit.expires_on else None)}
        row = CreditCheck.objects.create(
            order=order, order_version=version, outcome=decision.outcome, status=decision.outcome,
            reasons=[{"code": f.code, "text": f.text} for f in decision.findings], facts=facts,
            amount=in_limit_currency, currency=limit_currency, risk_class=risk_class, policy_version=policy.number,
            checked_by=actor_name(actor))
        order.credit_status = decision.outcome
        order.save(update_fields=["credit_status", "updated_at"])
        record_states([order])
        record(actor=actor, action=f"credit_check.{decision.outcome}", obj=row, after=snapshot(row),
               reason="; ".join(f.text for f in decision.findings)[:300])
        standing.refresh_after_check(figures, group_top=root_id, credit_status={order.pk: decision.outcome},
                                     limits=limits, risk_class=risk_class, rates=rates, policy=policy)
    return row


def decide_hold(*, actor: Any, check_id: int, release: bool, note: str) -> CreditCheck:
    """Release or reject a held order, within the person's release authority (the approval matrix)."""
    authorize(actor, "release_orders")
    if not (note or "").strip():
        raise _field("note", "say why the order is released" if release else "say why the order is rejected")
    policy = policy_in_force()
    with transaction.atomic():
        row = CreditCheck.objects.select_for_update().select_related("order").filter(pk=check_id).first()
        if row is None:
            raise BusinessError(f"no credit check {check_id}", code="not_found", status=404)
        if row.status != CreditCheck.Status.HELD:
            raise Conflict(f"the order is already {row.get_status_display().lower()}", code="decided")
        if release:
            amount = convert(amount=row.amount, from_currency=row.currency, to_currency=policy.currency,
                             on=timezone.localdate())
            routed = route(policy.matrix(), amount, row.risk_class)
            if not set(roles_of(actor)) & set(routed.roles):
                raise BusinessError(f"{actor_name(actor)} may not release this order: {routed.text}",
                                    code="not_allowed", status=403)
        before = snapshot(row)
        row.status = CreditCheck.Status.RELEASED_BY_PERSON if release else CreditCheck.Status.REJECTED
        row.decided_by, row.decided_at, row.decision_note = actor_name(actor), timezone.now(), note.strip()[:500]
        row.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        row.order.credit_status = "released" if release else "rejected"
        row.order.save(update_fields=["credit_status", "updated_at"])
        record_states([row.order])
        record(actor=actor, action="credit_check.released" if release else "credit_check.rejected", obj=row,
               before=before, after=snapshot(row), reason=row.decision_note)
        standing.refresh_after_commit([row.order.customer_id], alerts_later=True)
    return row


def cancel_order(*, actor: Any, company: Company, order_id: str, reason: str = "") -> Order:
    """The ERP cancelled the order: it no longer counts in exposure."""
    authorize(actor, "check_credit")
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(company=company, order_id=order_id).first()
        if order is None:
            raise BusinessError(f"no order {order_id} for {company.code}", code="not_found", status=404)
        if order.status == Order.Status.CANCELLED:
            return order
        before = snapshot(order)
        order.status, order.open_amount = Order.Status.CANCELLED, Decimal(0)
        order.save(update_fields=["status", "open_amount", "updated_at"])
        record_states([order])
        record(actor=actor, action="order.cancelled", obj=order, before=before, after=snapshot(order), reason=reason)
        standing.refresh_after_commit([order.customer_id], alerts_later=True)
    return order
