"""Money invariants of matching, for any batch, credit notes included (Hypothesis): the engine's
proposals, the settlement plan of a decided match, a remittance advice followed, and which
references may name the payer."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credere.domain.fx import RateTable
from credere.domain.matching import MatchingPolicy, OpenItem, Payment, match_batch
from credere.domain.matching.advice import AdviceLine, AdvisedPayment, advice_confidence, propose_from_advices
from credere.domain.matching.references import is_date, names_the_payer
from credere.domain.matching.settlement import CreditNotNetted, SettlementLine, plan_settlement
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


# --------------------------------------------------------------------------- settling a decided match


def settlement_lines(items, proposal):
    by_id = {it.item_id: it for it in items}
    return [SettlementLine(n, int(lk.item_id[1:]), by_id[lk.item_id].currency, by_id[lk.item_id].due_date,
                           by_id[lk.item_id].is_credit, lk.amount, lk.payment_amount, lk.discount, lk.deduction)
            for n, lk in enumerate(proposal.links, start=1)]


def check_plan(lines, plan, payment_currency):
    """Every line settled exactly: an invoice's line by credit, cash and what is left open on
    purpose; a credit note's line gives exactly its credit, never more; no line gets more."""
    by_line = {ln.line_id: ln for ln in lines}
    netted_to: dict[int, D] = defaultdict(D)
    netted_from: dict[int, D] = defaultdict(D)
    for n in plan.nettings:
        assert n.amount > 0 and by_line[n.credit_line].is_credit and not by_line[n.target_line].is_credit
        assert by_line[n.credit_line].currency == by_line[n.target_line].currency
        netted_to[n.target_line] += n.amount
        netted_from[n.credit_line] += n.amount
    cash = {c.line_id: c for c in plan.cash}
    assert len(cash) == len(plan.cash)
    left_open: dict[int, D] = defaultdict(D)
    for part in plan.adjustments:
        assert part.amount > 0 and not by_line[part.line_id].is_credit
        left_open[part.line_id] += part.amount
    for ln in lines:
        if ln.is_credit:
            assert netted_from[ln.line_id] == -ln.amount and ln.line_id not in cash  # all its credit, no more
            continue
        paid = cash[ln.line_id].amount if ln.line_id in cash else D(0)
        assert paid >= 0 and netted_to[ln.line_id] + paid == ln.amount  # never more than the line applies
        assert netted_to[ln.line_id] + paid + left_open[ln.line_id] == ln.amount + ln.discount + ln.deduction
        if ln.line_id in cash and cash[ln.line_id].source_amount is not None:
            assert ln.currency != payment_currency and not netted_to[ln.line_id]
            assert cash[ln.line_id].source_amount == ln.payment_amount
    if all(ln.currency == payment_currency for ln in lines):  # the payment gives exactly what the lines net to
        assert sum((c.amount for c in plan.cash), D(0)) == sum((ln.amount for ln in lines), D(0))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(netting_batches())
def test_settling_the_engines_proposals_conserves_money(batch):
    items, payments = batch
    proposals = match_batch(items, payments, MatchingPolicy(auto_apply_confidence=D("0.5")), rates=RATES,
                            known_accounts={"A1": "C0"})
    for payment, proposal in zip(payments, proposals, strict=True):
        lines = settlement_lines(items, proposal)
        plan = plan_settlement(lines, payment_currency=payment.currency, reasons=proposal.reasons)
        check_plan(lines, plan, payment.currency)
        assert sum((c.amount for c in plan.cash), D(0)) == payment.amount - proposal.unapplied


@st.composite
def decided_lines(draw):
    lines = []
    for n in range(1, draw(st.integers(1, 8)) + 1):
        credit = draw(st.integers(0, 2)) == 0
        ccy = draw(st.sampled_from(["EUR", "EUR", "USD"]))
        amount = D(draw(st.integers(1, 100_000))) / 100
        lines.append(SettlementLine(
            n, draw(st.integers(1, 50)), ccy, DAY + dt.timedelta(days=draw(st.integers(-30, 30))), credit,
            -amount if credit else amount, -amount if credit else amount,
            D(0) if credit else D(draw(st.integers(0, 500))) / 100,
            D(0) if credit else D(draw(st.integers(0, 500))) / 100))
    return lines, draw(st.sampled_from(["EUR", "USD"])), draw(st.sampled_from([(), ("BANK_CHARGES",)]))


@settings(max_examples=300, deadline=None)
@given(decided_lines())
def test_a_plan_nets_every_credit_or_refuses(case):
    lines, currency, reasons = case
    credit = defaultdict(D)
    room = defaultdict(D)
    for ln in lines:
        (credit if ln.is_credit else room)[ln.currency] += abs(ln.amount)
    if any(credit[c] > room[c] for c in credit):  # more credit than its invoices can take: nothing is planned
        with pytest.raises(CreditNotNetted):
            plan_settlement(lines, payment_currency=currency, reasons=reasons)
        return
    plan = plan_settlement(lines, payment_currency=currency, reasons=reasons)
    check_plan(lines, plan, currency)
    kinds = {p.kind for p in plan.adjustments}
    assert ("deduction" in kinds) <= ("BANK_CHARGES" not in reasons)
    assert ("bank_charges" in kinds) <= ("BANK_CHARGES" in reasons)
    # credit notes are netted against the oldest invoices of their currency first
    for n in plan.nettings:
        target = next(ln for ln in lines if ln.line_id == n.target_line)
        older = [ln for ln in lines if not ln.is_credit and ln.currency == target.currency
                 and (ln.due_date, ln.item_id) < (target.due_date, target.item_id)]
        for ln in older:
            assert sum((m.amount for m in plan.nettings if m.target_line == ln.line_id), D(0)) == ln.amount


