"""Credit reviews in a real browser: an analyst opens the reviews due from the worklist, completes one
with a raised limit (a bad limit is named at its field first), and a manager finds the request in the
approvals inbox. Screenshots of the worklist and the review page at 1366×900 and 390×844."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from support.browsing import *  # noqa: F403 - the shared browser fixtures
from support.browsing import login, shoot

pytestmark = [pytest.mark.sqlite_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(portfolio, passwords):
    return passwords


@pytest.fixture
def limits_in_force(portfolio, people):
    from credere.approvals.services import decide
    from credere.credit.models import CreditLimit
    from credere.credit.services import limits

    for customer, amount, start, expires in (
            (portfolio.h1, "1250000.00", dt.date(2025, 10, 31), None),
            (portfolio.h1a, "20000.00", dt.date(2025, 4, 1), dt.date(2026, 3, 20)),
            (portfolio.s1, "5000.00", dt.date(2025, 12, 1), dt.date(2026, 4, 15))):
        req = limits.request_limit(actor=people["credit_analyst"], customer=customer, amount=amount,
                                   currency="EUR", reason="opening limit")
        decide(actor=people["administrator"], request_id=req.pk, approve=True, note="agreed")
        CreditLimit.objects.filter(approval_id=req.pk).update(valid_from=start, expires_on=expires)


def test_a_review_is_opened_completed_and_its_limit_sent_for_approval(limits_in_force, page: Page,
                                                                       console_errors: list[str]):
    login(page, "analyst")
    page.locator("nav.nav").get_by_role("link", name="Reviews").click()
    expect(page.get_by_role("heading", name="Credit reviews", level=1)).to_be_visible()
    expect(page.get_by_text("No review is due.")).to_be_visible()
    page.get_by_role("button", name="Open the reviews now due").click()
    expect(page.get_by_text("3 reviews opened.")).to_be_visible()
    table = page.locator("#table-main")
    expect(table).to_contain_text("Helios Trading GmbH")
    expect(table).to_contain_text("Limit expired")
    expect(table).to_contain_text("Overdue")
    expect(table).to_contain_text("1,250,000.00")
    shoot(page, "reviews")
    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Filter").click()
    expect(table).not_to_contain_text("Solo Logistics Ltd")
    table.get_by_role("link", name="Helios Trading GmbH").first.click()
    expect(page.get_by_role("heading", name="Credit review of Helios Trading GmbH")).to_be_visible()
    expect(page.get_by_test_id("review-facts")).to_contain_text("400.00")
    page.get_by_label("Raise the limit").check()
    page.get_by_label("New credit limit (to raise or lower it)").fill("100")
    page.get_by_label("What the review found (required)").fill("steady payer, orders growing")
    page.get_by_role("button", name="Complete the review").click()
    expect(page.locator("#new_limit-error")).to_have_text("to raise the limit, give more than 20,000.00")
    console_errors.remove("Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)")
    shoot(page, "review")
    page.get_by_label("New credit limit (to raise or lower it)").fill("30000")
    page.get_by_role("button", name="Complete the review").click()
    expect(page.get_by_test_id("review-status")).to_have_text("Completed")
    expect(page.get_by_test_id("review-outcome")).to_contain_text("30,000.00")
    shoot(page, "review-completed")

    page.locator(".user-menu > summary").click()
    page.get_by_role("button", name="Sign out").click()
    login(page, "manager")
    page.goto("/approvals/")
    expect(page.get_by_test_id("approvals-waiting")).to_contain_text("Credit limit of Helios Trading GmbH")
