"""Saved header mappings per source system: how an ERP names its columns and values."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from credere.adapters.erpfiles.headers import IGNORE, Mapping
from credere.audit.services import record
from credere.core.errors import BusinessError
from credere.identity.authz import authorize
from credere.imports.models import ImportMapping
from credere.imports.schema import ENTITIES, column_names
from credere.imports.services.results import actor_user
from credere.ledger.services.validation import Outcome


def effective_mapping(entity: str, name: str | None, extra: Mapping | dict[str, Any] | None) -> Mapping:
    base = Mapping()
    if name:
        saved = get_mapping(source_system=name, entity=entity)
        if saved is None:
            raise BusinessError(f"no saved mapping '{name}' for {entity}", code="unknown_mapping",
                                fields=[{"field": "mapping", "message": f"no mapping '{name}' for {entity}"}])
        base = Mapping.from_json(saved.mapping)
    if extra is None:
        return base
    return base.merged(extra if isinstance(extra, Mapping) else _mapping_from(extra, entity))


def _mapping_from(data: Any, entity: str) -> Mapping:
    try:
        mapping = data if isinstance(data, Mapping) else Mapping.from_json(data)
    except ValueError as exc:
        raise BusinessError(f"mapping: {exc}", fields=[{"field": "mapping", "message": str(exc)}]) from None
    known = set(column_names(entity))
    bad = [f"{s}={t}" for s, t in mapping.columns.items() if t != IGNORE and t not in known]
    bad += [f"values.{c}" for c in mapping.values if c not in known]
    if bad:
        message = f"not columns of {entity}: {', '.join(bad)} (columns: {', '.join(column_names(entity))}, or '-')"
        raise BusinessError(f"mapping: {message}", code="bad_mapping",
                            fields=[{"field": "mapping", "message": message}])
    return mapping


def get_mapping(*, source_system: str, entity: str) -> ImportMapping | None:
    return ImportMapping.objects.filter(source_system__iexact=(source_system or "").strip(), entity=entity).first()


def save_mapping(*, actor: Any, source_system: str, entity: str,
                 mapping: Mapping | dict[str, Any]) -> tuple[ImportMapping, Outcome]:
    """Create or replace the header mapping of ``source_system`` for ``entity`` (audited)."""
    authorize(actor, "edit_mappings")
    name = (source_system or "").strip()
    if not name or len(name) > 60:
        raise BusinessError("source_system: give a name of 1 to 60 characters", code="invalid",
                            fields=[{"field": "source_system", "message": "1 to 60 characters"}])
    if entity not in ENTITIES:
        raise BusinessError(f"entity: choose from {', '.join(ENTITIES)}", code="unknown_entity",
                            fields=[{"field": "entity", "message": f"choose from {', '.join(ENTITIES)}"}])
    data = _mapping_from(mapping, entity).to_json()
    with transaction.atomic():
        current = (ImportMapping.objects.select_for_update()
                   .filter(source_system__iexact=name, entity=entity).first())
        if current is None:
            current = ImportMapping.objects.create(source_system=name, entity=entity, mapping=data,
                                                   updated_by=actor_user(actor))
            record(actor=actor, action="import_mapping.created", obj=current,
                   after={"source_system": name, "entity": entity, "mapping": data})
            return current, "created"
        if current.mapping == data:
            return current, "unchanged"
        before = {"mapping": current.mapping}
        current.mapping, current.updated_by = data, actor_user(actor)
        current.save()
        record(actor=actor, action="import_mapping.updated", obj=current, before=before, after={"mapping": data})
        return current, "updated"

