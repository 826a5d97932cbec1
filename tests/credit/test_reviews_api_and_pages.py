"""Credit reviews through the API, the pages and the command line, and approval requests escalated
past their SLA (inbox, API, CLI): the next authority up may decide them too, never the requester."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from credere.approvals.models import ApprovalRequest
from credere.credit.models import CreditLimit, CreditReview
from credere.credit.services import limits, policy, reviews
from credere.identity.services import issue_token

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def api(role_users):
    _token, secret = issue_token(actor=None, user=role_users["credit_analyst"], name="reviews")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def limited(portfolio, role_users):
    from credere.approvals.services import decide

    for customer, amount, start in ((portfolio.h1, "50000.00", dt.date(2025, 10, 31)),
                                    (portfolio.s1, "5000.00", dt.date(2026, 3, 1))):
        req = limits.request_limit(actor=role_users["credit_analyst"], customer=customer, amount=amount,
                                   currency="EUR", reason="opening limit")
        decide(actor=role_users["credit_manager"], request_id=req.pk, approve=True, note="agreed")
        CreditLimit.objects.filter(approval_id=req.pk).update(valid_from=start)
    return portfolio


def test_the_api_lists_opens_and_completes_reviews(limited, api, role_users):
    r = api.post("/api/v1/credit/reviews/schedule", {}, content_type="application/json")
    assert r.status_code == 200 and [x["customer_account"] for x in r.json()] == ["H1"]
    listed = api.get("/api/v1/credit/reviews").json()
    assert listed["count"] == 1
    h1 = listed["items"][0]
    assert {k: h1[k] for k in ("customer_name", "due_on", "trigger", "status", "overdue", "risk_class", "currency",
                               "limit", "utilisation", "overdue_amount")} == {
        "customer_name": "Helios Holding AG", "due_on": "2026-04-30", "trigger": "scheduled", "status": "open",
        "overdue": False, "risk_class": "C", "currency": "EUR", "limit": "50000.00", "utilisation": "1.00",
        "overdue_amount": "0.00"}
    opened = api.post("/api/v1/credit/reviews", {"customer_account": "S1", "reason": "large order"},
                      content_type="application/json")
    assert opened.status_code == 201 and opened.json()["trigger"] == "requested"
    twice = api.post("/api/v1/credit/reviews", {"customer_account": "S1", "reason": "again"},
                     content_type="application/json")
    assert twice.status_code == 409
    assert [x["customer_account"] for x in api.get("/api/v1/credit/reviews?trigger=requested").json()["items"]] == [
        "S1"]
    assert api.get("/api/v1/credit/reviews?risk_class=A").json()["count"] == 0
    assert api.get("/api/v1/credit/reviews?overdue=true").json()["count"] == 0
    rid = opened.json()["id"]
    bad = api.post(f"/api/v1/credit/reviews/{rid}/complete", {"outcome": "lower", "new_limit": "9000", "note": "x"},
                   content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == [
        {"field": "new_limit", "message": "to lower the limit, give less than 5,000.00"}]
    done = api.post(f"/api/v1/credit/reviews/{rid}/complete", {"outcome": "lower", "new_limit": "3000", "note":
                    "overdue for months"}, content_type="application/json")
    assert done.status_code == 200
    body = done.json()
    assert (body["status"], body["outcome"], body["proposed_amount"], body["facts"]["overdue"]) == (
        "completed", "lower", "3000.00", "640.00")  # INV-U1 800 USD; credit notes do not count
    assert ApprovalRequest.objects.get(pk=body["approval_id"]).status == "pending"
    assert api.get(f"/api/v1/credit/reviews/{rid}").json()["reviewed_by"] == "analyst"
    assert api.get("/api/v1/credit/reviews/999999").status_code == 404
    # sales may read, not act
    _t, secret = issue_token(actor=None, user=role_users["sales"], name="s")
    sales = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert sales.get("/api/v1/credit/reviews?status=all").json()["count"] == 2
    assert sales.post("/api/v1/credit/reviews", {"customer_account": "H1", "reason": "x"},
                      content_type="application/json").status_code == 403


def test_the_worklist_and_review_pages(limited, client_for, role_users):
    analyst, sales = client_for("credit_analyst"), client_for("sales")
    reviews.schedule(actor=role_users["credit_analyst"])
    review = CreditReview.objects.get()
    html = sales.get("/credit/reviews/").content.decode()
    assert "Helios Holding AG" in html and "Scheduled review" in html and "50,000.00" in html
    assert 'href="/credit/reviews/' in html and "Open the reviews now due" not in html
    assert 'href="/credit/reviews/"' in html  # the navigation entry
    page = sales.get(f"/credit/reviews/{review.pk}/").content.decode()
    assert "The figures today" in page and 'data-testid="review-form"' not in page
    assert sales.post(f"/credit/reviews/{review.pk}/", {"outcome": "keep", "note": "fine"}).status_code == 403
    assert CreditReview.objects.get().status == "open"
    # the analyst completes it; a bad limit is named at its field
    page = analyst.get(f"/credit/reviews/{review.pk}/").content.decode()
    assert 'data-testid="review-form"' in page
    r = analyst.post(f"/credit/reviews/{review.pk}/", {"outcome": "raise", "new_limit": "100", "note": "grow"})
    assert r.status_code == 422
    html = r.content.decode()
    assert '<p class="field-error" id="new_limit-error">to raise the limit, give more than 50,000.00</p>' in html
    assert 'name="new_limit" inputmode="decimal" value="100"' in html
    r = analyst.post(f"/credit/reviews/{review.pk}/", {"outcome": "raise", "new_limit": "80000", "note": "grow",
                                                         "new_risk_class": ""})
    assert r.status_code == 302
    done = CreditReview.objects.get()
    assert (done.status, done.outcome, done.proposed_amount) == ("completed", "raise", D("80000.00"))
    page = analyst.get(f"/credit/reviews/{review.pk}/").content.decode()
    assert "The figures when the review was completed" in page and "Raise the limit" in page
    # filters: nothing open is left; all shows it
    assert "No review matches." not in analyst.get("/credit/reviews/?status=all").content.decode()
    assert "No review is due." in analyst.get("/credit/reviews/").content.decode()
    # the customer's credit card lists it and offers a new review to those who may
    card = analyst.get(f"/customers/{limited.h1.pk}/").content.decode()
    assert 'data-testid="customer-reviews"' in card and 'data-testid="review-start-form"' in card
    assert 'data-testid="review-start-form"' not in sales.get(f"/customers/{limited.h1.pk}/").content.decode()
    r = analyst.post(f"/credit/customers/{limited.h1.pk}/review/", {"reason": "new owner"})
    assert r.status_code == 302 and CreditReview.objects.filter(status="open", trigger="requested").count() == 1
    assert sales.post(f"/credit/customers/{limited.s1.pk}/review/", {"reason": "x"}).status_code == 403


def test_the_command_line(limited, role_users):
    out = io.StringIO()
    call_command("credit", "review-schedule", "--user", "analyst", stdout=out)
    assert "Helios Holding AG" in out.getvalue() and "1 review opened." in out.getvalue()
    out = io.StringIO()
    call_command("credit", "reviews", "--user", "sales", stdout=out)
    assert "H1" in out.getvalue() and "50000.00 EUR" in out.getvalue()
    rid = CreditReview.objects.get().pk
    with pytest.raises(CommandError, match="new_limit"):
        call_command("credit", "review-complete", str(rid), "--outcome", "raise", "--note", "x", "--user", "analyst")
    out = io.StringIO()
    call_command("credit", "review-complete", str(rid), "--outcome", "keep", "--note", "fine", "--user", "analyst",
                 stdout=out)
    assert "completed: Keep the limit." in out.getvalue()
    with pytest.raises(CommandError, match="as-of"):
        call_command("credit", "review-schedule", "--as-of", "soon", "--user", "analyst")


def test_the_daily_task_opens_the_reviews_due(limited, role_users):
    from credere.credit.tasks import schedule_reviews

    assert schedule_reviews.call("analyst") == "1 review opened"
    assert schedule_reviews.call("analyst") == "0 reviews opened"
    assert schedule_reviews.call("nobody") == "skipped: nobody is not an active user"


@pytest.fixture
def class_bound_matrix(role_users):
    """A manager's authority covers classes A and B only: a class-C request needs an analyst, and a
    manager may decide it only once it is escalated."""
    policy.set_policy(actor=role_users["credit_manager"], note="managers for A and B", settings={
        "approval_matrix": [["credit_analyst", "25000", []], ["credit_manager", "250000", ["A", "B"]],
                            ["administrator", None, []]]})


def test_a_request_past_its_sla_is_escalated_to_the_next_authority_up(portfolio, role_users, class_bound_matrix,
                                                                      client_for, make_user):
    from credere.approvals.services import decide

    other = make_user("credit_analyst", username="analyst2")
    req = limits.request_limit(actor=other, customer=portfolio.s1, amount="10000", currency="EUR",
                               reason="seasonal")
    manager = client_for("credit_manager")
    html = manager.get("/approvals/").content.decode()
    assert "waiting 0 hours" in html.lower() and 'data-testid="escalated"' not in html
    with pytest.raises(Exception, match="holds no role with that authority"):
        decide(actor=role_users["credit_manager"], request_id=req.pk, approve=True)
    with time_machine.travel(dt.datetime(2026, 4, 3, 13, 0, tzinfo=dt.UTC), tick=False):  # 73 hours later
        html = manager.get("/approvals/").content.decode()
        assert 'data-testid="escalated"' in html
        assert "Waiting 3 days, over the 48-hour SLA; the next authority up (credit manager) may decide it too" in html
        _t, secret = issue_token(actor=None, user=role_users["credit_manager"], name="m")
        body = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/approvals?status=pending").json()
        assert [(x["escalated"], x["escalated_to"], x["waiting"]) for x in body["items"]] == [
            (True, "credit_manager", "waiting 3 days, over the 48-hour SLA")]
        out = io.StringIO()
        call_command("approvals", "list", "--user", "manager", stdout=out)
        assert "ESCALATED: waiting 3 days, over the 48-hour SLA; credit manager may decide it too" in out.getvalue()
        assert "you may decide it" in out.getvalue()
        # four eyes still holds
        with pytest.raises(Exception, match="four eyes"):
            decide(actor=other, request_id=req.pk, approve=True)
        done = decide(actor=role_users["credit_manager"], request_id=req.pk, approve=True, note="escalated")
    assert done.status == "approved"
