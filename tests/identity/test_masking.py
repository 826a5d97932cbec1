"""Personal data by role: bank accounts, tax and registration ids and contact details are shown in full only to
people whose role holds ``view_personal_data`` (every role but Sales); everyone else sees them masked, on the
pages, in the API and in the pages' exports alike.

First the masking rules as properties (``credere.domain.masking``), then the places that show the values."""

from __future__ import annotations

import csv
import datetime as dt
import io
import string
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credere.domain.masking import DOTS, mask, mask_account, mask_email, mask_identifier, mask_name, mask_phone
from credere.identity.privacy import sees_personal_data, shown
from credere.identity.roles import ROLES

KINDS = ("account", "identifier", "email", "phone", "name")
#: pure functions: no deadline, so that a busy machine does not fail them
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------- the masking rules, as properties

#: IBANs' shape: a country, two check digits, 11 to 30 letters and digits (15 to 34 characters in all)
ibans = st.tuples(st.text(string.ascii_uppercase, min_size=2, max_size=2), st.text(string.digits, min_size=2, max_size=2),
                  st.text(string.ascii_uppercase + string.digits, min_size=11, max_size=30)).map("".join)
phones = st.tuples(st.sampled_from(["", "+", "0"]), st.text(string.digits + " ()/-", min_size=1, max_size=20)).map("".join)


def grouped(value: str, size: int = 4) -> str:
    """An IBAN as people write it: in groups of four."""
    return " ".join(value[i:i + size] for i in range(0, len(value), size))


def _shown_chars(masked: str) -> str:
    return masked.replace(DOTS, "").replace(" ", "")


@relaxed
@given(st.one_of(ibans, ibans.map(grouped)))
def test_a_masked_iban_reveals_at_most_eight_of_its_characters(iban):
    masked = mask_account(iban)
    compact = "".join(iban.split())
    assert DOTS in masked and len(_shown_chars(masked)) <= 8
    assert len(compact) - len(_shown_chars(masked)) >= 7  # (an IBAN has at least 15 characters)
    assert compact not in masked.replace(" ", "")


@relaxed
@given(st.text(string.digits, min_size=1, max_size=8))
def test_a_short_account_number_reveals_at_most_its_last_two_digits(number):
    masked = mask_account(number)
    assert DOTS in masked and len(_shown_chars(masked)) <= 2
    assert _shown_chars(masked) == ("" if len(number) <= 4 else number[-2:])


@relaxed
@given(st.text(string.digits, min_size=9, max_size=14))
def test_a_local_account_number_keeps_most_of_its_digits_hidden(number):
    assert _shown_chars(mask_account(number)) == number[-3:]  # at most a quarter, and two can be told apart


@relaxed
@given(st.sampled_from(["account", "identifier", "email", "phone", "name"]), ibans)
def test_a_value_that_only_contains_the_dots_is_masked_like_any_other(kind, iban):
    sneaky = f"{DOTS}{iban}"
    assert iban not in mask(kind, sneaky).replace(" ", "")


@relaxed
@given(ibans)
def test_a_masked_iban_keeps_its_country_check_digits_and_last_four(iban):
    masked = mask_account(grouped(iban))
    assert masked == f"{iban[:4]} {DOTS} {iban[-4:]}"  # one can still tell two accounts apart


@relaxed
@given(st.text(string.ascii_uppercase + string.digits + " -/", min_size=1, max_size=40))
def test_a_masked_identifier_reveals_at_most_its_last_three_characters(identifier):
    masked = mask_identifier(identifier)
    text = identifier.strip()
    assert len(_shown_chars(masked)) <= 3
    if text:
        assert DOTS in masked and (len(text) <= 6 or masked.endswith(text[-3:]))


@relaxed
@given(st.emails())
def test_a_masked_email_keeps_only_the_first_letter_and_the_domain(address):
    masked = mask_email(address)
    local, _, domain = address.rpartition("@")
    assert masked == f"{local[0]}{DOTS}@{domain}"
    if len(local) > 1:
        assert local not in masked.split("@")[0]


@relaxed
@given(phones)
def test_a_masked_phone_number_reveals_at_most_two_digits(number):
    masked = mask_phone(number)
    assert sum(c.isdigit() for c in masked) <= 2
    assert DOTS in masked or not any(c.isdigit() for c in number)


