"""Reads of approval requests: the inbox of what a person may decide, and a subject's history."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from credere.approvals import kinds
from credere.approvals.models import ApprovalRequest
from credere.domain.credit.approvals import may_decide
from credere.identity.services import roles_of


def pending() -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING).select_related("requested_by")


def decidable_by(user: Any, requests: list[ApprovalRequest]) -> dict[int, str]:
    """For each request: "" when ``user`` may decide it, else why not (four eyes, authority)."""
    roles = roles_of(user)
    matrices = {kind: kinds.get(kind).matrix() for kind in {r.kind for r in requests}}  # one policy read per kind
    out: dict[int, str] = {}
    for r in requests:
        verdict = may_decide(matrices[r.kind], amount=r.amount, risk_class=r.risk_class,
                             requester=r.requested_by.get_username(), decider=user.get_username(),
                             decider_roles=roles)
        out[r.pk] = "" if verdict.allowed else verdict.reason
    return out


def decided() -> QuerySet[ApprovalRequest]:
    return (ApprovalRequest.objects.exclude(status=ApprovalRequest.Status.PENDING)
            .select_related("requested_by", "decided_by").order_by("-decided_at", "-id"))


def of_subject(subject_type: str, subject_id: str) -> QuerySet[ApprovalRequest]:
    return (ApprovalRequest.objects.filter(subject_type=subject_type, subject_id=subject_id)
            .select_related("requested_by", "decided_by"))


def request(pk: int) -> ApprovalRequest | None:
    return ApprovalRequest.objects.select_related("requested_by", "decided_by").filter(pk=pk).first()
