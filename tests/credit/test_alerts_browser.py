"""Alerts in a real browser: the analyst who owns a customer finds its alerts in the inbox (from the
navigation), opens one, acknowledges it with a note, gives it to a manager and the manager resolves it.
Screenshots of the inbox and an alert at 1366×900 and 390×844."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from support.browsing import *  # noqa: F403 - the shared browser fixtures
from support.browsing import login, shoot

pytestmark = [pytest.mark.sqlite_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def raised(portfolio, passwords):
    role_users = passwords
    from credere.approvals import services as approvals
    from credere.credit.services import alerts, limits, standing

    req = limits.request_limit(actor=role_users["credit_analyst"], customer=portfolio.s1, amount="800.00",
                               currency="EUR", reason="review", expires_on=dt.date(2026, 4, 20))
    approvals.decide(actor=role_users["administrator"], request_id=req.pk, approve=True, note="ok")
    standing.refresh()
    alerts.run()
    alerts.set_owner(actor=role_users["credit_manager"], customer=portfolio.s1, owner="analyst")
    alerts.set_owner(actor=role_users["credit_manager"], customer=portfolio.h1, owner="analyst")
    return portfolio


def test_an_owner_acknowledges_and_assigns_and_a_manager_resolves(raised, page: Page):
    login(page, "analyst")
    page.locator("nav.nav").get_by_role("link", name="Alerts").click()
    expect(page.get_by_role("heading", name="Alerts", level=1)).to_be_visible()
    table = page.locator("#table-main")
    expect(table).to_contain_text("Solo Logistics Ltd has used 105.0 % of its credit limit")
    expect(table).to_contain_text("The credit limit (all companies) of 800.00 EUR of Solo Logistics Ltd expires")
    expect(table).not_to_contain_text("Helios Trading GmbH")  # not hers
    shoot(page, "alerts")
    page.get_by_role("link", name="Solo Logistics Ltd has used 105.0 % of its credit limit").click()
    expect(page.get_by_test_id("alert-status")).to_have_text("Open")
    page.locator("#ack-note").fill("calling the buyer today")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("alert-status")).to_have_text("Acknowledged")
    page.get_by_label("Give it to").select_option("manager")
    page.locator("#as-note").fill("needs a higher limit: your authority")
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_test_id("alert-notes")).to_contain_text("to manager: needs a higher limit")
    shoot(page, "alert")
    page.locator(".user-menu > summary").click()
    page.get_by_role("button", name="Sign out").click()
    login(page, "manager")
    page.goto("/credit/alerts/")
    expect(page.locator("#table-main")).to_contain_text("has used 105.0 %")  # assigned to him
    page.get_by_role("link", name="Solo Logistics Ltd has used 105.0 % of its credit limit").click()
    page.get_by_label("What was done").fill("limit raised to 1,500 EUR")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_test_id("alert-status")).to_have_text("Resolved")
    page.goto(f"/customers/{raised.s1.pk}/")
    expect(page.get_by_test_id("credit-owner")).to_contain_text("Looked after by analyst")
    expect(page.get_by_test_id("customer-alerts")).to_contain_text("expires on 2026-04-20")
