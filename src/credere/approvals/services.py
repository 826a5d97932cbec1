"""Filing and deciding approval requests: routed by the kind's approval matrix, four eyes, audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from credere.approvals import kinds
from credere.approvals.models import ApprovalRequest
from credere.audit.services import record, snapshot
from credere.core.errors import BusinessError, Conflict
from credere.domain.credit.approvals import escalated, may_decide, route
from credere.identity.services import roles_of


def _field(name: str, message: str, *, status: int | None = None, code: str = "invalid") -> BusinessError:
    return BusinessError(f"{name}: {message}", code=code, fields=[{"field": name, "message": message}],
                         status=status)


def file_request(*, actor: Any, kind: str, subject_type: str, subject_id: str, summary: str, amount: Decimal,
                 currency: str, risk_class: str, payload: dict[str, Any], facts: dict[str, Any],
                 reason: str) -> ApprovalRequest:
    """File a request (the caller has checked the requester's right to ask). Must run in a transaction."""
    if not (reason or "").strip():
        raise _field("reason", "say why (it is kept with the request and shown to the approver)")
    matrix = kinds.get(kind).matrix()
    if currency != matrix.currency:
        raise _field("currency", f"the approval matrix routes amounts in {matrix.currency}; convert first")
    routed = route(matrix, amount, risk_class)
    request = ApprovalRequest.objects.create(
        kind=kind, subject_type=subject_type, subject_id=subject_id, summary=summary[:300], amount=amount,
        currency=currency, risk_class=risk_class, payload=payload, facts=facts, reason=reason.strip()[:500],
        requested_by=actor, required_role=routed.required.role if routed.required else "")
    record(actor=actor, action="approval.requested", obj=request, after=snapshot(request), reason=request.reason)
    return request


def decide(*, actor: Any, request_id: int, approve: bool, note: str = "") -> ApprovalRequest:
    """Approve (and apply) or reject a pending request, within the decider's authority."""
    with transaction.atomic():
        request = ApprovalRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None:
            raise BusinessError(f"no approval request {request_id}", code="not_found", status=404)
        if request.status != ApprovalRequest.Status.PENDING:
            raise Conflict(f"the request is already {request.get_status_display().lower()}", code="decided")
        if not approve and not (note or "").strip():
            raise _field("note", "say why the request is rejected")
        kind = kinds.get(request.kind)
        sla = kind.sla()
        hours = Decimal((timezone.now() - request.requested_at).total_seconds()) / 3600
        verdict = may_decide(kind.matrix(), amount=request.amount, risk_class=request.risk_class,
                             requester=request.requested_by.get_username(), decider=actor.get_username(),
                             decider_roles=roles_of(actor),
                             escalated=sla is not None and escalated(hours, Decimal(sla)))
        if not verdict.allowed:
            raise BusinessError(f"{actor.get_username()} may not decide this request: {verdict.reason}",
                                code="not_allowed", status=403)
        before = snapshot(request)
        request.status = ApprovalRequest.Status.APPROVED if approve else ApprovalRequest.Status.REJECTED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_note = (note or "").strip()[:500]
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        record(actor=actor, action=f"approval.{request.status}", obj=request, before=before, after=snapshot(request),
               reason=request.decision_note or verdict.reason)
        if approve:
            kind.apply(request, actor)
        elif kind.on_closed is not None:
            kind.on_closed(request, actor)
    return request


def withdraw(*, actor: Any, request_id: int, note: str = "") -> ApprovalRequest:
    """The requester takes a pending request back."""
    with transaction.atomic():
        request = ApprovalRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None:
            raise BusinessError(f"no approval request {request_id}", code="not_found", status=404)
        if request.requested_by_id != actor.pk:
            raise BusinessError("only the person who asked can withdraw a request", code="not_allowed", status=403)
        if request.status != ApprovalRequest.Status.PENDING:
            raise Conflict(f"the request is already {request.get_status_display().lower()}", code="decided")
        before = snapshot(request)
        request.status = ApprovalRequest.Status.WITHDRAWN
        request.decided_by, request.decided_at = actor, timezone.now()
        request.decision_note = (note or "").strip()[:500]
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        record(actor=actor, action="approval.withdrawn", obj=request, before=before, after=snapshot(request),
               reason=request.decision_note)
        kind = kinds.get(request.kind)
        if kind.on_closed is not None:
            kind.on_closed(request, actor)
    return request
