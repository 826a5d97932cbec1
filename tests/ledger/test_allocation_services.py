import datetime as dt
from decimal import Decimal

import pytest

from credere.audit.models import AuditEvent
from credere.core.errors import BusinessError, Conflict
from credere.ledger.models import Allocation, OpenItem, Payment
from credere.ledger.services.allocations import allocate, reverse_allocation
from credere.ledger.services.documents import upsert_item

pytestmark = pytest.mark.django_db
D = Decimal


def test_allocate_updates_both_sides_and_audits(admin, invoice, payment):
    a = allocate(actor=admin, target_id=invoice.pk, payment_id=payment.pk, amount=D("600.00"),
                 applied_on=dt.date(2026, 2, 5), note="bank statement 12")
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.open_amount == D("400.00")
    assert payment.unapplied_amount == D("0.00")
    ev = AuditEvent.objects.get(action="allocation.created")
    assert ev.actor == "admin" and ev.object_id == str(a.pk) and ev.after["amount"] == "600.00"


def test_over_allocation_is_refused_and_changes_nothing(admin, invoice, payment, company, customer):
    from credere.ledger.services.documents import record_payment

    big = record_payment(actor=admin, company=company, customer=customer, reference="BANK-2",
                         received_on=dt.date(2026, 2, 6), currency="EUR", amount=D("5000"))[0]
    events_before = AuditEvent.objects.count()
    with pytest.raises(Conflict) as exc:
        allocate(actor=admin, target_id=invoice.pk, payment_id=big.pk, amount=D("1000.01"),
                 applied_on=dt.date(2026, 2, 6))
    assert exc.value.code == "over_allocation"
    with pytest.raises(Conflict) as exc:
        allocate(actor=admin, target_id=invoice.pk, payment_id=payment.pk, amount=D("600.01"),
                 applied_on=dt.date(2026, 2, 6))
    assert exc.value.code == "source_exhausted"
    invoice.refresh_from_db()
    assert invoice.open_amount == D("1000.00")
    assert Allocation.objects.count() == 0 and AuditEvent.objects.count() == events_before


def test_reverse_restores_exactly(admin, invoice, payment):
    a = allocate(actor=admin, target_id=invoice.pk, payment_id=payment.pk, amount=D("250.55"),
                 applied_on=dt.date(2026, 2, 5))
    reverse_allocation(actor=admin, allocation_id=a.pk, reversed_on=dt.date(2026, 2, 7), reason="wrong customer")
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.open_amount == D("1000.00") and payment.unapplied_amount == D("600.00")
    with pytest.raises(Conflict, match="already reversed"):
        reverse_allocation(actor=admin, allocation_id=a.pk, reversed_on=dt.date(2026, 2, 8), reason="again")
    with pytest.raises(BusinessError, match="reason"):
        reverse_allocation(actor=admin, allocation_id=a.pk, reversed_on=dt.date(2026, 2, 8), reason=" ")


def test_credit_note_allocation(admin, company, customer, invoice):
    cn = upsert_item(actor=admin, company=company, customer=customer, document_type="credit_note",
                     document_number="CN-1", document_date=dt.date(2026, 1, 10), due_date=dt.date(2026, 1, 10),
                     currency="EUR", amount=D("150.00"))[0]
    assert cn.amount == D("-150.00") and cn.open_amount == D("-150.00")
    allocate(actor=admin, target_id=invoice.pk, credit_note_id=cn.pk, amount=D("100.00"),
             applied_on=dt.date(2026, 1, 10))
    cn.refresh_from_db()
    invoice.refresh_from_db()
    assert cn.open_amount == D("-50.00") and invoice.open_amount == D("900.00")
    with pytest.raises(BusinessError, match="only invoices and debit notes"):
        allocate(actor=admin, target_id=cn.pk, credit_note_id=cn.pk, amount=D("1"), applied_on=dt.date(2026, 1, 10))


def test_item_update_cannot_go_below_allocated(admin, company, customer, invoice, payment):
    allocate(actor=admin, target_id=invoice.pk, payment_id=payment.pk, amount=D("600.00"),
             applied_on=dt.date(2026, 2, 5))
    kwargs = dict(actor=admin, company=company, customer=customer, document_type="invoice", document_number="INV-1",
                  document_date=dt.date(2026, 1, 1), due_date=dt.date(2026, 1, 31), currency="EUR")
    with pytest.raises(Conflict, match="less than what is already allocated"):
        upsert_item(**kwargs, amount=D("599.99"))
    item, outcome = upsert_item(**kwargs, amount=D("800.00"))
    assert outcome == "updated" and item.open_amount == D("200.00")
    assert upsert_item(**kwargs, amount=D("800.00"))[1] == "unchanged"
    ev = AuditEvent.objects.filter(action="item.updated").get()
    assert ev.before == {"amount": "1000.00", "open_amount": "400.00"}
    assert ev.after == {"amount": "800.00", "open_amount": "200.00"}


def test_cross_currency_allocation_uses_fx(admin, company, customer, invoice):
    from credere.ledger.services.documents import record_payment
    from credere.ledger.services.fx import upsert_fx_rate

    upsert_fx_rate(actor=admin, rate_date=dt.date(2026, 2, 2), base="EUR", quote="USD", rate=D("1.0850"))
    usd = record_payment(actor=admin, company=company, customer=customer, reference="USD-1",
                         received_on=dt.date(2026, 2, 3), currency="USD", amount=D("1085.00"))[0]
    a = allocate(actor=admin, target_id=invoice.pk, payment_id=usd.pk, amount=D("1000.00"),
                 applied_on=dt.date(2026, 2, 3))
    assert a.source_amount == D("1085.00")
    usd.refresh_from_db()
    assert usd.unapplied_amount == D("0.00")


def test_bad_inputs_name_the_field(admin, company, customer):
    base = dict(actor=admin, company=company, customer=customer, document_number="X", document_date=dt.date(2026, 1, 1),
                due_date=dt.date(2026, 1, 31))
    with pytest.raises(BusinessError) as exc:
        upsert_item(**base, document_type="invoice", currency="EURO", amount="1")
    assert exc.value.fields[0]["field"] == "currency"
    with pytest.raises(BusinessError) as exc:
        upsert_item(**base, document_type="invoice", currency="EUR", amount="1.001")
    assert exc.value.fields[0]["field"] == "amount"
    with pytest.raises(BusinessError) as exc:
        upsert_item(**base, document_type="invoice", currency="EUR", amount="-5")
    assert exc.value.fields[0]["field"] == "amount"
    with pytest.raises(BusinessError) as exc:
        upsert_item(**{**base, "due_date": dt.date(2025, 1, 1)}, document_type="invoice", currency="EUR", amount="5")
    assert exc.value.fields[0]["field"] == "due_date"
    assert OpenItem.objects.count() == 0 and Payment.objects.count() == 0


def test_recording_a_payment_again_without_customer_keeps_the_learnt_customer(admin, company, invoice):
    from credere.ledger.services.documents import record_payment

    kwargs = dict(actor=admin, company=company, reference="BANK-9", received_on=dt.date(2026, 2, 5), currency="EUR",
                  amount=D("100.00"))
    p = record_payment(**kwargs)[0]
    allocate(actor=admin, target_id=invoice.pk, payment_id=p.pk, amount=D("100.00"), applied_on=dt.date(2026, 2, 5))
    again, outcome = record_payment(**kwargs)
    assert outcome == "unchanged" and again.customer_id == invoice.customer_id
