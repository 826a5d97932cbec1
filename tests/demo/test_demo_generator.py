"""The portfolio generator on its own: deterministic, consistent, realistic (no database)."""

import collections
import datetime as dt
import hashlib
import random
import re
import statistics
from collections.abc import Callable
from decimal import Decimal

import pytest
from schwifty import IBAN
from stdnum.at import businessid as at_businessid
from stdnum.at import uid as at_uid
from stdnum.be import vat as be_vat
from stdnum.ch import uid as ch_uid
from stdnum.ch import vat as ch_vat
from stdnum.de import vat as de_vat
from stdnum.dk import cvr as dk_cvr
from stdnum.es import cif as es_cif
from stdnum.es import nif as es_nif
from stdnum.fi import alv as fi_alv
from stdnum.fi import ytunnus as fi_ytunnus
from stdnum.fr import siren as fr_siren
from stdnum.fr import tva as fr_tva
from stdnum.gb import vat as gb_vat
from stdnum.ie import vat as ie_vat
from stdnum.it import iva as it_iva
from stdnum.jp import cn as jp_cn
from stdnum.nl import btw as nl_btw
from stdnum.no import mva as no_mva
from stdnum.no import orgnr as no_orgnr
from stdnum.pl import nip as pl_nip
from stdnum.se import orgnr as se_orgnr
from stdnum.se import vat as se_vat
from stdnum.us import ein as us_ein
from stdnum.us import rtn as us_rtn

from credere.demo.generator.identifiers import BBAN_SHAPES, bank_account, company_ids
from credere.demo.generator.portfolio import PortfolioGenerator, generate
from credere.demo.generator.reference import BEHAVIOURS, COUNTRIES, CURRENCIES, INVOICES_PER_CUSTOMER_YEAR
from credere.domain.money import quantize

AS_OF = dt.date(2026, 11, 20)


def digest(**kwargs) -> str:
    h = hashlib.sha256()
    for row in generate(**kwargs):
        h.update(repr(row).encode())
    return h.hexdigest()


def portfolio(customers=400, years=2, seed=7, as_of=AS_OF):
    gen = PortfolioGenerator(customers=customers, years=years, seed=seed, as_of=as_of)
    p = {"gen": gen, "customers": {}, "contacts": [], "items": {}, "payments": {}, "allocations": [], "behaviours": {}}
    for batch in gen.batches():
        p["customers"].update({c.id: c for c in batch.customers})
        p["contacts"].extend(batch.contacts)
        p["items"].update({i.id: i for i in batch.items})
        p["payments"].update({x.id: x for x in batch.payments})
        p["allocations"].extend(batch.allocations)
        p["behaviours"].update(batch.behaviours)
    return p


@pytest.fixture(scope="module")
def big():
    return portfolio()


def test_same_arguments_give_the_same_rows():
    a = digest(customers=60, years=1, seed=5, as_of=AS_OF)
    assert a == digest(customers=60, years=1, seed=5, as_of=AS_OF)
    assert a != digest(customers=60, years=1, seed=6, as_of=AS_OF)
    assert a != digest(customers=60, years=1, seed=5, as_of=AS_OF - dt.timedelta(days=1))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="customers"):
        PortfolioGenerator(customers=0, years=1, seed=1, as_of=AS_OF)
    with pytest.raises(ValueError, match="years"):
        PortfolioGenerator(customers=1, years=0, seed=1, as_of=AS_OF)


def test_ids_are_consecutive_and_references_resolve(big):
    assert sorted(big["customers"]) == list(range(1, 401))
    assert sorted(big["items"]) == list(range(1, len(big["items"]) + 1))
    assert sorted(big["payments"]) == list(range(1, len(big["payments"]) + 1))
    assert sorted(a.id for a in big["allocations"]) == list(range(1, len(big["allocations"]) + 1))
    for c in big["customers"].values():
        assert c.parent_id is None or c.parent_id < c.id
    assert all(k.customer_id in big["customers"] for k in big["contacts"])
    numbers = collections.Counter((i.company_id, i.document_type, i.document_number) for i in big["items"].values())
    assert max(numbers.values()) == 1
    refs = collections.Counter((p.company_id, p.reference) for p in big["payments"].values())
    assert max(refs.values()) == 1


