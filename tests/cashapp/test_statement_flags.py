"""A statement whose balances do not add up: imported and flagged (not refused), its transactions
matched like any others, the difference shown on the page and through the API and CLI, and
acknowledged by a clerk with an audited note; ``strict`` keeps the old refusal."""

import datetime as dt
import html
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from cashapp.statements import Entry, camt053
from credere.audit.models import AuditEvent
from credere.cashapp.models import BankTransaction, MatchProposal, Statement, StatementFile
from credere.cashapp.services import statements
from credere.core.errors import BusinessError
from credere.identity.authz import NotAllowed
from credere.identity.services import issue_token
from credere.ledger.models import Payment
from credere.ledger.services.documents import upsert_item
from credere.ledger.services.master_data import upsert_customer

pytestmark = pytest.mark.django_db

ENTRIES = [
    Entry("1190.00", "Northwind Logistics Ltd", "GB29NWBK60161331926819", "Invoice INV-1001", "B-1"),
    Entry("750.00", "NWL SOLUTIONS", "GB94BARC10201530093459", "October", "B-2"),
]
#: Opening 1000.00 + 1940.00 of entries is 2940.00; the bank states 2939.90.
OFF_BY_TEN_CENTS = camt053(ENTRIES).replace(b">2940.00<", b">2939.90<")
TABLES = (StatementFile, Statement, BankTransaction, Payment, AuditEvent)


def counts():
    return [model.objects.count() for model in TABLES]


@pytest.fixture
def ledger(admin, company):
    north = upsert_customer(actor=admin, account_number="C100", name="Northwind Logistics Ltd")[0]
    return upsert_item(actor=admin, company=company, customer=north, document_type="invoice",
                       document_number="INV-1001", document_date=dt.date(2026, 10, 1),
                       due_date=dt.date(2026, 10, 31), currency="EUR", amount=Decimal("1190.00"))[0]


@pytest.fixture
def clerk(make_user):
    return make_user("cash_clerk", username="clerk")


def _import(clerk, **options):
    return statements.import_statement(actor=clerk, data=OFF_BY_TEN_CENTS, filename="off.xml", **options)


def test_a_statement_that_does_not_add_up_is_imported_flagged_and_matched(clerk, ledger):
    assert b">2939.90<" in OFF_BY_TEN_CENTS
    result = _import(clerk, background=False)
    [row] = result.flagged
    row.refresh_from_db()
    assert (row.flagged, row.opening_balance, row.expected_closing, row.closing_balance, row.balance_difference) == (
        True, Decimal("1000.00"), Decimal("2940.00"), Decimal("2939.90"), Decimal("-0.10"))
    assert row.discrepancies == [{
        "location": "Stmt[1]", "what": "closing balance", "expected": "2940.00", "stated": "2939.90",
        "difference": "-0.10",
        "message": "the opening balance 1000.00 plus the booked entries 1940.00 is 2940.00, not the closing balance 2939.90",
    }]
    assert row.needs_acknowledgement
    # the transactions are usable: payments recorded and matching applied the one it could
    assert (result.new, len(result.payments)) == (2, 2)
    applied = MatchProposal.objects.get(payment__bank_transaction__bank_reference="B-1")
    assert applied.status == MatchProposal.Status.APPLIED
    ledger.refresh_from_db()
    assert ledger.open_amount == Decimal("0.00")
    event = AuditEvent.objects.get(action="statement.imported")
    assert event.after["flagged"] == [{"statement": row.pk, "discrepancies": row.discrepancies}]


def test_a_statement_that_adds_up_is_not_flagged(clerk, ledger):
    result = statements.import_statement(actor=clerk, data=camt053(ENTRIES), filename="ok.xml", match=False)
    row = Statement.objects.get()
    assert result.flagged == [] and not row.flagged and row.balance_difference is None
    assert row.expected_closing == row.closing_balance == Decimal("2940.00") and row.discrepancies == []


def test_strict_refuses_the_file_and_writes_nothing(clerk, ledger):
    before = counts()
    with pytest.raises(BusinessError) as error:
        _import(clerk, strict=True)
    assert str(error.value) == ("off.xml was not imported (read as ISO 20022 camt): Stmt[1]: the opening balance "
                                "1000.00 plus the booked entries 1940.00 is 2940.00, not the closing balance 2939.90")
    assert error.value.fields == [{"field": "file", "message": str(error.value).split(": ", 1)[1]}]
    assert counts() == before


