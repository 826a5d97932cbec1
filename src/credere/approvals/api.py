"""Approval requests over the API (mounted at /api/v1/approvals): list, approve, reject, withdraw."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import StringConstraints

from credere.approvals import selectors, services
from credere.approvals.models import ApprovalRequest
from credere.core.api import Page, acting_user
from credere.core.errors import BusinessError
from credere.identity.authz import authorize

router = Router(tags=["approvals"])


class RequestOut(Schema):
    id: int
    kind: str
    summary: str
    status: str
    amount: str
    currency: str
    risk_class: str
    reason: str
    facts: dict[str, Any]
    required_role: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str
    waiting: str | None = None
    escalated: bool = False
    escalated_to: str | None = None

    @staticmethod
    def resolve_waiting(obj: ApprovalRequest, context: dict[str, Any]) -> str | None:
        w = _wait(obj, context)
        return w.text if w is not None else None

    @staticmethod
    def resolve_escalated(obj: ApprovalRequest, context: dict[str, Any]) -> bool:
        w = _wait(obj, context)
        return bool(w and w.escalated)

    @staticmethod
    def resolve_escalated_to(obj: ApprovalRequest, context: dict[str, Any]) -> str | None:
        w = _wait(obj, context)
        return (w.escalated_to or None) if w is not None else None

    @staticmethod
    def resolve_requested_by(obj: ApprovalRequest) -> str:
        return str(obj.requested_by.get_username())

    @staticmethod
    def resolve_decided_by(obj: ApprovalRequest) -> str | None:
        return obj.decided_by.get_username() if obj.decided_by else None

    @staticmethod
    def resolve_amount(obj: ApprovalRequest) -> str:
        return str(obj.amount)


def _wait(obj: ApprovalRequest, context: dict[str, Any]) -> selectors.Waiting | None:
    """A pending request's wait against its SLA (computed once per request of the API call)."""
    if obj.status != ApprovalRequest.Status.PENDING:
        return None
    http = context.get("request") if context else None
    cache: dict[int, selectors.Waiting] = getattr(http, "_approval_waits", {}) if http is not None else {}
    if obj.pk not in cache:
        cache[obj.pk] = selectors.waiting([obj])[obj.pk]
        if http is not None:
            http._approval_waits = cache
    return cache[obj.pk]


class Filters(Schema):
    status: Literal["pending", "approved", "rejected", "withdrawn"] | None = None


class NoteIn(Schema):
    note: Annotated[str, StringConstraints(max_length=500)] = ""


@router.get("", response=list[RequestOut])
@paginate(Page)
def list_requests(request: HttpRequest, filters: Query[Filters]) -> QuerySet[ApprovalRequest]:
    authorize(acting_user(request), "view_credit")
    qs = ApprovalRequest.objects.select_related("requested_by", "decided_by").order_by("-requested_at", "-id")
    return qs.filter(status=filters.status) if filters.status else qs


@router.get("/{request_id}", response=RequestOut)
def get_request(request: HttpRequest, request_id: int) -> ApprovalRequest:
    authorize(acting_user(request), "view_credit")
    found = selectors.request(request_id) if 0 < request_id < 2**62 else None
    if found is None:
        raise BusinessError(f"no approval request {request_id}", code="not_found", status=404)
    return found


@router.post("/{request_id}/approve", response=RequestOut, summary="Approve (and apply) within your authority")
def approve(request: HttpRequest, request_id: int, data: NoteIn) -> ApprovalRequest:
    authorize(acting_user(request), "decide_approvals")
    return services.decide(actor=acting_user(request), request_id=request_id, approve=True, note=data.note)


@router.post("/{request_id}/reject", response=RequestOut, summary="Reject (a note is required)")
def reject(request: HttpRequest, request_id: int, data: NoteIn) -> ApprovalRequest:
    authorize(acting_user(request), "decide_approvals")
    return services.decide(actor=acting_user(request), request_id=request_id, approve=False, note=data.note)


@router.post("/{request_id}/withdraw", response=RequestOut, summary="The requester takes the request back")
def withdraw(request: HttpRequest, request_id: int, data: NoteIn) -> ApprovalRequest:
    return services.withdraw(actor=acting_user(request), request_id=request_id, note=data.note)
