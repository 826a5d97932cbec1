"""The ledger's field rules: currencies, amounts, countries, items, payments and FX rates checked
before anything is written (the services and the bulk import path use the same rules)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from django.db import models

from credere.audit.services import changes, record, snapshot
from credere.core.errors import BusinessError, Conflict
from credere.domain.money import MoneyError, check_currency, parse_amount
from credere.ledger.models import Customer, OpenItem, Payment

Outcome = Literal["created", "updated", "unchanged"]

CUSTOMER_FIELDS = (
    "name", "registration_id", "tax_id", "country", "industry_code", "language", "status",
)
ITEM_FIELDS = (
    "order_reference", "billing_reference", "customer_reference", "document_date", "posting_date",
    "due_date", "currency", "amount",
)


def field_error(field: str, message: str) -> BusinessError:
    return BusinessError(f"{field}: {message}", fields=[{"field": field, "message": message}])


def valid_currency(field: str, value: str) -> str:
    try:
        return check_currency(value)
    except MoneyError as exc:
        raise field_error(field, str(exc)) from None


def valid_amount(field: str, value: Any, currency: str) -> Decimal:
    try:
        return parse_amount(value, currency)
    except MoneyError as exc:
        raise field_error(field, str(exc)) from None


def valid_country(value: str) -> str:
    if value and (len(value) != 2 or not value.isalpha()):
        raise field_error("country", f"'{value}' is not an ISO 3166 two-letter country code")
    return value.upper()


# --------------------------------------------------------------------------- validation rules
# Used by the services below and by the bulk import path, so that each rule exists once.


def clean_item(*, document_type: str, document_number: str, document_date: dt.date, due_date: dt.date,
               currency: str, amount: Any, posting_date: dt.date | None = None, order_reference: str = "",
               billing_reference: str = "", customer_reference: str = "") -> dict[str, Any]:
    """The field values of an open item (without company and customer), or :class:`BusinessError`."""
    if document_type not in OpenItem.Type.values:
        raise field_error("document_type", f"must be one of {', '.join(OpenItem.Type.values)}")
    if not (document_number or "").strip():
        raise field_error("document_number", "is required")
    currency = valid_currency("currency", currency)
    value = valid_amount("amount", amount, currency)
    if value == 0:
        raise field_error("amount", "must not be zero")
    if document_type == OpenItem.Type.CREDIT_NOTE:
        value = -abs(value)
    elif value < 0:
        raise field_error("amount", f"a {document_type.replace('_', ' ')} must have a positive amount")
    posting_date = posting_date or document_date
    if due_date < document_date:
        raise field_error("due_date", "is before the document date")
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
        raise field_error("reference", "is required")
    currency = valid_currency("currency", currency)
    value = valid_amount("amount", amount, currency)
    if value <= 0:
        raise field_error("amount", "a payment received must be greater than zero")
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
    base, quote = valid_currency("base", base), valid_currency("quote", quote)
    if base == quote:
        raise field_error("quote", "must differ from the base currency")
    if isinstance(rate, float):
        raise field_error("rate", "must be a decimal string, not a float")
    try:
        value = Decimal(str(rate))
    except Exception:
        raise field_error("rate", f"'{rate}' is not a number") from None
    if not value.is_finite() or value <= 0:
        raise field_error("rate", "must be a positive number")
    if value.adjusted() >= 10:
        raise field_error("rate", "has more than 10 decimals or is too large")
    if value != value.quantize(Decimal("1e-10")) or value >= Decimal("1e10"):
        raise field_error("rate", "has more than 10 decimals or is too large")
    return base, quote, value


def save_if_changed[M: models.Model](*, actor: Any, obj: M, before: dict[str, Any], action: str,
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