def test_a_clerk_acknowledges_the_flag_with_a_note(clerk, ledger):
    row = _import(clerk, match=False).flagged[0]
    done = statements.acknowledge_statement(actor=clerk, statement_id=row.pk, note="  Bank fee of 0.10 booked next day ")
    row.refresh_from_db()
    assert (row.acknowledged_by, row.acknowledgement_note, row.needs_acknowledgement) == (
        clerk, "Bank fee of 0.10 booked next day", False)
    assert row.acknowledged_at is not None and done.pk == row.pk and row.flagged
    event = AuditEvent.objects.get(action="statement.flag_acknowledged")
    assert (event.object_id, event.reason, event.after["balance_difference"]) == (
        str(row.pk), "Bank fee of 0.10 booked next day", "-0.10")


def test_acknowledging_needs_a_note_a_flag_a_right_and_happens_once(clerk, ledger, make_user):
    row = _import(clerk, match=False).flagged[0]
    seller = make_user("sales")
    before = counts()
    with pytest.raises(BusinessError) as error:
        statements.acknowledge_statement(actor=clerk, statement_id=row.pk, note="   ")
    assert error.value.fields[0]["field"] == "note"
    with pytest.raises(BusinessError) as error:
        statements.acknowledge_statement(actor=clerk, statement_id=row.pk, note="x" * 2001)
    assert error.value.fields[0]["field"] == "note"
    with pytest.raises(NotAllowed):
        statements.acknowledge_statement(actor=seller, statement_id=row.pk, note="seen")
    with pytest.raises(BusinessError) as error:
        statements.acknowledge_statement(actor=clerk, statement_id=row.pk, note="seen", file_id=row.file_id + 1)
    assert error.value.status == 404
    row.refresh_from_db()
    assert counts() == before and row.acknowledged_at is None
    statements.acknowledge_statement(actor=clerk, statement_id=row.pk, note="seen")
    with pytest.raises(BusinessError) as error:
        statements.acknowledge_statement(actor=clerk, statement_id=row.pk, note="again")
    assert error.value.code == "already_acknowledged" and "already acknowledged by clerk" in str(error.value)
    statements.import_statement(actor=clerk, data=camt053([Entry("5.00", ref="B-9")], statement_id="S-2"),
                                filename="fine.xml", match=False)
    fine = Statement.objects.get(statement_id="S-2")
    with pytest.raises(BusinessError) as error:
        statements.acknowledge_statement(actor=clerk, statement_id=fine.pk, note="x")
    assert error.value.code == "not_flagged"
    assert AuditEvent.objects.filter(action="statement.flag_acknowledged").count() == 1


# --------------------------------------------------------------------------- pages


def test_the_pages_show_the_difference_and_take_the_acknowledgement(clerk, ledger):
    web = Client()
    web.force_login(clerk)
    r = web.post("/cash/statements/", {"file": SimpleUploadedFile("off.xml", OFF_BY_TEN_CENTS)}, follow=True)
    assert r.status_code == 200
    page = r.content.decode()
    row = Statement.objects.get()
    assert "1 statement of this file does not add up: its transactions were imported" in page
    assert 'data-testid="statement-flag"' in page
    assert ("the bank's closing balance is <strong>€0.10 less</strong> than its entries account for"
            in " ".join(page.split()))
    for testid, text in (("expected-closing", "€2,940.00"), ("stated-closing", "€2,939.90"), ("difference", "-€0.10")):
        assert page.split(f'data-testid="{testid}">', 1)[1].split("</dd>", 1)[0] == text
    listing = web.get("/cash/statements/").content.decode()
    assert "1 statement does not add up" in listing
    url = f"/cash/statements/{row.file_id}/statements/{row.pk}/acknowledge/"
    before = counts()
    r = web.post(url, {"note": "  "})
    assert r.status_code == 422 and "say what you found out" in r.content.decode()
    assert counts() == before
    r = web.post(url, {"note": "Bank fee booked next day"}, follow=True)
    assert r.status_code == 200
    page = r.content.decode()
    assert "Difference acknowledged" in page and "Bank fee booked next day" in page
    assert 'data-testid="acknowledge-form"' not in page
    assert "difference acknowledged" in web.get("/cash/statements/").content.decode()
    row.refresh_from_db()
    assert row.acknowledged_by == clerk


