from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from imports.conftest import ITEMS_HEADER, SAMPLES, db_state

pytestmark = pytest.mark.django_db

GOOD = ITEMS_HEADER + "DE01,C1000,invoice,INV-1,2026-01-15,2026-02-14,EUR,1190.00\n"
BAD = GOOD + "DE01,C1000,invoice,INV-2,2026-01-15,2026-02-14,EUR,12.345\n"


def _client(user) -> Client:
    from credere.identity.services import issue_token

    return Client(headers={"Authorization": f"Bearer {issue_token(actor=None, user=user, name='t')[1]}"})


@pytest.fixture
def api(admin):
    return _client(admin)


def _upload(client: Client, entity: str, content: bytes | str, name: str = "items.csv", query: str = ""):
    data = content.encode() if isinstance(content, str) else content
    return client.post(f"/api/v1/imports/{entity}{query}", {"file": SimpleUploadedFile(name, data)})


def test_upload_imports_and_reports_counts(ledger, api):
    r = _upload(api, "items", GOOD)
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["status"], body["created"], body["updated"], body["unchanged"], body["rejected"]) == (
        "succeeded", 1, 0, 0, 0)
    assert body["run_id"] and body["errors"] == [] and len(body["sha256"]) == 64
    again = _upload(api, "items", GOOD).json()
    assert (again["created"], again["unchanged"]) == (0, 1)


def test_rejected_file_is_422_with_every_row_error_and_nothing_written(ledger, api):
    state = db_state()
    r = _upload(api, "items", BAD)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "import_rejected"
    assert error["fields"] == [{"field": "row 3, amount", "message": "'12.345' has more decimals than EUR allows (2)"}]
    assert error["report"]["errors"] == [{"row": 3, "column": "amount", "field": "amount",
                                          "message": "'12.345' has more decimals than EUR allows (2)"}]
    from credere.ledger.models import OpenItem

    assert OpenItem.objects.count() == 0
    assert db_state() != state  # only the rejected run and its audit event
    runs = api.get("/api/v1/imports/runs?entity=items").json()
    assert [(run["status"], run["rejected"]) for run in runs["items"]] == [("rejected", 1)]
    detail = api.get(f"/api/v1/imports/runs/{runs['items'][0]['id']}").json()
    assert detail["errors"][0]["row"] == 3


def test_partial_and_preview(ledger, api):
    state = db_state()
    preview = _upload(api, "items", BAD, query="?preview=true").json()
    assert (preview["status"], preview["created"], preview["rejected"]) == ("preview", 1, 1)
    # a row to be created shows the values that will be written (foreign keys by their codes)
    new = {"company": "DE01", "customer": "C1000", "document_type": "invoice", "document_number": "INV-1",
           "document_date": "2026-01-15", "posting_date": "2026-01-15", "due_date": "2026-02-14", "currency": "EUR",
           "amount": "1190.00"}
    assert preview["changes"] == [{"row": 2, "key": "DE01/invoice/INV-1", "outcome": "created",
                                   "changes": {k: {"before": None, "after": v} for k, v in new.items()}}]
    assert db_state() == state
    partial = _upload(api, "items", BAD, query="?partial=true")
    assert partial.status_code == 200
    assert (partial.json()["status"], partial.json()["created"], partial.json()["rejected"]) == ("partial", 1, 1)


def test_amounts_in_changes_are_strings(ledger, api):
    _upload(api, "items", GOOD)
    body = _upload(api, "items", GOOD.replace("1190.00", "1200.5"), query="?preview=true").json()
    assert body["changes"][0]["changes"]["amount"] == {"before": "1190.00", "after": "1200.50"}


