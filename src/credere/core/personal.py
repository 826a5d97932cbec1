"""Which values are personal data: a registry that the contexts fill (their encrypted fields register
themselves; other fields are named in ``AppConfig.ready()``), read by the audit trail — which keeps
such values out of its sealed entries, by reference, so that they can be erased while the chain still
verifies — and by the masking of values for people who may not see them.

``object_type`` is a model's ``app_label.model_name`` (as audit events name objects); each field
is listed by its attribute name with the *kind* of value it holds (account, identifier, email,
phone, name).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_FIELDS: dict[str, dict[str, str]] = {}


def register(object_type: str, **fields: str) -> None:
    _FIELDS.setdefault(object_type, {}).update(fields)


def fields_of(object_type: str) -> dict[str, str]:
    """The personal fields of ``object_type`` and their kinds (empty when it holds none)."""
    return _FIELDS.get(object_type, {})


def object_types() -> list[str]:
    return sorted(_FIELDS)


# --------------------------------------------------------------------------- who holds personal data


@dataclass(frozen=True)
class Holder:
    """A context that holds personal data about a customer's people and payers (registered in its
    ``AppConfig.ready()``), so that the ledger's export and erasure reach it without importing it.

    ``export(customer_id)`` gives its sections (title -> rows of plain values); ``erase(customer_id,
    payment_ids)`` empties or deletes what it holds and returns (counts by what, the audited objects
    ``(object_type, object_id)`` whose kept audit values must be erased too); ``purge(now)`` deletes what
    its retention settings no longer keep and returns counts."""

    name: str
    export: Callable[[int], dict[str, list[dict[str, Any]]]] | None = None
    erase: Callable[[int, list[int]], tuple[dict[str, int], list[tuple[str, str]]]] | None = None
    purge: Callable[[Any], dict[str, int]] | None = None


_HOLDERS: dict[str, Holder] = {}


def register_holder(holder: Holder) -> None:
    _HOLDERS[holder.name] = holder


def holders() -> list[Holder]:
    return list(_HOLDERS.values())
