"""Reading the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from credere.audit.models import AuditEvent
from credere.audit.personal import resolved

EXPORT_COLUMNS = ["seq", "occurred_at", "actor", "action", "object_type", "object_id", "object_repr",
                  "before", "after", "reason", "prev_hash", "hash"]


def events(*, object_type: str | None = None, object_id: str | None = None, actor: str | None = None,
           action: str | None = None, since: dt.date | None = None, until: dt.date | None = None,
           search: str | None = None) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor:
        qs = qs.filter(actor=actor)
    if action:
        qs = qs.filter(action__startswith=action)
    if since:
        qs = qs.filter(occurred_at__date__gte=since)
    if until:
        qs = qs.filter(occurred_at__date__lte=until)
    if search:
        qs = qs.filter(object_repr__icontains=search)
    return qs.order_by("seq")


def export_rows(qs: QuerySet[AuditEvent], actor: Any) -> list[list[object]]:
    """The events as export rows, their personal values shown as ``actor`` may see them (the sealed entries
    hold references to them: see :mod:`credere.audit.personal`)."""
    import json

    out: list[list[object]] = []
    chunk: list[AuditEvent] = []

    def flush() -> None:
        out.extend([e.seq, e.occurred_at.isoformat(), e.actor, e.action, e.object_type, e.object_id, e.object_repr,
                    json.dumps(e.before, sort_keys=True) if e.before is not None else "",
                    json.dumps(e.after, sort_keys=True) if e.after is not None else "", e.reason, e.prev_hash, e.hash]
                   for e in resolved(chunk, actor))
        chunk.clear()

    for event in qs.iterator(chunk_size=2000):
        chunk.append(event)
        if len(chunk) >= 2000:
            flush()
    flush()
    return out
