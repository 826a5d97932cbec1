"""Where an audited record is shown: each context registers the page of its own record types.

The audit log links an event to the page of the record it is about (a customer, an item…)
without the audit trail knowing any context: the ledger registers its types in
``LedgerConfig.ready()``::

    links.register("ledger.customer", lambda pk: reverse("web:customer", args=[pk]))

A resolver gets the record's id and returns the page's address, or None when there is none.
"""

from __future__ import annotations

from collections.abc import Callable

from credere.audit.models import AuditEvent

Resolver = Callable[[int], str | None]

_RESOLVERS: dict[str, Resolver] = {}


def register(object_type: str, resolver: Resolver) -> None:
    _RESOLVERS[object_type] = resolver


def page_of(event: AuditEvent) -> str | None:
    """The page of the record ``event`` is about, if its context has one."""
    resolver = _RESOLVERS.get(event.object_type)
    if resolver is None or not event.object_id.isdigit():
        return None
    return resolver(int(event.object_id))
