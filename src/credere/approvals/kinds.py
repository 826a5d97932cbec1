"""The kinds of request a context files, and what approving one does.

A context registers its kind in its ``AppConfig.ready()``: the approval matrix that routes it
(read from the context's own policy) and the function that applies an approved request (inside
the approval's transaction). The approvals app imports no context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from credere.domain.credit.approvals import ApprovalMatrix


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    #: the matrix in force for this kind
    matrix: Callable[[], ApprovalMatrix]
    #: applies an approved request: ``apply(request, actor)``
    apply: Callable[[Any, Any], None]
    #: the page of the request's subject (for links), from its id
    subject_url: Callable[[str], str] | None = None
    #: hours a request may wait before it is escalated to the next authority up (None: no SLA)
    sla_hours: Callable[[], int | None] | None = None
    #: what a rejected or withdrawn request does to its subject: ``on_closed(request, actor)`` (None: nothing)
    on_closed: Callable[[Any, Any], None] | None = None

    def sla(self) -> int | None:
        return self.sla_hours() if self.sla_hours is not None else None


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    _KINDS[kind.name] = kind


def get(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"no approval kind '{name}' is registered") from None


def all_kinds() -> list[Kind]:
    return list(_KINDS.values())