def test_the_upload_form_can_refuse_what_does_not_add_up(clerk, ledger):
    web = Client()
    web.force_login(clerk)
    before = counts()
    r = web.post("/cash/statements/", {"file": SimpleUploadedFile("off.xml", OFF_BY_TEN_CENTS), "strict": "1"})
    assert r.status_code == 422 and "not the closing balance 2939.90" in r.content.decode()
    assert counts() == before


def test_a_role_that_may_only_look_cannot_acknowledge(clerk, ledger, make_user):
    row = _import(clerk, match=False).flagged[0]
    web = Client()
    web.force_login(make_user("sales"))
    page = web.get(f"/cash/statements/{row.file_id}/").content.decode()
    assert "does not add up" in page and 'data-testid="acknowledge-form"' not in page
    r = web.post(f"/cash/statements/{row.file_id}/statements/{row.pk}/acknowledge/", {"note": "seen"})
    assert r.status_code == 403
    row.refresh_from_db()
    assert row.acknowledged_at is None


# --------------------------------------------------------------------------- API


def _api(user):
    _, secret = issue_token(actor=None, user=user, name="bank-robot")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_the_api_reports_flags_and_takes_the_acknowledgement(clerk, ledger):
    api = _api(clerk)
    before = counts()
    r = api.post("/api/v1/cash/statements?strict=true&match=false", {"file": SimpleUploadedFile("off.xml", OFF_BY_TEN_CENTS)})
    assert r.status_code == 422
    assert "not the closing balance 2939.90" in r.content.decode()
    assert counts() == before
    r = api.post("/api/v1/cash/statements?match=false", {"file": SimpleUploadedFile("off.xml", OFF_BY_TEN_CENTS)})
    assert r.status_code == 201, r.content
    row = Statement.objects.get()
    assert r.json()["flagged_statements"] == [row.pk]
    listed = api.get("/api/v1/cash/statements").json()["items"][0]
    assert (listed["flagged_statements"], listed["unacknowledged_flags"]) == (1, 1)
    detail = api.get(f"/api/v1/cash/statements/{row.file_id}").json()
    [statement] = detail["statement_list"]
    assert (statement["id"], statement["flagged"], statement["expected_closing"], statement["closing_balance"],
            statement["balance_difference"], statement["acknowledged_at"]) == (
        row.pk, True, "2940.00", "2939.90", "-0.10", None)
    assert statement["discrepancies"][0]["what"] == "closing balance"
    url = f"/api/v1/cash/statements/{row.file_id}/statements/{row.pk}/acknowledge"
    r = api.post(url, json.dumps({"note": ""}), content_type="application/json")
    assert r.status_code == 422
    r = api.post(url, json.dumps({"note": "Bank fee"}), content_type="application/json")
    assert r.status_code == 200, r.content
    assert (r.json()["acknowledged_by"], r.json()["acknowledgement_note"]) == ("clerk", "Bank fee")
    r = api.post(url, json.dumps({"note": "again"}), content_type="application/json")
    assert r.status_code == 409
    assert api.get("/api/v1/cash/statements").json()["items"][0]["unacknowledged_flags"] == 0
    assert api.get("/api/v1/cash/statements/999999").status_code == 404


def test_the_api_parse_shows_the_difference(clerk, ledger):
    r = _api(clerk).post("/api/v1/cash/statements/parse", {"file": SimpleUploadedFile("off.xml", OFF_BY_TEN_CENTS)})
    assert r.status_code == 200
    [statement] = r.json()
    assert (statement["reconciles"], statement["balance_difference"]) == (False, "-0.10")


# --------------------------------------------------------------------------- CLI


