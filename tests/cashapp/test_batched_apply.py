"""A matching run applies its proposals a hundred to a transaction (allocations, adjustments and audit
events written in bulk) and learns the new payers' accounts in bulk: what it leaves behind must be
exactly what applying them one by one leaves — the ledger, the proposals, what was learned and the
audit trail's events — also when someone takes an item from under a chunk."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count, Max

from credere.audit.models import AuditEvent
from credere.cashapp.models import Adjustment, CustomerBankAccount, MatchProposal, PayerLesson
from credere.cashapp.services import runs, statements
from credere.core.errors import BusinessError
from credere.demo.loader import load
from credere.demo.statement import demo_entries, to_camt053
from credere.ledger import changes
from credere.ledger.models import Allocation, Company, OpenItem, Payment
from credere.ledger.services import allocations

ON = dt.date(2026, 3, 31)


@pytest.fixture
def clerk(make_user):
    return make_user("cash_clerk", username="clerk")


@pytest.fixture
def imported(clerk):
    """A demo portfolio and a statement paying 150 of its open invoices the way customers do, imported
    without matching."""
    load(customers=60, years=1, seed=5, as_of=ON)
    company = Company.objects.order_by("code").first()
    entries = demo_entries(company, payments=150, seed=9, on=ON)
    result = statements.import_statement(actor=clerk, data=to_camt053(company, entries, ON), filename="demo.xml",
                                         company=company, match=False)
    assert len(result.payments) >= 120
    return company


def _state(since: int) -> dict[str, Any]:
    """What a run leaves, named as people know it (document numbers, payment references), not by ids."""
    ref = dict(Payment.objects.values_list("pk", "reference"))
    doc = dict(OpenItem.objects.values_list("pk", "document_number"))
    proposal_of = {pk: ref[pid] for pk, pid in MatchProposal.objects.values_list("pk", "payment_id")}

    def note(text: str) -> str:  # "cash matching, proposal 17" -> the payment it belongs to
        head, _, number = text.rpartition("proposal ")
        return f"{head}proposal of {proposal_of[int(number)]}" if number.isdigit() else text

    def rows(found: Any) -> list[tuple[Any, ...]]:
        return sorted(found, key=repr)  # ids and blanks mixed: compared as written

    return {
        "allocations": rows(
            (doc[a.target_id], ref.get(a.payment_id), doc.get(a.credit_note_id), a.amount, a.source_amount,
             a.applied_on, a.reversed_on, note(a.note)) for a in Allocation.objects.all()),
        "items": rows((doc[pk], amount) for pk, amount in OpenItem.objects.values_list("pk", "open_amount")),
        "payments": rows((ref[pk], unapplied, customer) for pk, unapplied, customer in
                           Payment.objects.values_list("pk", "unapplied_amount", "customer_id")),
        "proposals": rows((ref[p.payment_id], p.status, p.confidence, p.decided_by, note(p.note))
                            for p in MatchProposal.objects.all()),
        "adjustments": rows((doc[a.item_id], ref[a.payment_id], a.kind, a.amount, a.status)
                              for a in Adjustment.objects.all()),
        "accounts": rows((a.account, a.customer_id, a.shared, a.source, ref.get(a.learned_from_id))
                           for a in CustomerBankAccount.objects.all()),
        "lessons": rows((x.kind, x.key, x.customer_id, ref.get(x.payment_id), x.decision.split(":")[0])
                          for x in PayerLesson.objects.all()),
        "audit": Counter(AuditEvent.objects.filter(seq__gt=since).values_list("action", "object_type")),
    }


def _run_and_read(clerk: Any, company: Company) -> tuple[tuple[int, int, int], dict[str, Any]]:
    """Run matching inside a savepoint, read what it left, and roll it back."""
    since = AuditEvent.objects.aggregate(m=Max("seq"))["m"] or 0
    with transaction.atomic():
        run = runs.run_matching(actor=clerk, company=company, trigger="manual")
        state = _state(since)
        transaction.set_rollback(True)
    return (run.applied, run.suggested, run.unmatched), state


def test_a_run_applied_in_chunks_leaves_what_one_by_one_leaves(clerk, imported, monkeypatch):
    monkeypatch.setattr(runs, "APPLY_CHUNK", 40)  # several chunks, the last one short
    counts, batched = _run_and_read(clerk, imported)
    assert counts[0] >= 80, counts  # most of the statement is applied: the comparison means something
    assert batched["allocations"] and batched["accounts"]

    monkeypatch.setattr(runs, "_apply_chunk", lambda *args, **kwargs: False)  # every proposal on its own
    counts_alone, alone = _run_and_read(clerk, imported)

    assert counts == counts_alone
    for part in batched:
        assert batched[part] == alone[part], part


def test_an_item_taken_from_under_a_chunk_leaves_that_proposal_suggested_and_applies_the_rest(clerk, imported,
                                                                                            monkeypatch):
    original = runs._apply_chunk
    taken: list[int] = []

    def a_clerk_gets_there_first(actor, chunk, status):
        if not taken:  # the first chunk: its first proposal's first item is paid in full meanwhile
            row = chunk[0][0]
            line = row.lines.select_related("item").first()
            other = Payment.objects.create(company=line.item.company, reference="BY-HAND-1", received_on=ON,
                                           currency=line.item.currency, amount=line.item.open_amount,
                                           unapplied_amount=line.item.open_amount)
            allocations.allocate(actor=actor, target_id=line.item_id, payment_id=other.pk,
                                 amount=line.item.open_amount, applied_on=ON, note="a clerk's own match")
            taken.append(row.pk)
        return original(actor, chunk, status)

    monkeypatch.setattr(runs, "APPLY_CHUNK", 25)
    monkeypatch.setattr(runs, "_apply_chunk", a_clerk_gets_there_first)
    run = runs.run_matching(actor=clerk, company=imported, trigger="manual")

    first = MatchProposal.objects.get(pk=taken[0])
    assert first.status == MatchProposal.Status.SUGGESTED
    assert first.note.startswith("not applied:")
    assert run.applied >= 80
    # the rest of that chunk was applied one by one, and nothing is over-allocated anywhere
    for item in OpenItem.objects.filter(document_type=OpenItem.Type.INVOICE):
        active = sum((a.amount for a in item.allocations.filter(reversed_on__isnull=True)), Decimal(0))
        assert item.open_amount == item.amount - active >= 0, item.document_number
    for payment in Payment.objects.all():
        used = sum((a.source_amount for a in payment.allocations.filter(reversed_on__isnull=True)), Decimal(0))
        assert payment.unapplied_amount == payment.amount - used >= 0, payment.reference


def test_allocate_many_is_all_or_nothing(clerk, imported):
    payment = Payment.objects.filter(company=imported, unapplied_amount__gt=0).order_by("pk").first()
    open_invoices = OpenItem.objects.filter(company=imported, document_type=OpenItem.Type.INVOICE, open_amount__gt=0,
                                            currency=payment.currency).order_by("pk")
    customer = (open_invoices.values("customer_id").annotate(n=Count("id")).filter(n__gte=2)
                .order_by("customer_id").values_list("customer_id", flat=True).first())
    items = list(open_invoices.filter(customer_id=customer)[:2])
    assert len(items) == 2
    before = (Allocation.objects.count(), [i.open_amount for i in items])
    small = min(payment.unapplied_amount, items[0].open_amount) / 2
    requests = [allocations.AllocationRequest(items[0].pk, small.quantize(Decimal("0.01")), ON, payment_id=payment.pk),
                allocations.AllocationRequest(items[1].pk, items[1].open_amount + 1, ON, payment_id=payment.pk)]
    with pytest.raises(BusinessError) as refused:
        allocations.allocate_many(actor=clerk, requests=requests)
    assert refused.value.fields and refused.value.fields[0]["field"] == "amount"
    assert (Allocation.objects.count(), [OpenItem.objects.get(pk=i.pk).open_amount for i in items]) == before
    assert Payment.objects.get(pk=payment.pk).unapplied_amount == payment.unapplied_amount


@pytest.mark.django_db(transaction=True)
def test_credit_control_hears_once_per_run_of_every_customer_paid(clerk, imported, monkeypatch):
    heard: list[set[int] | None] = []
    changes.register(heard.append)
    try:
        monkeypatch.setattr(runs, "APPLY_CHUNK", 10)
        run = runs.run_matching(actor=clerk, company=imported, trigger="manual")
    finally:
        changes._LISTENERS.remove(heard.append)
    paid = set(Allocation.objects.filter(note__startswith="cash matching").values_list("target__customer_id", flat=True))
    assert run.applied > 10 and len(heard) == 1
    assert heard[0] is not None and paid <= heard[0]
