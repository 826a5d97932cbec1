"""Money invariants of the matching engine, for any batch, credit notes included (Hypothesis)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credere.domain.fx import RateTable
from credere.domain.matching import MatchingPolicy, OpenItem, Payment, match_batch
from credere.domain.money import quantize

DAY = dt.date(2026, 3, 20)
RATES = RateTable.from_rows([("EUR", "USD", DAY, D("1.0850")), ("EUR", "JPY", DAY, D("161.2"))])
CURRENCIES = ("EUR", "USD", "JPY")


@st.composite
def batches(draw):
    n_items = draw(st.integers(1, 12))
    items = []
    for i in range(n_items):
        ccy = draw(st.sampled_from(CURRENCIES))
        cents = draw(st.integers(1, 200_000))
        amount = quantize(D(cents) / 100, ccy) if ccy != "JPY" else D(cents)
        if amount <= 0:
            amount = D(1)
        customer = draw(st.integers(0, 3))
        items.append(OpenItem(
            f"I{i}", f"C{customer}", ["Nordwind GmbH", "Atlas Ltd", "Blue River Inc", "Zeta SA"][customer],
            f"INV-{10_000_000 + i * draw(st.sampled_from([1, 7, 11]))}", ccy, amount,
            DAY - dt.timedelta(days=draw(st.integers(0, 40))), DAY + dt.timedelta(days=draw(st.integers(-10, 30))),
            (), draw(st.sampled_from([D(0), D("0.02"), D("0.03")])), draw(st.integers(0, 20)),
            is_credit=draw(st.integers(0, 3)) == 0))
    n_payments = draw(st.integers(1, 10))
    payments = []
    for p in range(n_payments):
        ccy = draw(st.sampled_from(CURRENCIES))
        target = draw(st.sampled_from(items))
        kind = draw(st.sampled_from(["exact", "random", "fraction", "netted"]))
        netted: list[OpenItem] = []
        if kind == "netted":  # invoices less credit notes of one customer, in the items' currency
            ccy = target.currency
            mine = [it for it in items if it.customer_account == target.customer_account and it.currency == ccy]
            invoices = [it for it in mine if not it.is_credit]
            notes = [it for it in mine if it.is_credit]
            if invoices and notes:
                netted = (draw(st.lists(st.sampled_from(invoices), min_size=1, max_size=3, unique=True))
                          + draw(st.lists(st.sampled_from(notes), min_size=1, max_size=2, unique=True)))
            amount = sum((-it.amount if it.is_credit else it.amount for it in netted), D(0))
        elif kind == "exact":
            amount = target.amount if ccy == target.currency else quantize(D(draw(st.integers(1, 300_000))) / 100, ccy)
        elif kind == "fraction":
            amount = quantize(target.amount * D(draw(st.integers(1, 150))) / 100, target.currency)
            ccy = target.currency
        else:
            amount = quantize(D(draw(st.integers(1, 300_000))) / 100, ccy)
        if amount <= 0:
            amount = D(1)
        text = " ".join(draw(st.lists(st.sampled_from([it.document_number for it in items] + ["hello", "70001"]),
                                      max_size=3)))
        if netted and draw(st.booleans()):
            text = f"{text} {netted[0].document_number}"
        payments.append(Payment(f"P{p}", draw(st.sampled_from(["", "NORDWIND", "Atlas Limited", "x"])),
                                draw(st.sampled_from(["", "A1", "A2"])), text, amount, ccy, DAY))
    return items, payments


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches(), st.booleans())
def test_nothing_over_allocated_and_money_conserved(batch, learn):
    items, payments = batch
    policy = MatchingPolicy(learn_within_batch=learn, auto_apply_confidence=D("0.5"))
    proposals = match_batch(items, payments, policy, rates=RATES, known_accounts={"A1": "C0"},
                            known_names={"x": "C1"})
    check_money(items, payments, proposals)


@st.composite
def netting_batches(draw):
    """One customer's invoices and credit notes, paid net by a known payer (or quoted)."""
    n_items = draw(st.integers(2, 10))
    items = []
    for i in range(n_items):
        amount = D(draw(st.integers(1, 50_000))) / 100
        items.append(OpenItem(f"I{i}", "C0", "Nordwind GmbH", f"INV-{10_000_000 + i}", "EUR", amount,
                              DAY - dt.timedelta(days=i), DAY + dt.timedelta(days=i), is_credit=i % 3 == 1))
    invoices = [it for it in items if not it.is_credit]
    notes = [it for it in items if it.is_credit]
    payments = []
    for p in range(draw(st.integers(1, 6))):
        chosen = (draw(st.lists(st.sampled_from(invoices), min_size=1, max_size=3, unique=True))
                  + draw(st.lists(st.sampled_from(notes), min_size=0, max_size=2, unique=True)))
        amount = sum((-it.amount if it.is_credit else it.amount for it in chosen), D(0))
        amount += draw(st.sampled_from([D(0), D(0), D("0.01"), D("-5.00"), D("100.00")]))
        text = draw(st.sampled_from(["", chosen[0].document_number, f"{chosen[0].document_number} {chosen[-1].document_number}"]))
        payments.append(Payment(f"P{p}", "", draw(st.sampled_from(["A1", ""])), text, max(amount, D("0.01")), "EUR", DAY))
    return items, payments


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(netting_batches())
def test_credit_notes_never_over_used_and_money_conserved(batch):
    items, payments = batch
    proposals = match_batch(items, payments, MatchingPolicy(auto_apply_confidence=D("0.5")), rates=RATES,
                            known_accounts={"A1": "C0"})
    check_money(items, payments, proposals)


