"""Writing many rows fast (``credere.core.bulk``): what ``insert_rows`` and ``update_rows`` write is what
``bulk_create`` and ``save()`` write, on SQLite and on PostgreSQL (``COPY`` and server-bound arrays there)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from credere.audit.models import AuditEvent
from credere.cashapp.models import MatchProposal, MatchRun, ProposalLine
from credere.core.bulk import insert_rows, update_rows
from credere.ledger.models import OpenItem, Payment
from credere.ledger.services.documents import upsert_item

pytestmark = pytest.mark.django_db


def _payments(company, n, start=0):
    return [Payment(company=company, reference=f"P-{start + i}", received_on=dt.date(2026, 11, 1) + dt.timedelta(i),
                    currency="EUR", amount=Decimal("1234.56") + i, unapplied_amount=Decimal("0.01") * i,
                    payer_name=f"Payer \t{i} \"quoted\" \\ back", reference_text="line\nbreak")
            for i in range(n)]


def _stored(model, pks, fields):
    return list(model.objects.filter(pk__in=pks).order_by("pk").values_list(*fields))


def test_inserted_rows_read_back_as_bulk_create_writes_them(company):
    fields = ["received_on", "currency", "amount", "unapplied_amount", "payer_name", "reference_text",
              "company_id", "customer_id"]
    fast = insert_rows(Payment, _payments(company, 5), batch_size=2)
    slow = Payment.objects.bulk_create(_payments(company, 5, start=100))
    assert all(p.pk is not None and not p._state.adding for p in fast)
    assert len({p.pk for p in fast + slow}) == 10
    assert list(Payment.objects.filter(pk__in=[p.pk for p in fast]).order_by("pk").values_list("reference", flat=True)) \
        == [f"P-{i}" for i in range(5)]
    assert [row[1:] for row in _stored(Payment, [p.pk for p in fast], ["pk", *fields])] == \
        [row[1:] for row in _stored(Payment, [p.pk for p in slow], ["pk", *fields])]
    # the sequence moved past the keys drawn: an ordinary insert afterwards takes a new one
    later = Payment.objects.create(company=company, reference="P-later", received_on=dt.date(2026, 11, 9),
                                   currency="EUR", amount=Decimal(1), unapplied_amount=Decimal(1))
    assert later.pk not in {p.pk for p in fast + slow}


def test_inserted_rows_take_keys_of_objects_saved_since_and_their_defaults(admin, company, customer):
    item = upsert_item(actor=admin, company=company, customer=customer, document_type="invoice",
                       document_number="INV-1", document_date=dt.date(2026, 10, 1), due_date=dt.date(2026, 10, 31),
                       currency="EUR", amount=Decimal("100.00"))[0]
    run = MatchRun.objects.create(trigger="manual", actor="clerk")
    [payment] = insert_rows(Payment, _payments(company, 1))
    before = timezone.now()
    proposal = MatchProposal(run=run, payment=payment, status=MatchProposal.Status.SUGGESTED, confidence=Decimal("0.8700"),
                             reasons=["reference", "amount ±0"], unapplied=Decimal("0.00"))
    line = ProposalLine(proposal=proposal, item=item, amount=Decimal("99.50"), payment_amount=Decimal("99.50"),
                        discount=Decimal("0.50"), deduction=Decimal(0))
    insert_rows(MatchProposal, [proposal])  # the line was built before the proposal had a key
    insert_rows(ProposalLine, [line])
    stored = MatchProposal.objects.get(pk=proposal.pk)
    assert (stored.payment_id, stored.reasons, stored.confidence) == (payment.pk, ["reference", "amount ±0"], Decimal("0.8700"))
    assert stored.created_at >= before and stored.note == ""
    assert ProposalLine.objects.get(pk=line.pk).proposal_id == proposal.pk
    assert ProposalLine.objects.get(pk=line.pk).discount == Decimal("0.50")


def test_audit_events_written_in_bulk_keep_the_chain_intact(admin, company):
    from credere.audit.services import record_many, verify_chain

    payments = insert_rows(Payment, _payments(company, 3))
    record_many(actor=admin, events=[{"action": "payment.created", "object_type": "ledger.payment",
                                      "object_id": p.pk, "object_repr": str(p),
                                      "after": {"amount": p.amount, "on": p.received_on, "name": p.payer_name}}
                                     for p in payments])
    assert verify_chain()[1] == []
    assert AuditEvent.objects.filter(action="payment.created").count() == 3


def test_updated_rows_are_what_save_writes(admin, company, customer):
    items = [upsert_item(actor=admin, company=company, customer=customer, document_type="invoice",
                         document_number=f"INV-{i}", document_date=dt.date(2026, 10, 1),
                         due_date=dt.date(2026, 10, 31), currency="EUR", amount=Decimal("100.00"))[0]
             for i in range(3)]
    now = timezone.now()
    for i, item in enumerate(items):
        item.open_amount = Decimal("12.34") * i
        item.updated_at = now
    update_rows(OpenItem, items, ["open_amount", "updated_at"])
    assert list(OpenItem.objects.filter(pk__in=[i.pk for i in items]).order_by("pk")
                .values_list("open_amount", "updated_at")) == [(Decimal("12.34") * i, now) for i in range(3)]
    payments = insert_rows(Payment, _payments(company, 2))
    payments[0].customer_id, payments[0].unapplied_amount = customer.pk, Decimal("7.00")
    payments[1].customer_id, payments[1].unapplied_amount = None, Decimal("0.00")
    update_rows(Payment, payments, ["unapplied_amount", "customer"])
    assert _stored(Payment, [p.pk for p in payments], ["customer_id", "unapplied_amount"]) == [
        (customer.pk, Decimal("7.00")), (None, Decimal("0.00"))]
