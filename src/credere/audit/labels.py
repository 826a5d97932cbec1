"""Audit events in words: what kind of record, what happened, which fields changed from what to what.

The trail stores codes (``ledger.openitem``, ``customer.created``, ``due_date``) so that it
can be verified and exported exactly; people read them through these functions. Record types
and field names come from the models' own ``verbose_name`` (looked up by label, so the audit
trail imports no context), actions are spelt out, and internal fields (ids, timestamps) are
left out of the summaries.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from credere.audit.models import AuditEvent

#: Fields a person does not need to read in a record's history.
INTERNAL = frozenset({"id", "created_at", "updated_at"})
_DEFAULT_REPR = re.compile(r"^(?P<name>\w+) object \((?P<pk>[^)]*)\)$")


def _model(object_type: str) -> type[models.Model] | None:
    try:
        app, name = object_type.split(".", 1)
        return apps.get_model(app, name)
    except (ValueError, LookupError):
        return None


def _words(code: str) -> str:
    text = code.replace("_", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:]


def type_label(object_type: str) -> str:
    """``ledger.openitem`` -> ``Open item``; a type without a model reads as its last part."""
    model = _model(object_type)
    if model is None:
        return _words(object_type.rsplit(".", 1)[-1])
    name = str(model._meta.verbose_name)
    return name[:1].upper() + name[1:]


def action_label(action: str) -> str:
    """``customer.created`` -> ``Customer created``; ``match.auto_applied`` -> ``Match auto applied``."""
    return _words(action)


def field_label(object_type: str, key: str) -> str:
    """A stored field's name in words: the model field's ``verbose_name``, else the key spelt out."""
    model = _model(object_type)
    if model is not None:
        name = key[:-3] if key.endswith("_id") else key
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            pass
        else:
            label = str(getattr(field, "verbose_name", name))
            return label[:1].upper() + label[1:]
    return _words(key[:-3] if key.endswith("_id") else key)


def record_label(event: AuditEvent) -> str:
    """How the event names its record: the stored text, unless it is Django's ``X object (id)``."""
    found = _DEFAULT_REPR.match(event.object_repr or "")
    if found is not None or not event.object_repr:
        return f"{type_label(event.object_type)} {found['pk'] if found else event.object_id}".strip()
    return event.object_repr


def value_text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


@dataclass(frozen=True)
class ChangeRow:
    field: str
    label: str
    before: str
    after: str
    changed: bool


def change_rows(object_type: str, before: Any, after: Any, *, internal: bool = True) -> list[ChangeRow]:
    """Field by field, before and after (internal fields left out unless ``internal``)."""
    b = before if isinstance(before, dict) else ({"value": before} if before is not None else {})
    a = after if isinstance(after, dict) else ({"value": after} if after is not None else {})
    rows = []
    for key in dict.fromkeys([*b.keys(), *a.keys()]):
        if not internal and (key in INTERNAL or key.endswith("_id")):
            continue
        rows.append(ChangeRow(key, field_label(object_type, key), value_text(b.get(key)) if key in b else "",
                              value_text(a.get(key)) if key in a else "",
                              key in b and key in a and b.get(key) != a.get(key)))
    return rows


def change_summary(event: AuditEvent, limit: int = 5) -> str:
    """One line for a history table: ``Due date: 2026-01-31 → 2026-02-28; Amount: 100.00 → 90.00``,
    or, for a new record, its main values (``Amount 100.00 · Due date 2026-01-31``)."""
    rows = change_rows(event.object_type, event.before, event.after, internal=False)
    if event.before:
        parts = [f"{r.label}: {r.before} → {r.after}" for r in rows if r.changed]
    else:
        parts = [f"{r.label} {r.after}" for r in rows if r.after not in ("", "—")]
    text = ("; " if event.before else " · ").join(parts[:limit])
    return text + (" …" if len(parts) > limit else "")
