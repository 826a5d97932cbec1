"""Reads of monitoring and alerts, one answer for the inbox page, the API, the CLI and the digest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from credere.credit.models import Alert, CustomerOwner
from credere.domain.credit.alerts import KINDS, OTHER_KINDS
from credere.identity.authz import can
from credere.ledger.models import Customer

#: status filter values: "active" ("To do") is open or acknowledged (what needs a person)
STATUSES: dict[str, str] = {"active": "To do", **dict(Alert.Status.choices), "all": "Any status"}


def kind_label(kind: str) -> str:
    return KINDS.get(kind) or OTHER_KINDS.get(kind) or kind.replace("_", " ").capitalize()


@dataclass(frozen=True)
class AlertFilters:
    #: only the alerts of customers the user owns and those assigned to the user
    mine: bool = True
    status: str = "active"
    kind: str = ""
    severity: str = ""
    customer: Customer | None = None


def inbox(user: Any, f: AlertFilters) -> QuerySet[Alert]:
    """Alerts matching the filters, the most severe first, then the oldest."""
    qs = Alert.objects.select_related("customer", "assigned_to")
    if f.mine:
        owned = CustomerOwner.objects.filter(owner=user).values("customer_id")
        qs = qs.filter(Q(customer_id__in=owned) | Q(assigned_to=user))
    if f.status == "active":
        qs = qs.filter(status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED])
    elif f.status and f.status != "all":
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.severity:
        qs = qs.filter(severity=f.severity)
    if f.customer is not None:
        qs = qs.filter(customer=f.customer)
    return qs.order_by("severity_rank", "raised_at", "id")


def alert(pk: int) -> Alert | None:
    if not 0 < pk < 2**62:
        return None
    return (Alert.objects.select_related("customer", "assigned_to", "resolved_by")
            .prefetch_related("notes__author").filter(pk=pk).first())


def active_of(customer: Customer) -> QuerySet[Alert]:
    """A customer's open and acknowledged alerts, the most severe first."""
    return inbox(None, AlertFilters(mine=False, customer=customer))


def counts(user: Any) -> dict[str, int]:
    """Open or acknowledged alerts: all of them, the user's, and the high ones among all."""
    active = Alert.objects.filter(status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED])
    totals = active.aggregate(all=Count("id"), high=Count("id", filter=Q(severity=Alert.Severity.HIGH)))
    return {"all": totals["all"], "high": totals["high"],
            "mine": inbox(user, AlertFilters(mine=True)).count() if user is not None else 0}


def owner_of(customer: Customer) -> CustomerOwner | None:
    return CustomerOwner.objects.select_related("owner").filter(customer=customer).first()


def credit_people() -> list[Any]:
    """Active users who may see credit control (who may own a customer or be given an alert)."""
    return [u for u in get_user_model().objects.filter(is_active=True).order_by("username") if can(u, "view_credit")]


def person_label(user: Any) -> str:
    if user is None:
        return ""
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{full} ({user.get_username()})" if full else str(user.get_username())