def check_money(items, payments, proposals):
    assert [p.payment_id for p in proposals] == [p.payment_id for p in payments]
    by_id = {it.item_id: it for it in items}
    taken: dict[str, D] = defaultdict(D)
    for payment, proposal in zip(payments, proposals, strict=True):
        used = sum((lk.payment_amount for lk in proposal.links), D(0))
        assert used <= payment.amount  # never more than the payment
        assert proposal.unapplied == payment.amount - used  # money conserved
        assert proposal.unapplied >= 0
        assert D(0) <= proposal.confidence <= D(1)
        credits = [lk for lk in proposal.links if by_id[lk.item_id].is_credit]
        if credits:  # netted: never alone, only with invoices of the same customer, in one currency
            assert len(credits) < len(proposal.links)
            assert len({by_id[lk.item_id].customer_account for lk in proposal.links}) == 1
            assert len({by_id[lk.item_id].currency for lk in proposal.links}) == 1
            assert "CREDIT_NOTE_NETTED" in proposal.reasons
        for lk in proposal.links:
            item = by_id[lk.item_id]
            sign = -1 if item.is_credit else 1  # a credit note's link is the credit used, negative
            assert sign * lk.amount > 0 and sign * lk.payment_amount > 0
            assert lk.discount >= 0 and lk.deduction >= 0
            assert not item.is_credit or lk.discount == lk.deduction == 0
            assert quantize(lk.amount, item.currency) == lk.amount
            assert quantize(lk.payment_amount, payment.currency) == lk.payment_amount
            assert sign * lk.amount + lk.discount <= item.amount  # never more than the item's open amount
            taken[lk.item_id] += sign * lk.amount + lk.discount
    for item_id, total in taken.items():
        assert total <= by_id[item_id].amount  # across the batch, no item (nor credit note) over-allocated


@settings(max_examples=60, deadline=None)
@given(batches())
def test_deterministic(batch):
    items, payments = batch
    a = match_batch(items, payments, MatchingPolicy(), rates=RATES)
    b = match_batch(items, payments, MatchingPolicy(), rates=RATES)
    assert a == b
