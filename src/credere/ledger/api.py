"""REST endpoints of the ledger: customers, open items, payments, allocations, companies, FX rates."""


import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StringConstraints, field_validator

from credere.core.api import AmountText, Code, Currency, Page, Text, acting_user, amount_text
from credere.core.errors import BusinessError
from credere.identity.authz import authorize
from credere.ledger import selectors
from credere.ledger.models import Allocation, Company, Customer, FxRate, OpenItem, Payment
from credere.ledger.services import allocations, documents, master_data, validation

router = Router()

# ----------------------------------------------------------------------------- schemas


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
    status: Customer.Status = Customer.Status.ACTIVE
    parent_account: Annotated[str, StringConstraints(max_length=40)] | None = None
    payment_terms: Annotated[str, StringConstraints(max_length=20)] | None = None


class CustomerUpdate(Schema):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    registration_id: Annotated[str, StringConstraints(max_length=60)] | None = None
    tax_id: Annotated[str, StringConstraints(max_length=60)] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^([A-Za-z]{2})?$")] | None = None
    industry_code: Annotated[str, StringConstraints(max_length=10)] | None = None
    language: Annotated[str, StringConstraints(max_length=8)] | None = None
    status: Customer.Status | None = None
    parent_account: Annotated[str, StringConstraints(max_length=40)] | None = None
    payment_terms: Annotated[str, StringConstraints(max_length=20)] | None = None


class CustomerOut(Schema):
    id: int
    account_number: str
    name: str
    registration_id: str
    tax_id: str
    country: str
    industry_code: str
    language: str
    status: str
    parent_account: str | None
    payment_terms: str | None

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
    status: Customer.Status | None = None
    parent_account: str | None = Field(None, max_length=40, description="Direct subsidiaries of this account")


class ItemIn(Schema):
    company: Code
    customer_account: Code
    document_type: OpenItem.Type
    document_number: Code
    document_date: dt.date
    posting_date: dt.date | None = None
    due_date: dt.date
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
    document_type: OpenItem.Type | None = None
    document_number: str | None = Field(None, max_length=60)
    currency: str | None = Field(None, max_length=3)
    status: Literal["open", "settled"] | None = Field(
        None, description="open or settled at the end of as_of (today when as_of is not given)")
    due_before: dt.date | None = None
    due_after: dt.date | None = None
    as_of: dt.date | None = Field(
        None, description="Items posted by this date, with their open amount at its end (the pages' as-of rule); "
                          "today's open amount when not given")


class PaymentIn(Schema):
    company: Code
    reference: Code
    received_on: dt.date
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
    payer_account: str
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


class PaymentFilters(Schema):
    company: str | None = Field(None, max_length=40)
    customer_account: str | None = Field(None, max_length=40)
    unapplied: bool | None = None
    received_after: dt.date | None = None
    received_before: dt.date | None = None


class AllocationIn(Schema):
    target_id: int = Field(ge=1, le=2**62)
    payment_id: int | None = Field(None, ge=1, le=2**62)
    credit_note_id: int | None = Field(None, ge=1, le=2**62)
    amount: AmountText
    source_amount: AmountText | None = None
    applied_on: dt.date
    note: Annotated[str, StringConstraints(max_length=300)] = ""

    @field_validator("amount", "source_amount")
    @classmethod
    def _positive(cls, v: str | None) -> str | None:
        if v is not None and Decimal(v) <= 0:
            raise ValueError("must be greater than zero")
        return v


class ReversalIn(Schema):
    reversed_on: dt.date
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
    on: dt.date | None = None


# ----------------------------------------------------------------------------- helpers


def _company(code: str) -> Company:
    company = Company.objects.filter(code=code).first()
    if company is None:
        raise BusinessError(f"no company with code '{code}'", fields=[{"field": "company", "message": "not found"}])
    return company


def _customer(account: str, field: str = "customer_account") -> Customer:
    customer = Customer.objects.filter(account_number=account).first()
    if customer is None:
        raise BusinessError(f"no customer with account number '{account}'",
                            fields=[{"field": field, "message": "not found"}])
    return customer


def _get[M: models.Model](qs: QuerySet[M], pk: int, what: str) -> M:
    obj = qs.filter(pk=pk).first() if 0 < pk < 2**62 else None
    if obj is None:
        raise BusinessError(f"no {what} with id {pk}", code="not_found", status=404)
    return obj