def test_the_command_line_imports_flags_lists_and_acknowledges(clerk, ledger, tmp_path, capsys):
    path = tmp_path / "off.xml"
    path.write_bytes(OFF_BY_TEN_CENTS)
    before = counts()
    with pytest.raises(CommandError, match="not the closing balance 2939.90"):
        call_command("cash", "import", str(path), "--strict", "--no-match", "--user", "clerk")
    assert counts() == before
    call_command("cash", "import", str(path), "--no-match", "--user", "clerk")
    row = Statement.objects.get()
    out = capsys.readouterr().out
    assert (f"statement {row.pk} (STMT-1, account DE89370400440532013000) does not add up (difference -0.10 EUR): "
            "the opening balance 1000.00 plus the booked entries 1940.00 is 2940.00, not the closing balance 2939.90"
            ) in out
    assert "credere cash acknowledge STATEMENT_ID" in out
    call_command("cash", "flagged")
    assert f"statement {row.pk} (STMT-1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="note: say what you found out"):
        call_command("cash", "acknowledge", str(row.pk), "--note", " ", "--user", "clerk")
    call_command("cash", "acknowledge", str(row.pk), "--note", "Bank fee", "--user", "clerk")
    assert capsys.readouterr().out.strip() == f"statement {row.pk}: difference acknowledged"
    call_command("cash", "flagged")
    assert capsys.readouterr().out.strip() == "no statement waits for acknowledgement"
    call_command("cash", "flagged", "--all")
    assert "acknowledged by clerk" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already acknowledged"):
        call_command("cash", "acknowledge", str(row.pk), "--note", "again", "--user", "clerk")


def test_the_parse_command_can_be_strict(tmp_path, capsys):
    path = tmp_path / "off.xml"
    path.write_bytes(OFF_BY_TEN_CENTS)
    call_command("cash", "parse", str(path))
    assert json.loads(capsys.readouterr().out)[0]["balance_difference"] == "-0.10"
    with pytest.raises(CommandError, match="not the closing balance 2939.90"):
        call_command("cash", "parse", str(path), "--strict")


def test_a_refused_file_names_the_format_it_was_read_as(clerk, ledger):
    with pytest.raises(BusinessError) as error:
        statements.import_statement(actor=clerk, data=b":61:2603020302CR1,00NTRFNONREF\n:86:x\n", filename="part.sta")
    assert str(error.value) == ("part.sta was not imported (read as MT940): line 1: :61: comes before the first :20: "
                                "transaction reference")


TRUNCATED = [
    # an MT940 cut off after its first transaction, behind a bank header line
    ("cut.sta", b"ABNANL2A\n940\nABNANL2A\n:20:940S260302\n:25:NL91ABNA0417164300\n:28C:61/1\n"
                b":60F:C260301EUR2500,00\n:61:260302C1250,00N654NONREF\n:86:/NAME/Zeeland Trading B.V.\n",
     "MT940", "line 4: the statement starting here has no closing balance (:62F:/:62M:); is the file cut off?"),
    # a BAI2 file whose first lines are missing, with packed records and text wrapped without 88
    ("cut.bai", b"16,165,100000,0,PP1,INV-3001,ACH credit/16,165,50000,0,PP2,,ACH credit from\nLindqvist AB/\n"
                b"49,150000,3/\n",
     "BAI2", "line 1: a BAI2 file starts with a 01 file header"),
]


@pytest.mark.parametrize(("name", "data", "kind", "message"), TRUNCATED)
def test_a_truncated_bank_file_is_refused_as_its_format_everywhere(clerk, ledger, tmp_path, name, data, kind,
                                                                   message):
    expected = f"{name} was not imported (read as {kind}): {message}"
    api = _api(clerk)
    web = Client()
    web.force_login(clerk)  # signing in is audited: what is counted from here on must not change
    before = counts()
    page = web.post("/cash/statements/", {"file": SimpleUploadedFile(name, data)})
    assert page.status_code == 422
    assert expected in html.unescape(page.content.decode()) and "CSV mapping" not in page.content.decode()
    for url in ("/api/v1/cash/statements?match=false", "/api/v1/cash/statements/parse"):
        r = api.post(url, {"file": SimpleUploadedFile(name, data)})
        assert r.status_code == 422 and expected in r.content.decode(), r.content
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CommandError) as error:
        call_command("cash", "parse", str(path))
    assert str(error.value) == expected
    assert counts() == before
