"""Money invariants of the matching engine, for any batch (Hypothesis)."""

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
            (), draw(st.sampled_from([D(0), D("0.02"), D("0.03")])), draw(st.integers(0, 20))))
    n_payments = draw(st.integers(1, 10))
    payments = []
    for p in range(n_payments):
        ccy = draw(st.sampled_from(CURRENCIES))
        target = draw(st.sampled_from(items))
        kind = draw(st.sampled_from(["exact", "random", "fraction"]))
        if kind == "exact":
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
        payments.append(Payment(f"P{p}", draw(st.sampled_from(["", "NORDWIND", "Atlas Limited", "x"])),
                                draw(st.sampled_from(["", "A1", "A2"])), text, amount, ccy, DAY))
    return items, payments


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches(), st.booleans())
def test_nothing_over_allocated_and_money_conserved(batch, learn):
    items, payments = batch
    policy = MatchingPolicy(learn_within_batch=learn, auto_apply_confidence=D("0.5"))
    proposals = match_batch(items, payments, policy, rates=RATES, known_accounts={"A1": "C0"})
    assert [p.payment_id for p in proposals] == [p.payment_id for p in payments]
    by_id = {it.item_id: it for it in items}
    taken: dict[str, D] = defaultdict(D)
    for payment, proposal in zip(payments, proposals, strict=True):
        used = sum((lk.payment_amount for lk in proposal.links), D(0))
        assert used <= payment.amount  # never more than the payment
        assert proposal.unapplied == payment.amount - used  # money conserved
        assert proposal.unapplied >= 0
        assert D(0) <= proposal.confidence <= D(1)
        for lk in proposal.links:
            item = by_id[lk.item_id]
            assert lk.amount > 0 and lk.payment_amount > 0
            assert lk.discount >= 0 and lk.deduction >= 0
            assert quantize(lk.amount, item.currency) == lk.amount
            assert quantize(lk.payment_amount, payment.currency) == lk.payment_amount
            assert lk.amount + lk.discount <= item.amount  # never more than the item's open amount
            taken[lk.item_id] += lk.amount + lk.discount
    for item_id, total in taken.items():
        assert total <= by_id[item_id].amount  # across the batch, no item over-allocated


@settings(max_examples=60, deadline=None)
@given(batches())
def test_deterministic(batch):
    items, payments = batch
    a = match_batch(items, payments, MatchingPolicy(), rates=RATES)
    b = match_batch(items, payments, MatchingPolicy(), rates=RATES)
    assert a == b
