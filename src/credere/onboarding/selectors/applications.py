"""Reads of applications for the queue, the application page and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from credere.onboarding.models import CreditApplication, ScreeningHit

#: statuses a person still has to act on, the queue's default
TO_DECIDE = (CreditApplication.Status.RECEIVED, CreditApplication.Status.IN_REVIEW,
             CreditApplication.Status.INFO_REQUESTED, CreditApplication.Status.AWAITING_APPROVAL)


@dataclass(frozen=True)
class QueueFilters:
    status: str = "open"  # "open" (to decide), "all", or one status
    overdue: bool = False
    assigned_to_id: int | None = None
    q: str = ""


def queue(f: QueueFilters) -> QuerySet[CreditApplication]:
    qs = CreditApplication.objects.select_related("company", "assigned_to").exclude(
        status=CreditApplication.Status.DRAFT) if f.status != CreditApplication.Status.DRAFT else \
        CreditApplication.objects.select_related("company", "assigned_to")
    if f.status == "open":
        qs = qs.filter(status__in=TO_DECIDE)
    elif f.status != "all":
        qs = qs.filter(status=f.status)
    if f.overdue:
        qs = qs.filter(due_at__lt=timezone.now(), status__in=TO_DECIDE)
    if f.assigned_to_id:
        qs = qs.filter(assigned_to_id=f.assigned_to_id)
    if f.q:
        qs = qs.filter(legal_name__icontains=f.q) | qs.filter(reference__iexact=f.q)
    return qs.order_by("due_at", "submitted_at", "id")


def application(pk: int) -> CreditApplication | None:
    return (CreditApplication.objects.select_related("company", "customer", "assigned_to", "invitation")
            .filter(pk=pk).first())


def open_hits(application_id: int) -> QuerySet[ScreeningHit]:
    return ScreeningHit.objects.filter(application_id=application_id, status=ScreeningHit.Status.OPEN)


def counts() -> dict[str, int]:
    now = timezone.now()
    qs = CreditApplication.objects.filter(status__in=TO_DECIDE)
    return {"open": qs.count(), "overdue": qs.filter(due_at__lt=now).count()}


def deciders() -> list[str]:
    """Active users who may act on applications (their names, for "give to")."""
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(is_active=True, groups__permissions__codename="request_limits")
                .distinct().order_by("username").values_list("username", flat=True))
