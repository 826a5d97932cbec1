"""Limits and use (stored standings) through the API, the CLI and the page; cover recorded and
ended on the customer page and through the API; the dashboard's credit figures."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from credere.approvals import services as approvals
from credere.credit.models import Cover
from credere.credit.services import limits, standing
from credere.identity.services import issue_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(role_users):
    _token, secret = issue_token(actor=None, user=role_users["credit_analyst"], name="reader")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def limited(portfolio, role_users):
    """H1 1,000 EUR (50 % used), S1 900 EUR (93.33 % used), the Helios group 1,000 EUR (90 %)."""
    for customer, amount, group in ((portfolio.h1, "1000.00", False), (portfolio.s1, "900.00", False),
                                    (portfolio.h1, "1000.00", True)):
        req = limits.request_limit(actor=role_users["credit_analyst"], customer=customer, amount=amount,
                                   currency="EUR", reason="review", for_group=group)
        approvals.decide(actor=role_users["credit_manager"], request_id=req.pk, approve=True, note="ok")
    standing.refresh()
    return portfolio


def test_the_api_lists_who_is_over_90_percent_fullest_first(limited, api):
    r = api.get("/api/v1/credit/standings?min_utilisation=90")
    assert r.status_code == 200, r.content
    rows = r.json()["items"]
    assert [(x["customer_account"], x["scope"], x["utilisation"], x["headroom"]) for x in rows] == [
        ("S1", "own", "93.33", "60.00"), ("H1", "group", "90.00", "100.00")]
    assert rows[0]["limit"] == "900.00" and rows[0]["oldest_overdue_days"] == 121 and rows[0]["problem"] == ""
    everyone = api.get("/api/v1/credit/standings?with_limit=false&sort=name").json()
    assert everyone["count"] == 4  # H1 own and group, H1A (no limit), S1
    assert api.get("/api/v1/credit/standings?sort=sideways").status_code == 422
    bad = api.get("/api/v1/credit/standings?min_utilisation=lots")
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "min_utilisation"
    totals = api.get("/api/v1/credit/totals").json()
    assert (totals["limits"], totals["over_90_percent"], totals["over_limit"], totals["customers_with_limit"]) == (
        "1900.00", 1, 0, 2)  # own limits only: a group's pool would count its members twice


def test_cover_through_the_api_reduces_exposure(limited, api, role_users):
    body = {"kind": "insurance", "provider": "Atradius", "amount": "400.00", "currency": "EUR",
            "coverage_pct": "90", "note": "whole-turnover policy", "expires_on": "2027-03-31"}
    r = api.post("/api/v1/credit/customers/S1/cover", body, content_type="application/json")
    assert r.status_code == 201, r.content
    assert (r.json()["amount"], r.json()["coverage_pct"]) == ("400.00", "90.00")
    picture = api.get("/api/v1/credit/customers/S1").json()
    assert (picture["cover"], picture["exposure"]) == ("360.00", "480.00")  # 840 - 90 % of 400
    assert api.get("/api/v1/credit/customers/S1/cover").json()[0]["provider"] == "Atradius"
    bad = api.post("/api/v1/credit/customers/S1/cover", {**body, "coverage_pct": "0"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "coverage_pct"
    cover_id = r.json()["id"]
    ended = api.post(f"/api/v1/credit/cover/{cover_id}/end", {"note": "policy cancelled"},
                     content_type="application/json")
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2026-03-31"
    assert api.get("/api/v1/credit/customers/S1").json()["cover"] == "0.00"


def test_the_limits_page_filters_sorts_and_exports(limited, client_for):
    page = client_for("credit_analyst").get("/credit/limits/?min_use=90")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Solo Logistics Ltd" in html and "Helios Holding AG" in html and "Group pool" in html
    assert html.index("Solo Logistics Ltd") < html.index("Helios Holding AG")
    over = client_for("sales").get("/credit/limits/?over=1").content.decode()
    assert "No limit matches these filters." in over and "Recompute now" not in over
    bad = client_for("credit_analyst").get("/credit/limits/?min_use=ninety&risk_class=Z").content.decode()
    assert "min_use: &#x27;ninety&#x27; must be a whole number" in bad and "risk_class: &#x27;Z&#x27;" in bad
    csv = client_for("credit_analyst").get("/credit/limits/?export=csv")
    assert csv.status_code == 200 and b"Solo Logistics Ltd" in csv.content
    assert client_for("cash_clerk").get("/credit/limits/").status_code == 403
    r = client_for("credit_analyst").post("/credit/limits/refresh/")
    assert r.status_code == 302
    assert client_for("sales").post("/credit/limits/refresh/").status_code == 403


def test_cover_on_the_customer_page(limited, client_for):
    analyst = client_for("credit_analyst")
    url = f"/customers/{limited.s1.pk}/"
    assert 'data-testid="cover-form"' in analyst.get(url).content.decode()
    r = analyst.post(f"/credit/customers/{limited.s1.pk}/cover/",
                     {"kind": "guarantee", "provider": "Barclays", "amount": "200", "currency": "EUR",
                      "coverage_pct": "100", "note": "bank guarantee 55", "expires_on": "2026-12-31"}, follow=True)
    html = r.content.decode()
    assert "Recorded: bank guarantee of 200.00 EUR by Barclays." in html
    assert 'data-testid="cover-list"' in html and "less cover" in html
    r = analyst.post(f"/credit/customers/{limited.s1.pk}/cover/",
                     {"kind": "guarantee", "provider": "", "amount": "x", "currency": "EUR", "note": ""}, follow=True)
    assert "The cover was not recorded" in r.content.decode() and Cover.objects.count() == 1
    cover = Cover.objects.get()
    r = analyst.post(f"/credit/cover/{cover.pk}/end/", {"note": "released"}, follow=True)
    assert "ended on 2026-03-31" in r.content.decode()
    assert 'data-testid="cover-form"' not in client_for("sales").get(url).content.decode()


def test_the_dashboard_shows_credit_figures_to_credit_staff_only(limited, client_for):
    html = client_for("credit_manager").get("/dashboard/?as_of=2026-03-31").content.decode()
    assert 'data-testid="dashboard-credit"' in html and "1,900.00" in html.replace("\u00a0", " ")
    cash = client_for("cash_clerk").get("/dashboard/?as_of=2026-03-31").content.decode()
    assert 'data-testid="dashboard-credit"' not in cash


def test_the_cli_lists_limits_and_records_cover(limited, role_users):
    out = StringIO()
    call_command("credit", "limits", "--min-use", "90", "--user", "analyst", stdout=out)
    text = out.getvalue()
    assert "S1" in text and "93.33 %" in text and "2 limit(s) match" in text
    out = StringIO()
    call_command("credit", "cover-add", "S1", "--kind", "deposit", "--provider", "Our bank", "--amount", "100",
                 "--currency", "EUR", "--note", "cash deposit", "--user", "analyst", stdout=out)
    assert "Recorded deposit 100.00 EUR" in out.getvalue()
    out = StringIO()
    call_command("credit", "totals", "--user", "analyst", stdout=out)
    assert "over 90 %" in out.getvalue()
    assert Cover.objects.get().amount == Decimal("100.00")


def test_sales_see_whether_a_customer_can_order_and_why_not(limited, api, client_for):
    # H1: 500 of its own 1,000, but its group has 900 of 1,000: the next order may be 100.00
    h1 = api.get("/api/v1/credit/customers/H1").json()
    assert (h1["can_order"], h1["order_up_to"], h1["order_holds"]) == (True, "100.00", [])
    s1 = api.get("/api/v1/credit/customers/S1").json()
    assert (s1["can_order"], [r["code"] for r in s1["order_holds"]]) == (False, ["OVERDUE"])
    sales = client_for("sales")
    html = sales.get(f"/customers/{limited.h1.pk}/").content.decode().replace("\u00a0", " ")
    assert "New orders are released up to €100.00." in html
    html = sales.get(f"/customers/{limited.s1.pk}/").content.decode()
    assert "New orders wait for a credit decision: Overdue beyond the tolerance" in html
    out = StringIO()
    call_command("credit", "customer", "H1A", "--user", "sales", stdout=out)
    assert "new orders      wait for a credit decision: The customer has no credit limit" in out.getvalue()
