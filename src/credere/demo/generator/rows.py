"""The rows the generator yields, in load order, and the batch of one corporate group.

Every row carries an explicit id starting at 1 per table; the loader shifts them past the
ids already used in the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple


class CompanyRow(NamedTuple):
    id: int
    code: str
    name: str
    base_currency: str
    country: str


class PaymentTermsRow(NamedTuple):
    id: int
    code: str
    description: str
    net_days: int
    discount_days: int | None
    discount_rate: Decimal | None


class CustomerRow(NamedTuple):
    id: int
    account_number: str
    name: str
    registration_id: str
    tax_id: str
    country: str
    industry_code: str
    language: str
    parent_id: int | None
    payment_terms_id: int
    status: str
    created_on: dt.date  # customer since


class ContactRow(NamedTuple):
    id: int
    customer_id: int
    name: str
    role: str
    email: str
    phone: str


class ItemRow(NamedTuple):
    id: int
    company_id: int
    customer_id: int
    document_type: str
    document_number: str
    order_reference: str
    billing_reference: str
    customer_reference: str
    document_date: dt.date
    posting_date: dt.date
    due_date: dt.date
    currency: str
    amount: Decimal
    open_amount: Decimal


class PaymentRow(NamedTuple):
    id: int
    company_id: int
    customer_id: int | None
    reference: str
    received_on: dt.date
    currency: str
    amount: Decimal
    unapplied_amount: Decimal
    payer_name: str
    payer_account: str
    reference_text: str


class AllocationRow(NamedTuple):
    id: int
    target_id: int
    payment_id: int | None
    credit_note_id: int | None
    amount: Decimal
    source_amount: Decimal
    applied_on: dt.date
    reversed_on: dt.date | None
    note: str


class FxRateRow(NamedTuple):
    id: int
    rate_date: dt.date
    base: str
    quote: str
    rate: Decimal
    source: str


Row = CompanyRow | PaymentTermsRow | CustomerRow | ContactRow | ItemRow | PaymentRow | AllocationRow | FxRateRow


@dataclass
class Batch:
    """Everything about one corporate group (or one standalone customer)."""

    customers: list[CustomerRow] = field(default_factory=list)
    contacts: list[ContactRow] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    allocations: list[AllocationRow] = field(default_factory=list)
    #: Customer id -> behaviour (ground truth, not stored in the database).
    behaviours: dict[int, str] = field(default_factory=dict)

    def rows(self) -> Iterator[Row]:
        yield from self.customers
        yield from self.contacts
        yield from self.items
        yield from self.payments
        yield from self.allocations
