"""The remittance patterns real payers write (the second, adversarial generator's cases), one exact test each."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from test_matching_engine import POLICY, item, one, pay  # type: ignore[import-not-found]

from credere.domain.matching import MatchingPolicy, match_batch
from credere.domain.matching.names import NameIndex
from credere.domain.matching.policy import DEFAULT_ABBREVIATIONS, DEFAULT_LEGAL_FORMS


def erp(item_id: str, amount: str, number: str, **kw):
    return item(item_id, amount, number=number, **kw)


def linked(proposal) -> list[str]:
    return [link.item_id for link in proposal.links]


def test_several_document_numbers_glued_into_one_string_of_digits():
    items = [erp("I1", "100.00", "5519302418"), erp("I2", "250.00", "5519302502"), erp("I3", "75.00", "5519302503")]
    p = one(items, pay("P1", "350.00", "Zahlung 55193024185519302502"))
    assert sorted(linked(p)) == ["I1", "I2"]
    assert p.reasons[0] == "REFERENCE_EXACT"
    assert p.auto_apply


def test_digits_that_are_not_wholly_known_documents_are_not_cut_up():
    items = [erp("I1", "100.00", "5519302418"), erp("I2", "250.00", "5519302502")]
    p = one(items, pay("P1", "350.00", "55193024189999999999"))
    assert "REFERENCE_EXACT" not in p.reasons


def test_a_document_number_split_by_a_space():
    items = [erp("I1", "100.00", "5519302418"), erp("I2", "100.00", "5519302419")]
    p = one(items, pay("P1", "100.00", "RE 5519302 418 vom 02.03.2026"))
    assert linked(p) == ["I1"] and p.auto_apply


def test_a_few_cents_short_is_applied_and_recorded_as_a_small_difference():
    items = [erp("I1", "2198.69", "5519308420", name="Marchetti Pharma Sp. z o.o.")]
    p = one(items, pay("P1", "2198.66", "Rechnung 5519308420", name="Marchetti Pharma"))
    assert p.links[0].amount == D("2198.66") and p.links[0].deduction == D("0.03")
    assert "SMALL_DIFFERENCE" in p.reasons and "DEDUCTION" not in p.reasons
    assert p.auto_apply


def test_a_few_cents_over_is_applied_and_the_rest_left_unapplied():
    items = [erp("I1", "4017.18", "5519325614", name="Moreau Furniture GmbH")]
    p = one(items, pay("P1", "4017.19", "55193 25614", name="MOREAU FURNITURE GMBH"))
    assert p.links[0].amount == D("4017.18") and p.unapplied == D("0.01")
    assert "SMALL_DIFFERENCE" in p.reasons and "OVERPAYMENT" not in p.reasons
    assert p.auto_apply


def test_a_difference_above_the_share_of_the_small_difference_is_not_one():
    items = [erp("I1", "200.00", "5519325614")]
    p = one(items, pay("P1", "198.00", "5519325614"))  # 1 %: more than 0.5 %
    assert "SMALL_DIFFERENCE" not in p.reasons
    strict = replace(POLICY, small_difference_max_ratio=D("0.02"))
    assert "SMALL_DIFFERENCE" in one(items, pay("P1", "198.00", "5519325614"), policy=strict).reasons


def test_a_namesake_taken_for_the_payer_gives_way_to_the_quoted_documents_customer():
    items = [erp("I1", "925.47", "5519319257", customer="C1", name="Horvath Druck plc"),
             erp("I2", "500.00", "5519319300", customer="C2", name="Horvath Druck GmbH")]
    p = one(items, pay("P1", "925.47", "CUST 5519319257", name="Horvath Druck GmbH"))
    assert linked(p) == ["I1"]
    assert "PAYER_MISMATCH" not in p.reasons and p.auto_apply


def test_a_namesake_is_told_apart_by_the_legal_form():
    items = [erp("I1", "2430.52", "5519307753", customer="C1", name="Girard Metallbau Limited"),
             erp("I2", "2430.52", "5519307754", customer="C2", name="Girard Metallbau GmbH")]
    p = one(items, pay("P1", "2430.52", "Zahlung", name="Girard Metallbau Ltd"))
    assert linked(p) == ["I1"] and p.customer_account == "C1"


def test_a_name_several_customers_bear_is_never_learned_within_a_run():
    items = [erp("I1", "100.00", "5519300001", customer="C1", name="Varga Chemie A/S"),
             erp("I2", "333.33", "5519300002", customer="C2", name="Varga Chemie GmbH")]
    payments = [pay("P1", "100.00", "5519300001", name="Varga Chemie"),
                pay("P2", "333.33", "5519300002", name="Varga Chemie")]
    first, second = match_batch(items, payments, POLICY)
    assert linked(first) == ["I1"] and linked(second) == ["I2"]
    assert "PAYER_NAME_LEARNED" not in second.reasons and second.auto_apply


def test_a_garbled_number_that_is_another_customers_document():
    items = [erp("I1", "77976.93", "5519313497", customer="C1", name="Lambert Print S.A."),
             erp("I2", "3303.88", "5519303497", customer="C2", name="Keller Chemie AG")]
    p = one(items, pay("P1", "77976.94", "EREF+ZMKCP 5519303497", name="Lambert Print S.A."))
    assert linked(p) == ["I1"]
    assert p.reasons[0] == "REFERENCE_FUZZY" and "SMALL_DIFFERENCE" in p.reasons
    assert p.auto_apply


def test_several_invoices_quoted_some_garbled_less_a_small_deduction():
    items = [erp("I1", "3721.54", "5519300354", name="Olsen Textil GmbH"),
             erp("I2", "150.11", "5519302080", name="Olsen Textil GmbH"),
             erp("I3", "150.11", "5519310677", name="Olsen Textil GmbH"),
             erp("I9", "150.11", "5519302800", customer="C9", name="Brandt Medical B.V.")]
    p = one(items, pay("P1", "4021.71", "/ROC/ 5519310677/55193003554/5519302800", name="Olsen Textil GmbH"))
    assert sorted(linked(p)) == ["I1", "I2", "I3"]
    assert "SMALL_DIFFERENCE" in p.reasons and sum(lk.deduction for lk in p.links) == D("0.05")
    assert p.auto_apply


def test_a_date_in_the_text_is_not_a_customer_number():
    items = [erp("I1", "10.00", "5519320243", customer="010326", name="Bauer Software AB"),
             erp("I2", "10.00", "5519320244", customer="010327", name="Keller Agrar GmbH")]
    p = one(items, pay("P1", "10.00", "Zahlung vom 010326"))
    assert "PAYER_CUSTOMER_NUMBER" not in p.reasons


def test_the_customer_number_in_the_text_names_the_payer():
    items = [erp("I1", "4312.66", "5519320243", customer="100588", name="Bauer Software AB"),
             erp("I2", "4312.66", "5519320244", customer="100589", name="Keller Agrar GmbH")]
    p = one(items, pay("P1", "4312.66", "Kd-Nr 100588", name="BS AB"))
    assert linked(p) == ["I1"] and p.customer_account == "100588"
    assert "PAYER_CUSTOMER_NUMBER" in p.reasons


def test_an_amount_is_never_read_as_a_customer_number():
    items = [erp("I1", "1009.24", "5519320243", customer="100924", name="Bauer Software AB"),
             erp("I2", "1009.24", "5519320244", customer="100925", name="Keller Agrar GmbH")]
    p = one(items, pay("P1", "1009.24", "Betrag 1009.24"))
    assert "PAYER_CUSTOMER_NUMBER" not in p.reasons


def test_a_customer_the_erp_holds_in_cyrillic_paying_under_its_latin_name():
    items = [erp("I1", "5000.00", "5519300001", customer="C1", name="ООО Северный Ветер"),
             erp("I2", "5000.00", "5519300002", customer="C2", name="Nordwind Logistik GmbH")]
    p = one(items, pay("P1", "5000.00", "payment", name="OOO SEVERNYY VETER"))
    assert linked(p) == ["I1"] and "PAYER_NAME_EXACT" in p.reasons


def test_two_transfers_with_the_same_reference_settle_the_invoice():
    items = [erp("I1", "1000.00", "5519300001", name="Nordwind Logistik GmbH")]
    payments = [pay("P1", "400.00", "RE 5519300001", name="Nordwind Logistik"),
                pay("P2", "600.00", "RE 5519300001", name="Nordwind Logistik")]
    first, second = match_batch(items, payments, POLICY)
    assert [lk.amount for lk in first.links + second.links] == [D("400.00"), D("600.00")]
    assert first.auto_apply and second.auto_apply


def test_how_a_payers_name_fits_a_customer():
    names = NameIndex(frozenset(DEFAULT_LEGAL_FORMS), dict(DEFAULT_ABBREVIATIONS), MatchingPolicy().name_min_score)
    names.add("C1", "Meyer Logistik GmbH")
    names.add("C2", "Ivanova Lebensmittel Inc.")
    assert names.fits("MEYER LOGISTIK", "C1") == "exact"
    assert names.fits("Meyer Log.", "C1") == "near"
    assert names.fits("ML GmbH", "C1") == "near"
    assert names.fits("Ivanova Lebensmittel Inc. Zweignied", "C2") == "near"
    assert names.fits("Meyer Bau", "C1") == ""
    assert names.fits("Meyer", "C1") == ""
