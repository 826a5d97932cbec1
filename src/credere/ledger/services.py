"""Writes to the receivables ledger. Each service authorises, validates, locks, audits.

Amounts arrive as ``Decimal`` (or strings the API/import adapters already checked) and
are validated with :mod:`credere.domain.money`; the allocation invariants come from
:mod:`credere.domain.allocation`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from django.db import models, transaction

from credere.audit.services import changes, record, snapshot
from credere.core.errors import BusinessError, Conflict
from credere.domain import allocation as rules
from credere.domain.fx import RateTable
from credere.domain.money import MoneyError, check_currency, parse_amount, quantize
from credere.identity.authz import authorize
from credere.ledger import selectors
from credere.ledger.models import Allocation, Company, Customer, FxRate, OpenItem, Payment, PaymentTerms

Outcome = Literal["created", "updated", "unchanged"]

CUSTOMER_FIELDS = (
    "name", "registration_id", "tax_id", "country", "industry_code", "language", "status",
)
ITEM_FIELDS = (
    "order_reference", "billing_reference", "customer_reference", "document_date", "posting_date",
    "due_date", "currency", "amount",
)


def _field_error(field: str, message: str) -> BusinessError:
    return BusinessError(f"{field}: {message}", fields=[{"field": field, "message": message}])


def _currency(field: str, value: str) -> str:
    try:
        return check_currency(value)
    except MoneyError as exc:
        raise _field_error(field, str(exc)) from None


def _amount(field: str, value: Any, currency: str) -> Decimal:
    try:
        return parse_amount(value, currency)
    except MoneyError as exc:
        raise _field_error(field, str(exc)) from None


def _country(value: str) -> str:
    if value and (len(value) != 2 or not value.isalpha()):
        raise _field_error("country", f"'{value}' is not an ISO 3166 two-letter country code")
    return value.upper()


# --------------------------------------------------------------------------- validation rules
# Used by the services below and by the bulk import path, so that each rule exists once.


def clean_item(*, document_type: str, document_number: str, document_date: dt.date, due_date: dt.date,
               currency: str, amount: Any, posting_date: dt.date | None = None, order_reference: str = "",
               billing_reference: str = "", customer_reference: str = "") -> dict[str, Any]:
    """The field values of an open item (without company and customer), or :class:`BusinessError`."""
    if document_type not in OpenItem.Type.values:
        raise _field_error("document_type", f"must be one of {', '.join(OpenItem.Type.values)}")
    if not (document_number or "").strip():
        raise _field_error("document_number", "is required")
    currency = _currency("currency", currency)
    value = _amount("amount", amount, currency)
    if value == 0:
        raise _field_error("amount", "must not be zero")
    if document_type == OpenItem.Type.CREDIT_NOTE:
        value = -abs(value)
    elif value < 0:
        raise _field_error("amount", f"a {document_type.replace('_', ' ')} must have a positive amount")
    posting_date = posting_date or document_date
    if due_date < document_date:
        raise _field_error("due_date", "is before the document date")
    return {
        "document_date": document_date, "posting_date": posting_date, "due_date": due_date, "currency": currency,
        "amount": value, "order_reference": order_reference or "", "billing_reference": billing_reference or "",
        "customer_reference": customer_reference or "",
    }


def apply_item_update(item: OpenItem, values: dict[str, Any]) -> None:
    """Set new values on an existing item, keeping what is allocated (or raise :class:`Conflict`)."""
    value = values["amount"]
    settled = item.amount - item.open_amount  # allocated (target) or -used (credit note)
    if values["currency"] != item.currency and settled != 0:
        raise Conflict(f"{item}: cannot change the currency of an item with allocations", code="has_allocations",
                       fields=[{"field": "currency", "message": "item has allocations"}])
    if abs(value) < abs(settled):
        raise Conflict(
            f"{item}: the new amount {value} is less than what is already allocated ({abs(settled)})",
            code="below_allocated", fields=[{"field": "amount", "message": "less than already allocated"}],
        )
    for k, v in values.items():
        setattr(item, k, v)
    item.open_amount = value - settled


def clean_payment(*, reference: str, received_on: dt.date, currency: str, amount: Any,
                  customer: Customer | None = None, payer_name: str = "", payer_account: str = "",
                  reference_text: str = "") -> dict[str, Any]:
    if not (reference or "").strip():
        raise _field_error("reference", "is required")
    currency = _currency("currency", currency)
    value = _amount("amount", amount, currency)
    if value <= 0:
        raise _field_error("amount", "a payment received must be greater than zero")
    return {"customer": customer, "received_on": received_on, "currency": currency, "amount": value,
            "payer_name": payer_name or "", "payer_account": payer_account or "",
            "reference_text": reference_text or ""}


def apply_payment_update(payment: Payment, values: dict[str, Any]) -> None:
    used = payment.amount - payment.unapplied_amount
    customer = values["customer"]
    if used and (values["currency"] != payment.currency or values["amount"] < used
                 or (customer is not None and payment.customer_id not in (None, customer.pk))):
        raise Conflict(f"{payment} is already allocated ({used} {payment.currency}); reverse its "
                       "allocations before changing its amount, currency or customer", code="has_allocations")
    if customer is None:  # no customer given: keep the one the payment has (e.g. learnt by an allocation)
        values = {k: v for k, v in values.items() if k != "customer"}
    for k, v in values.items():
        setattr(payment, k, v)
    payment.unapplied_amount = values["amount"] - used


def clean_fx_rate(*, base: str, quote: str, rate: Any) -> tuple[str, str, Decimal]:
    base, quote = _currency("base", base), _currency("quote", quote)
    if base == quote:
        raise _field_error("quote", "must differ from the base currency")
    if isinstance(rate, float):
        raise _field_error("rate", "must be a decimal string, not a float")
    try:
        value = Decimal(str(rate))
    except Exception:
        raise _field_error("rate", f"'{rate}' is not a number") from None
    if not value.is_finite() or value <= 0:
        raise _field_error("rate", "must be a positive number")
    if value.adjusted() >= 10:
        raise _field_error("rate", "has more than 10 decimals or is too large")
    if value != value.quantize(Decimal("1e-10")) or value >= Decimal("1e10"):
        raise _field_error("rate", "has more than 10 decimals or is too large")
    return base, quote, value


def _save_if_changed[M: models.Model](*, actor: Any, obj: M, before: dict[str, Any], action: str,
                                      reason: str = "", validate: Callable[[], None] | None = None) -> tuple[M, Outcome]:
    """Save ``obj`` and audit the changed fields against ``before``; nothing when nothing changed."""
    b, a = changes(before, snapshot(obj))
    if not a:
        return obj, "unchanged"
    if validate is not None:
        validate()
    obj.save()
    record(actor=actor, action=action, obj=obj, before=b, after=a, reason=reason)
    return obj, "updated"


# --------------------------------------------------------------------------- companies


def upsert_company(*, actor: Any, code: str, name: str, base_currency: str, country: str = "") -> tuple[Company, Outcome]:
    authorize(actor, "edit_customers")
    if not code.strip():
        raise _field_error("code", "is required")
    base_currency = _currency("base_currency", base_currency)
    with transaction.atomic():
        company = Company.objects.select_for_update().filter(code=code).first()
        values = {"name": name, "base_currency": base_currency, "country": _country(country)}
        if company is None:
            company = Company.objects.create(code=code, **values)
            record(actor=actor, action="company.created", obj=company, after=snapshot(company))
            return company, "created"
        before = snapshot(company)
        for k, v in values.items():
            setattr(company, k, v)
        return _save_if_changed(actor=actor, obj=company, before=before, action="company.updated")


def upsert_payment_terms(*, actor: Any, code: str, net_days: int, discount_days: int | None = None,
                         discount_rate: Decimal | None = None, description: str = "") -> tuple[PaymentTerms, Outcome]:
    authorize(actor, "edit_customers")
    if net_days < 0 or net_days > 3650:
        raise _field_error("net_days", "must be between 0 and 3650")
    if (discount_days is None) != (discount_rate is None):
        raise _field_error("discount_rate", "give both discount days and discount rate, or neither")
    if discount_rate is not None and not (Decimal(0) < discount_rate < Decimal(1)):
        raise _field_error("discount_rate", "must be a fraction between 0 and 1 (0.02 for 2 %)")
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
        return _save_if_changed(actor=actor, obj=terms, before=before, action="terms.updated")


# --------------------------------------------------------------------------- customers


def _check_parent(customer: Customer | None, parent: Customer | None) -> None:
    seen = set()
    node = parent
    while node is not None:
        if customer is not None and node.pk == customer.pk:
            raise _field_error("parent", "would make the corporate group a cycle")
        if node.pk in seen:
            break
        seen.add(node.pk)
        node = node.parent


def upsert_customer(*, actor: Any, account_number: str, name: str, parent_account: str | None = None,
                    payment_terms: str | None = None, reason: str = "", **fields: Any) -> tuple[Customer, Outcome]:
    """Create or update a customer keyed by ERP account number (audited)."""
    authorize(actor, "edit_customers")
    account_number = (account_number or "").strip()
    if not account_number:
        raise _field_error("account_number", "is required")
    if not (name or "").strip():
        raise _field_error("name", "is required")
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise BusinessError(f"unknown customer fields: {', '.join(sorted(unknown))}")
    if "country" in fields:
        fields["country"] = _country(fields["country"] or "")
    if "status" in fields and fields["status"] not in Customer.Status.values:
        raise _field_error("status", f"must be one of {', '.join(Customer.Status.values)}")
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(account_number=account_number).first()
        parent = None
        if parent_account:
            parent = Customer.objects.filter(account_number=parent_account).first()
            if parent is None:
                raise _field_error("parent_account", f"no customer with account number '{parent_account}'")
            _check_parent(customer, parent)
        terms = None
        if payment_terms:
            terms = PaymentTerms.objects.filter(code=payment_terms).first()
            if terms is None:
                raise _field_error("payment_terms", f"no payment terms with code '{payment_terms}'")
        values: dict[str, Any] = {"name": name.strip(), **fields}
        if parent_account is not None:
            values["parent"] = parent
        if payment_terms is not None:
            values["payment_terms"] = terms
        if customer is None:
            customer = Customer(account_number=account_number, **values)
            customer.full_clean(exclude=["parent", "payment_terms"], validate_unique=False)
            customer.save()
            record(actor=actor, action="customer.created", obj=customer, after=snapshot(customer), reason=reason)
            return customer, "created"
        before = snapshot(customer)
        for k, v in values.items():
            setattr(customer, k, v)
        return _save_if_changed(actor=actor, obj=customer, before=before, action="customer.updated", reason=reason,
                                validate=lambda: customer.full_clean(exclude=["parent", "payment_terms"], validate_unique=False))


# --------------------------------------------------------------------------- open items


def upsert_item(*, actor: Any, company: Company, customer: Customer, document_type: str, document_number: str,
                document_date: dt.date, due_date: dt.date, currency: str, amount: Any,
                posting_date: dt.date | None = None, order_reference: str = "", billing_reference: str = "",
                customer_reference: str = "", reason: str = "") -> tuple[OpenItem, Outcome]:
    """Create or update an open item keyed by (company, document type, document number).

    Credit notes carry negative amounts; a positive amount given for a credit note is
    negated (ERPs export both conventions). Changing the amount of an item that already
    has allocations is allowed only while the allocations still fit.
    """
    authorize(actor, "edit_items")
    values = clean_item(document_type=document_type, document_number=document_number, document_date=document_date,
                        due_date=due_date, currency=currency, amount=amount, posting_date=posting_date,
                        order_reference=order_reference, billing_reference=billing_reference,
                        customer_reference=customer_reference)
    values["customer"] = customer
    with transaction.atomic():
        item = (OpenItem.objects.select_for_update()
                .filter(company=company, document_type=document_type, document_number=document_number).first())
        if item is None:
            item = OpenItem.objects.create(company=company, document_type=document_type,
                                           document_number=document_number, open_amount=values["amount"], **values)
            record(actor=actor, action="item.created", obj=item, after=snapshot(item), reason=reason)
            return item, "created"
        before = snapshot(item)
        apply_item_update(item, values)
        return _save_if_changed(actor=actor, obj=item, before=before, action="item.updated", reason=reason)


# --------------------------------------------------------------------------- payments


def record_payment(*, actor: Any, company: Company, reference: str, received_on: dt.date, currency: str,
                   amount: Any, customer: Customer | None = None, payer_name: str = "", payer_account: str = "",
                   reference_text: str = "", reason: str = "") -> tuple[Payment, Outcome]:
    """Create or update a payment received, keyed by (company, reference)."""
    authorize(actor, "edit_payments")
    values = clean_payment(reference=reference, received_on=received_on, currency=currency, amount=amount,
                           customer=customer, payer_name=payer_name, payer_account=payer_account,
                           reference_text=reference_text)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(company=company, reference=reference).first()
        if payment is None:
            payment = Payment.objects.create(company=company, reference=reference, unapplied_amount=values["amount"],
                                             **values)
            record(actor=actor, action="payment.created", obj=payment, after=snapshot(payment), reason=reason)
            return payment, "created"
        before = snapshot(payment)
        apply_payment_update(payment, values)
        return _save_if_changed(actor=actor, obj=payment, before=before, action="payment.updated", reason=reason)


# --------------------------------------------------------------------------- allocations


def allocate(*, actor: Any, target_id: int, amount: Any, applied_on: dt.date, payment_id: int | None = None,
             credit_note_id: int | None = None, source_amount: Any = None, note: str = "") -> Allocation:
    """Apply part of a payment or credit note to an invoice or debit note.

    Rows are locked in a fixed order (open items by id, then the payment) so that
    concurrent allocations against the same items serialise instead of over-allocating.
    """
    authorize(actor, "allocate")
    if (payment_id is None) == (credit_note_id is None):
        raise BusinessError("give exactly one source: payment_id or credit_note_id", code="source",
                            fields=[{"field": "payment_id", "message": "give a payment or a credit note"}])
    with transaction.atomic():
        item_ids = sorted({target_id, *([credit_note_id] if credit_note_id else [])})
        items = {i.pk: i for i in OpenItem.objects.select_for_update(no_key=True).filter(pk__in=item_ids).order_by("pk")}
        target = items.get(target_id)
        if target is None:
            raise BusinessError(f"no open item with id {target_id}", code="not_found", status=404,
                                fields=[{"field": "target_id", "message": "not found"}])
        payment: Payment | None = None
        credit: OpenItem | None = None
        if payment_id is not None:
            payment = Payment.objects.select_for_update(no_key=True).filter(pk=payment_id).first()
            if payment is None:
                raise BusinessError(f"no payment with id {payment_id}", code="not_found", status=404,
                                    fields=[{"field": "payment_id", "message": "not found"}])
            source = rules.SourceState(payment.amount, payment.amount - payment.unapplied_amount, payment.currency)
            source_company, source_customer = payment.company_id, payment.customer_id
        else:
            credit = items.get(credit_note_id)  # type: ignore[arg-type]
            if credit is None or credit.document_type != OpenItem.Type.CREDIT_NOTE:
                raise BusinessError(f"no credit note with id {credit_note_id}", code="not_found", status=404,
                                    fields=[{"field": "credit_note_id", "message": "not a credit note"}])
            source = rules.SourceState(credit.amount, credit.open_amount - credit.amount, credit.currency)
            source_company, source_customer = credit.company_id, credit.customer_id
        if source_company != target.company_id:
            raise BusinessError("the source and the item belong to different companies", code="company_mismatch")
        if source_customer is not None and source_customer != target.customer_id and not _same_group(
                source_customer, target.customer_id):
            raise BusinessError("the source belongs to another customer outside this corporate group",
                                code="customer_mismatch")
        amt = _amount("amount", amount, target.currency)
        src_amt = None
        if source_amount is not None:
            src_amt = _amount("source_amount", source_amount, source.currency)
        elif source.currency != target.currency:
            src_amt = convert(amount=amt, from_currency=target.currency, to_currency=source.currency, on=applied_on)
        if not target.is_target:
            raise BusinessError("only invoices and debit notes can receive allocations", code="not_a_target",
                                fields=[{"field": "target_id", "message": "is a credit note"}])
        try:
            new_target, new_source = rules.allocate(
                rules.TargetState(target.amount, target.amount - target.open_amount, target.currency),
                source, amt, src_amt,
            )
        except rules.AllocationError as exc:
            raise Conflict(str(exc), code=exc.code, fields=[{"field": "amount", "message": str(exc)}]) from None
        allocation = Allocation.objects.create(
            target=target, payment=payment, credit_note=credit, amount=amt,
            source_amount=src_amt if src_amt is not None else amt, applied_on=applied_on, note=note or "",
        )
        target.open_amount = new_target.open_amount
        target.save(update_fields=["open_amount", "updated_at"])
        if payment is not None:
            payment.unapplied_amount = payment.amount - new_source.used
            if payment.customer_id is None:
                payment.customer_id = target.customer_id
            payment.save(update_fields=["unapplied_amount", "customer"])
        else:
            assert credit is not None
            credit.open_amount = rules.credit_open_amount(credit.amount, new_source.used)
            credit.save(update_fields=["open_amount", "updated_at"])
        record(actor=actor, action="allocation.created", obj=allocation, after=snapshot(allocation), reason=note)
        return allocation


def _same_group(a: int, b: int) -> bool:
    return selectors.group_root_id(a) == selectors.group_root_id(b)


def reverse_allocation(*, actor: Any, allocation_id: int, reversed_on: dt.date, reason: str) -> Allocation:
    """Reverse an allocation: both sides get back exactly what it took (audited)."""
    authorize(actor, "allocate")
    if not (reason or "").strip():
        raise _field_error("reason", "say why the allocation is reversed")
    with transaction.atomic():
        allocation = Allocation.objects.filter(pk=allocation_id).first()
        if allocation is None:
            raise BusinessError(f"no allocation with id {allocation_id}", code="not_found", status=404)
        ids = sorted({allocation.target_id, *([allocation.credit_note_id] if allocation.credit_note_id else [])})
        items = {i.pk: i for i in OpenItem.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")}
        payment = Payment.objects.select_for_update(no_key=True).get(pk=allocation.payment_id) if allocation.payment_id else None
        allocation = Allocation.objects.select_for_update(no_key=True).get(pk=allocation_id)
        if allocation.reversed_on is not None:
            raise Conflict(f"allocation {allocation_id} was already reversed on {allocation.reversed_on}",
                           code="already_reversed")
        if reversed_on < allocation.applied_on:
            raise _field_error("reversed_on", "is before the allocation was applied")
        target = items[allocation.target_id]
        if payment is not None:
            source = rules.SourceState(payment.amount, payment.amount - payment.unapplied_amount, payment.currency)
        else:
            credit = items[allocation.credit_note_id]  # type: ignore[index]
            source = rules.SourceState(credit.amount, credit.open_amount - credit.amount, credit.currency)
        new_target, new_source = rules.reverse(
            rules.TargetState(target.amount, target.amount - target.open_amount, target.currency), source,
            allocation.amount, allocation.source_amount,
        )
        before = snapshot(allocation)
        allocation.reversed_on = reversed_on
        allocation.save(update_fields=["reversed_on"])
        target.open_amount = new_target.open_amount
        target.save(update_fields=["open_amount", "updated_at"])
        if payment is not None:
            payment.unapplied_amount = payment.amount - new_source.used
            payment.save(update_fields=["unapplied_amount"])
        else:
            credit.open_amount = rules.credit_open_amount(credit.amount, new_source.used)
            credit.save(update_fields=["open_amount", "updated_at"])
        record(actor=actor, action="allocation.reversed", obj=allocation, before=before,
               after=snapshot(allocation), reason=reason)
        return allocation


# --------------------------------------------------------------------------- FX


def upsert_fx_rate(*, actor: Any, rate_date: dt.date, base: str, quote: str, rate: Any,
                   source: str = "") -> tuple[FxRate, Outcome]:
    authorize(actor, "edit_fx")
    base, quote, value = clean_fx_rate(base=base, quote=quote, rate=rate)
    with transaction.atomic():
        fx = FxRate.objects.select_for_update().filter(rate_date=rate_date, base=base, quote=quote).first()
        if fx is None:
            fx = FxRate.objects.create(rate_date=rate_date, base=base, quote=quote, rate=value, source=source)
            record(actor=actor, action="fx.created", obj=fx, after=snapshot(fx))
            return fx, "created"
        if fx.rate == value:
            return fx, "unchanged"
        before = snapshot(fx)
        fx.rate, fx.source = value, source or fx.source
        fx.save()
        b, a = changes(before, snapshot(fx))
        record(actor=actor, action="fx.updated", obj=fx, before=b, after=a)
        return fx, "updated"


def rate_table(on: dt.date | None = None, currencies: set[str] | None = None) -> RateTable:
    """Load FX rates (the latest on or before ``on`` per pair) into a domain rate table."""
    qs = FxRate.objects.all()
    if on is not None:
        qs = qs.filter(rate_date__lte=on)
    if currencies:
        qs = qs.filter(base__in=currencies | {"EUR"}, quote__in=currencies | {"EUR"})
    rows = qs.order_by("base", "quote", "-rate_date").values_list("base", "quote", "rate_date", "rate")
    return RateTable.from_rows((b, q, d, r) for b, q, d, r in rows)


def convert(*, amount: Decimal, from_currency: str, to_currency: str, on: dt.date) -> Decimal:
    if from_currency == to_currency:
        return amount
    table = rate_table(on, {from_currency, to_currency})
    try:
        return quantize(table.convert(amount, from_currency, to_currency, on), to_currency)
    except LookupError as exc:
        raise BusinessError(str(exc), code="no_fx_rate") from None
