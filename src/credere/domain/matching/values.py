"""The values the matching engine takes and returns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class OpenItem:
    item_id: str
    customer_account: str
    customer_name: str
    document_number: str
    currency: str
    #: Open amount, in ``currency``, > 0 (for a credit note: the credit still available).
    amount: Decimal
    document_date: dt.date
    due_date: dt.date
    #: Further references (order, billing, customer reference...).
    references: tuple[str, ...] = ()
    #: Cash discount: rate (0.02 = 2 %) if paid within ``discount_days`` of the document date.
    discount_rate: Decimal = Decimal(0)
    discount_days: int = 0
    #: A credit note: never paid, only netted against the same customer's invoices.
    is_credit: bool = False


@dataclass(frozen=True, slots=True)
class Payment:
    payment_id: str
    payer_name: str
    payer_account: str
    reference_text: str
    amount: Decimal
    currency: str
    date: dt.date


@dataclass(frozen=True, slots=True)
class Link:
    """Part of a payment applied to one item (negative for a credit note: the credit used)."""

    item_id: str
    #: Applied, in the item's currency; for a credit note the credit netted, as a negative amount.
    amount: Decimal
    #: The same, in the payment's currency (negative for a credit note).
    payment_amount: Decimal
    #: Cash discount granted on the item (item currency), not paid in cash.
    discount: Decimal = Decimal(0)
    #: Short payment left open on the item and flagged as a deduction (item currency).
    deduction: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Proposal:
    payment_id: str
    links: tuple[Link, ...]
    confidence: Decimal
    reasons: tuple[str, ...]
    auto_apply: bool
    #: Identified customer, if any.
    customer_account: str = ""
    #: Part of the payment not applied (payment currency).
    unapplied: Decimal = Decimal(0)
    notes: tuple[str, ...] = field(default=())