@relaxed
@given(st.lists(st.text(string.ascii_letters + "äöüéÅ-'", min_size=1, max_size=12), min_size=1, max_size=5))
def test_a_masked_name_is_initials_only(words):
    masked = mask_name(" ".join(words))
    parts = masked.split()
    assert len(parts) == min(len(words), 3)
    assert all(len(p) == 2 and p.endswith(".") for p in parts)
    assert [p[0] for p in parts] == [w[0] for w in words[:3]]


@relaxed
@given(st.sampled_from(KINDS), st.one_of(st.text(max_size=60), ibans, st.emails()))
def test_masking_twice_changes_nothing(kind, value):
    once = mask(kind, value)
    assert mask(kind, once) == once


@relaxed
@given(st.sampled_from(KINDS))
def test_empty_stays_empty(kind):
    assert mask(kind, "") == ""


@relaxed
@given(st.sampled_from(KINDS), st.one_of(st.text(max_size=60), ibans))
def test_who_may_see_personal_data_sees_the_value_unchanged(kind, value):
    class Anyone:  # not signed in: may see nothing in full
        is_authenticated = False
        is_active = True

    assert shown(Anyone(), kind, value) == (mask(kind, value) if value else "")
    assert shown(None, kind, None) == ""


@pytest.mark.django_db
def test_every_role_but_sales_sees_personal_data(role_users):
    assert {role for role, user in role_users.items() if sees_personal_data(user)} == set(ROLES) - {"sales"}
    value = "DE89370400440532013000"
    assert shown(role_users["sales"], "account", value) == "DE89 •••• 3000"
    assert shown(role_users["cash_clerk"], "account", value) == value


# --------------------------------------------------------------------------- the places that show them

TAX_ID, REGISTRATION = "DE811234567", "HRB 123456"
CONTACT = {"name": "Anna Schmidt", "email": "anna.schmidt@helios.example", "phone": "+49 30 1234567"}
PAYER_ACCOUNT = "FR7630006000011234567890189"
KNOWN_ACCOUNT = "NL91ABNA0417164300"
COUNTERPARTY = "GB29NWBK60161331926819"
MASKED = {
    TAX_ID: "•••• 567", REGISTRATION: "•••• 456", CONTACT["name"]: "A. S.", CONTACT["email"]: "a••••@helios.example",
    CONTACT["phone"]: "•••• 67", PAYER_ACCOUNT: "FR76 •••• 0189", KNOWN_ACCOUNT: "NL91 •••• 4300",
    COUNTERPARTY: "GB29 •••• 6819",
}
SEE_ALL = ("credit_manager", "cash_clerk")


@pytest.fixture
def personal(portfolio):
    """The portfolio with personal data: H1's ids, a contact and a bank account it pays from; P1's payer account."""
    from credere.cashapp.models import CustomerBankAccount
    from credere.ledger.models import Contact
    from credere.ledger.services.documents import record_payment
    from credere.ledger.services.master_data import upsert_customer

    p = portfolio
    p.h1 = upsert_customer(actor=p.admin, account_number="H1", name="Helios Holding AG", country="DE",
                           industry_code="K64.2", tax_id=TAX_ID, registration_id=REGISTRATION)[0]
    Contact.objects.create(customer=p.h1, role="Accounts payable", **CONTACT)
    CustomerBankAccount.objects.create(customer=p.h1, account=KNOWN_ACCOUNT, source="manual", created_by="clerk")
    p.p1 = record_payment(actor=p.admin, company=p.de, customer=p.h1a, reference="P1", received_on=dt.date(2026, 3, 10),
                          currency="EUR", amount=Decimal("600.00"), payer_name="Helios Trading",
                          payer_account=PAYER_ACCOUNT)[0]
    assert p.p1.payer_account == PAYER_ACCOUNT
    return p


def _api(user) -> Client:
    from credere.identity.services import issue_token

    _, secret = issue_token(actor=None, user=user, name="erp")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _exporting_sales(make_user):
    """A Sales user who was also given the export right (no role holds one without the other, but a page's
    export must mask what its page masks all the same)."""
    user = make_user("sales", username="sales-export")
    user.user_permissions.add(Permission.objects.get(content_type__app_label="identity", codename="export_data"))
    return user


def _assert_masked(text: str, values: list[str]) -> None:
    for value in values:
        assert value not in text, value
        assert MASKED[value] in text, (value, MASKED[value])


def _assert_full(text: str, values: list[str]) -> None:
    for value in values:
        assert value in text, value


