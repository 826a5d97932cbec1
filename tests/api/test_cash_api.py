"""Cash application through the API: statements in, proposals, a clerk's decisions, the policy."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cashapp.statements import Entry, camt053
from credere.cashapp.models import MatchingPolicyVersion, StatementFile
from credere.cashapp.services.runs import run_matching
from credere.identity.services import issue_token
from credere.ledger.models import OpenItem, Payment
from credere.ledger.services.documents import upsert_item
from credere.ledger.services.master_data import upsert_customer

pytestmark = pytest.mark.django_db


def _client(user):
    _, secret = issue_token(actor=None, user=user, name="bank-robot")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def clerk(make_user):
    return make_user("cash_clerk", username="clerk")


@pytest.fixture
def items(admin, company):
    north = upsert_customer(actor=admin, account_number="C100", name="Northwind Logistics Ltd")[0]
    out = {}
    for number, amount in (("INV-1001", "1190.00"), ("INV-1002", "500.00"), ("INV-1003", "250.00")):
        out[number] = upsert_item(actor=admin, company=company, customer=north, document_type="invoice",
                                  document_number=number, document_date=dt.date(2026, 10, 1),
                                  due_date=dt.date(2026, 10, 31), currency="EUR", amount=Decimal(amount))[0]
    return out


STATEMENT = camt053([
    Entry("1190.00", "Northwind Logistics Ltd", "GB29NWBK60161331926819", "INV-1001", "B-1"),
    Entry("750.00", "NWL SOLUTIONS", "GB94BARC10201530093459", "October", "B-2"),
])


def test_import_parse_runs_and_proposals(clerk, items, django_capture_on_commit_callbacks):
    api = _client(clerk)
    r = api.post("/api/v1/cash/statements/parse", {"file": SimpleUploadedFile("s.xml", STATEMENT)})
    assert r.status_code == 200
    parsed = r.json()
    assert parsed[0]["account"] == "DE89370400440532013000" and len(parsed[0]["transactions"]) == 2
    assert StatementFile.objects.count() == 0 and Payment.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=False) as queued:
        r = api.post("/api/v1/cash/statements", {"file": SimpleUploadedFile("s.xml", STATEMENT)})
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["statements"], body["new_transactions"], body["matching"]) == (1, 2, "queued")
    assert len(queued) == 1 and len(body["payments"]) == 2
    again = api.post("/api/v1/cash/statements", {"file": SimpleUploadedFile("s.xml", STATEMENT)}).json()
    assert (again["new_transactions"], again["known_transactions"], again["matching"]) == (0, 2, "nothing to match")
    r = api.post("/api/v1/cash/runs", json.dumps({}), content_type="application/json")
    assert r.status_code == 201 and r.json()["payments"] == 2 and r.json()["applied"] == 1
    applied = api.get("/api/v1/cash/proposals", {"status": "applied"}).json()["items"]
    assert len(applied) == 1
    reasons = {r["code"]: r["text"] for r in applied[0]["reasons"]}
    assert "REFERENCE_EXACT" in reasons and reasons["REFERENCE_EXACT"] != "REFERENCE_EXACT"
    assert applied[0]["lines"][0]["document_number"] == "INV-1001"
    tx = api.get("/api/v1/cash/transactions", {"incoming": "true"}).json()
    assert tx["count"] == 2 and {t["bank_reference"] for t in tx["items"]} == {"B-1", "B-2"}
    files = api.get("/api/v1/cash/statements").json()
    assert files["count"] == 2 and "content" not in files["items"][0]


def test_bad_file_is_a_422_naming_the_element(clerk, items):
    api = _client(clerk)
    broken = STATEMENT.replace(b"<Amt Ccy=\"EUR\">750.00</Amt>", b"<Amt Ccy=\"EUR\">seven</Amt>")
    r = api.post("/api/v1/cash/statements", {"file": SimpleUploadedFile("s.xml", broken)})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "bad_statement" and error["fields"][0]["field"] == "file"
    assert "seven" in error["message"]
    assert StatementFile.objects.count() == 0 and Payment.objects.count() == 0


def test_manual_match_undo_and_on_account(clerk, admin, items):
    api = _client(clerk)
    api.post("/api/v1/cash/statements?match=false", {"file": SimpleUploadedFile("s.xml", STATEMENT)})
    nwl = Payment.objects.get(payer_name="NWL SOLUTIONS")
    body = {"lines": [{"item_id": items["INV-1002"].pk, "amount": "500.00"},
                      {"item_id": items["INV-1003"].pk, "amount": "240.00", "deduction": "10.00"}],
            "note": "customer called"}
    r = api.post(f"/api/v1/cash/payments/{nwl.pk}/match", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    proposal = r.json()
    assert proposal["status"] == "manual" and len(proposal["lines"]) == 2
    assert OpenItem.objects.get(pk=items["INV-1003"].pk).open_amount == Decimal("10.00")
    r = api.post(f"/api/v1/cash/proposals/{proposal['id']}/undo", json.dumps({"reason": ""}),
                 content_type="application/json")
    assert r.status_code == 422
    r = api.post(f"/api/v1/cash/proposals/{proposal['id']}/undo", json.dumps({"reason": "wrong split"}),
                 content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "undone"
    assert OpenItem.objects.get(pk=items["INV-1003"].pk).open_amount == Decimal("250.00")
    r = api.post(f"/api/v1/cash/payments/{nwl.pk}/on-account", json.dumps({"customer_account": "C100"}),
                 content_type="application/json")
    assert r.status_code == 201
    r = api.post(f"/api/v1/cash/payments/{nwl.pk}/on-account", json.dumps({"customer_account": "C100"}),
                 content_type="application/json")
    assert r.status_code == 409
    r = api.post(f"/api/v1/cash/payments/{nwl.pk}/match", json.dumps({"lines": [
        {"item_id": items["INV-1002"].pk, "amount": "9999.00"}]}), content_type="application/json")
    # more than the item has open is a conflict with the ledger, as the ledger's own allocations answer it
    assert r.status_code == 409 and r.json()["error"]["fields"][0]["field"] == "lines[1].amount"
    assert r.json()["error"]["code"] == "over_allocation"


def test_accept_and_policy(clerk, make_user, items):
    manager = make_user("credit_manager", username="manager")
    boss = _client(manager)
    r = boss.put("/api/v1/cash/policy", json.dumps({"settings": {"auto_apply_confidence": "1"}, "note": "review all"}),
                 content_type="application/json")
    assert r.status_code == 200 and r.json()["version"] == 2
    r = _client(clerk).put("/api/v1/cash/policy", json.dumps({"settings": {"auto_apply_confidence": "0.5"}}),
                           content_type="application/json")
    assert r.status_code == 403 and MatchingPolicyVersion.objects.count() == 2
    r = boss.put("/api/v1/cash/policy", json.dumps({"settings": {"max_candidates": "lots"}}),
                 content_type="application/json")
    assert r.status_code == 422 and r.json()["error"]["fields"] == [
        {"field": "max_candidates", "message": "give a whole number"}]
    api = _client(clerk)
    api.post("/api/v1/cash/statements?match=false", {"file": SimpleUploadedFile("s.xml", STATEMENT)})
    run_matching(actor=clerk)
    suggestion = api.get("/api/v1/cash/proposals", {"status": "suggested"}).json()["items"][0]
    assert suggestion["lines"][0]["document_number"] == "INV-1001"
    r = api.post(f"/api/v1/cash/proposals/{suggestion['id']}/accept")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert api.post(f"/api/v1/cash/proposals/{suggestion['id']}/accept").status_code == 409
    assert api.get("/api/v1/cash/policy").json()["settings"]["auto_apply_confidence"] == "1"


def test_roles_without_the_right_are_refused(make_user, items):
    sales = _client(make_user("sales"))
    r = sales.post("/api/v1/cash/statements", {"file": SimpleUploadedFile("s.xml", STATEMENT)})
    assert r.status_code == 403 and StatementFile.objects.count() == 0
    assert sales.post("/api/v1/cash/runs", "{}", content_type="application/json").status_code == 403
    assert sales.get("/api/v1/cash/proposals").status_code == 200


def test_what_credere_learned_about_a_payer(clerk, make_user, items):
    api = _client(clerk)
    api.post("/api/v1/cash/statements", {"file": SimpleUploadedFile("s.xml", STATEMENT)})
    run_matching(actor=clerk)
    body = api.get("/api/v1/cash/customers/C100/payers").json()
    assert [a["account"] for a in body["bank_accounts"]] == ["GB29NWBK60161331926819"]
    assert body["bank_accounts"][0]["source"] == "learned"
    assert api.get("/api/v1/cash/customers/NOPE/payers").status_code == 404
    analyst = _client(make_user("credit_analyst"))
    r = analyst.post("/api/v1/cash/customers/C100/bank-accounts", json.dumps({"account": "NL91 ABNA 0417 1643 00"}),
                     content_type="application/json")
    assert r.status_code == 201 and r.json()["account"] == "NL91ABNA0417164300"
    r = analyst.post("/api/v1/cash/customers/C100/bank-accounts", json.dumps({"account": "NL91ABNA0417164301"}),
                     content_type="application/json")
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "account"
    assert api.post("/api/v1/cash/customers/C100/bank-accounts", json.dumps({"account": "123456"}),
                    content_type="application/json").status_code == 403


def test_reading_the_policy_writes_nothing_and_a_change_needs_a_note(make_user, items):
    from django.apps import apps

    from credere.audit.models import AuditEvent

    def state():  # every cash-application row and every audit event (a token's use is noted on the token)
        models = [*apps.get_app_config("cashapp").get_models(), AuditEvent]
        return [list(m._default_manager.order_by("pk").values_list()) for m in models]

    boss = _client(make_user("credit_manager", username="manager"))
    before = state()
    r = boss.get("/api/v1/cash/policy")
    assert r.status_code == 200
    assert (r.json()["version"], r.json()["effective_from"], r.json()["created_by"]) == (1, None, "system")
    assert r.json()["settings"]["auto_apply_confidence"] == "0.95"
    assert state() == before and MatchingPolicyVersion.objects.count() == 0
    for body in ({"settings": {"auto_apply_confidence": "0.9"}},
                 {"settings": {"auto_apply_confidence": "0.9"}, "note": "  "}):
        r = boss.put("/api/v1/cash/policy", json.dumps(body), content_type="application/json")
        assert r.status_code == 422 and r.json()["error"]["fields"] == [
            {"field": "note", "message": "say why the policy changes (it is kept with the version)"}]
    assert state() == before and MatchingPolicyVersion.objects.count() == 0


def test_a_big_statement_is_imported_by_the_worker_and_followed_by_its_status_url(
        clerk, items, settings, make_user, django_capture_on_commit_callbacks):
    """Over CREDERE_BACKGROUND_STATEMENT_BYTES the API answers 202 at once; the worker imports the file (and queues
    its matching), the status says what the import found; a second run of the task, as after a worker restart,
    imports nothing twice; a refused file keeps its bytes and says why; only the sender sees an upload."""
    from credere.cashapp.models import StatementUpload
    from credere.cashapp.tasks import import_statement_upload

    settings.CREDERE_BACKGROUND_STATEMENT_BYTES = 100
    api = _client(clerk)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        r = api.post("/api/v1/cash/statements?company=DE01", {"file": SimpleUploadedFile("big.xml", STATEMENT)})
    assert r.status_code == 202, r.content
    body = r.json()
    assert body["state"] == "queued" and body["status_url"] == f"/api/v1/cash/statement-uploads/{body['upload_id']}"
    assert len(queued) == 1 and StatementFile.objects.count() == 0 and Payment.objects.count() == 0
    waiting = api.get(body["status_url"]).json()
    assert (waiting["state"], waiting["finished"], waiting["result"]) == ("queued", False, None)

    with django_capture_on_commit_callbacks(execute=False) as matching:
        assert import_statement_upload.call(body["upload_id"]).startswith("imported as statement file")
    assert len(matching) == 1  # the matching run is queued for the worker, as for a small file
    done = api.get(body["status_url"]).json()
    assert (done["state"], done["finished"], done["error"]) == ("done", True, "")
    assert (done["result"]["statements"], done["result"]["new_transactions"], len(done["result"]["payments"])) == (
        1, 2, 2)
    assert done["file_id"] == StatementFile.objects.get().pk
    assert bytes(StatementUpload.objects.get().data) == b""  # the statement file keeps the bytes
    assert import_statement_upload.call(body["upload_id"]) == "skipped: done"

    # the worker died after the import committed but before it said so: the next run finds the file
    StatementUpload.objects.filter(pk=body["upload_id"]).update(state="importing", file=None, result=None)
    assert import_statement_upload.call(body["upload_id"]).startswith("imported as statement file")
    assert StatementFile.objects.count() == 1 and Payment.objects.count() == 2

    other = _client(make_user("cash_clerk", username="clerk2"))
    assert other.get(body["status_url"]).status_code == 404

    broken = STATEMENT.replace(b"<Amt Ccy=\"EUR\">750.00</Amt>", b"<Amt Ccy=\"EUR\">seven</Amt>")
    with django_capture_on_commit_callbacks(execute=False):
        r = api.post("/api/v1/cash/statements", {"file": SimpleUploadedFile("broken.xml", broken)})
    assert r.status_code == 202
    assert import_statement_upload.call(r.json()["upload_id"]).startswith("refused")
    refused = api.get(r.json()["status_url"]).json()
    assert (refused["state"], refused["finished"], refused["file_id"]) == ("failed", True, None)
    assert "seven" in refused["error"] or "amount" in refused["error"].lower()
    assert bytes(StatementUpload.objects.get(pk=r.json()["upload_id"]).data) == broken
    assert StatementFile.objects.count() == 1
