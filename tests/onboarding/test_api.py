"""Onboarding through the API: an application decided at once, the queue, a referral, analysis, the policy."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from credere.identity.services import issue_token
from credere.onboarding.models import CreditApplication

pytestmark = pytest.mark.django_db


def _client(user):
    _, secret = issue_token(actor=None, user=user, name="web-shop")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_an_application_through_the_api_is_decided_at_once(company, make_user, good_answers, statements, smtp):
    api = _client(make_user("credit_analyst", username="shop"))
    r = _post(api, "/api/v1/onboarding/applications", {"company": "DE01", "answers": good_answers,
                                                        "statements_currency": "EUR", "statements": statements})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "approved" and body["customer"].startswith("N")
    decision = body["decision"]
    assert decision["outcome"] == "approve" and decision["limit"] == "40000.00" and decision["terms_days"] == 30
    assert decision["default_model"]["factors"] and decision["scorecard"] and decision["reasons"]
    assert body["status_url"].startswith("http") and "/apply/a/" in body["status_url"]
    one = api.get(f"/api/v1/onboarding/applications/{body['reference']}").json()
    assert one["statements"]["years"][0]["year"] == "2025" and len(one["decisions"]) == 1


def test_field_errors_name_the_field(company, make_user, good_answers, statements):
    api = _client(make_user("credit_analyst", username="shop"))
    r = _post(api, "/api/v1/onboarding/applications",
              {"company": "DE01", "answers": {**good_answers, "iban": "DE00 1234"}, "statements": statements})
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0]["field"] == "answers.iban"
    bad = [dict(statements[0], sales="lots")]
    r = _post(api, "/api/v1/onboarding/applications", {"company": "DE01", "answers": good_answers, "statements": bad})
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "statements.0.sales"
    assert not CreditApplication.objects.exists()


def test_referral_and_proposal_through_the_api(company, make_user, good_answers, statements):
    analyst = _client(make_user("credit_analyst", username="anna"))
    r = _post(analyst, "/api/v1/onboarding/applications",
              {"company": "DE01", "answers": {**good_answers, "requested_limit": "400000"}, "statements": statements})
    reference = r.json()["reference"]
    assert r.json()["status"] == "in_review"
    queue = analyst.get("/api/v1/onboarding/applications").json()
    assert [a["reference"] for a in queue] == [reference]
    p = _post(analyst, f"/api/v1/onboarding/applications/{reference}/propose",
              {"limit": "120000", "terms_days": 30, "risk_class": "B", "note": "good references"})
    assert p.status_code == 200 and p.json()["status"] == "awaiting_approval"
    assert p.json()["required_role"] == "credit_manager"


def test_financial_analysis(company, make_user, statements):
    api = _client(make_user("sales", username="sam"))
    r = _post(api, "/api/v1/onboarding/financial-analysis", {"currency": "eur", "statements": statements})
    assert r.status_code == 200
    body = r.json()
    assert body["years"] == [2025, 2024] and body["altman"]["zone"] in ("safe", "grey", "distress")
    assert 0 < body["default_model"]["pd"] < 1
    keys = {row["key"] for row in body["ratios"]}
    assert {"current_ratio", "debt_ratio", "net_margin", "receivable_days", "interest_cover"} <= keys
    r = _post(api, "/api/v1/onboarding/financial-analysis",
              {"currency": "EUR", "statements": [dict(statements[0], share_capital="9999999")]})
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "statements.0.balance"


def test_the_policy_is_versioned_and_previewed(company, make_user, good_answers, statements):
    manager = _client(make_user("credit_manager", username="mia"))
    _post(manager, "/api/v1/onboarding/applications", {"company": "DE01", "answers": good_answers,
                                                        "statements": statements})
    current = manager.get("/api/v1/onboarding/policy").json()
    assert current["version"] is None and "score" in current["facts"]
    stricter = {"rules": [*current["settings"]["rules"][:-1],
                          {"name": "Clear case", "when": "score >= 95", "outcome": "approve", "reason": "very clear"}]}
    preview = _post(manager, "/api/v1/onboarding/policy/preview", {"settings": stricter}).json()
    assert preview["assessed"] == 1 and preview["changed"] == 1
    assert preview["changes"][0]["before"]["outcome"] == "approve" and preview["changes"][0]["after"]["outcome"] == \
        "refer"
    bad = manager.put("/api/v1/onboarding/policy", json.dumps({"settings": {"rules": [
        {"name": "x", "when": "__import__('os')", "outcome": "approve", "reason": "r"}]}, "note": "n"}),
        content_type="application/json")
    assert bad.status_code == 422 and "rules[0].when" in bad.json()["error"]["fields"][0]["field"]
    saved = manager.put("/api/v1/onboarding/policy", json.dumps({"settings": stricter, "note": "stricter"}),
                        content_type="application/json")
    assert saved.status_code == 200 and saved.json()["version"] == 1
    analyst = _client(make_user("credit_analyst", username="al"))
    refused = analyst.put("/api/v1/onboarding/policy", json.dumps({"settings": stricter, "note": "x"}),
                          content_type="application/json")
    assert refused.status_code == 403
