import json

import pytest
from django.test import Client

from credere.audit.models import AuditEvent
from credere.identity.services import issue_token
from credere.ledger.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(admin, company):
    _, secret = issue_token(actor=None, user=admin, name="erp")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def call(method, path, body=None, **params):
        if body is not None:
            return getattr(client, method)(f"/api/v1{path}", json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/v1{path}", params)

    return call


def test_customer_item_payment_allocation_round_trip(api):
    r = api("post", "/customers", {"account_number": "C-77", "name": "Fabrikam SA", "country": "fr"})
    assert r.status_code == 201 and r.json()["country"] == "FR"
    assert api("post", "/customers", {"account_number": "C-77", "name": "Fabrikam SA", "country": "FR"}).status_code == 200
    r = api("patch", "/customers/C-77", {"status": "on_hold"})
    assert r.json()["status"] == "on_hold" and r.json()["name"] == "Fabrikam SA"
    r = api("post", "/items", {"company": "DE01", "customer_account": "C-77", "document_type": "invoice",
                               "document_number": "90001", "document_date": "2026-03-01", "due_date": "2026-03-31",
                               "currency": "EUR", "amount": "1190.00", "order_reference": "PO-55"})
    assert r.status_code == 201
    item = r.json()
    assert item["amount"] == "1190.00" and item["open_amount"] == "1190.00"
    r = api("post", "/payments", {"company": "DE01", "reference": "STMT-1-4", "received_on": "2026-04-02",
                                  "currency": "EUR", "amount": "1000.00", "payer_name": "FABRIKAM"})
    pay = r.json()
    assert r.status_code == 201 and pay["customer_account"] is None
    r = api("post", "/allocations", {"target_id": item["id"], "payment_id": pay["id"], "amount": "1000.00",
                                     "applied_on": "2026-04-02"})
    assert r.status_code == 201
    alloc = r.json()
    assert api("get", f"/items/{item['id']}").json()["open_amount"] == "190.00"
    assert api("get", f"/payments/{pay['id']}").json()["customer_account"] == "C-77"
    r = api("post", "/allocations", {"target_id": item["id"], "payment_id": pay["id"], "amount": "0.01",
                                     "applied_on": "2026-04-02"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "source_exhausted"
    r = api("post", f"/allocations/{alloc['id']}/reverse", {"reversed_on": "2026-04-03", "reason": "wrong invoice"})
    assert r.status_code == 200 and r.json()["reversed_on"] == "2026-04-03"
    assert api("get", f"/items/{item['id']}").json()["open_amount"] == "1190.00"
    listed = api("get", "/items", customer_account="C-77", status="open").json()
    assert listed["count"] == 1 and listed["items"][0]["document_number"] == "90001"


def test_errors_have_one_body_with_field_messages(api):
    before = (Customer.objects.count(), AuditEvent.objects.count())
    r = api("post", "/customers", {"account_number": "", "name": "X", "country": "France"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid"
    assert {f["field"] for f in err["fields"]} == {"account_number", "country"}
    r = api("post", "/items", {"company": "NOPE", "customer_account": "C", "document_type": "invoice",
                               "document_number": "1", "document_date": "2026-03-01", "due_date": "2026-03-31",
                               "currency": "EUR", "amount": "1.5e3"})
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "amount"
    r = api("post", "/items", {"company": "NOPE", "customer_account": "C", "document_type": "invoice",
                               "document_number": "1", "document_date": "2026-03-01", "due_date": "2026-03-31",
                               "currency": "EUR", "amount": "10"})
    assert r.status_code == 422 and r.json()["error"]["fields"] == [{"field": "company", "message": "not found"}]
    assert api("get", "/customers/NOPE").status_code == 404
    assert api("get", "/items/999999").json()["error"]["code"] == "not_found"
    assert api("delete", "/customers").json()["error"]["code"] == "method_not_allowed"
    assert (Customer.objects.count(), AuditEvent.objects.count()) == before


def test_pagination_and_filters(api, admin):
    from credere.ledger.services.master_data import upsert_customer

    for i in range(7):
        upsert_customer(actor=admin, account_number=f"P{i:02}", name=f"Paged {i}", country="DE" if i % 2 else "AT")
    page = api("get", "/customers", limit=3, offset=3).json()
    assert page["count"] == 7 and [c["account_number"] for c in page["items"]] == ["P03", "P04", "P05"]
    assert api("get", "/customers", country="AT").json()["count"] == 4
    assert api("get", "/customers", limit=5000).status_code == 422


def test_openapi_schema_and_docs(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Credere API"
    assert "/api/v1/customers" in schema["paths"] and "/api/v1/allocations" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_nul_characters_and_broken_unicode_get_a_clear_400(api, client):
    before = Customer.objects.count()
    r = api("get", "/items", document_number="A\x00B")
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "document_number"
    r = api("post", "/customers", {"account_number": "X\x00", "name": "Nul Co"})
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "account_number"
    r = api("post", "/customers", {"account_number": "S1", "name": "\ud9ab broken"})  # unpaired surrogate
    assert r.status_code == 422 and r.json()["error"]["fields"] == [
        {"field": "name", "message": "contains a NUL character or invalid Unicode text"}]
    assert Customer.objects.count() == before
    assert client.get("/search/", {"q": "a\x00"}).status_code == 400
