"""Writing and verifying the audit trail. Every business service calls :func:`record`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from credere.audit.models import AuditChainHead, AuditEvent
from credere.audit.personal import keep_by_reference
from credere.core.bulk import insert_rows
from credere.domain import audit_chain


def audit_keys() -> tuple[bytes, list[bytes]]:
    """The audit key sealing new entries, and every key an entry may be sealed with (it and those it replaced)."""
    current = settings.CREDERE_AUDIT_KEY.encode("utf-8")
    return current, [current, *(k.encode("utf-8") for k in settings.CREDERE_AUDIT_PREVIOUS_KEYS)]


def actor_name(actor: Any) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return str(actor.get_username())


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        # One spelling per number, so that 600.00 and 600.0000 are the same value in the trail.
        cents = value.quantize(Decimal("0.01")) if value.is_finite() else value
        return str(cents) if cents == value else format(value.normalize(), "f")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The field values of ``obj`` as JSON-safe data (foreign keys by id)."""
    out: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        if f.name in ("created_at", "updated_at"):
            continue
        out[f.attname] = _jsonable(getattr(obj, f.attname))
    return out


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Keep only the keys whose value changed (for updates)."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(*, actor: Any, action: str, obj: models.Model | None = None, object_type: str = "",
           object_id: str = "", object_repr: str = "", before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None, reason: str = "") -> AuditEvent:
    """Append one event to the chain. Must run inside the caller's transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        entry: dict[str, Any] = {
            "seq": head.last_seq + 1,
            "occurred_at": timezone.now().isoformat(timespec="microseconds"),
            "actor": actor_name(actor),
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "object_repr": object_repr[:300],
            "before": _jsonable(before),
            "after": _jsonable(after),
            "reason": reason,
        }
        keep_by_reference([entry])  # personal values are referred to, not sealed (they may be erased)
        prev = head.last_hash or audit_chain.GENESIS
        digest = audit_chain.seal(prev, entry, audit_keys()[0])
        event = AuditEvent.objects.create(
            **{**entry, "occurred_at": dt.datetime.fromisoformat(entry["occurred_at"])},
            prev_hash=prev, hash=digest,
        )
        head.last_seq, head.last_hash = entry["seq"], digest
        head.save(update_fields=["last_seq", "last_hash"])
    return event


def record_many(*, actor: Any, events: list[dict[str, Any]]) -> int:
    """Append many events under one chain lock (bulk imports, generators).

    Each event is a dict with ``action``, ``object_type``, ``object_id`` and optionally
    ``object_repr``, ``before``, ``after``, ``reason``. Must run inside the caller's
    transaction. Returns the number of events written.
    """
    if not events:
        return 0
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        prev = head.last_hash or audit_chain.GENESIS
        seq = head.last_seq
        now = timezone.now().isoformat(timespec="microseconds")
        who = actor_name(actor)
        key = audit_keys()[0]
        rows = []
        entries: list[dict[str, Any]] = []
        for ev in events:
            seq += 1
            entries.append({
                "seq": seq, "occurred_at": now, "actor": who, "action": ev["action"],
                "object_type": ev["object_type"], "object_id": str(ev["object_id"]),
                "object_repr": str(ev.get("object_repr", ""))[:300], "before": _jsonable(ev.get("before")),
                "after": _jsonable(ev.get("after")), "reason": ev.get("reason", ""),
            })
        keep_by_reference(entries)
        for entry in entries:
            digest = audit_chain.seal(prev, entry, key)
            rows.append(AuditEvent(**{**entry, "occurred_at": dt.datetime.fromisoformat(now)},
                                   prev_hash=prev, hash=digest))
            prev = digest
        insert_rows(AuditEvent, rows, batch_size=2000)
        head.last_seq, head.last_hash = seq, prev
        head.save(update_fields=["last_seq", "last_hash"])
    return len(rows)


def _entries() -> Iterator[dict[str, Any]]:
    for e in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        yield {
            "seq": e.seq,
            "occurred_at": e.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": e.actor,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "object_repr": e.object_repr,
            "before": e.before,
            "after": e.after,
            "reason": e.reason,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        }


def verify_chain() -> tuple[int, list[audit_chain.ChainProblem]]:
    """The chain checked entry by entry with the audit keys, then against every signed checkpoint."""
    head = AuditChainHead.objects.filter(pk=1).first()
    count, problems = audit_chain.verify(
        _entries(),
        head_seq=head.last_seq if head else 0,
        head_hash=(head.last_hash or audit_chain.GENESIS) if head else audit_chain.GENESIS,
        keys=audit_keys()[1],
    )
    from credere.audit.checkpoints import check_checkpoints

    return count, problems + check_checkpoints()
