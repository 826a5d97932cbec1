"""Credit control in a real browser: an order held through the API is released by a credit manager in
the hold queue and the ERP reads it back released; an analyst's limit request is approved by a manager
(the analyst cannot approve their own). Screenshots at 1366×900 and 390×844."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from support.browsing import *  # noqa: F403 - the shared browser fixtures
from support.browsing import login, shoot

pytestmark = [pytest.mark.sqlite_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(portfolio, passwords):
    return passwords


def test_a_held_order_is_released_and_a_limit_approved(people, portfolio, page: Page):
    from django.test import Client

    from credere.identity.services import issue_token

    _t, secret = issue_token(actor=None, user=people["credit_manager"], name="erp")
    erp = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    held = erp.post("/api/v1/credit/checks", {"company": "DE01", "customer_account": "S1", "order_id": "SO-9",
                                              "amount": "1200.00", "currency": "EUR"},
                    content_type="application/json").json()
    assert held["decision"] == "held"

    login(page, "manager")
    page.locator("nav.nav").get_by_role("link", name="Held orders").click()
    expect(page.get_by_role("heading", name="Held orders", level=1)).to_be_visible()
    expect(page.locator("#table-main")).to_contain_text("Solo Logistics Ltd")
    shoot(page, "holds")
    page.get_by_role("link", name="SO-9").click()
    expect(page.get_by_test_id("check-reasons")).to_contain_text("The customer has no credit limit")
    shoot(page, "check")
    page.get_by_label("Why (kept with the decision)").fill("prepayment received")
    page.get_by_role("button", name="Release the order").click()
    expect(page.locator(".alert-success")).to_contain_text("Order SO-9 released")
    assert erp.get("/api/v1/credit/orders/DE01/SO-9").json()["status"] == "released_by_person"

    # an analyst asks for a limit on the customer page; cannot approve it; the manager does
    page.locator(".user-menu > summary").click()
    page.get_by_role("button", name="Sign out").click()
    login(page, "analyst")
    page.goto(f"/customers/{portfolio.h1.pk}/")
    expect(page.get_by_test_id("credit-panel")).to_contain_text("Risk class")
    page.get_by_test_id("credit-panel").get_by_text("Request a limit, change the risk class").click()
    page.get_by_label("New credit limit").fill("80000")
    page.locator("#lr-reason").fill("two-year contract")
    page.get_by_role("button", name="Request approval").click()
    expect(page.locator(".alert-success")).to_contain_text("It waits for approval")
    shoot(page, "customer")
    page.goto("/approvals/")
    expect(page.get_by_test_id("approvals-waiting")).to_contain_text("four eyes")
    page.locator(".user-menu > summary").click()
    page.get_by_role("button", name="Sign out").click()
    login(page, "manager")
    page.locator("nav.nav").get_by_role("link", name="Approvals").click()
    shoot(page, "approvals")
    page.get_by_role("link", name="Credit limit of Helios Holding AG: none → 80000.00 EUR").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".alert-success")).to_contain_text("Approved")
    page.goto(f"/customers/{portfolio.h1.pk}/")
    expect(page.get_by_test_id("credit-limit")).to_have_text("€80,000.00")