def test_ledger_invariants_recomputed_from_allocations(big):
    items, payments, customers = big["items"], big["payments"], big["customers"]

    def group(cid):
        while customers[cid].parent_id:
            cid = customers[cid].parent_id
        return cid

    allocated = collections.defaultdict(Decimal)
    used = collections.defaultdict(Decimal)
    applied = collections.defaultdict(Decimal)
    for a in big["allocations"]:
        target = items[a.target_id]
        assert target.document_type in ("invoice", "debit_note")
        assert (a.payment_id is None) != (a.credit_note_id is None)
        source = payments[a.payment_id] if a.payment_id else items[a.credit_note_id]
        if a.credit_note_id:
            assert source.document_type == "credit_note"
        assert source.company_id == target.company_id and source.currency == target.currency
        assert a.amount == a.source_amount > 0
        assert source.customer_id is None or group(source.customer_id) == group(target.customer_id)
        assert a.applied_on <= AS_OF and (a.reversed_on is None or a.applied_on <= a.reversed_on <= AS_OF)
        if a.reversed_on is None:
            allocated[a.target_id] += a.amount
            (applied if a.payment_id else used)[a.payment_id or a.credit_note_id] += a.source_amount
    for i in items.values():
        assert i.document_date <= AS_OF and i.document_date <= i.due_date
        if i.document_type == "credit_note":
            assert i.amount < 0 and i.open_amount == i.amount + used[i.id]
            assert i.amount <= i.open_amount <= 0
        else:
            assert i.amount > 0 and i.open_amount == i.amount - allocated[i.id]
            assert 0 <= i.open_amount <= i.amount
    for p in payments.values():
        assert p.received_on <= AS_OF
        assert p.amount > 0 and p.unapplied_amount == p.amount - applied[p.id]
        assert 0 <= p.unapplied_amount <= p.amount


def test_allocations_follow_their_documents_in_time(big):
    items, payments = big["items"], big["payments"]
    for a in big["allocations"]:
        assert a.applied_on >= items[a.target_id].document_date
        if a.payment_id:
            assert a.applied_on >= payments[a.payment_id].received_on
        else:
            assert a.applied_on >= items[a.credit_note_id].document_date
    for c in big["customers"].values():
        assert c.created_on <= AS_OF
    first_doc = {}
    for i in items.values():
        first_doc[i.customer_id] = min(first_doc.get(i.customer_id, i.document_date), i.document_date)
    assert all(big["customers"][cid].created_on <= day for cid, day in first_doc.items())


def test_allocations_never_over_allocate_as_of_any_earlier_date(big):
    """Reports run as of past dates: the allocations active on each day must also fit."""
    items = big["items"]
    events = collections.defaultdict(list)  # target -> (day, +/- amount)
    for a in big["allocations"]:
        events[a.target_id].append((a.applied_on, a.amount))
        if a.reversed_on:
            events[a.target_id].append((a.reversed_on, -a.amount))
    for target_id, changes in events.items():
        total = Decimal(0)
        for _day, amount in sorted(changes, key=lambda c: (c[0], c[1] > 0)):
            total += amount
            assert total <= items[target_id].amount


def test_amounts_are_quantised_to_the_currency(big):
    rows = list(big["items"].values()) + list(big["payments"].values())
    for r in rows:
        assert quantize(r.amount, r.currency) == r.amount
        assert r.amount.as_tuple().exponent == -CURRENCIES[r.currency][0]
    assert {r.currency for r in rows} >= {"EUR", "GBP", "USD", "JPY"}
    assert any(r.currency == "JPY" for r in rows)


def test_invoice_volume_follows_the_documented_relation(big):
    invoices = sum(1 for i in big["items"].values() if i.document_type == "invoice")
    expected = 400 * 2 * INVOICES_PER_CUSTOMER_YEAR
    assert 0.85 * expected <= invoices <= 1.15 * expected


def test_volume_is_seasonal_and_on_business_days(big):
    months = collections.Counter(i.document_date.month for i in big["items"].values() if i.document_type == "invoice")
    assert months[11] > months[8]  # November busier than August
    weekend = sum(1 for i in big["items"].values() if i.document_date.weekday() >= 5)
    assert weekend < 0.01 * len(big["items"])


