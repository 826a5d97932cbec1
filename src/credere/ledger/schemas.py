"""The ledger's API schemas: what ``/api/v1`` accepts and answers for companies, customers,
open items, payments, allocations and FX rates."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import StringConstraints, field_validator

from credere.core.api import AmountText, Code, Currency, Day, Text, amount_text
from credere.identity.privacy import shown
from credere.ledger.models import Allocation, Customer, CustomerStatus, DocumentType, FxRate, OpenItem, Payment


def shown_to_caller(context: Any, kind: str, value: str | None) -> str:
    """``value`` as the caller of the request being answered may see it: in full with ``view_personal_data``,
    else masked (``kind``: account, identifier, email, phone, name). ``context`` is ninja's serialisation
    context; the caller is ``request.auth`` (the token's owner or the signed-in user)."""
    request = context.get("request") if isinstance(context, dict) else None
    return shown(getattr(request, "auth", None), kind, value)


class CompanyOut(Schema):
    id: int
    code: str
    name: str
    base_currency: str
    country: str


class CustomerIn(Schema):
    account_number: Code
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    registration_id: Annotated[str, StringConstraints(max_length=60)] = ""
    tax_id: Annotated[str, StringConstraints(max_length=60)] = ""
    country: Annotated[str, StringConstraints(pattern=r"^([A-Za-z]{2})?$")] = ""
    industry_code: Annotated[str, StringConstraints(max_length=10)] = ""
    language: Annotated[str, StringConstraints(max_length=8)] = ""
    status: CustomerStatus = CustomerStatus.ACTIVE
    parent_account: Annotated[str, StringConstraints(max_length=40)] | None = None
    payment_terms: Annotated[str, StringConstraints(max_length=20)] | None = None


class CustomerUpdate(Schema):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    registration_id: Annotated[str, StringConstraints(max_length=60)] | None = None
    tax_id: Annotated[str, StringConstraints(max_length=60)] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^([A-Za-z]{2})?$")] | None = None
    industry_code: Annotated[str, StringConstraints(max_length=10)] | None = None
    language: Annotated[str, StringConstraints(max_length=8)] | None = None
    status: CustomerStatus | None = None
    parent_account: Annotated[str, StringConstraints(max_length=40)] | None = None
    payment_terms: Annotated[str, StringConstraints(max_length=20)] | None = None


class CustomerOut(Schema):
    id: int
    account_number: str
    name: str
    registration_id: str = Field(description="In full for callers who may view personal data, else masked "
                                             "(`•••• 567`)")
    tax_id: str = Field(description="In full for callers who may view personal data, else masked (`•••• 567`)")
    country: str
    industry_code: str
    language: str
    status: str
    parent_account: str | None
    payment_terms: str | None

    @staticmethod
    def resolve_registration_id(obj: Customer, context: Any) -> str:
        return shown_to_caller(context, "identifier", obj.registration_id)

    @staticmethod
    def resolve_tax_id(obj: Customer, context: Any) -> str:
        return shown_to_caller(context, "identifier", obj.tax_id)

    @staticmethod
    def resolve_parent_account(obj: Customer) -> str | None:
        return obj.parent.account_number if obj.parent_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_payment_terms(obj: Customer) -> str | None:
        return obj.payment_terms.code if obj.payment_terms_id else None  # type: ignore[union-attr]


class CustomerFilters(Schema):
    q: str | None = Field(None, max_length=200, description="Name or account number contains")
    country: str | None = Field(None, max_length=2)
    industry_code: str | None = Field(None, max_length=10)
    status: CustomerStatus | None = None
    parent_account: str | None = Field(None, max_length=40, description="Direct subsidiaries of this account")


class ItemIn(Schema):
    company: Code
    customer_account: Code
    document_type: DocumentType
    document_number: Code
    document_date: Day
    posting_date: Day | None = None
    due_date: Day
    currency: Currency
    amount: AmountText = Field(description="Decimal string, e.g. \"1250.00\" (credit notes may be given positive)")
    order_reference: Annotated[str, StringConstraints(max_length=60)] = ""
    billing_reference: Annotated[str, StringConstraints(max_length=60)] = ""
    customer_reference: Annotated[str, StringConstraints(max_length=100)] = ""


class ItemOut(Schema):
    id: int
    company: str
    customer_account: str
    document_type: str
    document_number: str
    order_reference: str
    billing_reference: str
    customer_reference: str
    document_date: dt.date
    posting_date: dt.date
    due_date: dt.date
    currency: str
    amount: str
    open_amount: str

    @staticmethod
    def resolve_company(obj: OpenItem) -> str:
        return obj.company.code

    @staticmethod
    def resolve_customer_account(obj: OpenItem) -> str:
        return obj.customer.account_number

    @staticmethod
    def resolve_amount(obj: OpenItem) -> str:
        return amount_text(obj.amount, obj.currency)

    @staticmethod
    def resolve_open_amount(obj: OpenItem) -> str:
        return amount_text(getattr(obj, "open_as_of", obj.open_amount), obj.currency)


class ItemFilters(Schema):
    company: str | None = Field(None, max_length=40)
    customer_account: str | None = Field(None, max_length=40)
    document_type: DocumentType | None = None
    document_number: str | None = Field(None, max_length=60)
    currency: str | None = Field(None, max_length=3)
    status: Literal["open", "settled"] | None = Field(
        None, description="open or settled at the end of as_of (today when as_of is not given)")
    due_before: Day | None = None
    due_after: Day | None = None
    as_of: Day | None = Field(
        None, description="Items posted by this date, with their open amount at its end (the pages' as-of rule); "
                          "today's open amount when not given")


class PaymentIn(Schema):
    company: Code
    reference: Code
    received_on: Day
    currency: Currency
    amount: AmountText
    customer_account: Annotated[str, StringConstraints(max_length=40)] | None = None
    payer_name: Text = ""
    payer_account: Annotated[str, StringConstraints(max_length=60)] = ""
    reference_text: Annotated[str, StringConstraints(max_length=2000)] = ""


class PaymentOut(Schema):
    id: int
    company: str
    reference: str
    received_on: dt.date
    currency: str
    amount: str
    unapplied_amount: str
    customer_account: str | None
    payer_name: str
    payer_account: str = Field(description="In full for callers who may view personal data, else masked "
                                           "(`DE89 •••• 3000`)")
    reference_text: str

    @staticmethod
    def resolve_company(obj: Payment) -> str:
        return obj.company.code

    @staticmethod
    def resolve_customer_account(obj: Payment) -> str | None:
        return obj.customer.account_number if obj.customer_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_amount(obj: Payment) -> str:
        return amount_text(obj.amount, obj.currency)

    @staticmethod
    def resolve_unapplied_amount(obj: Payment) -> str:
        return amount_text(obj.unapplied_amount, obj.currency)

    @staticmethod
    def resolve_payer_account(obj: Payment, context: Any) -> str:
        return shown_to_caller(context, "account", obj.payer_account)


class PaymentFilters(Schema):
    company: str | None = Field(None, max_length=40)
    customer_account: str | None = Field(None, max_length=40)
    unapplied: bool | None = None
    received_after: Day | None = None
    received_before: Day | None = None


class AllocationIn(Schema):
    target_id: int = Field(ge=1, le=2**62)
    payment_id: int | None = Field(None, ge=1, le=2**62)
    credit_note_id: int | None = Field(None, ge=1, le=2**62)
    amount: AmountText
    source_amount: AmountText | None = None
    applied_on: Day
    note: Annotated[str, StringConstraints(max_length=300)] = ""

    @field_validator("amount", "source_amount")
    @classmethod
    def _positive(cls, v: str | None) -> str | None:
        if v is not None and Decimal(v) <= 0:
            raise ValueError("must be greater than zero")
        return v


class ReversalIn(Schema):
    reversed_on: Day
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class AllocationOut(Schema):
    id: int
    target_id: int
    payment_id: int | None
    credit_note_id: int | None
    amount: str
    source_amount: str
    applied_on: dt.date
    reversed_on: dt.date | None
    note: str

    @staticmethod
    def resolve_amount(obj: Allocation) -> str:
        return amount_text(obj.amount, obj.target.currency)

    @staticmethod
    def resolve_source_amount(obj: Allocation) -> str:
        source = obj.payment or obj.credit_note
        return amount_text(obj.source_amount, source.currency if source else obj.target.currency)


class AllocationFilters(Schema):
    target_id: int | None = Field(None, ge=1, le=2**62)
    payment_id: int | None = Field(None, ge=1, le=2**62)
    credit_note_id: int | None = Field(None, ge=1, le=2**62)
    active: bool | None = None


class FxRateOut(Schema):
    rate_date: dt.date
    base: str
    quote: str
    rate: str

    @staticmethod
    def resolve_rate(obj: FxRate) -> str:
        return str(obj.rate.normalize())


class FxFilters(Schema):
    base: str | None = Field(None, max_length=3)
    quote: str | None = Field(None, max_length=3)
    on: Day | None = None
