"""Exact-value tests of the matching engine, one per case it handles."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal as D

import pytest

from credere.domain.fx import RateTable
from credere.domain.matching import Link, MatchingPolicy, OpenItem, Payment, match_batch

DAY = dt.date(2026, 3, 20)
POLICY = MatchingPolicy()


def item(item_id: str, amount: str, *, customer: str = "C1", name: str = "Nordwind Logistik GmbH",
         number: str = "", currency: str = "EUR", refs: tuple[str, ...] = (), days: int = 10,
         discount: str = "0", discount_days: int = 0) -> OpenItem:
    doc = DAY - dt.timedelta(days=days)
    return OpenItem(item_id, customer, name, number or f"INV-{int(item_id[1:]) + 70000000:08d}", currency, D(amount),
                    doc, doc + dt.timedelta(days=30), refs, D(discount), discount_days)


def pay(pid: str, amount: str, text: str = "", *, name: str = "", account: str = "", currency: str = "EUR",
        date: dt.date = DAY) -> Payment:
    return Payment(pid, name, account, text, D(amount), currency, date)


def one(items, payment, **kw):
    return match_batch(items, [payment], kw.pop("policy", POLICY), **kw)[0]


def test_one_to_one_by_exact_reference_and_amount():
    p = one([item("I1", "1000.00"), item("I2", "1000.00")], pay("P1", "1000.00", "Rechnung INV-70000001"))
    assert p.links == (Link("I1", D("1000.00"), D("1000.00")),)
    assert p.reasons == ("REFERENCE_EXACT", "AMOUNT_EXACT", "PAYER_BY_REFERENCE")
    assert p.confidence == D("0.9800")
    assert p.auto_apply
    assert p.unapplied == D("0.00")
    assert p.customer_account == "C1"


@pytest.mark.parametrize("text", ["INV 70000001", "inv70000001", "0070000001", "Invoice no. 0070000001",
                                  "RE-070000001", "paying INV/7000/0001 thanks"])
def test_reference_prefixes_zeros_and_separators(text):
    p = one([item("I1", "10.00"), item("I2", "10.00")], pay("P1", "10.00", text))
    assert [lk.item_id for lk in p.links] == ["I1"]
    assert p.reasons[0] == "REFERENCE_EXACT"


@pytest.mark.parametrize("text", ["INV-70100001", "INV-7000001", "INV-700000011", "INV-70000010"])
def test_reference_with_one_character_wrong_missing_extra_or_swapped(text):
    items = [item("I1", "123.45"), item("I2", "99.00"), item("I3", "80.00")]
    p = one(items, pay("P1", "123.45", text))
    assert [lk.item_id for lk in p.links] == ["I1"]
    assert p.reasons[:3] == ("REFERENCE_FUZZY", "AMOUNT_EXACT", "SINGLE_ITEM")
    assert p.confidence == D("0.9200")
    assert not p.auto_apply  # a fuzzy reference alone is a suggestion


def test_truncated_reference():
    items = [item("I1", "50.00", number="ABC-2026-0000123456"), item("I2", "60.00")]
    p = one(items, pay("P1", "50.00", "ref 2026-00001234"))
    assert [lk.item_id for lk in p.links] == ["I1"]
    assert p.reasons[0] == "REFERENCE_FUZZY"


def test_customer_and_order_references():
    items = [item("I1", "70.00", refs=("PO-778812", "CUSTREF AX-99")), item("I2", "80.00")]
    assert [lk.item_id for lk in one(items, pay("P1", "70.00", "order PO778812")).links] == ["I1"]
    assert [lk.item_id for lk in one(items, pay("P1", "70.00", "your ref custref-ax99")).links] == ["I1"]


def test_several_references_in_one_text():
    items = [item("I1", "100.00"), item("I2", "200.00"), item("I3", "300.00"), item("I4", "400.00")]
    p = one(items, pay("P1", "700.00", "INV 70000001, 70000003 and INV-70000004"))
    assert p.reasons[:2] == ("REFERENCE_EXACT", "REFERENCE_SUBSET")
    assert [lk.item_id for lk in p.links] == ["I3", "I4"]
    all_three = one(items, pay("P2", "800.00", "INV 70000001, 70000003 and INV-70000004"))
    assert [lk.item_id for lk in all_three.links] == ["I1", "I3", "I4"]
    assert all_three.reasons[:2] == ("REFERENCE_EXACT", "AMOUNT_EXACT")


def test_payer_by_known_bank_account_and_amount():
    items = [item("I1", "100.00"), item("I2", "250.00"), item("I3", "100.00", customer="C2", name="Other AG")]
    p = one(items, pay("P1", "250.00", "thanks", account="DE89 3704 0044"), known_accounts={"DE8937040044": "C1"})
    assert p.links == (Link("I2", D("250.00"), D("250.00")),)
    assert p.reasons == ("AMOUNT_EXACT", "SINGLE_ITEM", "PAYER_ACCOUNT")
    assert p.confidence == D("0.9700")
    assert p.auto_apply


@pytest.mark.parametrize("name", ["NORDWIND LOGISTIK", "Nordwind Logistik Ltd.", "Nordwnd Logistik GmbH",
                                  "Nordwind Logistik mbH"])
def test_payer_by_name_despite_legal_form_case_and_typo(name):
    items = [item("I1", "100.00"), item("I2", "250.00"),
             item("I3", "250.00", customer="C2", name="Sudwind Trading SA")]
    p = one(items, pay("P1", "250.00", "", name=name))
    assert [lk.item_id for lk in p.links] == ["I2"]
    assert p.customer_account == "C1"
    assert p.reasons[-1] in ("PAYER_NAME_EXACT", "PAYER_NAME_FUZZY")


def test_payer_by_abbreviation_and_acronym():
    items = [item("I1", "100.00", name="International Business Machines Corp"),
             item("I2", "90.00", customer="C2", name="Other AG")]
    assert one(items, pay("P1", "100.00", name="Intl Business Machines")).customer_account == "C1"
    assert one(items, pay("P1", "100.00", name="IBM")).customer_account == "C1"


def test_one_payment_for_many_items_by_combination():
    items = [item(f"I{i}", a, days=30 - i) for i, a in enumerate(["120.00", "75.50", "310.00", "42.25", "980.00"], 1)]
    p = one(items, pay("P1", "427.75", "statement March", account="ACC1"), known_accounts={"ACC1": "C1"})
    assert sorted(lk.item_id for lk in p.links) == ["I2", "I3", "I4"]
    assert sum(lk.amount for lk in p.links) == D("427.75")
    assert p.reasons == ("AMOUNT_EXACT", "COMBINATION", "PAYER_ACCOUNT")
    assert p.confidence == D("0.9550")


def test_many_payments_for_one_item():
    items = [item("I1", "1000.00")]
    first, second, third = match_batch(items, [pay("P1", "400.00", "INV-70000001"), pay("P2", "600.00", "INV-70000001"),
                                              pay("P3", "10.00", "INV-70000001")], POLICY)
    assert first.links == (Link("I1", D("400.00"), D("400.00")),)
    assert first.reasons[:2] == ("REFERENCE_EXACT", "PARTIAL_PAYMENT")
    assert second.links == (Link("I1", D("600.00"), D("600.00")),)
    assert second.reasons[:2] == ("REFERENCE_EXACT", "AMOUNT_EXACT")
    assert third.links == () and third.reasons == ("NO_CANDIDATES",)  # the item is settled


def test_cash_discount_within_discount_days():
    items = [item("I1", "2000.00", discount="0.02", discount_days=14, days=10)]
    p = one(items, pay("P1", "1960.00", "INV-70000001"))
    assert p.links == (Link("I1", D("1960.00"), D("1960.00"), discount=D("40.00")),)
    assert p.reasons[:2] == ("REFERENCE_EXACT", "DISCOUNT_TAKEN")
    assert p.confidence == D("0.9700")
    late = one([replace(items[0], document_date=DAY - dt.timedelta(days=30))], pay("P1", "1960.00", "INV-70000001"))
    assert late.links == (Link("I1", D("1960.00"), D("1960.00"), deduction=D("40.00")),)  # too late for discount
    assert late.reasons[:2] == ("REFERENCE_EXACT", "DEDUCTION")


def test_small_short_payment_is_a_deduction():
    p = one([item("I1", "2000.00")], pay("P1", "1970.00", "INV-70000001"))
    assert p.links == (Link("I1", D("1970.00"), D("1970.00"), deduction=D("30.00")),)
    assert p.reasons[:2] == ("REFERENCE_EXACT", "DEDUCTION")
    assert p.confidence == D("0.9500")


def test_bank_charges_within_tolerance():
    p = one([item("I1", "2000.00")], pay("P1", "1988.50", "INV-70000001"))
    assert p.reasons[:2] == ("REFERENCE_EXACT", "BANK_CHARGES")
    assert p.links[0].deduction == D("11.50")


def test_large_short_payment_is_partial_and_overpayment_leaves_excess():
    short = one([item("I1", "2000.00")], pay("P1", "1500.00", "INV-70000001"))
    assert short.reasons[:2] == ("REFERENCE_EXACT", "PARTIAL_PAYMENT")
    assert short.links[0].deduction == 0 and not short.auto_apply
    over = one([item("I1", "2000.00")], pay("P1", "2100.00", "INV-70000001"))
    assert over.links == (Link("I1", D("2000.00"), D("2000.00")),)
    assert over.unapplied == D("100.00")
    assert "OVERPAYMENT" in over.reasons


def test_payment_in_another_currency_converted_with_rate_table():
    rates = RateTable.from_rows([("EUR", "USD", DAY, D("1.0850"))])
    p = one([item("I1", "1085.00", currency="USD")], pay("P1", "1000.00", "INV-70000001"), rates=rates)
    assert p.links == (Link("I1", D("1085.00"), D("1000.00")),)
    assert p.reasons[:2] == ("REFERENCE_EXACT", "AMOUNT_EXACT")
    missing = one([item("I1", "1085.00", currency="USD")], pay("P1", "1000.00", "INV-70000001"))
    assert missing.links == ()  # no rate: never guessed


def test_within_batch_learning_identifies_later_payments():
    items = [item("I1", "100.00"), item("I2", "333.33"), item("I3", "50.00", customer="C2", name="Zeta SA")]
    payments = [pay("P1", "333.33", "no reference", account="NL91ABNA0417164300", name="J. Smith"),
                pay("P2", "100.00", "INV-70000001", account="NL91ABNA0417164300", name="J. Smith")]
    learned = match_batch(items, payments, POLICY)
    assert learned[0].links == (Link("I2", D("333.33"), D("333.33")),)
    assert learned[0].reasons == ("AMOUNT_EXACT", "SINGLE_ITEM", "PAYER_ACCOUNT_LEARNED")
    assert learned[0].auto_apply
    no_learning = match_batch(items, payments, replace(POLICY, learn_within_batch=False))
    assert no_learning[0].reasons == ("AMOUNT_ONLY", "SINGLE_ITEM")  # only the amount points to I2: a hint
    assert not no_learning[0].auto_apply


def test_auto_apply_threshold_comes_from_the_policy():
    items = [item("I1", "1000.00")]
    payment = pay("P1", "1000.00", "INV-70000001")
    assert one(items, payment).auto_apply
    assert not one(items, payment, policy=replace(POLICY, auto_apply_confidence=D("0.99"))).auto_apply


def test_no_match_and_not_a_receipt():
    assert one([item("I1", "10.00")], pay("P1", "11.00", "hello")).reasons == ("NO_CANDIDATES",)
    assert one([item("I1", "10.00")], pay("P1", "-10.00", "INV-70000001")).reasons == ("NOT_A_RECEIPT",)


def test_payer_known_but_no_amount_fits():
    p = one([item("I1", "100.00")], pay("P1", "70.00", account="A"), known_accounts={"A": "C1"})
    assert p.links == () and p.reasons == ("PAYER_ACCOUNT", "NO_AMOUNT_MATCH") and p.customer_account == "C1"


def test_policy_rejects_nonsense():
    with pytest.raises(ValueError, match="auto_apply_confidence"):
        MatchingPolicy(auto_apply_confidence=D("1.5"))
    with pytest.raises(ValueError, match="max_combination_size"):
        MatchingPolicy(max_combination_size=0)


def test_reference_shared_by_two_customers_goes_to_the_identified_payer():
    items = [item("I1", "100.00", number="SO-123456"),
             item("I2", "100.00", number="SO-123456", customer="C2", name="Zeta SA")]
    p = one(items, pay("P1", "100.00", "SO 123456", name="Zeta S.A."))
    assert [lk.item_id for lk in p.links] == ["I2"]
    assert p.reasons == ("REFERENCE_EXACT", "AMOUNT_EXACT", "PAYER_NAME_EXACT")
    unknown = one(items, pay("P1", "200.00", "SO 123456"))
    assert "SEVERAL_CUSTOMERS" in unknown.reasons and not unknown.auto_apply


def credit(item_id: str, amount: str, **kw) -> OpenItem:
    return replace(item(item_id, amount, **kw), is_credit=True)


def test_payer_by_name_learned_from_earlier_manual_matches():
    items = [item("I1", "100.00"), item("I2", "250.00"), item("I3", "250.00", customer="C2", name="Sudwind Trading SA")]
    payment = pay("P1", "250.00", "", name="NWL SOLUTIONS LTD.")
    p = one(items, payment, known_names={"NWL Solutions": "C1"})
    assert p.links == (Link("I2", D("250.00"), D("250.00")),)
    assert p.reasons == ("AMOUNT_EXACT", "SINGLE_ITEM", "PAYER_NAME_LEARNED")
    assert p.confidence == D("0.9500") and p.auto_apply  # the weight of an exact name
    assert one(items, payment).reasons == ("NO_CANDIDATES",)  # unknown name; two items of 250.00
    conflicting = {"NWL Solutions": "C1", "nwl solutions gmbh": "C2"}  # one alias, two customers
    assert one(items, payment, known_names=conflicting).reasons == ("NO_CANDIDATES",)


def test_learned_name_that_is_the_customers_own_name_stays_exact():
    items = [item("I1", "100.00")]
    p = one(items, pay("P1", "100.00", name="Nordwind Logistik"), known_names={"NORDWIND LOGISTIK GMBH": "C1"})
    assert p.reasons[-1] == "PAYER_NAME_EXACT"


def test_amount_only_suggestion_for_an_unknown_payer():
    items = [item("I1", "123.45"), item("I2", "99.00", customer="C2", name="Zeta SA")]
    p = one(items, pay("P1", "123.45", "thank you", name="Somebody Unknown", account="FR76 0000"))
    assert p.links == (Link("I1", D("123.45"), D("123.45")),)
    assert p.reasons == ("AMOUNT_ONLY", "SINGLE_ITEM")
    assert p.confidence == D("0.4000") and not p.auto_apply
    assert p.customer_account == "C1"
    auto = one(items, pay("P1", "123.45"), policy=replace(POLICY, weight_amount_only=D("0.96")))
    assert auto.auto_apply  # the weight comes from the policy


def test_amount_only_picks_the_item_due_near_the_payment_or_none():
    near = item("I1", "50.00", days=32)  # due two days before the payment
    far = item("I2", "50.00", customer="C2", name="Zeta SA", days=5)  # due in 25 days
    assert [lk.item_id for lk in one([near, far], pay("P1", "50.00")).links] == ["I1"]
    assert one([far, replace(far, item_id="I3", customer_account="C3")], pay("P1", "50.00")).reasons == (
        "NO_CANDIDATES",)
    narrow = replace(POLICY, amount_only_window_days=1)
    assert one([near, far], pay("P1", "50.00"), policy=narrow).reasons == ("NO_CANDIDATES",)


def test_amount_only_in_another_currency_and_after_partial_payments():
    rates = RateTable.from_rows([("EUR", "USD", DAY, D("1.0850"))])
    p = one([item("I1", "1085.00", currency="USD")], pay("P1", "1000.00"), rates=rates)
    assert p.links == (Link("I1", D("1085.00"), D("1000.00")),) and p.reasons[0] == "AMOUNT_ONLY"
    items = [item("I1", "1000.00")]
    first, second = match_batch(items, [pay("P1", "400.00", "INV-70000001"), pay("P2", "600.00", "thanks")], POLICY)
    assert first.reasons[:2] == ("REFERENCE_EXACT", "PARTIAL_PAYMENT")
    assert second.links == (Link("I1", D("600.00"), D("600.00")),) and second.reasons[0] == "AMOUNT_ONLY"


def test_amount_only_never_takes_what_better_evidence_matches_and_never_with_a_reference():
    items = [item("I1", "100.00")]
    unknown, referenced = match_batch(items, [pay("P1", "100.00"), pay("P2", "100.00", "INV-70100001")], POLICY)
    assert referenced.links == (Link("I1", D("100.00"), D("100.00")),)  # fuzzy reference: a suggestion
    assert referenced.reasons[0] == "REFERENCE_FUZZY"
    assert unknown.reasons == ("NO_CANDIDATES",)
    paid, again = match_batch(items, [pay("P1", "100.00", "INV-70000001"), pay("P2", "100.00", "INV-70000001")],
                              POLICY)
    assert again.reasons == ("NO_CANDIDATES",)  # the referenced item is settled: no guess by amount
    known = one(items, pay("P1", "100.00", account="A"), known_accounts={"A": "C2"})
    assert known.reasons == ("PAYER_ACCOUNT", "NO_AMOUNT_MATCH")  # a known payer is never matched by amount only


def test_credit_note_netted_for_a_known_payer():
    items = [item("I1", "1000.00", days=20), item("I2", "300.00"), credit("I3", "200.00"),
             credit("I4", "50.00", customer="C2", name="Zeta SA")]
    p = one(items, pay("P1", "800.00", "statement", account="A"), known_accounts={"A": "C1"})
    assert p.links == (Link("I1", D("1000.00"), D("1000.00")), Link("I3", D("-200.00"), D("-200.00")))
    assert p.reasons == ("CREDIT_NOTE_NETTED", "COMBINATION", "PAYER_ACCOUNT")
    assert p.confidence == D("0.9550") and p.auto_apply
    assert p.unapplied == D("0.00")
    assert sum(lk.payment_amount for lk in p.links) + p.unapplied == D("800.00")
    both = one(items, pay("P1", "1100.00", account="A"), known_accounts={"A": "C1"})
    assert sorted(lk.item_id for lk in both.links) == ["I1", "I2", "I3"]


def test_credit_note_netted_with_a_reference_and_named_credit_note():
    items = [item("I1", "1000.00"), item("I2", "640.00"), credit("I3", "200.00"), credit("I4", "360.00")]
    p = one(items, pay("P1", "800.00", "INV-70000001"))
    assert p.links == (Link("I1", D("1000.00"), D("1000.00")), Link("I3", D("-200.00"), D("-200.00")))
    assert p.reasons == ("REFERENCE_EXACT", "CREDIT_NOTE_NETTED", "COMBINATION", "PAYER_BY_REFERENCE")
    assert p.auto_apply
    named = one(items, pay("P1", "640.00", "INV-70000001 less credit note INV-70000004"))
    assert [lk.item_id for lk in named.links] == ["I1", "I4"]
    assert named.links[1].amount == D("-360.00")


def test_credit_notes_only_net_within_one_customer_and_never_alone():
    items = [item("I1", "1000.00"), credit("I2", "200.00", customer="C2", name="Zeta SA"), credit("I3", "100.00")]
    other = one(items, pay("P1", "800.00", account="A"), known_accounts={"A": "C1"})
    assert other.links == () and other.reasons == ("PAYER_ACCOUNT", "NO_AMOUNT_MATCH")
    alone = one(items, pay("P1", "100.00", "INV-70000003", account="A"), known_accounts={"A": "C1"})
    assert all(lk.item_id != "I3" for lk in alone.links)
    exact = one(items, pay("P1", "1000.00", account="A"), known_accounts={"A": "C1"})
    assert exact.links == (Link("I1", D("1000.00"), D("1000.00")),)  # an exact amount needs no netting
    usd = [item("I1", "1000.00"), credit("I2", "200.00", currency="USD")]
    rates = RateTable.from_rows([("EUR", "USD", DAY, D("1.0850"))])
    mixed = one(usd, pay("P1", "815.67", account="A"), known_accounts={"A": "C1"}, rates=rates)
    assert mixed.links == ()  # an invoice and a credit note in different currencies are not netted


def test_credit_note_used_once_per_batch():
    items = [item("I1", "1000.00"), item("I2", "1000.00", days=5), credit("I3", "200.00")]
    first, second = match_batch(items, [pay("P1", "800.00", "INV-70000001"), pay("P2", "800.00", "INV-70000002")],
                                POLICY)
    assert [lk.item_id for lk in first.links] == ["I1", "I3"]
    assert [lk.item_id for lk in second.links] == ["I2"]  # the credit is used: a partial payment of I2
    assert second.reasons[:2] == ("REFERENCE_EXACT", "PARTIAL_PAYMENT")


def test_every_reason_code_has_plain_words():
    from credere.domain.matching import reasons

    codes = {v for k, v in vars(reasons).items() if k.isupper() and isinstance(v, str)}
    assert codes == set(reasons.REASON_TEXT)
    assert all(text and text[0].isupper() and not text.endswith(".") for text in reasons.REASON_TEXT.values())