def test_behaviours_are_all_present_and_differ(big):
    assert set(big["behaviours"].values()) == set(BEHAVIOURS)
    items = big["items"]
    last_paid = {}
    for a in big["allocations"]:
        if a.reversed_on is None and a.payment_id:
            last_paid[a.target_id] = max(last_paid.get(a.target_id, a.applied_on), a.applied_on)
    late = collections.defaultdict(list)
    for i in items.values():
        if i.document_type == "invoice" and i.open_amount == 0 and i.id in last_paid:
            late[big["behaviours"][i.customer_id]].append((last_paid[i.id] - i.due_date).days)
    mean = {b: statistics.mean(v) for b, v in late.items()}
    assert mean["prompt"] < 5
    assert mean["prompt"] < mean["slow"] < mean["chronically_late"]
    assert mean["chronically_late"] > 30


def test_deteriorating_customers_pay_later_over_time(big):
    start = big["gen"].start
    half = start + (AS_OF - start) / 2
    early, late = [], []
    last_paid = {}
    for a in big["allocations"]:
        if a.reversed_on is None and a.payment_id:
            last_paid[a.target_id] = a.applied_on
    for i in big["items"].values():
        if big["behaviours"][i.customer_id] == "deteriorating" and i.id in last_paid and i.open_amount == 0:
            (early if i.due_date < half else late).append((last_paid[i.id] - i.due_date).days)
    assert statistics.mean(late) > statistics.mean(early) + 10


def test_defaulting_and_disputing_customers_leave_old_items_open(big):
    old = AS_OF - dt.timedelta(days=180)
    overdue = collections.Counter()
    for i in big["items"].values():
        if i.document_type == "invoice" and i.open_amount > 0 and i.due_date < old:
            overdue[big["behaviours"][i.customer_id]] += 1
    assert overdue["defaulting"] > overdue["prompt"]
    assert overdue["disputing"] > overdue["prompt"]
    statuses = collections.Counter(c.status for c in big["customers"].values())
    assert statuses["blocked"] + statuses["on_hold"] > 0 and statuses["active"] > 300


def test_portfolio_has_the_cases_that_make_a_demo(big):
    items, payments, allocations = big["items"], big["payments"], big["allocations"]
    by_payment = collections.Counter(a.payment_id for a in allocations if a.payment_id and a.reversed_on is None)
    kinds = collections.Counter(i.document_type for i in items.values())
    assert kinds["credit_note"] > 0 and kinds["debit_note"] > 0
    assert max(by_payment.values()) > 2, "payments covering several invoices"
    assert any(0 < i.open_amount < i.amount for i in items.values() if i.document_type == "invoice"), "partial"
    assert any(a.credit_note_id for a in allocations), "credit notes applied"
    assert any(i.open_amount < 0 for i in items.values() if i.document_type == "credit_note"), "open credits"
    assert any(a.reversed_on for a in allocations), "reversed allocations"
    assert any(p.unapplied_amount > 0 for p in payments.values()), "unapplied cash"
    assert any(p.customer_id is None for p in payments.values()), "unidentified payments"
    assert any(c.parent_id for c in big["customers"].values()), "corporate groups"
    assert any(a.payment_id and payments[a.payment_id].customer_id != items[a.target_id].customer_id
               for a in allocations), "a parent paying for its subsidiary"
    assert len({c.country for c in big["customers"].values()}) > 15
    assert len({c.industry_code for c in big["customers"].values()}) > 20
    assert all(1 <= sum(1 for k in big["contacts"] if k.customer_id == c) <= 3 for c in list(big["customers"])[:50])
    assert all(k.email.endswith(".example") for k in big["contacts"]), "no real mail domains"


def test_fx_rates_cover_every_business_day_and_currency():
    gen = PortfolioGenerator(customers=1, years=1, seed=3, as_of=AS_OF)
    rates = list(gen.fx_rates())
    quotes = {r.quote for r in rates}
    assert quotes == set(CURRENCIES) - {"EUR"} and {r.base for r in rates} == {"EUR"}
    days = {r.rate_date for r in rates}
    d = gen.start
    while d <= AS_OF:
        assert (d in days) == (d.weekday() < 5)
        d += dt.timedelta(days=1)
    usd = [r.rate for r in rates if r.quote == "USD"]
    assert all(Decimal("0.9") < r < Decimal("1.3") for r in usd)
    assert len(set(usd)) > 100 and all(isinstance(r, Decimal) for r in usd)