CUSTOMER_VALUES = [TAX_ID, REGISTRATION, CONTACT["name"], CONTACT["email"], CONTACT["phone"], KNOWN_ACCOUNT]


@pytest.mark.django_db
def test_the_customer_page_masks_ids_contacts_and_bank_accounts_for_sales(personal, client_for):
    html = client_for("sales").get(f"/customers/{personal.h1.pk}/").content.decode()
    _assert_masked(html, CUSTOMER_VALUES)
    assert "mailto:" not in html and "tel:" not in html
    assert 'data-testid="masked-note"' in html
    for role in SEE_ALL:
        html = client_for(role).get(f"/customers/{personal.h1.pk}/").content.decode()
        _assert_full(html, CUSTOMER_VALUES)
        assert f'href="mailto:{CONTACT["email"]}"' in html and f'href="tel:{CONTACT["phone"]}"' in html
        assert 'data-testid="masked-note"' not in html


@pytest.mark.django_db
def test_the_payment_page_masks_the_payer_account_for_sales(personal, client_for):
    r = client_for("sales").get(f"/payments/{personal.p1.pk}/")
    html = r.content.decode()
    _assert_masked(html, [PAYER_ACCOUNT])  # in the details and in the page's history of the payment alike
    assert f'data-testid="payer-account">{MASKED[PAYER_ACCOUNT]}</dd>' in html
    assert f"Payer account: — → {MASKED[PAYER_ACCOUNT]}" in html  # the history (the audit trail keeps it apart)
    assert "personal_data" not in html
    for role in SEE_ALL:
        html = client_for(role).get(f"/payments/{personal.p1.pk}/").content.decode()
        assert f'data-testid="payer-account">{PAYER_ACCOUNT}</dd>' in html
        assert f"Payer account: — → {PAYER_ACCOUNT}" in html


@pytest.mark.django_db
def test_the_customers_api_masks_ids_for_sales(personal, role_users, client_for):
    sales = _api(role_users["sales"])
    one = sales.get("/api/v1/customers/H1").json()
    assert (one["tax_id"], one["registration_id"]) == (MASKED[TAX_ID], MASKED[REGISTRATION])
    listed = {c["account_number"]: c for c in sales.get("/api/v1/customers").json()["items"]}
    assert (listed["H1"]["tax_id"], listed["H1"]["registration_id"]) == (MASKED[TAX_ID], MASKED[REGISTRATION])
    assert listed["S1"]["tax_id"] == ""  # nothing to mask
    # the pages' own calls (the signed-in session) are masked the same way
    assert client_for("sales").get("/api/v1/customers/H1").json()["tax_id"] == MASKED[TAX_ID]
    for role in SEE_ALL:
        one = _api(role_users[role]).get("/api/v1/customers/H1").json()
        assert (one["tax_id"], one["registration_id"]) == (TAX_ID, REGISTRATION)


@pytest.mark.django_db
def test_the_payments_api_masks_the_payer_account_for_sales(personal, role_users):
    sales = _api(role_users["sales"])
    assert sales.get(f"/api/v1/payments/{personal.p1.pk}").json()["payer_account"] == MASKED[PAYER_ACCOUNT]
    listed = sales.get("/api/v1/payments").json()["items"]
    assert [p["payer_account"] for p in listed if p["id"] == personal.p1.pk] == [MASKED[PAYER_ACCOUNT]]
    for role in SEE_ALL:
        assert _api(role_users[role]).get(f"/api/v1/payments/{personal.p1.pk}").json()["payer_account"] == PAYER_ACCOUNT


@pytest.mark.django_db
def test_the_payers_api_masks_the_bank_accounts_for_sales(personal, role_users):
    body = _api(role_users["sales"]).get("/api/v1/cash/customers/H1/payers").json()
    assert [a["account"] for a in body["bank_accounts"]] == [MASKED[KNOWN_ACCOUNT]]
    for role in SEE_ALL:
        body = _api(role_users[role]).get("/api/v1/cash/customers/H1/payers").json()
        assert [a["account"] for a in body["bank_accounts"]] == [KNOWN_ACCOUNT]


