"""Companies, payment terms and customers: created or updated by key, each change audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from credere.audit.services import record, snapshot
from credere.core.errors import BusinessError
from credere.identity.authz import authorize
from credere.ledger.models import Company, Customer, PaymentTerms
from credere.ledger.services.validation import (
    CUSTOMER_FIELDS,
    Outcome,
    field_error,
    save_if_changed,
    valid_country,
    valid_currency,
)

# --------------------------------------------------------------------------- companies


def upsert_company(*, actor: Any, code: str, name: str, base_currency: str, country: str = "") -> tuple[Company, Outcome]:
    authorize(actor, "edit_customers")
    if not code.strip():
        raise field_error("code", "is required")
    base_currency = valid_currency("base_currency", base_currency)
    with transaction.atomic():
        company = Company.objects.select_for_update().filter(code=code).first()
        values = {"name": name, "base_currency": base_currency, "country": valid_country(country)}
        if company is None:
            company = Company.objects.create(code=code, **values)
            record(actor=actor, action="company.created", obj=company, after=snapshot(company))
            return company, "created"
        before = snapshot(company)
        for k, v in values.items():
            setattr(company, k, v)
        return save_if_changed(actor=actor, obj=company, before=before, action="company.updated")


def upsert_payment_terms(*, actor: Any, code: str, net_days: int, discount_days: int | None = None,
                         discount_rate: Decimal | None = None, description: str = "") -> tuple[PaymentTerms, Outcome]:
    authorize(actor, "edit_customers")
    if net_days < 0 or net_days > 3650:
        raise field_error("net_days", "must be between 0 and 3650")
    if (discount_days is None) != (discount_rate is None):
        raise field_error("discount_rate", "give both discount days and discount rate, or neither")
    if discount_rate is not None and not (Decimal(0) < discount_rate < Decimal(1)):
        raise field_error("discount_rate", "must be a fraction between 0 and 1 (0.02 for 2 %)")
    with transaction.atomic():
        terms = PaymentTerms.objects.select_for_update().filter(code=code).first()
        values = {"net_days": net_days, "discount_days": discount_days, "discount_rate": discount_rate,
                  "description": description}
        if terms is None:
            terms = PaymentTerms.objects.create(code=code, **values)
            record(actor=actor, action="terms.created", obj=terms, after=snapshot(terms))
            return terms, "created"
        before = snapshot(terms)
        for k, v in values.items():
            setattr(terms, k, v)
        return save_if_changed(actor=actor, obj=terms, before=before, action="terms.updated")


# --------------------------------------------------------------------------- customers


def _check_parent(customer: Customer | None, parent: Customer | None) -> None:
    seen: set[int] = set()
    node = parent
    while node is not None:
        if customer is not None and (node is customer or (node.pk is not None and node.pk == customer.pk)):
            raise field_error("parent", "would make the corporate group a cycle")
        if id(node) in seen:
            break
        seen.add(id(node))
        node = node.parent


def plan_customer(*, account_number: str, name: str, parent_account: str | None = None,
                  payment_terms: str | None = None, pending: dict[str, Customer] | None = None, lock: bool = True,
                  **fields: Any) -> tuple[Customer, Outcome, dict[str, Any] | None]:
    """What :func:`upsert_customer` would do, without writing: the customer with the new values set (not
    saved; a new one has no key), the outcome, and the stored values before (None for a new customer).

    ``pending`` holds customers planned earlier but not written (a preview of a file whose later rows
    name earlier rows as parents): they are found before the stored ones. ``lock`` locks the stored
    customer for the update that follows (inside a transaction only). Raises the same errors as the upsert."""
    account_number = (account_number or "").strip()
    if not account_number:
        raise field_error("account_number", "is required")
    if not (name or "").strip():
        raise field_error("name", "is required")
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise BusinessError(f"unknown customer fields: {', '.join(sorted(unknown))}")
    if "country" in fields:
        fields["country"] = valid_country(fields["country"] or "")
    if "status" in fields and fields["status"] not in Customer.Status.values:
        raise field_error("status", f"must be one of {', '.join(Customer.Status.values)}")
    pending = pending if pending is not None else {}
    stored = Customer.objects.select_for_update() if lock else Customer.objects
    customer = pending.get(account_number) or stored.filter(account_number=account_number).first()
    parent = None
    if parent_account:
        parent = pending.get(parent_account) or Customer.objects.filter(account_number=parent_account).first()
        if parent is None:
            raise field_error("parent_account", f"no customer with account number '{parent_account}'")
        _check_parent(customer, parent)
    terms = None
    if payment_terms:
        terms = PaymentTerms.objects.filter(code=payment_terms).first()
        if terms is None:
            raise field_error("payment_terms", f"no payment terms with code '{payment_terms}'")
    values: dict[str, Any] = {"name": name.strip(), **fields}
    if parent_account is not None:
        values["parent"] = parent
    if payment_terms is not None:
        values["payment_terms"] = terms
    if customer is None:
        customer = Customer(account_number=account_number, **values)
        customer.full_clean(exclude=["parent", "payment_terms"], validate_unique=False)
        return customer, "created", None
    before = snapshot(customer)
    for k, v in values.items():
        setattr(customer, k, v)
    if snapshot(customer) == before and (parent is None or parent.pk is not None):  # (a planned parent is new)
        return customer, "unchanged", before
    customer.full_clean(exclude=["parent", "payment_terms"], validate_unique=False)
    return customer, "updated", before


def upsert_customer(*, actor: Any, account_number: str, name: str, parent_account: str | None = None,
                    payment_terms: str | None = None, reason: str = "", **fields: Any) -> tuple[Customer, Outcome]:
    """Create or update a customer keyed by ERP account number (audited)."""
    authorize(actor, "edit_customers")
    with transaction.atomic():
        customer, outcome, before = plan_customer(account_number=account_number, name=name,
                                                  parent_account=parent_account, payment_terms=payment_terms,
                                                  **fields)
        if outcome == "created":
            customer.save()
            record(actor=actor, action="customer.created", obj=customer, after=snapshot(customer), reason=reason)
        elif outcome == "updated":
            assert before is not None
            save_if_changed(actor=actor, obj=customer, before=before, action="customer.updated", reason=reason)
        return customer, outcome
