"""The alert inbox and an alert's page, the customer's credit card, the dashboard, the API and the CLI:
who sees what (ownership, assignment), acting with notes, field errors, role access.

Alerts raised on 31 March 2026 (concentration off): S1 over its 800.00 EUR limit (105 %, high) and
640.00 EUR overdue for 121 days (medium); H1A 400.00 EUR overdue for 55 days (medium). The analyst
owns S1."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from credere.approvals import services as approvals
from credere.audit.models import AuditEvent
from credere.credit.models import Alert, AlertNote, CustomerOwner
from credere.credit.services import alerts, limits, standing
from credere.credit.services import policy as policy_service
from credere.identity.services import issue_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def raised(portfolio, role_users):
    policy_service.set_policy(actor=role_users["credit_manager"], settings={"alert_concentration_pct": "101"},
                              note="no concentration alerts in these tests")
    req = limits.request_limit(actor=role_users["credit_analyst"], customer=portfolio.s1, amount="800.00",
                               currency="EUR", reason="review")
    approvals.decide(actor=role_users["administrator"], request_id=req.pk, approve=True, note="ok")
    standing.refresh()
    alerts.run()
    alerts.set_owner(actor=role_users["credit_manager"], customer=portfolio.s1, owner="analyst")
    p = portfolio
    p.over = Alert.objects.get(kind="utilisation")
    p.s1_overdue = Alert.objects.get(kind="overdue", customer=p.s1)
    p.h1a_overdue = Alert.objects.get(kind="overdue", customer=p.h1a)
    return p


def _api(role_users, role):
    _token, secret = issue_token(actor=None, user=role_users[role], name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_the_inbox_holds_the_owned_customers_alerts_most_severe_first(raised, client_for):
    analyst = client_for("credit_analyst")
    html = analyst.get("/credit/alerts/").content.decode()
    assert "Solo Logistics Ltd has used 105.0 % of its credit limit" in html
    assert "Solo Logistics Ltd has 640.00 EUR overdue" in html and "Helios Trading GmbH" not in html
    assert html.index("has used 105.0 %") < html.index("640.00 EUR overdue")  # high before medium
    assert f'href="/customers/{raised.s1.pk}/#credit-head"' in html
    assert "2 in your inbox · 3 open in all, 1 high." in html
    everyone = analyst.get("/credit/alerts/?scope=all").content.decode()
    assert "Helios Trading GmbH has 400.00 EUR overdue" in everyone
    only = analyst.get("/credit/alerts/?scope=all&severity=medium&kind=overdue").content.decode()
    assert "has used 105.0 %" not in only and "Helios Trading GmbH" in only
    manager = client_for("credit_manager").get("/credit/alerts/").content.decode()
    assert "No open alert for the customers you look after." in manager
    bad = analyst.get("/credit/alerts/?status=gone").content.decode()
    assert "status: &#x27;gone&#x27;" in bad
    assert client_for("cash_clerk").get("/credit/alerts/").status_code == 403
    sales = client_for("sales").get("/credit/alerts/?scope=all").content.decode()
    assert "Helios Trading GmbH" in sales and "Check the rules now" not in sales


def test_acting_on_an_alert_with_notes_and_field_errors(raised, client_for, role_users):
    analyst = client_for("credit_analyst")
    url = f"/credit/alerts/{raised.h1a_overdue.pk}/"
    page = analyst.get(url).content.decode()
    assert "Credit policy: alert from 30 days past due, or 10000 EUR overdue" in page
    assert 'data-testid="alert-resolve"' in page and "Nobody has acted on this alert yet." in page
    r = analyst.post(url, {"action": "acknowledge", "note": "  "})
    assert r.status_code == 422
    html = r.content.decode()
    assert 'id="acknowledge-note-error"' in html and "say what you did or why" in html
    assert Alert.objects.get(pk=raised.h1a_overdue.pk).status == "open" and not AlertNote.objects.exists()
    assert analyst.post(url, {"action": "acknowledge", "note": "calling them today"}).status_code == 302
    r = analyst.post(url, {"action": "assign", "assigned_to": "clerk", "note": "please look"})
    assert r.status_code == 422 and "clerk may not see credit control" in r.content.decode()
    assert 'id="assign-assigned_to-error"' in r.content.decode()
    assert analyst.post(url, {"action": "assign", "assigned_to": "collector", "note": "your call"}).status_code == 302
    collector_inbox = client_for("collector").get("/credit/alerts/").content.decode()
    assert "Helios Trading GmbH has 400.00 EUR overdue" in collector_inbox
    r = analyst.post(url, {"action": "resolve", "note": "paid on 1 April"}, follow=True)
    html = r.content.decode()
    assert "Resolved: Helios Trading GmbH" in html and 'data-testid="alert-resolve"' not in html
    alert = Alert.objects.get(pk=raised.h1a_overdue.pk)
    assert (alert.status, alert.assigned_to.username, alert.resolved_by.username) == (
        "resolved", "collector", "analyst")
    assert list(alert.notes.values_list("action", "text")) == [
        ("acknowledged", "calling them today"), ("assigned", "to collector: your call"),
        ("resolved", "paid on 1 April")]
    assert AuditEvent.objects.filter(object_type="credit.alert", object_id=str(alert.pk)).count() == 4  # + raised
    r = analyst.post(url, {"action": "resolve", "note": "again"})
    assert r.status_code == 422 and "the alert is resolved" in r.content.decode()
    before = Alert.objects.get(pk=raised.over.pk).status
    assert client_for("sales").post(f"/credit/alerts/{raised.over.pk}/",
                                    {"action": "resolve", "note": "x"}).status_code == 403
    assert Alert.objects.get(pk=raised.over.pk).status == before == "open"
    assert 'data-testid="alert-resolve"' not in client_for("sales").get(f"/credit/alerts/{raised.over.pk}/").content.decode()
    assert client_for("cash_clerk").get(f"/credit/alerts/{raised.over.pk}/").status_code == 403


def test_the_customer_card_and_the_dashboard(raised, client_for):
    analyst = client_for("credit_analyst")
    html = analyst.get(f"/customers/{raised.s1.pk}/").content.decode()
    assert 'data-testid="customer-alerts"' in html and "has used 105.0 %" in html
    assert "Looked after by <strong>analyst</strong>" in html and 'data-testid="owner-form"' in html
    r = analyst.post(f"/credit/customers/{raised.h1a.pk}/owner/", {"owner": "sales"}, follow=True)
    assert "sales looks after Helios Trading GmbH" in r.content.decode()
    assert CustomerOwner.objects.get(customer=raised.h1a).owner.username == "sales"
    r = analyst.post(f"/credit/customers/{raised.h1a.pk}/owner/", {"owner": "clerk"}, follow=True)
    assert "The owner was not changed: owner: clerk may not see credit control" in r.content.decode()
    assert CustomerOwner.objects.get(customer=raised.h1a).owner.username == "sales"
    assert client_for("sales").post(f"/credit/customers/{raised.h1a.pk}/owner/", {"owner": ""}).status_code == 403
    sales = client_for("sales").get(f"/customers/{raised.h1a.pk}/").content.decode()
    assert "Looked after by <strong>sales</strong>" in sales and 'data-testid="owner-form"' not in sales
    dash = client_for("credit_analyst").get("/dashboard/?as_of=2026-03-31").content.decode()
    assert 'data-testid="dashboard-alerts"' in dash and "1 high · 2 in your inbox" in dash


def test_the_api(raised, role_users):
    api = _api(role_users, "credit_analyst")
    mine = api.get("/api/v1/credit/alerts").json()
    assert [a["kind"] for a in mine["items"]] == ["utilisation", "overdue"]
    assert mine["items"][0]["severity"] == "high" and mine["items"][0]["customer_account"] == "S1"
    assert mine["items"][0]["facts"]["utilisation"] == "105.00"
    every = api.get("/api/v1/credit/alerts?mine=false&kind=overdue&customer_account=H1A").json()
    assert [a["id"] for a in every["items"]] == [raised.h1a_overdue.pk]
    r = api.post(f"/api/v1/credit/alerts/{raised.over.pk}/acknowledge", {"note": ""}, content_type="application/json")
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "note"
    r = api.post(f"/api/v1/credit/alerts/{raised.over.pk}/assign", {"to": "nobody", "note": "x"},
                 content_type="application/json")
    assert r.status_code == 422 and r.json()["error"]["fields"] == [
        {"field": "assigned_to", "message": "no active user 'nobody'"}]
    assert not AlertNote.objects.exists() and Alert.objects.get(pk=raised.over.pk).assigned_to is None
    r = api.post(f"/api/v1/credit/alerts/{raised.over.pk}/assign", {"to": "manager", "note": "over the limit"},
                 content_type="application/json")
    assert r.status_code == 200 and r.json()["assigned_to"] == "manager"
    r = api.post(f"/api/v1/credit/alerts/{raised.over.pk}/resolve", {"note": "limit raised"},
                 content_type="application/json")
    body = r.json()
    assert body["status"] == "resolved" and [n["action"] for n in body["notes"]] == ["assigned", "resolved"]
    assert api.post(f"/api/v1/credit/alerts/{raised.over.pk}/resolve", {"note": "x"},
                    content_type="application/json").status_code == 409
    assert api.get("/api/v1/credit/alerts/999999").status_code == 404
    run = api.post("/api/v1/credit/alerts/run").json()
    assert (run["raised"], run["cleared"]) == (0, 0)
    assert api.get("/api/v1/credit/customers/S1/owner").json()["owner"] == "analyst"
    r = api.put("/api/v1/credit/customers/H1A/owner", {"owner": "analyst"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["set_by"] == "analyst"
    assert [a["customer_account"] for a in api.get("/api/v1/credit/alerts").json()["items"]] == ["H1A", "S1"]
    sales = _api(role_users, "sales")
    assert sales.get("/api/v1/credit/alerts?mine=false").status_code == 200
    assert sales.post(f"/api/v1/credit/alerts/{raised.s1_overdue.pk}/acknowledge", {"note": "x"},
                      content_type="application/json").status_code == 403
    assert sales.put("/api/v1/credit/customers/H1A/owner", {"owner": None},
                     content_type="application/json").status_code == 403
    assert _api(role_users, "cash_clerk").get("/api/v1/credit/alerts").status_code == 403


def test_the_cli(raised, role_users):
    out = StringIO()
    call_command("credit", "alerts", "--user", "analyst", stdout=out)
    text = out.getvalue()
    assert "has used 105.0 %" in text and "2 alert(s) in your inbox" in text and "H1A" not in text
    out = StringIO()
    call_command("credit", "alerts", "--all", "--status", "all", "--user", "sales", stdout=out)
    assert "3 alert(s)" in out.getvalue()
    out = StringIO()
    call_command("credit", "alert-ack", str(raised.s1_overdue.pk), "--note", "calling", "--user", "analyst",
                 stdout=out)
    assert f"Alert {raised.s1_overdue.pk}: Acknowledged" in out.getvalue()
    call_command("credit", "alert-assign", str(raised.s1_overdue.pk), "--to", "manager", "--note", "yours",
                 "--user", "analyst", stdout=StringIO())
    call_command("credit", "alert-resolve", str(raised.s1_overdue.pk), "--note", "paid", "--user", "manager",
                 stdout=StringIO())
    out = StringIO()
    call_command("credit", "alert", str(raised.s1_overdue.pk), "--user", "sales", stdout=out)
    assert "analyst acknowledged: calling" in out.getvalue() and "manager resolved: paid" in out.getvalue()
    with pytest.raises(CommandError, match="note: say what you did"):
        call_command("credit", "alert-ack", str(raised.over.pk), "--note", " ", "--user", "analyst")
    with pytest.raises(CommandError, match="may not"):
        call_command("credit", "alert-ack", str(raised.over.pk), "--note", "x", "--user", "sales")
    out = StringIO()
    call_command("credit", "owner", "H1A", "collector", "--user", "manager", stdout=out)
    assert "looked after by collector (set by manager)" in out.getvalue()
    out = StringIO()
    call_command("credit", "owner", "H1A", "-", "--user", "manager", stdout=out)
    assert "nobody looks after it" in out.getvalue() and not CustomerOwner.objects.filter(customer=raised.h1a)
    out = StringIO()
    call_command("credit", "alerts-run", "--user", "analyst", stdout=out)
    assert out.getvalue().startswith("0 raised, 3 still true, 0 cleared")  # one of them resolved
    out = StringIO()
    call_command("credit", "digest", "--dry-run", "--user", "manager", stdout=out)
    assert "analyst" in out.getvalue() and "would send" in out.getvalue() and "1 digest(s) would be sent" in out.getvalue()
    out = StringIO()
    call_command("credit", "daily", "--no-mail", "--user", "manager", stdout=out)
    assert "standings: 3 of 3 customers" in out.getvalue() and "alerts: 0 raised, 3 still true" in out.getvalue()
