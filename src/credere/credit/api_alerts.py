"""Monitoring and alerts over the API (part of /api/v1/credit).

* ``GET /credit/alerts`` — the inbox (``mine=true``: customers you own and alerts assigned to you) or
  everyone's, filtered by status, kind, severity, customer; the most severe first, then the oldest.
* ``GET /credit/alerts/{id}`` — one alert with its notes; ``POST …/acknowledge|assign|resolve``.
* ``POST /credit/alerts/run`` — evaluate the alert rules now (the daily run and every refresh do it).
* ``GET|PUT /credit/customers/{account}/owner`` — who looks after a customer.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import StringConstraints

from credere.core.api import Page, acting_user
from credere.core.errors import BusinessError
from credere.credit.models import Alert, AlertNote, CustomerOwner
from credere.credit.selectors import alerts as reads
from credere.credit.services import alerts as service
from credere.identity.authz import authorize
from credere.ledger.params import parse_customer

router = Router(tags=["credit control"])
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class AlertFiltersIn(Schema):
    mine: bool = Field(True, description="Only customers you own and alerts assigned to you; false: everyone's")
    status: Literal["active", "open", "acknowledged", "resolved", "cleared", "all"] = Field(
        "active", description="active: open or acknowledged")
    kind: str | None = Field(None, max_length=30, description="utilisation, limit_expiry, cover_expiry, overdue, "
                                                               "late_trend, hold_sla, concentration")
    severity: Literal["high", "medium", "low"] | None = None
    customer_account: str | None = Field(None, max_length=40)


class NoteOut(Schema):
    action: str
    author: str
    text: str
    at: dt.datetime

    @staticmethod
    def resolve_author(obj: AlertNote) -> str:
        return str(obj.author.get_username())


class AlertOut(Schema):
    id: int
    condition_key: str = Field(description="Names the condition; one alert per condition until it clears")
    kind: str
    kind_label: str
    severity: str
    title: str
    facts: dict[str, str]
    status: str
    customer_account: str
    customer_name: str
    assigned_to: str | None
    raised_at: dt.datetime
    last_seen_at: dt.datetime
    cleared_at: dt.datetime | None
    resolved_by: str | None
    resolved_at: dt.datetime | None

    @staticmethod
    def resolve_kind_label(obj: Alert) -> str:
        return reads.kind_label(obj.kind)

    @staticmethod
    def resolve_customer_account(obj: Alert) -> str:
        return obj.customer.account_number

    @staticmethod
    def resolve_customer_name(obj: Alert) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_assigned_to(obj: Alert) -> str | None:
        return obj.assigned_to.get_username() if obj.assigned_to else None

    @staticmethod
    def resolve_resolved_by(obj: Alert) -> str | None:
        return obj.resolved_by.get_username() if obj.resolved_by else None


class AlertDetailOut(AlertOut):
    notes: list[NoteOut]

    @staticmethod
    def resolve_notes(obj: Alert) -> list[AlertNote]:
        return list(obj.notes.all())


class ActIn(Schema):
    note: Note


class AssignIn(Schema):
    to: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150)] = Field(
        description="The user name of a person who may see credit control")
    note: Note


class RunOut(Schema):
    raised: int
    still_true: int
    cleared: int
    seconds: float


class OwnerIn(Schema):
    owner: str | None = Field(None, max_length=150, description="A user name; null: nobody")


class OwnerOut(Schema):
    customer_account: str
    owner: str | None
    set_by: str | None
    set_at: dt.datetime | None


@router.get("/alerts", response=list[AlertOut], summary="Alerts: your inbox or everyone's, the most severe first")
@paginate(Page)
def list_alerts(request: HttpRequest, filters: Query[AlertFiltersIn]) -> QuerySet[Alert]:
    actor = acting_user(request)
    authorize(actor, "view_credit")
    customer = parse_customer(filters.customer_account) if filters.customer_account else None
    return reads.inbox(actor, reads.AlertFilters(mine=filters.mine, status=filters.status, kind=filters.kind or "",
                                                 severity=filters.severity or "", customer=customer))


@router.post("/alerts/run", response=RunOut, summary="Evaluate the alert rules for everyone now")
def run_alerts(request: HttpRequest) -> service.RunResult:
    authorize(acting_user(request), "request_limits")
    return service.run(actor=acting_user(request))


def _found(alert_id: int) -> Alert:
    row = reads.alert(alert_id)
    if row is None:
        raise BusinessError(f"no alert {alert_id}", code="not_found", status=404)
    return row


@router.get("/alerts/{alert_id}", response=AlertDetailOut, summary="One alert with what people did with it")
def get_alert(request: HttpRequest, alert_id: int) -> Alert:
    authorize(acting_user(request), "view_credit")
    return _found(alert_id)


@router.post("/alerts/{alert_id}/acknowledge", response=AlertDetailOut, summary="Acknowledge an alert (with a note)")
def acknowledge(request: HttpRequest, alert_id: int, data: ActIn) -> Alert:
    service.acknowledge(actor=acting_user(request), alert_id=alert_id, note=data.note)
    return _found(alert_id)


@router.post("/alerts/{alert_id}/assign", response=AlertDetailOut, summary="Give an alert to a person (with a note)")
def assign(request: HttpRequest, alert_id: int, data: AssignIn) -> Alert:
    service.assign(actor=acting_user(request), alert_id=alert_id, to=data.to, note=data.note)
    return _found(alert_id)


@router.post("/alerts/{alert_id}/resolve", response=AlertDetailOut, summary="Resolve an alert (with a note)")
def resolve(request: HttpRequest, alert_id: int, data: ActIn) -> Alert:
    service.resolve(actor=acting_user(request), alert_id=alert_id, note=data.note)
    return _found(alert_id)


def _owner_out(account: str, row: CustomerOwner | None) -> dict[str, Any]:
    return {"customer_account": account, "owner": row.owner.get_username() if row else None,
            "set_by": row.set_by if row else None, "set_at": row.set_at if row else None}


def _customer(account: str) -> Any:
    try:
        return parse_customer(account)
    except BusinessError as exc:
        exc.status = 404
        raise


@router.get("/customers/{account_number}/owner", response=OwnerOut, summary="Who looks after a customer")
def get_owner(request: HttpRequest, account_number: str) -> dict[str, Any]:
    authorize(acting_user(request), "view_credit")
    customer = _customer(account_number)
    return _owner_out(customer.account_number, reads.owner_of(customer))


@router.put("/customers/{account_number}/owner", response=OwnerOut, summary="Set who looks after a customer")
def put_owner(request: HttpRequest, account_number: str, data: OwnerIn) -> dict[str, Any]:
    customer = _customer(account_number)
    row = service.set_owner(actor=acting_user(request), customer=customer, owner=data.owner or None)
    return _owner_out(customer.account_number, row)