# --------------------------------------------------------------------------- following a remittance advice


@st.composite
def advised_batches(draw):
    items = []
    for i in range(draw(st.integers(1, 8))):
        amount = D(draw(st.integers(1, 100_000))) / 100
        items.append(OpenItem(f"I{i}", f"C{draw(st.integers(0, 2))}", "Nordwind GmbH",
                              f"INV-{draw(st.integers(1, 6))}", draw(st.sampled_from(["EUR", "EUR", "USD"])),
                              amount, DAY, DAY, is_credit=draw(st.integers(0, 4)) == 0))
    payments = []
    for p in range(draw(st.integers(1, 5))):
        lines = []
        for _ in range(draw(st.integers(0, 4))):
            target = draw(st.sampled_from(items))
            stated = draw(st.sampled_from([None, target.amount, target.amount / 2,
                                           D(draw(st.integers(-100, 100_000))) / 100]))
            deduction = draw(st.sampled_from([None, D(0), D("1.00"), D(draw(st.integers(-100, 5_000))) / 100]))
            lines.append(AdviceLine(draw(st.sampled_from([target.document_number, "INV-99"])),
                                    None if stated is None else stated.quantize(D("0.01")), deduction))
        total = sum((ln.amount or D(0) for ln in lines), D(0))
        amount = draw(st.sampled_from([total, total + D("0.01"), D(draw(st.integers(1, 100_000))) / 100]))
        if amount <= 0:
            amount = D("0.01")
        unapplied = draw(st.sampled_from([amount, amount, amount / 2]))
        payments.append(AdvisedPayment(f"P{p}", draw(st.sampled_from(["EUR", "EUR", "USD"])), amount, unapplied,
                                       tuple(lines)))
    return items, payments


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(advised_batches(), st.sampled_from([D("0.95"), D("0.99")]))
def test_an_advice_never_takes_more_than_the_payment_or_an_item(batch, threshold):
    items, payments = batch
    policy = MatchingPolicy(auto_apply_confidence=threshold)
    proposals, rest = propose_from_advices(payments, items, policy)
    by_id = {it.item_id: it for it in items}
    advised = {p.payment_id: p for p in payments}
    taken: dict[str, D] = defaultdict(D)
    for pid, proposal in proposals.items():
        payment = advised[pid]
        assert payment.unapplied == payment.amount and len(proposal.links) == len(payment.lines)
        assert sum((lk.amount for lk in proposal.links), D(0)) == payment.amount  # the whole payment, no more
        assert proposal.unapplied == 0 and proposal.confidence == advice_confidence(policy)
        assert proposal.auto_apply == (proposal.confidence >= threshold and proposal.customer_account != "")
        for lk in proposal.links:
            item = by_id[lk.item_id]
            assert not item.is_credit and item.currency == payment.currency
            assert lk.amount > 0 and lk.amount == lk.payment_amount and lk.deduction >= 0 and lk.discount == 0
            taken[lk.item_id] += lk.amount + lk.deduction
    for item_id, total in taken.items():
        assert total <= by_id[item_id].amount  # no item gives more than is open on it
    # the engine then sees each item less what the advices took; an item with nothing left is gone
    expected = {it.item_id: it.amount - taken[it.item_id] for it in items if it.amount - taken[it.item_id] > 0}
    assert {it.item_id: it.amount for it in rest} == expected


# --------------------------------------------------------------------------- references naming the payer


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10_000_000), st.dates(dt.date(1990, 1, 1), dt.date(2099, 12, 31)),
       st.from_regex(r"[0-9A-Z]{5,10}", fullmatch=True))
def test_the_amount_a_date_or_a_document_never_names_the_payer(cents, day, key):
    amount = D(cents) / 100
    asked: list[str] = []

    def ends(digits: str) -> bool:
        asked.append(digits)
        return False

    for not_the_payer in (f"{amount:.2f}".replace(".", ""), f"{day:%Y%m%d}", f"{day:%d%m%Y}"):
        assert not names_the_payer(not_the_payer, amount=amount, document_keys=set(), ends_a_document=ends)
    assert is_date(f"{day:%Y%m%d}") and is_date(f"{day:%d%m%y}")
    assert not names_the_payer(key, amount=amount, document_keys={key}, ends_a_document=ends)
    assert not asked  # the database is asked last, only about a key nothing else rules out
    if key.lstrip("0"):  # (a key of zeros ends nothing)
        assert not names_the_payer(key, amount=amount, document_keys=set(), ends_a_document=lambda _d: True)
