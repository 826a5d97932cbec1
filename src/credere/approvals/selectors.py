"""Reads of approval requests: the inbox of what a person may decide, and a subject's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from credere.approvals import kinds
from credere.approvals.models import ApprovalRequest
from credere.domain.credit.approvals import escalated, escalation_role, may_decide, waiting_text
from credere.identity.services import roles_of


@dataclass(frozen=True)
class Waiting:
    """How long a pending request has waited against its kind's SLA, and who it is escalated to."""

    hours: Decimal
    sla_hours: int | None
    escalated: bool
    #: the next authority up, when escalated ("credit_manager")
    escalated_to: str

    @property
    def text(self) -> str:
        return waiting_text(self.hours, Decimal(self.sla_hours) if self.sla_hours is not None else None)

    @property
    def escalated_to_words(self) -> str:
        return self.escalated_to.replace("_", " ")


def waiting(requests: list[ApprovalRequest], now: dt.datetime | None = None) -> dict[int, Waiting]:
    """For each pending request: its wait and whether it is past its kind's SLA (escalated)."""
    now = now or timezone.now()
    slas = {kind: kinds.get(kind).sla() for kind in {r.kind for r in requests}}  # one policy read per kind
    matrices = {kind: kinds.get(kind).matrix() for kind in slas}
    out: dict[int, Waiting] = {}
    for r in requests:
        hours = Decimal((now - r.requested_at).total_seconds()) / 3600
        sla = slas[r.kind]
        late = r.status == ApprovalRequest.Status.PENDING and sla is not None and escalated(hours, Decimal(sla))
        up = (escalation_role(matrices[r.kind], r.amount, r.risk_class) or "") if late else ""
        out[r.pk] = Waiting(hours, sla, late, up)
    return out


def pending() -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING).select_related("requested_by")


def decidable_by(user: Any, requests: list[ApprovalRequest],
                 waits: dict[int, Waiting] | None = None) -> dict[int, str]:
    """For each request: "" when ``user`` may decide it, else why not (four eyes, authority; a request
    past its SLA may also be decided by the next authority up)."""
    roles = roles_of(user)
    matrices = {kind: kinds.get(kind).matrix() for kind in {r.kind for r in requests}}  # one policy read per kind
    waits = waits if waits is not None else waiting(requests)
    out: dict[int, str] = {}
    for r in requests:
        verdict = may_decide(matrices[r.kind], amount=r.amount, risk_class=r.risk_class,
                             requester=r.requested_by.get_username(), decider=user.get_username(),
                             decider_roles=roles, escalated=waits[r.pk].escalated)
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
