"""Credit control on the customer page (registered in ``CreditConfig.ready()``): risk class, limit,
exposure and its use of the limit, held orders, limit requests and credit reviews, with the actions the role allows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from credere.approvals import selectors as approvals
from credere.core.errors import BusinessError
from credere.core.params import parse_date
from credere.credit import selectors
from credere.credit.models import Commitment, Cover
from credere.credit.policy import policy_in_force
from credere.credit.selectors import alerts as alert_reads
from credere.credit.selectors import computed
from credere.identity.authz import can
from credere.ledger import selectors as ledger
from credere.web import panels


def customer_credit(request: HttpRequest, *, customer: Any) -> dict[str, Any] | None:
    if not can(request.user, "view_credit"):
        return None
    policy = policy_in_force()
    today = timezone.localdate()
    on = _as_of(request, today)
    common = {"risk_classes": policy.settings["risk_classes"], "may_request": can(request.user, "request_limits"),
              "policy_currency": policy.currency}
    try:
        pic = selectors.picture(customer, on, policy_currency=policy.currency,
                                default_class=policy.settings["default_risk_class"],
                                cover_kinds=policy.settings["cover_counts"],
                                commitment_kinds=policy.settings["commitment_counts"])
    except BusinessError as exc:  # a missing FX rate: say so instead of figures
        return {**common, "credit": None, "credit_error": str(exc)}
    if on != today:  # the customer page as of a past day: the figures then, no actions
        return {**common, "credit": pic, "past": on, "may_request": False,
                "bar": min(int(pic.utilisation or 0), 100)}
    return {**common, "credit": pic, "risk_classes": policy.settings["risk_classes"], "today": on,
            "outlook": selectors.outlook_of(pic, policy.rules(), on),
            "scheduled": list(selectors.scheduled_limits(customer, on)[:5]),
            "held": list(selectors.checks_of(customer).filter(status="held")[:5]),
            "requests": list(approvals.of_subject("ledger.customer", str(customer.pk))[:5]),
            "covers": list(selectors.covers_of(customer)[:8]), "cover_kinds": Cover.Kind.choices,
            "commitments": list(selectors.commitments_of(customer)[:8]),
            "commitment_kinds": Commitment.Kind.choices, "companies": ledger.companies(),
            "reviews": (reviews := list(selectors.reviews_of(customer)[:5])),
            "open_review": next((r for r in reviews if r.status == "open"), None),
            "may_request": can(request.user, "request_limits"), "policy_currency": policy.currency,
            "bar": min(int(pic.utilisation or 0), 100), **_alerts_of(request, customer)}


def _as_of(request: HttpRequest, today: dt.date) -> dt.date:
    """The customer page's ``?as_of=`` (the page itself names a bad one); a later day is today."""
    try:
        return min(parse_date(request.GET.get("as_of"), default=today), today)
    except BusinessError:
        return today


def _alerts_of(request: HttpRequest, customer: Any) -> dict[str, Any]:
    """The customer's open alerts and who looks after it (and, for those who may, whom to choose)."""
    owner = alert_reads.owner_of(customer)
    return {"open_alerts": list(alert_reads.active_of(customer)[:10]), "owner": owner,
            "owner_label": alert_reads.person_label(owner.owner) if owner else "",
            "people": alert_reads.credit_people() if can(request.user, "request_limits") else []}


def dashboard_credit(request: HttpRequest, *, scope: Any) -> dict[str, Any] | None:
    """Credit control's figures on the dashboard: today's from the stored standings, a past day's
    (the dashboard's as-of date) computed from history."""
    if not can(request.user, "view_credit"):
        return None
    policy = policy_in_force()
    today = timezone.localdate()
    on = min(scope.as_of, today)
    try:
        totals = computed.totals_for(policy, on)
    except BusinessError as exc:
        return {"credit_totals": None, "credit_error": str(exc)}
    if not totals.limited and not totals.held and not totals.exposure:
        return None  # nothing to show before any limit or check exists
    return {"credit_totals": totals, "today": today, "on": on, "past": on != today,
            "alert_counts": alert_reads.counts(request.user)}


def register() -> None:
    panels.register("customer.main", "credit/_customer_credit.html", customer_credit, order=10)
    panels.register("dashboard.main", "credit/_dashboard_credit.html", dashboard_credit, order=10)
