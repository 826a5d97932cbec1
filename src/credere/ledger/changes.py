"""Who is told when customers' receivables change, without the ledger importing them.

A context that keeps figures derived from the ledger (credit control's standings) registers a
listener in its ``AppConfig.ready()``; whoever writes to the ledger (the ledger's services, an
import, a cash application run) calls :func:`customers_changed` inside its transaction. Listeners
hear once per transaction, after it commits, with every customer touched (``None``: possibly
everyone, e.g. after an import). A transaction that rolls back tells nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection, transaction

Listener = Callable[[set[int] | None], None]

_LISTENERS: list[Listener] = []


def register(listener: Listener) -> None:
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


class _Batch:
    """The customers touched in one transaction; called once when it commits."""

    def __init__(self) -> None:
        self.ids: set[int] | None = set()

    def add(self, ids: Iterable[int] | None) -> None:
        if ids is None or self.ids is None:
            self.ids = None
        else:
            self.ids.update(ids)

    def __call__(self) -> None:
        ids = None if self.ids is None else set(self.ids)
        for listener in list(_LISTENERS):
            listener(ids)


def customers_changed(customer_ids: Iterable[int] | None) -> None:
    """Tell the listeners, once the current transaction commits (now outside one)."""
    if not _LISTENERS:
        return
    if connection.in_atomic_block:
        for *_, func, _robust in connection.run_on_commit:
            if isinstance(func, _Batch):  # this transaction has its batch already
                func.add(customer_ids)
                return
    batch = _Batch()
    batch.add(customer_ids)
    transaction.on_commit(batch)
