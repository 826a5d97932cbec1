"""Audit trail endpoints (auditors and administrators)."""


import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from credere.adapters import tables
from credere.audit.models import AuditEvent
from credere.audit.personal import resolved
from credere.audit.selectors import EXPORT_COLUMNS, events, export_rows
from credere.audit.services import verify_chain
from credere.core.api import Day, Page
from credere.identity.authz import authorize

router = Router(tags=["audit"])


class EventOut(Schema):
    seq: int
    occurred_at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: Any = Field(description="Values before (personal values shown as the caller may see them, "
                                    "'[erased]' once erased)")
    after: Any
    reason: str
    hash: str

    @staticmethod
    def resolve_before(obj: AuditEvent, context: Any) -> Any:
        return resolved([obj], context["request"].auth)[0].before

    @staticmethod
    def resolve_after(obj: AuditEvent, context: Any) -> Any:
        return resolved([obj], context["request"].auth)[0].after


class EventFilters(Schema):
    object_type: str | None = Field(None, max_length=80, description="e.g. ledger.customer")
    object_id: str | None = Field(None, max_length=80)
    actor: str | None = Field(None, max_length=150)
    action: str | None = Field(None, max_length=80, description="Prefix, e.g. 'allocation'")
    since: Day | None = None
    until: Day | None = None


class ProblemOut(Schema):
    seq: int
    code: str
    message: str


class VerifyOut(Schema):
    intact: bool
    entries: int
    problems: list[ProblemOut]


@router.get("/events", response=list[EventOut])
@paginate(Page)
def list_events(request: HttpRequest, filters: Query[EventFilters]) -> QuerySet[AuditEvent]:
    authorize(request.auth, "view_audit")  # type: ignore[attr-defined]
    return events(**filters.dict())


@router.get("/events/export")
def export_events(request: HttpRequest, filters: Query[EventFilters],
                  format: Literal["csv", "xlsx", "json"] = "csv") -> HttpResponse:
    authorize(request.auth, "view_audit")  # type: ignore[attr-defined]
    data = tables.render(format, EXPORT_COLUMNS, export_rows(events(**filters.dict()), request.auth),  # type: ignore[attr-defined]
                         "Audit trail")
    types = {"csv": "text/csv", "json": "application/json",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    response = HttpResponse(data, content_type=types[format])
    response["Content-Disposition"] = f'attachment; filename="audit-trail.{format}"'
    return response


@router.post("/verify", response=VerifyOut)
def verify(request: HttpRequest) -> dict[str, Any]:
    authorize(request.auth, "verify_audit")  # type: ignore[attr-defined]
    count, problems = verify_chain()
    return {"intact": not problems, "entries": count,
            "problems": [{"seq": p.seq, "code": p.code, "message": p.message} for p in problems]}
