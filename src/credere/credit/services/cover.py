"""Cover: credit insurance and securities recorded against a customer (with a note, audited), and
ended when they lapse or are released. Nothing is deleted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from credere.audit.services import actor_name, record, snapshot
from credere.core.errors import BusinessError, Conflict
from credere.credit.models import Cover
from credere.credit.services import standing
from credere.credit.services.inputs import positive_money, refused
from credere.identity.authz import authorize
from credere.ledger.models import Customer


def _field(name: str, message: str) -> BusinessError:
    return BusinessError(f"{name}: {message}", fields=[{"field": name, "message": message}])


def record_cover(*, actor: Any, customer: Customer, kind: str, provider: str, amount: Any, currency: str,
                 note: str, reference: str = "", coverage_pct: Any = 100, valid_from: dt.date | None = None,
                 expires_on: dt.date | None = None) -> Cover:
    """Record insurance or a security; every field is checked before anything is written."""
    authorize(actor, "request_limits")
    problems: dict[str, str] = {}
    if kind not in Cover.Kind.values:
        problems["kind"] = f"choose one of {', '.join(Cover.Kind.values)}"
    if not (provider or "").strip():
        problems["provider"] = "name the insurer or the bank"
    currency, value = positive_money(amount, currency, problems)
    try:
        pct = Decimal(str(coverage_pct).strip())
        if not (Decimal(0) < pct <= 100):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems["coverage_pct"] = "give a share between 0 and 100 %"
        pct = Decimal(100)
    if kind != Cover.Kind.INSURANCE and pct != 100:
        problems["coverage_pct"] = "only insurance covers a share; a security covers its whole amount"
    start = valid_from or timezone.localdate()
    if expires_on is not None and expires_on < start:
        problems["expires_on"] = "is before the cover starts"
    if not (note or "").strip():
        problems["note"] = "say where the cover comes from"
    if problems:
        raise refused(problems)
    with transaction.atomic():
        row = Cover.objects.create(customer=customer, kind=kind, provider=provider.strip()[:200],
                                   reference=(reference or "").strip()[:100], currency=currency, amount=value,
                                   coverage_pct=pct, valid_from=start, expires_on=expires_on,
                                   note=note.strip()[:500], recorded_by=actor_name(actor))
        record(actor=actor, action="cover.recorded", obj=row, after=snapshot(row), reason=row.note)
        standing.refresh_after_commit([customer.pk])
    return row


def end_cover(*, actor: Any, cover_id: int, note: str, ended_on: dt.date | None = None) -> Cover:
    """The cover lapsed, was cancelled or the security released: from ``ended_on`` it covers nothing."""
    authorize(actor, "request_limits")
    if not (note or "").strip():
        raise _field("note", "say why the cover ends")
    with transaction.atomic():
        row = Cover.objects.select_for_update().filter(pk=cover_id).first()
        if row is None:
            raise BusinessError(f"no cover {cover_id}", code="not_found", status=404)
        if row.ended_on is not None:
            raise Conflict(f"the cover ended on {row.ended_on}", code="ended")
        before = snapshot(row)
        row.ended_on = ended_on or timezone.localdate()
        row.save(update_fields=["ended_on"])
        record(actor=actor, action="cover.ended", obj=row, before=before, after=snapshot(row), reason=note.strip())
        standing.refresh_after_commit([row.customer_id])
    return row
