"""Credit control through the API (an ERP's order check and read-back) and the pages (the hold queue,
release with a reason, a limit requested on the customer page and approved in the inbox)."""

from __future__ import annotations

import pytest
from django.test import Client

from credere.credit.models import CreditCheck, CreditLimit
from credere.identity.services import issue_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def erp(role_users):
    _token, secret = issue_token(actor=None, user=role_users["credit_manager"], name="erp")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_an_erp_checks_an_order_and_reads_the_outcome_back(portfolio, erp, client_for):
    body = {"company": "DE01", "customer_account": "S1", "order_id": "SO-77", "amount": "1200.00", "currency": "EUR"}
    r = erp.post("/api/v1/credit/checks", body, content_type="application/json")
    assert r.status_code == 200
    held = r.json()
    assert (held["decision"], held["status"], held["order_version"]) == ("held", "held", 1)
    assert [x["code"] for x in held["reasons"]] == ["NO_LIMIT", "OVERDUE"]
    assert held["facts"]["receivables"] == "840.00" and held["amount"] == "1200.00"
    # idempotent: the same order version answers the same decision
    assert erp.post("/api/v1/credit/checks", body, content_type="application/json").json()["id"] == held["id"]
    # a bad field is named
    bad = erp.post("/api/v1/credit/checks", {**body, "amount": "-3"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "amount"
    # credit staff release it on the page, with a reason
    analyst = client_for("credit_analyst")
    queue = analyst.get("/credit/holds/")
    assert queue.status_code == 200 and "SO-77" in queue.content.decode()
    page = analyst.get(f"/credit/checks/{held['id']}/").content.decode()
    assert "The customer has no credit limit" in page and 'data-testid="hold-decision"' in page
    r = analyst.post(f"/credit/checks/{held['id']}/", {"decision": "release", "note": "prepayment received"})
    assert r.status_code == 302 and r["Location"] == "/credit/holds/"
    after = erp.get("/api/v1/credit/orders/DE01/SO-77").json()
    assert (after["status"], after["decided_by"], after["decision_note"]) == (
        "released_by_person", "analyst", "prepayment received")
    assert erp.get("/api/v1/credit/checks?status=held").json()["count"] == 0
    # sales may look, not decide
    sales = client_for("sales")
    assert 'data-testid="hold-decision"' not in sales.get(f"/credit/checks/{held['id']}/").content.decode()
    assert sales.post(f"/credit/checks/{held['id']}/", {"decision": "reject", "note": "x"}).status_code == 403
    assert CreditCheck.objects.get(pk=held["id"]).status == "released_by_person"


def test_a_limit_is_requested_on_the_customer_page_and_approved_in_the_inbox(portfolio, client_for, erp):
    analyst, manager = client_for("credit_analyst"), client_for("credit_manager")
    customer_page = f"/customers/{portfolio.h1.pk}/"
    html = analyst.get(customer_page).content.decode()
    assert 'data-testid="credit-panel"' in html and 'data-testid="limit-request-form"' in html
    r = analyst.post(f"/credit/customers/{portfolio.h1.pk}/limit-request/",
                     {"amount": "80000", "currency": "EUR", "reason": "two-year contract"})
    assert r.status_code == 302
    inbox = analyst.get("/approvals/").content.decode()
    assert "Credit limit of Helios Holding AG: none → 80000.00 EUR" in inbox
    assert "You cannot decide it: four eyes" in inbox
    request_id = erp.get("/api/v1/approvals?status=pending").json()["items"][0]["id"]
    assert manager.post(f"/approvals/{request_id}/decide/", {"decision": "approve", "note": ""}).status_code == 302
    assert CreditLimit.objects.get().amount == 80000
    picture = erp.get("/api/v1/credit/customers/H1").json()
    assert (picture["limit"]["amount"], picture["exposure"], picture["utilisation"], picture["headroom"]) == (
        "80000.00", "500.00", "0.62", "79500.00")  # 0.625 % rounds half to even
    html = manager.get(customer_page).content.decode()
    assert 'data-testid="credit-limit">€80,000.00' in html
    # the clerk has no credit pages: no panel, no inbox
    clerk = client_for("cash_clerk")
    assert 'data-testid="credit-panel"' not in clerk.get(customer_page).content.decode()
    assert clerk.get("/approvals/").status_code == 403


def test_the_policy_reads_without_writing_and_changes_with_a_note(portfolio, erp):
    from credere.credit.models import CreditPolicyVersion

    r = erp.get("/api/v1/credit/policy").json()
    assert r["version"] is None and r["settings"]["approval_matrix"][0] == ["credit_analyst", "25000", []]
    assert not CreditPolicyVersion.objects.exists()
    no_note = erp.put("/api/v1/credit/policy", {"settings": {"over_limit_tolerance_pct": "5"}, "note": ""},
                      content_type="application/json")
    assert no_note.status_code == 422 and not CreditPolicyVersion.objects.exists()
    bad = erp.put("/api/v1/credit/policy", {"settings": {"expired_limit": "maybe"}, "note": "try"},
                  content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == [
        {"field": "expired_limit", "message": "choose 'zero' or 'review'"}]
    ok = erp.put("/api/v1/credit/policy", {"settings": {"over_limit_tolerance_pct": "5"}, "note": "5 % leeway"},
                 content_type="application/json")
    assert ok.status_code == 200 and ok.json()["version"] == 1 and ok.json()["settings"]["over_limit_tolerance_pct"] == "5"


def test_missing_fx_rates_are_named_not_a_server_error(portfolio, erp, client_for):
    import datetime as dt

    import time_machine

    # eight months later the portfolio's March rates are too old to convert S1's dollars
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        page = client_for("credit_analyst").get(f"/customers/{portfolio.s1.pk}/")
        assert page.status_code == 200
        assert "Credit figures are not shown: no FX rate from USD to EUR" in page.content.decode()
        r = erp.post("/api/v1/credit/checks", {"company": "DE01", "customer_account": "S1", "order_id": "SO-1",
                                               "amount": "10.00", "currency": "EUR"}, content_type="application/json")
        assert r.status_code == 422 and r.json()["error"]["code"] == "no_fx_rate"
        assert not CreditCheck.objects.exists()