# ----------------------------------------------------------------------------- companies


@router.get("/companies", response=list[CompanyOut], tags=["ledger"])
def list_companies(request: HttpRequest) -> QuerySet[Company]:
    authorize(acting_user(request), "view_ledger")
    return Company.objects.all()


# ----------------------------------------------------------------------------- customers


@router.get("/customers", response=list[CustomerOut], tags=["customers"])
@paginate(Page)
def list_customers(request: HttpRequest, filters: Query[CustomerFilters]) -> QuerySet[Customer]:
    authorize(acting_user(request), "view_ledger")
    qs = Customer.objects.select_related("parent", "payment_terms").order_by("account_number")
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(account_number__icontains=filters.q))
    if filters.country:
        qs = qs.filter(country=filters.country.upper())
    if filters.industry_code:
        qs = qs.filter(industry_code=filters.industry_code)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.parent_account:
        qs = qs.filter(parent__account_number=filters.parent_account)
    return qs


@router.get("/customers/{account_number}", response=CustomerOut, tags=["customers"])
def get_customer(request: HttpRequest, account_number: str) -> Customer:
    authorize(acting_user(request), "view_ledger")
    customer = Customer.objects.select_related("parent", "payment_terms").filter(account_number=account_number).first()
    if customer is None:
        raise BusinessError(f"no customer with account number '{account_number}'", code="not_found", status=404)
    return customer


@router.post("/customers", response={201: CustomerOut, 200: CustomerOut}, tags=["customers"])
def create_customer(request: HttpRequest, data: CustomerIn) -> Status[Customer]:
    """Create a customer; posting an existing account number updates it (idempotent)."""
    values = data.dict()
    customer, outcome = master_data.upsert_customer(actor=acting_user(request), **values)
    return Status(201 if outcome == "created" else 200, customer)


@router.patch("/customers/{account_number}", response=CustomerOut, tags=["customers"])
def update_customer(request: HttpRequest, account_number: str, data: CustomerUpdate) -> Customer:
    authorize(acting_user(request), "edit_customers")
    customer = Customer.objects.select_related("parent", "payment_terms").filter(account_number=account_number).first()
    if customer is None:
        raise BusinessError(f"no customer with account number '{account_number}'", code="not_found", status=404)
    current = {f: getattr(customer, f) for f in validation.CUSTOMER_FIELDS}
    changes = data.dict(exclude_unset=True)
    values = {**current, **{k: v for k, v in changes.items() if k in current and v is not None}}
    updated, _ = master_data.upsert_customer(
        actor=acting_user(request), account_number=account_number,
        parent_account=changes.get("parent_account"), payment_terms=changes.get("payment_terms"), **values,
    )
    return updated


# ----------------------------------------------------------------------------- open items


@router.get("/items", response=list[ItemOut], tags=["open items"])
@paginate(Page)
def list_items(request: HttpRequest, filters: Query[ItemFilters]) -> QuerySet[OpenItem]:
    authorize(acting_user(request), "view_ledger")
    company = selectors.company_by_code(filters.company) if filters.company else None
    customer = selectors.customer_by_account(filters.customer_account) if filters.customer_account else None
    if (filters.company and company is None) or (filters.customer_account and customer is None):
        return OpenItem.objects.none()
    day = dt.timedelta(days=1)
    f = selectors.ItemFilters(
        company=company, customer=customer, document_type=filters.document_type or "",
        document_number=filters.document_number or "", currency=(filters.currency or "").upper(),
        status=filters.status or "", due_to=filters.due_before - day if filters.due_before else None,
        due_from=filters.due_after + day if filters.due_after else None)
    return selectors.items(f, as_of=filters.as_of, today=timezone.localdate()).order_by("due_date", "id")


@router.get("/items/{item_id}", response=ItemOut, tags=["open items"])
def get_item(request: HttpRequest, item_id: int) -> OpenItem:
    authorize(acting_user(request), "view_ledger")
    return _get(OpenItem.objects.select_related("company", "customer"), item_id, "open item")


@router.post("/items", response={201: ItemOut, 200: ItemOut}, tags=["open items"])
def create_item(request: HttpRequest, data: ItemIn) -> Status[OpenItem]:
    """Create an open item; posting an existing (company, type, number) updates it (idempotent)."""
    authorize(acting_user(request), "edit_items")
    values = data.dict()
    company = _company(values.pop("company"))
    customer = _customer(values.pop("customer_account"))
    item, outcome = documents.upsert_item(actor=acting_user(request), company=company, customer=customer, **values)
    return Status(201 if outcome == "created" else 200, item)