@pytest.mark.django_db
def test_statement_transactions_are_masked_for_sales_on_the_pages_and_in_the_api(personal, role_users, client_for):
    from cashapp.statements import Entry, camt053
    from credere.cashapp.services.statements import import_statement
    from credere.ledger.models import Payment

    data = camt053([Entry("123.45", "Helios Trading", COUNTERPARTY, "INV-2", "B-77")])
    result = import_statement(actor=personal.admin, data=data, filename="s.xml", company=personal.de, match=False)
    payment = Payment.objects.get(pk=result.payments[0])
    assert payment.payer_account == COUNTERPARTY
    pages = [f"/cash/statements/{result.file.pk}/", f"/cash/statements/{result.file.pk}/status/",
             f"/cash/workbench/payments/{payment.pk}/", f"/cash/workbench/?payment={payment.pk}"]
    sales = client_for("sales", HTTP_HX_REQUEST="true")  # (the workbench's panel is loaded by htmx)
    for url in pages:
        r = sales.get(url)
        assert r.status_code == 200, url
        _assert_masked(r.content.decode(), [COUNTERPARTY])
    txs = _api(role_users["sales"]).get("/api/v1/cash/transactions").json()["items"]
    assert [t["counterparty_account"] for t in txs] == [MASKED[COUNTERPARTY]]
    for role in SEE_ALL:
        for url in pages:
            _assert_full(client_for(role, HTTP_HX_REQUEST="true").get(url).content.decode(), [COUNTERPARTY])
        txs = _api(role_users[role]).get("/api/v1/cash/transactions").json()["items"]
        assert [t["counterparty_account"] for t in txs] == [COUNTERPARTY]


def _csv(response) -> str:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), response.content[:200]
    return response.content.decode("utf-8-sig")


@pytest.mark.django_db
def test_a_page_export_masks_what_its_page_masks(personal, client_for, make_user):
    """The import run page lists what an import wrote (a customer's tax id among it); its CSV export, like the
    page, masks the personal values for a user without ``view_personal_data``."""
    from credere.imports.models import ImportRun

    manager = client_for("credit_manager")
    content = ("account_number,name,registration_id,tax_id,country\n"
               f"N1,Nordlicht GmbH,{REGISTRATION},{TAX_ID},DE\n")
    r = manager.post("/imports/new/", {"entity": "customers",
                                       "file": SimpleUploadedFile("c.csv", content.encode(), "text/csv")})
    manager.post(f"{r['Location']}confirm/")
    run = ImportRun.objects.get()
    url = f"/imports/runs/{run.pk}/"

    _assert_full(manager.get(url).content.decode(), [TAX_ID, REGISTRATION])
    full = _csv(manager.get(f"{url}?export=csv&table=changes"))
    _assert_full(full, [TAX_ID, REGISTRATION])

    _assert_masked(client_for("sales").get(url).content.decode(), [TAX_ID, REGISTRATION])
    exporter = Client()
    exporter.force_login(_exporting_sales(make_user))
    page = exporter.get(url).content.decode()
    exported = _csv(exporter.get(f"{url}?export=csv&table=changes"))
    _assert_masked(page, [TAX_ID, REGISTRATION])
    _assert_masked(exported, [TAX_ID, REGISTRATION])
    assert list(csv.reader(io.StringIO(exported)))[0] == list(csv.reader(io.StringIO(full)))[0]
    assert len(list(csv.reader(io.StringIO(exported)))) == 2  # the header and the one customer

    # the payment page's history, exported, masks the payer account as the page does
    history = _csv(exporter.get(f"/payments/{personal.p1.pk}/?export=csv&table=history"))
    _assert_masked(history, [PAYER_ACCOUNT])
    _assert_full(_csv(client_for("cash_clerk").get(f"/payments/{personal.p1.pk}/?export=csv&table=history")),
                 [PAYER_ACCOUNT])


@pytest.mark.django_db
def test_the_entity_export_masks_for_a_user_without_personal_data(personal, role_users, make_user):
    exporter = _api(_exporting_sales(make_user))
    customers = _csv(exporter.get("/api/v1/imports/export/customers"))
    _assert_masked(customers, [TAX_ID, REGISTRATION])
    payments = _csv(exporter.get("/api/v1/imports/export/payments"))
    _assert_masked(payments, [PAYER_ACCOUNT])
    manager = _api(role_users["credit_manager"])
    _assert_full(_csv(manager.get("/api/v1/imports/export/customers")), [TAX_ID, REGISTRATION])
    _assert_full(_csv(manager.get("/api/v1/imports/export/payments")), [PAYER_ACCOUNT])
