"""Audit events read in words: record types, actions, field names, before → after; no raw dumps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from credere.audit import labels
from credere.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _event(**kw) -> AuditEvent:
    base = {"seq": 1, "actor": "anna", "action": "item.updated", "object_type": "ledger.openitem",
            "object_id": "7", "object_repr": "Invoice INV-1", "before": None, "after": None, "reason": ""}
    return AuditEvent(**{**base, **kw})


def test_types_and_actions_in_words():
    assert labels.type_label("ledger.openitem") == "Open item"
    assert labels.type_label("cashapp.matchproposal") == "Match proposal"
    assert labels.type_label("ledger.portfolio") == "Portfolio"  # no model: its last part
    assert labels.action_label("customer.created") == "Customer created"
    assert labels.action_label("customer_bank_account.learned") == "Customer bank account learned"


def test_a_record_stored_as_django_default_text_reads_as_its_type_and_id():
    assert labels.record_label(_event(object_type="ledger.allocation", object_id="5994",
                                      object_repr="Allocation object (5994)")) == "Allocation 5994"
    assert labels.record_label(_event()) == "Invoice INV-1"


def test_an_update_reads_field_by_field_before_and_after():
    e = _event(before={"due_date": "2026-01-31", "amount": "100.00", "updated_at": "x"},
               after={"due_date": "2026-02-28", "amount": "100.00", "updated_at": "y"})
    assert labels.change_summary(e) == "Due date: 2026-01-31 → 2026-02-28"
    rows = labels.change_rows(e.object_type, e.before, e.after)
    assert [(r.label, r.before, r.after, r.changed) for r in rows][:2] == [
        ("Due date", "2026-01-31", "2026-02-28", True), ("Amount", "100.00", "100.00", False)]


def test_a_new_record_shows_its_values_without_ids_or_timestamps():
    e = _event(action="item.created", after={"id": 4356, "company_id": 1, "customer_id": 9,
                                             "document_number": "INV-1", "amount": "1000.00",
                                             "created_at": "2026-01-01T00:00:00"})
    text = labels.change_summary(e)
    assert text == "Document number INV-1 · Amount 1000.00"
    assert "4356" not in text and "company_id" not in text


def test_the_allocation_names_its_source_and_target(portfolio):
    assert str(portfolio.a1) == "Allocation of 600.00 EUR from Payment P1 to INV-1"


def test_a_statement_payment_is_named_by_the_banks_reference_else_payer_else_amount(portfolio):
    from credere.ledger.models import GENERATED_REFERENCE_PREFIX, Payment

    p = Payment(reference=f"{GENERATED_REFERENCE_PREFIX}9deaeb70bfab823d404a9971", payer_name="Northwind Ltd",
                amount=Decimal("1200.00"), currency="EUR", received_on=dt.date(2026, 3, 2))
    assert p.label == "from Northwind Ltd" and p.title == "Northwind Ltd · 1200.00 EUR"
    p.bank_reference = "RF18 5390 0754 7034"
    assert p.label == "RF18 5390 0754 7034" and str(p) == "Payment RF18 5390 0754 7034"
    p.bank_reference, p.payer_name = "", ""
    assert p.label == "of 1200.00 EUR"
    assert "9deaeb70" not in p.title
