"""Exposure: what a customer (or a corporate group) owes and has ordered, less what covers it.

All amounts are in one currency (the limit's), converted by the caller at the reference rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Exposure:
    currency: str
    #: open receivables: invoices and debit notes less open credit notes (may be negative)
    receivables: Decimal = ZERO
    #: accepted orders not yet invoiced or cancelled
    orders: Decimal = ZERO
    #: insurance and securities in force that the policy lets count against exposure
    cover: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.receivables + self.orders

    @property
    def uncovered(self) -> Decimal:
        return max(self.total - self.cover, ZERO)

    def plus_order(self, amount: Decimal) -> Exposure:
        return Exposure(self.currency, self.receivables, self.orders + amount, self.cover)


def utilisation(exposure: Decimal, limit: Decimal) -> Decimal | None:
    """Exposure as a percentage of the limit, two decimals; None without a positive limit."""
    if limit <= 0:
        return None
    return (exposure * 100 / limit).quantize(Decimal("0.01"))


def headroom(exposure: Decimal, limit: Decimal) -> Decimal:
    """What is left of the limit (negative when over)."""
    return limit - exposure