# ----------------------------------------------------------------------------- payments


@router.get("/payments", response=list[PaymentOut], tags=["payments"])
@paginate(Page)
def list_payments(request: HttpRequest, filters: Query[PaymentFilters]) -> QuerySet[Payment]:
    authorize(acting_user(request), "view_ledger")
    qs = Payment.objects.select_related("company", "customer").order_by("-received_on", "id")
    if filters.company:
        qs = qs.filter(company__code=filters.company)
    if filters.customer_account:
        qs = qs.filter(customer__account_number=filters.customer_account)
    if filters.unapplied is True:
        qs = qs.exclude(unapplied_amount=Decimal(0))
    elif filters.unapplied is False:
        qs = qs.filter(unapplied_amount=Decimal(0))
    if filters.received_after:
        qs = qs.filter(received_on__gt=filters.received_after)
    if filters.received_before:
        qs = qs.filter(received_on__lt=filters.received_before)
    return qs


@router.get("/payments/{payment_id}", response=PaymentOut, tags=["payments"])
def get_payment(request: HttpRequest, payment_id: int) -> Payment:
    authorize(acting_user(request), "view_ledger")
    return _get(Payment.objects.select_related("company", "customer"), payment_id, "payment")


@router.post("/payments", response={201: PaymentOut, 200: PaymentOut}, tags=["payments"])
def create_payment(request: HttpRequest, data: PaymentIn) -> Status[Payment]:
    """Record a payment received; posting an existing (company, reference) updates it (idempotent)."""
    authorize(acting_user(request), "edit_payments")
    values = data.dict()
    company = _company(values.pop("company"))
    account = values.pop("customer_account")
    customer = _customer(account) if account else None
    payment, outcome = documents.record_payment(actor=acting_user(request), company=company, customer=customer, **values)
    return Status(201 if outcome == "created" else 200, payment)


# ----------------------------------------------------------------------------- allocations


@router.get("/allocations", response=list[AllocationOut], tags=["allocations"])
@paginate(Page)
def list_allocations(request: HttpRequest, filters: Query[AllocationFilters]) -> QuerySet[Allocation]:
    authorize(acting_user(request), "view_ledger")
    qs = Allocation.objects.select_related("target", "payment", "credit_note").order_by("id")
    if filters.target_id:
        qs = qs.filter(target_id=filters.target_id)
    if filters.payment_id:
        qs = qs.filter(payment_id=filters.payment_id)
    if filters.credit_note_id:
        qs = qs.filter(credit_note_id=filters.credit_note_id)
    if filters.active is True:
        qs = qs.filter(reversed_on__isnull=True)
    elif filters.active is False:
        qs = qs.filter(reversed_on__isnull=False)
    return qs


@router.post("/allocations", response={201: AllocationOut}, tags=["allocations"])
def create_allocation(request: HttpRequest, data: AllocationIn) -> Status[Allocation]:
    allocation = allocations.allocate(actor=acting_user(request), target_id=data.target_id, payment_id=data.payment_id,
                                   credit_note_id=data.credit_note_id, amount=Decimal(data.amount),
                                   source_amount=Decimal(data.source_amount) if data.source_amount else None,
                                   applied_on=data.applied_on, note=data.note)
    return Status(201, allocation)


@router.post("/allocations/{allocation_id}/reverse", response=AllocationOut, tags=["allocations"])
def reverse_allocation(request: HttpRequest, allocation_id: int, data: ReversalIn) -> Allocation:
    return allocations.reverse_allocation(actor=acting_user(request), allocation_id=allocation_id,
                                       reversed_on=data.reversed_on, reason=data.reason)


# ----------------------------------------------------------------------------- FX


@router.get("/fx-rates", response=list[FxRateOut], tags=["fx"])
@paginate(Page)
def list_fx_rates(request: HttpRequest, filters: Query[FxFilters]) -> QuerySet[FxRate]:
    authorize(acting_user(request), "view_ledger")
    qs = FxRate.objects.order_by("-rate_date", "base", "quote")
    if filters.base:
        qs = qs.filter(base=filters.base.upper())
    if filters.quote:
        qs = qs.filter(quote=filters.quote.upper())
    if filters.on:
        qs = qs.filter(rate_date=filters.on)
    return qs
