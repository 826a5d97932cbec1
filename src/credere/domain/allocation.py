"""Allocation rules: applying payments and credit notes to open items.

Sign convention (see CONTEXT.md): invoices and debit notes have positive amounts, credit
notes negative ones; payments received have positive amounts. An allocation moves a
positive ``amount`` (in the target item's currency) from a *source* (a payment or a credit
note) to a *target* (an invoice or debit note); ``source_amount`` is the same value in the
source's currency (equal to ``amount`` when the currencies are the same).

Invariants, enforced here and nowhere else:

* a target is never over-allocated: ``0 <= allocated <= amount``;
* a source never gives more than it has: ``0 <= used <= |amount|``;
* open amount = amount - allocated (target), amount + used (credit note), and the
  unapplied part of a payment = amount - used;
* reversing an allocation restores both sides exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from credere.domain.money import quantize


class AllocationError(ValueError):
    """An allocation that would break a ledger invariant. ``code`` is machine-readable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class TargetState:
    """An invoice or debit note: ``amount`` > 0, ``allocated`` in [0, amount]."""

    amount: Decimal
    allocated: Decimal
    currency: str

    @property
    def open_amount(self) -> Decimal:
        return self.amount - self.allocated


@dataclass(frozen=True, slots=True)
class SourceState:
    """A payment (``amount`` > 0) or a credit note (``amount`` < 0); ``used`` >= 0."""

    amount: Decimal
    used: Decimal
    currency: str

    @property
    def available(self) -> Decimal:
        return abs(self.amount) - self.used


def target_open_amount(amount: Decimal, allocated: Decimal) -> Decimal:
    return amount - allocated


def credit_open_amount(amount: Decimal, used: Decimal) -> Decimal:
    """Open amount of a credit note (negative, moving towards zero as it is used)."""
    return amount + used


def allocate(
    target: TargetState, source: SourceState, amount: Decimal, source_amount: Decimal | None = None
) -> tuple[TargetState, SourceState]:
    """Apply ``amount`` (target currency) from ``source`` to ``target``.

    Returns the new states or raises :class:`AllocationError` with a reason code.
    """
    if isinstance(amount, float) or isinstance(source_amount, float):
        raise AllocationError("float_amount", "amounts must be Decimal, never float")
    if source_amount is None:
        if source.currency != target.currency:
            raise AllocationError(
                "currency_mismatch",
                f"source is in {source.currency}, item in {target.currency}: give the amount in both",
            )
        source_amount = amount
    if amount != quantize(amount, target.currency):
        raise AllocationError("precision", f"{amount} has more decimals than {target.currency} allows")
    if source_amount != quantize(source_amount, source.currency):
        raise AllocationError(
            "precision", f"{source_amount} has more decimals than {source.currency} allows"
        )
    if amount <= 0 or source_amount <= 0:
        raise AllocationError("not_positive", "an allocation amount must be greater than zero")
    if target.amount <= 0:
        raise AllocationError("not_a_target", "only invoices and debit notes can receive allocations")
    if amount > target.open_amount:
        raise AllocationError(
            "over_allocation",
            f"{amount} {target.currency} exceeds the open amount {target.open_amount} {target.currency}",
        )
    if source_amount > source.available:
        raise AllocationError(
            "source_exhausted",
            f"{source_amount} {source.currency} exceeds what is left to apply "
            f"({source.available} {source.currency})",
        )
    return (
        replace(target, allocated=target.allocated + amount),
        replace(source, used=source.used + source_amount),
    )


def reverse(
    target: TargetState, source: SourceState, amount: Decimal, source_amount: Decimal
) -> tuple[TargetState, SourceState]:
    """Undo an allocation of ``amount``/``source_amount``; exact inverse of :func:`allocate`."""
    if amount > target.allocated or source_amount > source.used:
        raise AllocationError("not_allocated", "cannot reverse more than was allocated")
    return (
        replace(target, allocated=target.allocated - amount),
        replace(source, used=source.used - source_amount),
    )
