"""Onboarding on the customer page (registered in ``OnboardingConfig.ready()``): the customer's credit
applications (the one that made it a customer, and any for a higher limit), and an invitation to apply for
more, pre-filled from the ledger."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from credere.identity.authz import can
from credere.onboarding.models import CreditApplication
from credere.web import panels


def customer_applications(request: HttpRequest, *, customer: Any) -> dict[str, Any] | None:
    if not can(request.user, "view_credit"):
        return None
    applications = list(CreditApplication.objects.filter(customer=customer).order_by("-created_at")[:5])
    may_invite = can(request.user, "request_limits")
    if not applications and not may_invite:
        return None
    return {"applications": applications, "may_invite": may_invite, "customer": customer}


def register() -> None:
    panels.register("customer.side", "onboarding/_customer_applications.html", customer_applications, order=40)
