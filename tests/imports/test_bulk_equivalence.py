"""The bulk import path must decide exactly like the ledger services, row for row.

Each case runs once through the service (``upsert_item``, ``record_payment``,
``upsert_fx_rate``) and once as a one-row file through :func:`import_file`, from the same
starting state, and compares the outcome, the error (field and message) and the audit
events written (action, object, before, after).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from credere.audit.models import AuditEvent
from credere.core.errors import BusinessError, Conflict

pytestmark = pytest.mark.django_db

D = dt.date


def _events(since: int) -> list[tuple[Any, ...]]:
    from credere.audit.models import PersonalValue

    def value(v: Any) -> Any:  # a personal value is kept by reference (its id differs between the two paths)
        return PersonalValue.objects.get(pk=v["personal_data"]).value if isinstance(v, dict) else v

    def scrub(data: Any) -> Any:
        return {k: value(v) for k, v in data.items() if k != "id"} if isinstance(data, dict) else data

    return [(e.action, e.object_type, e.object_repr, scrub(e.before), scrub(e.after))
            for e in AuditEvent.objects.filter(seq__gt=since).order_by("seq")
            if not e.action.startswith("import.")]


def _last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _via_service(call) -> tuple[Any, list[tuple[Any, ...]]]:
    since = _last_seq()
    with transaction.atomic():
        try:
            _, outcome = call()
            got: Any = outcome
        except BusinessError as exc:
            message = str(exc) if isinstance(exc, Conflict) or not exc.fields else exc.fields[0]["message"]
            field = exc.fields[0]["field"] if exc.fields else ""
            got = ("error", field, message)
        events = _events(since)
        transaction.set_rollback(True)
    return got, events


def _via_import(admin, entity: str, header: list[str], row: list[str]) -> tuple[Any, list[tuple[Any, ...]]]:
    from credere.imports.services.files import import_file

    since = _last_seq()
    content = ",".join(header) + "\n" + ",".join(row) + "\n"
    with transaction.atomic():
        result = import_file(actor=admin, entity=entity, data=content.encode(), file_name="x.csv")
        if result.errors:
            [e] = result.errors
            got: Any = ("error", e.field, e.message)
        else:
            [outcome] = [k for k in ("created", "updated", "unchanged") if getattr(result, k)]
            got = outcome
        events = _events(since)
        transaction.set_rollback(True)
    return got, events


ITEM_CASES = [
    {},
    {"document_type": "credit_note", "amount": "50.00"},
    {"document_type": "credit_note", "amount": "-50.00"},
    {"document_type": "debit_note", "amount": "7"},
    {"amount": "0"},
    {"amount": "-5.00"},
    {"due_date": D(2025, 12, 31)},
    {"currency": "US"},
    {"amount": "1.001"},
    {"currency": "JPY", "amount": "1.5"},
    {"currency": "JPY", "amount": "1500"},
    {"currency": "BHD", "amount": "1.125"},
    {"document_type": "receipt"},
    {"posting_date": D(2026, 1, 3)},
    {"order_reference": "SO-1", "customer_reference": "PO 1"},
    # against the existing INV-EXIST (1000.00 EUR, 600.00 allocated)
    {"document_number": "INV-EXIST", "amount": "1000.00"},
    {"document_number": "INV-EXIST", "amount": "1200.00"},
    {"document_number": "INV-EXIST", "amount": "500.00"},
    {"document_number": "INV-EXIST", "amount": "1000.00", "currency": "USD"},
    {"document_number": "INV-EXIST", "amount": "1000.00", "due_date": D(2026, 3, 1)},
]


@pytest.fixture
def existing(admin, company, customer, invoice, payment):
    """INV-1 renamed INV-EXIST with 600.00 of BANK-1 allocated to it."""
    from credere.ledger.services.allocations import allocate

    invoice.document_number = "INV-EXIST"
    invoice.save()
    allocate(actor=admin, target_id=invoice.pk, payment_id=payment.pk, amount=Decimal("600.00"),
             applied_on=D(2026, 2, 5))
    return invoice


@pytest.mark.parametrize("case", ITEM_CASES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "valid")
def test_items_bulk_path_matches_upsert_item(admin, company, customer, existing, case):
    from credere.ledger.services.documents import upsert_item

    values: dict[str, Any] = {"document_type": "invoice", "document_number": "INV-NEW", "document_date": D(2026, 1, 1),
                              "due_date": D(2026, 1, 31), "currency": "EUR", "amount": "1000.00", **case}
    if case.get("document_number") == "INV-EXIST" and "due_date" not in case:
        values["due_date"] = existing.due_date
    service = _via_service(lambda: upsert_item(actor=admin, company=company, customer=customer, **values))
    header = ["company_code", "account_number", *values]
    row = ["DE01", customer.account_number, *(v.isoformat() if isinstance(v, dt.date) else str(v)
                                              for v in values.values())]
    assert _via_import(admin, "items", header, row) == service
    assert bool(service[1]) == (service[0] in ("created", "updated"))


PAYMENT_CASES = [
    {},
    {"amount": "0"},
    {"amount": "-1.00"},
    {"amount": "1.234"},
    {"currency": "eur"},
    {"currency": "JPY", "amount": "100"},
    {"payer_name": "ACME", "reference_text": "INV-1"},
    # against BANK-1 (600.00 EUR, 600.00 allocated by the fixture)
    {"reference": "BANK-1", "amount": "600.00"},
    {"reference": "BANK-1", "amount": "700.00"},
    {"reference": "BANK-1", "amount": "500.00"},
    {"reference": "BANK-1", "amount": "600.00", "currency": "USD"},
]


@pytest.mark.parametrize("case", PAYMENT_CASES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "valid")
def test_payments_bulk_path_matches_record_payment(admin, company, customer, existing, case):
    from credere.ledger.services.documents import record_payment

    values: dict[str, Any] = {"reference": "BANK-NEW", "received_on": D(2026, 2, 5), "currency": "EUR",
                              "amount": "600.00", **case}
    service = _via_service(lambda: record_payment(actor=admin, company=company, customer=customer, **values))
    header = ["company_code", "account_number", *values]
    row = ["DE01", customer.account_number, *(v.isoformat() if isinstance(v, dt.date) else str(v)
                                              for v in values.values())]
    got = _via_import(admin, "payments", header, row)
    if case.get("currency") == "eur":  # the file reader upper-cases codes; the service is strict
        assert service[0] == ("error", "currency", "'eur' is not an ISO 4217 currency code (three capital letters)")
        assert got[0] == "created"
        return
    assert got == service


FX_CASES = [
    {},
    {"quote": "EUR"},
    {"rate": "0"},
    {"rate": "-1"},
    {"rate": "1.12345678901"},
    {"rate": "10000000000"},
    {"rate": "9999999999.5"},
    {"base": "USD", "quote": "JPY", "rate": "150.25"},
    # against the existing EUR/USD 1.08 on 2026-01-02 (source ECB)
    {"rate_date": D(2026, 1, 2), "rate": "1.08"},
    {"rate_date": D(2026, 1, 2), "rate": "1.0800"},
    {"rate_date": D(2026, 1, 2), "rate": "1.09"},
    {"rate_date": D(2026, 1, 2), "rate": "1.09", "source": "Bloomberg"},
]


@pytest.mark.parametrize("case", FX_CASES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "valid")
def test_fx_bulk_path_matches_upsert_fx_rate(admin, case):
    from credere.ledger.services.fx import upsert_fx_rate

    upsert_fx_rate(actor=admin, rate_date=D(2026, 1, 2), base="EUR", quote="USD", rate="1.08", source="ECB")
    values: dict[str, Any] = {"rate_date": D(2026, 1, 5), "base": "EUR", "quote": "USD", "rate": "1.0321",
                              "source": "", **case}
    service = _via_service(lambda: upsert_fx_rate(actor=admin, **values))
    row = [v.isoformat() if isinstance(v, dt.date) else str(v) for v in values.values()]
    assert _via_import(admin, "fx-rates", list(values), row) == service
