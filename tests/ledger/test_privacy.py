"""Personal data: encrypted at rest (equality search and uniqueness still hold), kept out of the sealed audit
entries by reference, exported per customer and per person, erased with the ledger exact to the cent and the
audit chain still verifying, key rotation, retention; through the services, the CLI, the API and the pages.

Portfolio (tests/support/portfolio.py), 31 March 2026."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from credere.audit.models import AuditEvent, PersonalValue
from credere.audit.services import verify_chain
from credere.cashapp.models import CustomerBankAccount
from credere.cashapp.services.learning import add_customer_bank_account
from credere.core import crypto
from credere.identity.authz import NotAllowed
from credere.ledger.models import Contact, Customer, Payment
from credere.ledger.services import privacy
from credere.ledger.services.documents import record_payment
from credere.ledger.services.master_data import upsert_customer

pytestmark = pytest.mark.django_db
D = Decimal
IBAN = "GB33BUKB20201555555555"
TAX = "GB123456789"


def _raw(table: str, column: str, where: str, value: object) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {where} = %s", [value])
        return str(cursor.fetchone()[0])


def _audit_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT object_repr, before, after FROM audit_auditevent")
        return json.dumps([list(map(str, row)) for row in cursor.fetchall()])


@pytest.fixture
def solo(portfolio):
    """S1 with identifiers, a contact, a payer account learned by hand and a payment from it."""
    admin = portfolio.admin
    upsert_customer(actor=admin, account_number="S1", name="Solo Logistics Ltd", tax_id=TAX,
                    registration_id="HRB 98765", country="GB")
    Contact.objects.create(customer=portfolio.s1, name="Anna Schmidt", role="Accounts payable",
                           email="anna.schmidt@solo.example", phone="+44 20 7946 0958")
    add_customer_bank_account(actor=admin, customer=portfolio.s1, account=IBAN)
    payment = record_payment(actor=admin, company=portfolio.de, customer=portfolio.s1, reference="P-S1",
                             received_on=dt.date(2026, 3, 20), currency="EUR", amount=D("120.00"),
                             payer_name="Anna Schmidt trading as Solo", payer_account=IBAN)[0]
    return portfolio, payment


def test_sensitive_values_are_encrypted_at_rest_and_still_found_by_equality(solo):
    portfolio, payment = solo
    s1 = Customer.objects.get(account_number="S1")
    assert s1.tax_id == TAX  # the application reads the value
    stored = _raw("ledger_customer", "tax_id", "id", s1.pk)
    assert stored.startswith("enc1:") and TAX not in stored
    assert IBAN not in _raw("ledger_payment", "payer_account", "id", payment.pk)
    assert "anna" not in _raw("ledger_contact", "email", "customer_id", s1.pk).lower()
    # equality search, IN and uniqueness work on the encrypted columns
    assert Customer.objects.get(tax_id=TAX).pk == s1.pk
    assert list(Payment.objects.filter(payer_account__in=[IBAN, "XX"]).values_list("pk", flat=True)) == [payment.pk]
    assert Contact.objects.get(email="anna.schmidt@solo.example").name == "Anna Schmidt"
    assert Customer.objects.filter(tax_id="").exclude(pk=s1.pk).count() == Customer.objects.count() - 1
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerBankAccount.objects.create(customer=portfolio.h1, account=IBAN, source="manual")
    # the audit trail holds references, not the values; nor does any object name hold them
    text = _audit_text()
    assert IBAN not in text and TAX not in text and "anna.schmidt" not in text
    assert verify_chain()[1] == []


def test_the_audit_pages_and_api_show_the_values_again(solo, client_for, role_users):
    s1 = Customer.objects.get(account_number="S1")
    event = AuditEvent.objects.filter(object_type="ledger.customer", object_id=str(s1.pk),
                                      action="customer.updated").last()
    assert event.after["tax_id"] == {"personal_data": PersonalValue.objects.get(pk=event.after["tax_id"]
                                                                                ["personal_data"]).pk}
    page = client_for("auditor").get(f"/audit/{event.seq}/")
    assert page.status_code == 200 and TAX in page.content.decode()
    from credere.identity.services import issue_token

    token = issue_token(actor=None, user=role_users["auditor"], name="t")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    items = api.get("/api/v1/audit/events", {"object_type": "ledger.customer", "object_id": str(s1.pk)}).json()
    assert TAX in json.dumps(items)


def test_export_of_a_customer_lists_everything_held_and_is_audited(solo):
    portfolio, payment = solo
    data = privacy.export_customer(actor=portfolio.admin, account_number="S1")
    sections = data["sections"]
    assert sections["Customer"][0]["tax_id"] == TAX
    assert sections["Contacts"] == [{"name": "Anna Schmidt", "role": "Accounts payable",
                                     "email": "anna.schmidt@solo.example", "phone": "+44 20 7946 0958"}]
    assert sections["Payments received"][0]["payer_account"] == IBAN
    assert [a["account"] for a in sections["Bank accounts paid from"]] == [IBAN]
    assert any(e["action"] == "customer_bank_account.created" and IBAN in json.dumps(e["after"])
               for e in data["audit_events"])
    assert AuditEvent.objects.filter(action="privacy.exported").count() == 1
    from credere.ledger import privacy_export

    html = privacy_export.render(data, "html").decode()
    assert "Anna Schmidt" in html and "<script" not in html and "Bank accounts paid from" in html


def test_only_administrators_export_or_erase(solo, role_users):
    for role in ("credit_manager", "cash_clerk", "auditor", "sales"):
        with pytest.raises(NotAllowed):
            privacy.export_customer(actor=role_users[role], account_number="S1")
        with pytest.raises(NotAllowed):
            privacy.erase_customer(actor=role_users[role], account_number="S1", reason="asked")


def _balances() -> list[tuple[object, ...]]:
    from credere.ledger.models import Allocation, OpenItem

    return (list(OpenItem.objects.order_by("pk").values_list("pk", "amount", "open_amount", "currency"))
            + list(Payment.objects.order_by("pk").values_list("pk", "amount", "unapplied_amount"))
            + list(Allocation.objects.order_by("pk").values_list("pk", "amount")))


def test_erasure_keeps_the_ledger_exact_and_the_chain_verifiable(solo):
    portfolio, payment = solo
    balances = _balances()
    before_events = AuditEvent.objects.count()
    with pytest.raises(Exception, match="say why"):
        privacy.erase_customer(actor=portfolio.admin, account_number="S1", reason="  ")
    counts = privacy.erase_customer(actor=portfolio.admin, account_number="S1",
                                    reason="request of 2026-03-30, ref 4711", name=True)
    assert counts["contacts deleted"] == 1 and counts["payer bank accounts deleted"] == 1
    assert counts["audit values erased"] >= 4
    s1 = Customer.objects.get(account_number="S1")
    assert (s1.tax_id, s1.registration_id, s1.name) == ("", "", "Erased customer S1")
    assert not Contact.objects.filter(customer=s1).exists()
    assert not CustomerBankAccount.objects.filter(customer=s1).exists()
    payment.refresh_from_db()
    assert (payment.payer_name, payment.payer_account) == ("", "")
    assert _balances() == balances  # amounts, open amounts and allocations untouched
    assert verify_chain()[1] == []  # every seal still verifies
    assert AuditEvent.objects.count() > before_events
    # what the trail showed is erased, and the erasure's own event names no personal value
    data = privacy.export_customer(actor=portfolio.admin, account_number="S1")
    shown = json.dumps(data)
    assert IBAN not in shown and TAX not in shown and "Anna" not in shown and "[erased]" in shown
    erased = AuditEvent.objects.get(action="privacy.erased")
    assert erased.reason == "request of 2026-03-30, ref 4711" and "Anna" not in json.dumps(erased.after)


def test_a_person_is_exported_and_erased_by_e_mail(solo):
    portfolio, _payment = solo
    data = privacy.export_person(actor=portfolio.admin, email="Anna.Schmidt@solo.example".lower())
    assert data["sections"]["Contact of"][0]["customer"] == "S1"
    with pytest.raises(Exception, match="no contact"):
        privacy.export_person(actor=portfolio.admin, email="nobody@example.com")
    counts = privacy.erase_person(actor=portfolio.admin, email="anna.schmidt@solo.example", reason="her request")
    assert counts["contacts deleted"] == 1
    assert not Contact.objects.exists()
    assert Customer.objects.get(account_number="S1").tax_id == TAX  # the customer's own data is not the person's
    assert verify_chain()[1] == []


def test_key_rotation_reencrypts_every_value_and_old_values_stay_readable_meanwhile(solo, settings):
    portfolio, payment = solo
    old_key_id = crypto.current_key_id()
    settings.CREDERE_DATA_PREVIOUS_KEYS = [settings.CREDERE_DATA_KEY]
    settings.CREDERE_DATA_KEY = "a-new-long-random-secret-for-the-rotation-test-0123456789"
    assert crypto.current_key_id() != old_key_id
    assert Customer.objects.get(account_number="S1").tax_id == TAX  # read with the previous key
    out = io.StringIO()
    call_command("privacy", "rotate-key", "--user", "admin", stdout=out)
    assert f"under key {crypto.current_key_id()}" in out.getvalue()
    assert crypto.key_id_of(_raw("ledger_payment", "payer_account", "id", payment.pk)) == crypto.current_key_id()
    settings.CREDERE_DATA_PREVIOUS_KEYS = []
    assert Payment.objects.get(payer_account=IBAN).pk == payment.pk
    assert Customer.objects.get(tax_id=TAX).account_number == "S1"


def test_values_written_before_encryption_are_encrypted_by_the_migration_step(solo):
    s1 = Customer.objects.get(account_number="S1")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_customer SET tax_id = %s WHERE id = %s", ["DE811234567", s1.pk])
    assert Customer.objects.get(pk=s1.pk).tax_id == "DE811234567"  # plain text is still read
    assert crypto.encrypt_stored_values(Customer, ["registration_id", "tax_id"]) == 1
    assert _raw("ledger_customer", "tax_id", "id", s1.pk).startswith("enc1:")
    assert Customer.objects.get(tax_id="DE811234567").pk == s1.pk
    assert crypto.encrypt_stored_values(Customer, ["registration_id", "tax_id"]) == 0  # idempotent


def test_a_wrong_key_is_a_clear_error(solo, settings):
    settings.CREDERE_DATA_KEY = "not-the-key-these-values-were-written-with-000000000000"
    with pytest.raises(crypto.UnreadableValue, match="CREDERE_DATA_PREVIOUS_KEYS"):
        Customer.objects.get(account_number="S1").tax_id  # noqa: B018


def test_retention_deletes_old_uploads_and_old_statement_bytes(solo, settings, client_for):
    from credere.cashapp.models import StatementFile, StatementUpload

    portfolio, _payment = solo
    old = StatementFile.objects.create(filename="2014.xml", sha256="0" * 64, format="camt.053", size=3,
                                       content=b"abc")
    StatementFile.objects.filter(pk=old.pk).update(uploaded_at=dt.datetime(2014, 1, 2, tzinfo=dt.UTC))
    recent = StatementFile.objects.create(filename="today.xml", sha256="1" * 64, format="camt.053", size=3,
                                          content=b"xyz")
    upload = StatementUpload.objects.create(user=portfolio.admin, filename="left.xml", data=b"x", size=1,
                                            sha256="2" * 64, state="failed")
    StatementUpload.objects.filter(pk=upload.pk).update(created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    out = io.StringIO()
    call_command("privacy", "purge", "--user", "admin", stdout=out)
    assert "1 statement uploads deleted" in out.getvalue() and "1 statement files' bytes deleted" in out.getvalue()
    assert bytes(StatementFile.objects.get(pk=old.pk).content) == b""
    assert bytes(StatementFile.objects.get(pk=recent.pk).content) == b"xyz"
    assert not StatementUpload.objects.filter(pk=upload.pk).exists()
    gone = client_for("cash_clerk").get(f"/cash/statements/{old.pk}/download/")
    assert gone.status_code in (404, 410)
    assert AuditEvent.objects.filter(action="privacy.purged").exists()


def test_the_cli_exports_and_erases(solo, tmp_path):
    out = io.StringIO()
    path = tmp_path / "s1.html"
    call_command("privacy", "export", "--customer", "S1", "--format", "html", "--out", str(path), "--user", "admin",
                 stdout=out)
    assert "written to" in out.getvalue() and "Anna Schmidt" in path.read_text()
    with pytest.raises(CommandError, match="may not"):
        call_command("privacy", "export", "--customer", "S1", "--user", "manager", stdout=io.StringIO())
    call_command("privacy", "erase", "--email", "anna.schmidt@solo.example", "--reason", "asked", "--user",
                 "admin", stdout=out)
    assert "1 contacts deleted" in out.getvalue()


def test_the_api_exports_and_erases_for_administrators_only(solo, role_users):
    from credere.identity.services import issue_token

    def api(role):
        return Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(actor=None, user=role_users[role], name='t')[1]}")

    r = api("administrator").get("/api/v1/privacy/customers/S1/export")
    assert r.status_code == 200 and r.json()["sections"]["Customer"][0]["tax_id"] == TAX
    assert "attachment" in r["Content-Disposition"]
    r = api("administrator").get("/api/v1/privacy/customers/S1/export?format=html")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    assert api("credit_manager").get("/api/v1/privacy/customers/S1/export").status_code == 403
    assert api("administrator").get("/api/v1/privacy/customers/NOPE/export").status_code == 404
    r = api("administrator").post("/api/v1/privacy/customers/S1/erase", {"reason": "asked on 2026-03-30"},
                                  content_type="application/json")
    assert r.status_code == 200 and r.json()["counts"]["contacts deleted"] == 1
    r = api("administrator").post("/api/v1/privacy/customers/S1/erase", {"reason": ""},
                                  content_type="application/json")
    assert r.status_code == 422


def test_the_pages_export_and_erase_with_a_confirmation(solo, client_for):
    portfolio, _payment = solo
    c = client_for("administrator")
    page = c.get(f"/customers/{portfolio.s1.pk}/personal-data/")
    assert page.status_code == 200 and page.context["held"]["contacts"] == 1
    r = c.get(f"/customers/{portfolio.s1.pk}/personal-data/?export=json")
    assert r.status_code == 200 and json.loads(r.content)["sections"]["Contacts"][0]["name"] == "Anna Schmidt"
    refused = c.post(f"/customers/{portfolio.s1.pk}/personal-data/", {"reason": "asked"})
    assert refused.status_code == 422 and Contact.objects.exists()  # not confirmed
    done = c.post(f"/customers/{portfolio.s1.pk}/personal-data/", {"reason": "asked", "confirm": "1"}, follow=True)
    assert "Personal data of S1 erased" in done.content.decode() and not Contact.objects.exists()
    person = c.get("/personal-data/?email=nobody@example.com")
    assert person.status_code == 200 and "No contact has this e-mail address" in person.content.decode()
    assert client_for("credit_manager").get(f"/customers/{portfolio.s1.pk}/personal-data/").status_code == 403
    link = f'href="/customers/{portfolio.s1.pk}/personal-data/"'
    assert link in c.get(f"/customers/{portfolio.s1.pk}/").content.decode()
    assert link not in client_for("credit_manager").get(f"/customers/{portfolio.s1.pk}/").content.decode()



@pytest.mark.django_db(databases=[])
@hypothesis_settings(max_examples=200, deadline=None)
@given(value=st.text(min_size=1, max_size=80), other=st.text(min_size=1, max_size=80))
def test_encryption_round_trips_is_deterministic_and_bound_to_its_column(value, other):
    token = crypto.encrypt(value, "ledger.customer.tax_id")
    assert token.startswith("enc1:") and crypto.decrypt(token, "ledger.customer.tax_id") == value
    assert crypto.encrypt(value, "ledger.customer.tax_id") == token  # equality search works
    assert crypto.encrypt(value, "ledger.payment.payer_account") != token  # columns do not compare
    assert (crypto.encrypt(other, "ledger.customer.tax_id") == token) == (other == value)
    with pytest.raises(crypto.UnreadableValue):
        crypto.decrypt(token, "ledger.payment.payer_account")
