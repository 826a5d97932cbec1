"""Personal data in the audit trail, kept by reference.

An audit event about a customer, a contact, a payment or a payer's bank account would hold personal
values in its before/after snapshots, and a sealed entry can never change — so such a value could
never be erased. Instead, :func:`keep_by_reference` moves each personal value (the fields
:mod:`credere.core.personal` lists) into a :class:`~credere.audit.models.PersonalValue` row and
the entry holds ``{"personal_data": <id>}``; the seal covers the reference. Erasing a person's or a
customer's data empties their rows (:func:`erase`), and every seal still verifies. The pages, the
API and the exports show the values again through :func:`resolved` — masked for people who may
not see personal data, ``[erased]`` once erased.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from credere.audit.models import AuditEvent, PersonalValue
from credere.core import personal
from credere.core.bulk import insert_rows

#: The key of a reference in a sealed entry.
REF = "personal_data"
#: What an erased value is shown as.
ERASED = "[erased]"


def _customer_of(object_type: str, object_id: str, *snapshots: dict[str, Any] | None) -> int | None:
    if object_type == "ledger.customer":
        return int(object_id) if str(object_id).isdigit() else None
    for snap in snapshots:
        if snap and isinstance(snap.get("customer_id"), int):
            return int(snap["customer_id"])
    return None


def keep_by_reference(entries: list[dict[str, Any]]) -> None:
    """Replace, in place, the personal values of the entries' before/after with references to rows
    written now (in the caller's transaction)."""
    rows: list[PersonalValue] = []
    spots: list[tuple[dict[str, Any], str]] = []
    for entry in entries:
        fields = personal.fields_of(entry["object_type"])
        if not fields:
            continue
        customer = _customer_of(entry["object_type"], entry["object_id"], entry.get("before"), entry.get("after"))
        for side in ("before", "after"):
            snap = entry.get(side)
            if not isinstance(snap, dict):
                continue
            for name, kind in fields.items():
                value = snap.get(name)
                if value in (None, "") or (isinstance(value, dict) and REF in value):
                    continue
                rows.append(PersonalValue(object_type=entry["object_type"], object_id=str(entry["object_id"]),
                                          customer_id=customer, field=name, kind=kind, value=str(value)))
                spots.append((snap, name))
    if not rows:
        return
    insert_rows(PersonalValue, rows, batch_size=2000)
    for (snap, name), row in zip(spots, rows, strict=True):
        snap[name] = {REF: row.pk}


def _refs(value: Any) -> Iterable[int]:
    if isinstance(value, dict):
        if set(value) == {REF} and isinstance(value[REF], int):
            yield value[REF]
            return
        for v in value.values():
            yield from _refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _refs(v)


def _replace(value: Any, found: dict[int, str]) -> Any:
    if isinstance(value, dict):
        if set(value) == {REF} and isinstance(value[REF], int):
            return found.get(value[REF], ERASED)
        return {k: _replace(v, found) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, found) for v in value]
    return value


def resolved(events: Iterable[AuditEvent], actor: Any) -> list[AuditEvent]:
    """The events with their references replaced by the values (in memory only: nothing is saved), masked
    for an ``actor`` who may not see personal data, ``[erased]`` where erased."""
    from credere.identity.privacy import shown

    events = list(events)
    ids = {i for e in events for side in (e.before, e.after) for i in _refs(side)}
    found: dict[int, str] = {}
    if ids:
        for row in PersonalValue.objects.filter(pk__in=sorted(ids)):
            found[row.pk] = ERASED if row.erased_at else shown(actor, row.kind, row.value)
    out = []
    for e in events:
        if ids:
            e = copy.copy(e)
            e.before, e.after = _replace(e.before, found), _replace(e.after, found)
        out.append(e)
    return out


def values_of(*, customer_id: int | None = None, objects: Iterable[tuple[str, str]] = ()) -> Q:
    """Which kept values belong to a customer or to the given (object_type, object_id) objects."""
    q = Q(pk__in=[])
    if customer_id is not None:
        q |= Q(customer_id=customer_id)
    by_type: dict[str, list[str]] = {}
    for object_type, object_id in objects:
        by_type.setdefault(object_type, []).append(str(object_id))
    for object_type, ids in by_type.items():
        q |= Q(object_type=object_type, object_id__in=ids)
    return q


def erase(which: Q) -> int:
    """Empty the kept values ``which`` selects; the events referring to them then show ``[erased]``."""
    return PersonalValue.objects.filter(which, erased_at__isnull=True).update(value="", erased_at=timezone.now())
