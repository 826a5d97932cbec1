"""REST endpoints of the ledger: customers, open items, payments, allocations, companies, FX rates."""


import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.pagination import paginate

from credere.core.api import Page, acting_user
from credere.core.errors import BusinessError
from credere.identity.authz import authorize
from credere.ledger import selectors
from credere.ledger.models import Allocation, Company, Customer, FxRate, OpenItem, Payment
from credere.ledger.schemas import (
    AllocationFilters,
    AllocationIn,
    AllocationOut,
    CompanyOut,
    CustomerFilters,
    CustomerIn,
    CustomerOut,
    CustomerUpdate,
    FxFilters,
    FxRateOut,
    ItemFilters,
    ItemIn,
    ItemOut,
    PaymentFilters,
    PaymentIn,
    PaymentOut,
    ReversalIn,
)
from credere.ledger.services import allocations, documents, master_data, validation

router = Router()

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
