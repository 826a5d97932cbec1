"""Imports in the browser: upload, column mapping, preview (nothing written), confirm, result, background."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from credere.imports.models import ImportMapping, ImportRun, ImportUpload
from credere.ledger.models import Customer, OpenItem
from support.portfolio import db_state

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
ITEMS = (
    "company_code,account_number,document_type,document_number,document_date,due_date,currency,amount\n"
    "DE01,H1,invoice,INV-10,2026-03-02,2026-04-01,EUR,250.00\n"
    "DE01,S1,invoice,INV-11,2026-03-03,2026-04-02,EUR,99.90\n"
    "DE01,H1A,invoice,INV-1,2026-01-05,2026-02-04,EUR,1000.00\n"
)


def _post(c, entity, content, name="file.csv", **extra):
    data = content.encode() if isinstance(content, str) else content
    return c.post("/imports/new/", {"entity": entity, "file": SimpleUploadedFile(name, data, "text/csv"), **extra})


def test_preview_writes_nothing_then_confirm_imports(portfolio, client_for):
    c = client_for("credit_manager")
    before = db_state()
    r = _post(c, "items", ITEMS, name="items.csv")
    assert r.status_code == 302
    upload = ImportUpload.objects.get()
    assert r["Location"] == f"/imports/{upload.pk}/"
    page = c.get(r["Location"])
    p = page.context["p"]
    assert (p["status"], p["total_rows"], p["created"], p["updated"], p["unchanged"], p["rejected"]) == (
        "preview", 3, 2, 0, 1, 0)
    assert [(ch["row"], ch["key"], ch["outcome"]) for ch in page.context["changes_table"].rows] == [
        (2, "DE01/invoice/INV-10", "created"), (3, "DE01/invoice/INV-11", "created")]
    html = page.content.decode()
    assert "Import 3 rows" in html and "Nothing has been written yet" in html
    # what will be written, row by row (not an empty "Changes" cell for new records)
    assert ("company DE01 · customer S1 · document_type invoice · document_number INV-11 · document_date 2026-03-03"
            in html)
    assert not OpenItem.objects.filter(document_number__in=["INV-10", "INV-11"]).exists()
    assert not ImportRun.objects.exists()
    assert before != db_state()  # only the kept upload differs
    r = c.post(f"/imports/{upload.pk}/confirm/")
    run = ImportRun.objects.get()
    assert r["Location"] == f"/imports/runs/{run.pk}/"
    assert (run.status, run.created, run.unchanged, run.actor) == ("succeeded", 2, 1, "manager")
    assert OpenItem.objects.get(document_number="INV-10").amount == 250
    result = c.get(r["Location"])
    html = result.content.decode()
    assert result.status_code == 200 and "2 created" in html
    assert html.count('class="alert alert-success"') == 1  # the result is said once, not again as a flash message
    upload.refresh_from_db()
    assert upload.state == "done" and bytes(upload.data) == b""
    # confirming again does nothing more
    assert c.post(f"/imports/{upload.pk}/confirm/").status_code == 302
    assert ImportRun.objects.count() == 1


def test_rejected_rows_are_listed_with_row_numbers_and_reasons(portfolio, client_for):
    c = client_for("credit_manager")
    content = ITEMS + "DE01,NOPE,invoice,INV-12,2026-03-03,2026-04-02,EUR,10.00\nDE01,S1,invoice,INV-13,2026-03-03,2026-02-01,EUR,abc\n"
    upload_url = _post(c, "items", content)["Location"]
    page = c.get(upload_url)
    p = page.context["p"]
    assert (p["created"], p["rejected"]) == (2, 2)
    errors = [(e["row"], e["column"], e["message"]) for e in page.context["errors_table"].rows]
    assert errors[0][:2] == (5, "account_number") and "NOPE" in errors[0][2]
    assert all(e[0] == 6 for e in errors[1:]) and any(e[1] == "amount" for e in errors[1:])
    html = page.content.decode()
    assert "2 rows cannot be imported" in html and "Import the good rows, skip 2 rejected" in html
    assert "Import 5 rows" not in html
    # importing everything is refused by the import service; only the good rows with "partial"
    r = c.post(upload_url + "confirm/", {"partial": "1"})
    run = ImportRun.objects.get()
    assert (run.status, run.created, run.rejected) == ("partial", 2, 2)
    assert r["Location"] == f"/imports/runs/{run.pk}/"
    shown = c.get(r["Location"])
    assert [e["row"] for e in shown.context["errors_table"].rows][:1] == [5]


def test_unknown_columns_lead_to_the_mapping_page_and_a_saved_mapping(portfolio, client_for):
    c = client_for("credit_manager")
    sap = (SAMPLES / "sap-open-items.csv").read_bytes()
    for code in ("C1000", "C2000"):
        Customer.objects.create(account_number=code, name=f"Customer {code}")
    upload_url = _post(c, "items", sap, name="sap-open-items.csv")["Location"]
    assert c.get(upload_url)["Location"] == upload_url + "mapping/"
    page = c.get(upload_url + "mapping/")
    headers = page.context["form"].headers
    assert [h.header for h in headers][:4] == ["BUKRS", "KUNNR", "BLART", "BELNR"]
    assert page.context["problem"] == (
        "The columns of this file do not match: 12 columns are not known (BUKRS, KUNNR, BLART, BELNR, BLDAT, "
        "BUDAT and 6 more) and 8 required columns are missing (company_code, account_number, document_type, "
        "document_number, document_date, due_date and 2 more). Choose below which Credere column each column "
        "fills, or ignore it.")
    spec = json.loads((SAMPLES / "sap-open-items.mapping.json").read_text())
    form = {f"map_{h.index}": spec["columns"][h.header] for h in headers}
    blart = next(h for h in headers if h.header == "BLART")
    assert blart.values == []  # not yet mapped to document_type: no code translation offered
    form.update({"val__document_type__RV": "invoice", "val__document_type__DG": "credit_note",
                 "val__document_type__DR": "debit_note", "save": "1", "save_as": "SAP"})
    r = c.post(upload_url + "mapping/", form)
    assert r["Location"] == upload_url
    saved = ImportMapping.objects.get()
    assert (saved.source_system, saved.entity) == ("SAP", "items")
    assert saved.mapping["values"]["document_type"] == {"RV": "invoice", "DG": "credit_note", "DR": "debit_note"}
    preview = c.get(upload_url).context["p"]
    assert (preview["created"], preview["rejected"]) == (3, 0)
    # the mapping page now offers the codes of the mapped column
    again = c.get(upload_url + "mapping/").context["form"].headers
    assert next(h for h in again if h.header == "BLART").values == [("RV", "invoice"), ("DG", "credit_note")]
    # the next SAP file picks the saved mapping on the upload page
    second = _post(c, "items", sap, name="again.csv", mapping="SAP")["Location"]
    assert c.get(second).context["p"]["created"] == 3


def test_a_file_that_cannot_be_read_says_why(portfolio, client_for):
    c = client_for("cash_clerk")
    upload_url = _post(c, "payments", b"PK\x03\x04 not really a workbook", name="x.xlsx")["Location"]
    page = c.get(upload_url)
    assert page.context["u"].state == "failed"
    assert "x.xlsx" in page.content.decode() and "This file cannot be imported" in page.content.decode()
    r = c.post("/imports/new/", {"entity": "payments"})
    assert r.status_code == 422 and r.context["errors"].of("file") == ["Choose a CSV, XLSX or ECB XML file to upload."]
    assert 'aria-describedby="f-file-help" aria-invalid="true"' in r.content.decode()


def test_cancel_keeps_nothing(portfolio, client_for):
    c = client_for("credit_manager")
    upload_url = _post(c, "items", ITEMS)["Location"]
    r = c.post(upload_url + "cancel/")
    assert r["Location"] == "/imports/"
    upload = ImportUpload.objects.get()
    assert upload.state == "cancelled" and bytes(upload.data) == b""
    assert not ImportRun.objects.exists()


def test_big_files_run_in_the_background_with_progress(portfolio, client_for, settings,
                                                       django_capture_on_commit_callbacks):
    settings.CREDERE_WEB_BACKGROUND_IMPORT_BYTES = 10
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    c = client_for("credit_manager")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload_url = _post(c, "items", ITEMS)["Location"]
    upload = ImportUpload.objects.get()
    assert upload.background and upload.state == "previewing" and len(callbacks) == 1
    page = c.get(upload_url)
    assert page.status_code == 200 and 'hx-trigger="every 1s"' in page.content.decode()
    progress = c.get(upload_url + "progress/", HTTP_HX_REQUEST="true")
    assert progress.status_code == 200 and "Waiting for a worker" in progress.content.decode()
    # the worker runs the task
    from credere.imports.tasks import process_upload

    assert process_upload.call(str(upload.pk), "preview") == "previewed"
    assert process_upload.call(str(upload.pk), "preview") == "skipped: previewed"  # idempotent
    done = c.get(upload_url + "progress/", HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Redirect"] == upload_url
    assert c.get(upload_url).context["p"]["created"] == 2
    with django_capture_on_commit_callbacks(execute=False):
        c.post(upload_url + "confirm/")
    upload.refresh_from_db()
    assert upload.state == "importing" and not ImportRun.objects.exists()
    assert process_upload.call(str(upload.pk), "import") == "done"
    upload.refresh_from_db()
    assert c.get(upload_url)["Location"] == f"/imports/runs/{upload.run_id}/"
    assert ImportRun.objects.get().created == 2


def test_notifications_tell_about_the_users_imports(portfolio, client_for):
    c = client_for("credit_manager")
    upload_url = _post(c, "items", ITEMS)["Location"]
    c.post(upload_url + "confirm/")
    r = c.get("/imports/")
    assert r.context["notification_count"] == 1
    assert "Imported file.csv: 2 created, 0 updated" in r.content.decode()
    assert c.post("/notifications/seen/").status_code == 204
    assert c.get("/imports/").context["notification_count"] == 0
    assert client_for("collector").get("/imports/").context["notification_count"] == 0
