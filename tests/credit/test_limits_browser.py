"""Limits and use in a real browser: a credit manager opens the fullest limits from the dashboard,
records credit insurance on the customer's page, and sees the exposure fall on the limits page.
Screenshots at 1366×900 and 390×844."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from support.browsing import *  # noqa: F403 - the shared browser fixtures
from support.browsing import login, shoot

pytestmark = [pytest.mark.sqlite_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def limited(portfolio, passwords):
    role_users = passwords
    from credere.approvals import services as approvals
    from credere.credit.services import limits

    for customer, amount, group in ((portfolio.h1, "1000.00", False), (portfolio.s1, "900.00", False),
                                    (portfolio.h1, "1000.00", True)):
        req = limits.request_limit(actor=role_users["credit_analyst"], customer=customer, amount=amount,
                                   currency="EUR", reason="annual review", for_group=group)
        approvals.decide(actor=role_users["credit_manager"], request_id=req.pk, approve=True, note="agreed")
    return portfolio


def test_from_the_dashboard_to_the_fullest_limits_and_cover_that_lowers_exposure(limited, page: Page):
    login(page, "manager")
    page.goto("/dashboard/?as_of=2026-03-31")
    panel = page.get_by_test_id("dashboard-credit")
    expect(panel).to_contain_text("Limits granted")
    expect(panel.get_by_test_id("over-90")).to_contain_text("1")
    shoot(page, "dashboard")
    panel.get_by_test_id("over-90").click()
    page.wait_for_url("**/credit/limits/?min_use=90")
    table = page.locator("table").first
    expect(table).to_contain_text("Solo Logistics Ltd")
    expect(table).to_contain_text("93.3%")
    shoot(page, "limits")
    table.get_by_role("link", name="Solo Logistics Ltd").first.click()
    page.get_by_test_id("credit-panel").get_by_text("Request a limit, change the risk class").click()
    form = page.get_by_test_id("cover-form")
    form.get_by_label("Kind of cover").select_option("insurance")
    form.get_by_label("Insurer or bank").fill("Atradius")
    form.get_by_label("Insured or secured amount").fill("400")
    form.get_by_label("Insurer's share (%)").fill("90")
    form.get_by_label("Note").fill("whole-turnover policy 2026")
    form.get_by_role("button", name="Record cover").click()
    expect(page.get_by_text("Recorded: credit insurance of 400.00 EUR by Atradius.")).to_be_visible()
    expect(page.get_by_test_id("cover-list")).to_contain_text("Atradius")
    expect(page.get_by_test_id("credit-exposure")).to_contain_text("480.00")
    shoot(page, "customer-cover")
    page.goto("/credit/limits/?q=Solo")
    expect(page.locator("table").first).to_contain_text("53.3%")  # 480 of 900


def test_the_portfolio_and_a_stress_test_with_their_charts(limited, page: Page):
    login(page, "analyst")
    page.goto("/credit/portfolio/")
    expect(page.get_by_test_id("portfolio-kpis")).to_contain_text("Expected loss")
    expect(page.locator("canvas[data-chart='class-chart']")).to_be_visible()
    shoot(page, "portfolio")
    page.get_by_role("link", name="Stress tests").first.click()
    form = page.get_by_test_id("scenario-form")
    form.get_by_label("Name").fill("Dollar slide and Helios default")
    form.get_by_label("FX moves against EUR (%)").fill("USD=-10")
    form.get_by_label("Corporate groups that default").fill("H1")
    form.get_by_role("button", name="Save and run").click()
    expect(page.get_by_test_id("stress-kpis")).to_contain_text("Expected loss")
    expect(page.get_by_text("Customers in default in this scenario")).to_be_visible()
    expect(page.locator("canvas[data-chart='stress-chart']")).to_be_visible()
    shoot(page, "stress")


def test_a_policy_change_is_previewed_then_saved(limited, role_users, page: Page):
    from credere.credit.services import checks

    for order, amount in (("SO-1", "300.00"), ("SO-2", "140.00")):  # S1 900 limit: 840 + 140 = 108.9 %: held
        checks.check(actor=role_users["credit_manager"], company=limited.de, customer=limited.h1, order_id=order,
                     amount=amount, currency="EUR")
    login(page, "manager")
    page.goto("/credit/policy/")
    form = page.get_by_test_id("credit-policy-form")
    form.get_by_label("Tolerance over the limit (%)").fill("50")
    form.get_by_role("button", name="Preview against the last 1,000 checks").click()
    preview = page.get_by_test_id("policy-preview")
    expect(preview).to_contain_text("would change")
    shoot(page, "policy-preview")
    page.get_by_label("Why the change (required to save)").fill("More leeway while the group restructures")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("Credit policy version 1 is in force.")).to_be_visible()
    expect(page.get_by_test_id("credit-policy-version")).to_contain_text("Version 1")


def test_a_commitment_raises_exposure_and_a_past_day_shows_its_own_figures(portfolio, passwords, page: Page):
    """Limits approved on 2 March; a delivery not invoiced recorded from 20 March raises Helios's
    exposure; the Limits and use page and the customer page at the end of 15 March show that day."""
    import datetime as dt

    import time_machine

    from credere.approvals import services as approvals
    from credere.credit.services import limits

    with time_machine.travel(dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC), tick=False):
        for customer, amount in ((portfolio.h1, "1000.00"), (portfolio.s1, "900.00")):
            req = limits.request_limit(actor=passwords["credit_analyst"], customer=customer, amount=amount,
                                       currency="EUR", reason="annual review")
            approvals.decide(actor=passwords["credit_manager"], request_id=req.pk, approve=True, note="agreed")
    login(page, "manager")
    page.goto(f"/customers/{portfolio.h1.pk}/")
    expect(page.get_by_test_id("credit-exposure")).to_contain_text("500.00")
    page.get_by_test_id("credit-panel").get_by_text("Request a limit, change the risk class").click()
    form = page.get_by_test_id("commitment-form")
    form.get_by_label("Kind of commitment").select_option("shipped")
    form.get_by_label("Delivery note, contract or document").fill("DN-4711")
    form.get_by_label("Amount").fill("300")
    form.get_by_label("Since (optional: today)").fill("2026-03-20")
    form.get_by_label("Note", exact=True).fill("pallets delivered, invoice follows")
    form.get_by_role("button", name="Record commitment").click()
    expect(page.get_by_text("Recorded: shipped, not invoiced DN-4711, 300.00 EUR.")).to_be_visible()
    expect(page.get_by_test_id("credit-exposure")).to_contain_text("800.00")
    expect(page.get_by_test_id("commitment-list")).to_contain_text("DN-4711")
    shoot(page, "customer-commitment")
    page.goto("/credit/limits/")
    page.get_by_label("At the end of").fill("2026-03-15")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("limits-as-of")).to_contain_text("15")
    table = page.locator("table").first
    # 15 March: Helios owed 500 (no delivery yet); Solo 640 + 300, its credit note came on 20 March
    expect(table).to_contain_text("50.0%")
    expect(table).to_contain_text("104.4%")
    shoot(page, "limits-as-of")
    page.goto(f"/customers/{portfolio.h1.pk}/?as_of=2026-03-25")
    expect(page.get_by_test_id("credit-as-of")).to_be_visible()
    expect(page.get_by_test_id("credit-exposure")).to_contain_text("800.00")
    expect(page.get_by_test_id("order-outlook")).to_have_count(0)
    shoot(page, "customer-as-of")
