"""Who is told when customers' receivables change, without the ledger importing them.

A context that keeps figures derived from the ledger (credit control's standings) registers a
listener in its ``AppConfig.ready()``; whoever writes to the ledger (the ledger's services, an
import, a cash application run) calls :func:`customers_changed` inside its transaction. Listeners
hear once per transaction, after it commits, with every customer touched (``None``: possibly
everyone, e.g. after an import). A transaction that rolls back tells nobody.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

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
        waiting = getattr(_DEFERRED, "batch", None)
        if waiting is not None:  # told once, when the deferring work ends
            waiting.add(ids)
            return
        for listener in list(_LISTENERS):
            listener(ids)


_DEFERRED = threading.local()


@contextmanager
def deferred() -> Iterator[None]:
    """Tell the listeners once, at the end, of every customer touched by the transactions committed
    within (a matching run applies its payments in many transactions: credit control refreshes
    the standings of all their customers together instead of after each). A transaction that rolls
    back still tells nobody; what committed is told even when the work ends with an error."""
    if getattr(_DEFERRED, "batch", None) is not None:  # within another: the outer one tells
        yield
        return
    batch = _DEFERRED.batch = _Batch()
    try:
        yield
    finally:
        _DEFERRED.batch = None
        if batch.ids is None or batch.ids:
            batch()


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


# --------------------------------------------------------------------------- payments the bank sent back


@dataclass(frozen=True, slots=True)
class PaymentReturned:
    """A payment the bank sent back, whose allocations were reversed (told to whoever follows the customer)."""

    #: Identifies this return (one alert per return).
    key: str
    payment_id: int
    customer_id: int
    #: How people know the payment (its reference), its amount and currency, and the return.
    label: str
    amount: Decimal
    currency: str
    returned_on: dt.date
    reason: str


ReturnListener = Callable[[PaymentReturned], None]

_RETURN_LISTENERS: list[ReturnListener] = []


def on_payment_returned(listener: ReturnListener) -> None:
    if listener not in _RETURN_LISTENERS:
        _RETURN_LISTENERS.append(listener)


def payment_returned(event: PaymentReturned) -> None:
    """Tell the listeners once the current transaction commits (at once outside one)."""
    for listener in list(_RETURN_LISTENERS):
        transaction.on_commit(lambda listener=listener: listener(event))  # type: ignore[misc]
