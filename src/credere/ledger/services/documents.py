"""Open items and payments: created or updated by their business keys, each change audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from credere.audit.services import record, snapshot
from credere.identity.authz import authorize
from credere.ledger import changes
from credere.ledger.models import Company, Customer, OpenItem, Payment
from credere.ledger.services.validation import (
    Outcome,
    apply_item_update,
    apply_payment_update,
    clean_item,
    clean_payment,
    save_if_changed,
)

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
            changes.customers_changed([customer.pk])
            return item, "created"
        before = snapshot(item)
        changes.customers_changed({item.customer_id, customer.pk})
        apply_item_update(item, values)
        return save_if_changed(actor=actor, obj=item, before=before, action="item.updated", reason=reason)


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
        return save_if_changed(actor=actor, obj=payment, before=before, action="payment.updated", reason=reason)