#: python-stdnum's validators of each country's (registration id, tax id). None: stdnum has
#: none for Companies House (GB), CRO (IE), KvK (NL), REA (IT), KRS (PL) and US state filing
#: numbers, and its Handelsregister validator (DE) needs the court's name, which the generator
#: does not give (none of these numbers has check digits).
VALIDATORS: dict[str, tuple[Callable[[str], bool] | None, Callable[[str], bool] | None]] = {
    "DE": (None, de_vat.is_valid),
    "AT": (at_businessid.is_valid, at_uid.is_valid),
    "CH": (ch_uid.is_valid, ch_vat.is_valid),
    "FR": (fr_siren.is_valid, fr_tva.is_valid),
    "GB": (None, gb_vat.is_valid),
    "IE": (None, ie_vat.is_valid),
    "NL": (None, nl_btw.is_valid),
    "BE": (be_vat.is_valid, be_vat.is_valid),
    "IT": (None, it_iva.is_valid),
    "ES": (es_cif.is_valid, es_nif.is_valid),
    "PL": (None, pl_nip.is_valid),
    "SE": (se_orgnr.is_valid, se_vat.is_valid),
    "DK": (dk_cvr.is_valid, dk_cvr.is_valid),
    "NO": (no_orgnr.is_valid, no_mva.is_valid),
    "FI": (fi_ytunnus.is_valid, fi_alv.is_valid),
    # The qualified-invoice registration number is "T" and the corporate number.
    "JP": (jp_cn.is_valid, lambda tax: tax[0] == "T" and jp_cn.is_valid(tax[1:])),
    "US": (None, us_ein.is_valid),
}
#: Countries whose numbers only have the right shape: random digits where the real ones
#: have check digits (stdnum would reject most of them).
SHAPE_ONLY = {"CZ", "PT", "CA", "MX", "BR", "KR", "CN", "SG", "AU", "IN"}


def test_every_country_has_validators_or_is_known_to_have_shapes_only():
    assert set(VALIDATORS) | SHAPE_ONLY == set(COUNTRIES) and not set(VALIDATORS) & SHAPE_ONLY


def account_kind(account):
    """Validates a bank account and tells its kind: an IBAN's country, "US" or "local"."""
    if account[:2].isalpha():  # schwifty checks the structure, length and ISO 13616 check digits
        return IBAN(account).country_code
    if re.fullmatch(r"\d{9} \d{10}", account):  # ABA routing number (with its check digit) and account
        assert us_rtn.is_valid(account[:9]), account
        return "US"
    return "local"


def test_identifiers_of_every_country_validate_with_stdnum_and_schwifty():
    """A few hundred customers' numbers, every legal form of every country."""
    rng = random.Random(11)
    checked = collections.Counter()
    for country, spec in COUNTRIES.items():
        for legal, _weight in spec.legal_forms:
            for _ in range(12):
                reg, tax = company_ids(rng, country, legal)
                reg_ok, tax_ok = VALIDATORS.get(country, (None, None))
                assert reg_ok is None or reg_ok(reg), (country, reg)
                assert tax_ok is None or tax_ok(tax), (country, tax)
                kind = account_kind(bank_account(rng, country))
                assert kind == (country if country in BBAN_SHAPES or country == "US" else "local")
                checked[country] += 1
    assert sum(checked.values()) > 300 and set(checked) == set(COUNTRIES)


def test_generated_customers_carry_valid_identifiers(big):
    customers = big["customers"]
    for c in customers.values():
        reg_ok, tax_ok = VALIDATORS.get(c.country, (None, None))
        assert reg_ok is None or reg_ok(c.registration_id), (c.country, c.registration_id)
        assert tax_ok is None or tax_ok(c.tax_id), (c.country, c.tax_id)
    kinds = collections.Counter(account_kind(p.payer_account) for p in big["payments"].values())
    assert kinds["US"] and kinds["local"] and len(kinds) > 10