def test_mappings_put_get_and_use(ledger, api, make_user):
    mapping = {"columns": {"BUKRS": "company_code", "KUNNR": "account_number", "BLART": "document_type",
                           "BELNR": "document_number", "BLDAT": "document_date", "BUDAT": "posting_date",
                           "FAEDT": "due_date", "WAERS": "currency", "WRBTR": "amount", "XBLNR": "customer_reference",
                           "VBELN": "billing_reference", "SGTXT": "-"},
               "values": {"document_type": {"RV": "invoice", "DG": "credit_note", "DR": "debit_note"}}}
    analyst = _client(make_user("credit_analyst"))
    denied = analyst.put("/api/v1/imports/mappings/SAP/items", mapping, content_type="application/json")
    assert denied.status_code == 403
    r = api.put("/api/v1/imports/mappings/SAP/items", mapping, content_type="application/json")
    assert r.status_code == 200 and r.json()["outcome"] == "created"
    assert api.get("/api/v1/imports/mappings/sap/items").json()["mapping"] == mapping
    assert [m["source_system"] for m in api.get("/api/v1/imports/mappings").json()] == ["SAP"]
    bad = api.put("/api/v1/imports/mappings/SAP/items", {"columns": {"X": "nope"}}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "mapping"
    r = _upload(api, "items", (SAMPLES / "sap-open-items.csv").read_bytes(), "FBL5N.csv", "?mapping=SAP")
    assert r.status_code == 200, r.content
    assert (r.json()["created"], r.json()["encoding"], r.json()["mapping"]) == (3, "cp1252", "SAP")
    assert api.get("/api/v1/imports/mappings/NAV/items").status_code == 404


def test_export_download(ledger, api, make_user):
    _upload(api, "items", GOOD)
    r = api.get("/api/v1/imports/export/items?format=csv&company=DE01")
    assert r.status_code == 200 and r["Content-Disposition"] == 'attachment; filename="items.csv"'
    assert r.content.decode().splitlines()[1] == ("DE01,C1000,invoice,INV-1,2026-01-15,2026-02-14,EUR,1190.00,"
                                                  "2026-01-15,,,,1190.00")
    x = api.get("/api/v1/imports/export/customers?format=xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(x.content)).active
    assert [c.value for c in ws[1]][:2] == ["account_number", "name"] and ws.max_row == 5
    assert _client(make_user("sales")).get("/api/v1/imports/export/items").status_code == 403


def test_collector_cannot_import_items_and_nothing_changes(ledger, make_user):
    client = _client(make_user("collector"))
    state = db_state()
    r = _upload(client, "items", GOOD)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert db_state() == state


@pytest.mark.parametrize(("entity", "content", "query", "code"), [
    ("invoices", GOOD, "", "invalid"),
    ("items", b"", "", "bad_file"),
    ("items", bytes(range(256)) * 20, "", "bad_file"),
    ("items", b"PK\x03\x04" + bytes(range(256)) * 4, "", "bad_file"),
    ("items", ITEMS_HEADER + "DE01,C1000,invoice,\"" + "x" * 200_000 + "\",2026-01-15,2026-02-14,EUR,1\n", "",
     "bad_file"),
    ("items", ITEMS_HEADER.encode() + b"DE01,C1000,invoice,\x81\x8d\x8f,2026-01-15,2026-02-14,EUR,1\n", "", "bad_file"),
    ("items", GOOD, "?encoding=klingon", "bad_file"),
    ("items", GOOD.encode("utf-16-le"), "?encoding=utf-8", "bad_file"),
    ("items", GOOD, "?format=ecb", "bad_file"),
    ("items", GOOD, "?format=pdf", "invalid"),
    ("items", GOOD, "?mapping=" + "x" * 61, "invalid"),
    ("items", GOOD, "?delimiter=%22", "bad_file"),
    ("items", "KUNNR\nC1\n", "", "bad_columns"),
    ("items", "\ufeff\n\n\n", "", "bad_file"),
    ("fx-rates", "<!DOCTYPE x [<!ENTITY a 'aaa'>]><x>&a;</x>", "", "bad_file"),
])
def test_malformed_requests_are_422_never_500(ledger, api, entity, content, query, code):
    state = db_state()
    r = _upload(api, entity, content, query=query)
    assert r.status_code == 422, r.content
    assert r.json()["error"]["code"] == code
    assert set(r.json()) == {"error"}
    assert db_state() == state


def test_upload_without_a_file_is_422(ledger, api):
    r = api.post("/api/v1/imports/items", {})
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "file"
    r = api.post("/api/v1/imports/items", "not multipart", content_type="text/plain")
    assert r.status_code == 422


def test_too_large_upload(ledger, api, settings):
    settings.CREDERE_IMPORT_MAX_BYTES = 100
    r = _upload(api, "items", GOOD * 2)
    assert r.status_code == 422 and r.json()["error"]["code"] == "file_too_large"


def test_a_big_file_goes_to_the_worker_and_is_followed_by_its_status_url(ledger, api, settings, make_user,
                                                                          django_capture_on_commit_callbacks):
    """Over CREDERE_API_BACKGROUND_IMPORT_BYTES: 202, the worker previews it, the caller reads the preview, then
    imports the previewed bytes without sending them again; nobody else sees the upload."""
    from credere.imports.models import ImportRun, ImportUpload
    from credere.imports.tasks import process_upload
    from credere.ledger.models import OpenItem

    settings.CREDERE_API_BACKGROUND_IMPORT_BYTES = 10
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    state = db_state()
    with django_capture_on_commit_callbacks(execute=False):
        r = _upload(api, "items", BAD, query="?preview=true&delimiter=,")
    assert r.status_code == 202, r.content
    queued = r.json()
    assert queued["state"] == "previewing" and queued["status_url"] == f"/api/v1/imports/uploads/{queued['upload_id']}"
    upload = ImportUpload.objects.get(pk=queued["upload_id"])
    assert (upload.source, upload.options) == ("api", {"delimiter": ","})
    waiting = api.get(queued["status_url"]).json()
    assert (waiting["state"], waiting["finished"], waiting["preview"]) == ("previewing", False, None)

    assert process_upload.call(queued["upload_id"], "preview") == "previewed"
    previewed = api.get(queued["status_url"]).json()
    assert (previewed["state"], previewed["finished"]) == ("previewed", True)
    assert (previewed["preview"]["status"], previewed["preview"]["created"], previewed["preview"]["rejected"]) == (
        "preview", 1, 1)
    assert previewed["progress"]["total"] == 2
    assert OpenItem.objects.count() == 0 and not ImportRun.objects.filter(entity="items").exists()

    other = _client(make_user("credit_manager", username="other-manager"))
    assert other.get(queued["status_url"]).status_code in (403, 404)
    assert api.get("/api/v1/imports/uploads/not-a-uuid").status_code == 422

    with django_capture_on_commit_callbacks(execute=False):
        r = api.post(f"{queued['status_url']}/import?partial=true")
    assert r.status_code == 202 and r.json()["state"] == "importing"
    assert process_upload.call(queued["upload_id"], "import") == "done"
    done = api.get(queued["status_url"]).json()
    assert (done["state"], done["result"]["status"], done["result"]["created"]) == ("done", "partial", 1)
    assert done["run_id"] == ImportRun.objects.get(entity="items").pk and OpenItem.objects.count() == 1
    assert db_state() != state


def test_a_background_import_without_preview_and_a_changed_file_refused(ledger, api, settings,
                                                                         django_capture_on_commit_callbacks):
    from credere.imports.tasks import process_upload
    from credere.ledger.models import OpenItem

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=False):
        r = _upload(api, "items", GOOD, query="?background=true")
    assert r.status_code == 202 and r.json()["state"] == "importing"
    assert process_upload.call(r.json()["upload_id"], "import") == "done"
    assert api.get(r.json()["status_url"]).json()["result"]["created"] == 1
    assert OpenItem.objects.count() == 1
    wrong = _upload(api, "items", GOOD, query="?background=true&sha256=" + "0" * 64)
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "file_changed"
    confirm_twice = api.post(f"{r.json()['status_url']}/import")
    assert confirm_twice.status_code in (409, 422) and confirm_twice.json()["error"]["code"] == "not_previewed"
