"""The cash clerk in a real browser: upload a statement, run matching, clear the workbench with
the keyboard, match by hand through the item search, undo. Playwright drives Debian's Chromium
against the live application; screenshots go to ``test-artifacts/screenshots/cash-*.png``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from cashapp.test_cash_pages import DAY, camt053
from support.browsing import *  # noqa: F403 - the shared browser fixtures
from support.browsing import DESKTOP, PASSWORD, PHONE, SHOTS, login

pytestmark = [pytest.mark.sqlite_only, pytest.mark.django_db(transaction=True)]
D = Decimal


@pytest.fixture
def ledger(transactional_db, settings):
    """Two companies, four customers with open items, a clerk and a manager who can sign in."""
    from credere.identity.services import create_user
    from credere.ledger.services.documents import upsert_item
    from credere.ledger.services.master_data import upsert_company, upsert_customer

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    users = {role: create_user(actor=None, username=name, roles=[role], email=f"{name}@example.com",
                               password=PASSWORD)
             for role, name in (("cash_clerk", "clerk"), ("credit_manager", "manager"))}
    admin = create_user(actor=None, username="admin", roles=["administrator"])
    de = upsert_company(actor=admin, code="DE01", name="Credere GmbH", base_currency="EUR", country="DE")[0]
    upsert_company(actor=admin, code="US01", name="Credere Inc", base_currency="USD", country="US")
    customers = {acct: upsert_customer(actor=admin, account_number=acct, name=name, country="DE")[0]
                 for acct, name in (("H1", "Helios Holding AG"), ("S1", "Solo Logistics Ltd"),
                                    ("N1", "Northwind Logistics Ltd"), ("B1", "Baltic Foods GmbH"))}
    items = {}
    for acct, number, kind, amount in (("H1", "INV-2", "invoice", "500.00"), ("S1", "INV-3", "invoice", "300.00"),
                                       ("S1", "CN-1", "credit_note", "-100.00"), ("H1", "INV-7", "invoice", "50.00"),
                                       ("H1", "INV-8", "invoice", "80.00"), ("N1", "INV-9", "invoice", "1190.00"),
                                       ("B1", "INV-10", "invoice", "99.50")):
        items[number] = upsert_item(actor=admin, company=de, customer=customers[acct], document_type=kind,
                                    document_number=number, document_date=dt.date(2026, 3, 1),
                                    due_date=dt.date(2026, 3, 31), currency="EUR", amount=D(amount))[0]
    return {"users": users, "items": items}


def shot(page: Page, name: str, full: bool = True, phone: bool = False) -> None:
    """A screenshot at 1366×900 (and, with ``phone``, one at 390×844 as ``cash-NAME-phone.png``)."""
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar stays at the top of a full-page shot
    page.screenshot(path=str(SHOTS / f"cash-{name}.png"), full_page=full)
    if phone:
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(300)  # the navigation drawer slides away (.2s)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / f"cash-{name}-phone.png"), full_page=full)
        page.set_viewport_size(DESKTOP)
        page.wait_for_timeout(100)


def _open(number: str) -> Decimal:
    from credere.ledger.models import OpenItem

    return OpenItem.objects.get(document_number=number).open_amount


def test_clerk_uploads_matches_and_clears_the_workbench_with_the_keyboard(ledger, page: Page, tmp_path):
    from credere.cashapp.models import Adjustment, MatchProposal
    from credere.ledger.models import Payment

    login(page, "clerk")
    page.locator("nav.nav").get_by_role("link", name="Statements").click()
    expect(page.get_by_role("heading", name="Bank statements", level=1)).to_be_visible()
    shot(page, "statements-empty", phone=True)
    statement = tmp_path / "camt053-day.xml"
    statement.write_bytes(camt053(DAY))
    page.get_by_label("Statement file").set_input_files(str(statement))
    page.get_by_label("Company (for a bank account seen for the first time)").select_option("DE01")
    page.get_by_role("button", name="Upload and import").click()

    # the file page: matching is queued for the worker; the page polls until it is done
    expect(page.get_by_role("heading", name="camt053-day.xml", level=1)).to_be_visible()
    expect(page.locator(".alert-success")).to_contain_text("4 new transactions, 0 already known (skipped), "
                                                           "3 payments recorded")
    expect(page.locator("#file-status")).to_have_attribute("data-pending", "true")
    expect(page.get_by_test_id("file-pending")).to_have_text("3")
    shot(page, "file-pending")
    page.get_by_role("button", name="Run matching now").click()
    expect(page.locator(".alert-success")).to_contain_text("1 applied, 1 suggested, 1 without a match")
    expect(page.get_by_test_id("file-applied")).to_have_text("1")
    expect(page.get_by_test_id("file-suggested")).to_have_text("1")
    expect(page.get_by_test_id("file-unmatched")).to_have_text("1")
    expect(page.locator("#file-status")).to_have_attribute("data-pending", "false")
    shot(page, "file", phone=True)
    # on a phone each transaction is a card that shows its amount, counterparty and status
    page.set_viewport_size(PHONE)
    card = page.locator("#table-transactions tbody tr").first
    for label in ("Amount", "Counterparty", "Status", "Booked"):
        expect(card.locator(f'td[data-label="{label}"]')).to_be_visible()
    page.set_viewport_size(DESKTOP)
    page.goto("/cash/statements/")
    shot(page, "statements", phone=True)

    # the workbench: the suggestion first (largest amount), then the stranger
    page.locator("nav.nav").get_by_role("link", name="Workbench").click()
    expect(page.get_by_role("heading", name="Workbench", level=1)).to_be_visible()
    entries = page.locator("#queue .queue-entry")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("Solo Logistics Ltd")
    expect(page.get_by_test_id("suggestion")).to_contain_text("Suggestion")
    page.wait_for_load_state("networkidle")  # the panel's own requests are done before the keys move on
    page.keyboard.press("j")
    expect(page.locator("#queue .queue-entry.selected")).to_contain_text("Jane Stranger")
    expect(page.get_by_test_id("suggestion")).to_contain_text("No match found")
    page.keyboard.press("k")
    expect(page.locator("#queue .queue-entry.selected")).to_contain_text("Solo Logistics Ltd")
    expect(page.get_by_test_id("confidence")).to_have_text("92%")
    expect(page.get_by_test_id("suggestion-lines")).to_contain_text("CN-1")
    shot(page, "workbench")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(150)
    page.screenshot(path=str(SHOTS / "cash-workbench-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    expect(page.get_by_test_id("today-applied")).to_have_text("1")
    expect(page.get_by_test_id("today-suggested")).to_have_text("1")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("notice")).to_contain_text("Accepted")
    expect(entries).to_have_count(1)
    # the day's counters follow the decision without reloading the page
    expect(page.get_by_test_id("today-applied")).to_have_text("2")
    expect(page.get_by_test_id("today-suggested")).to_have_text("0")
    expect(page.locator("#queue .queue-entry.selected")).to_contain_text("Jane Stranger")
    solo = Payment.objects.get(bank_transaction__bank_reference="B-2")
    assert MatchProposal.objects.get(payment=solo, status="accepted").decided_by == "clerk"
    assert (_open("INV-3"), _open("CN-1")) == (D("0.00"), D("0.00"))

    # a manual match for the stranger: two of Helios' invoices, the second one short by 6.55
    page.keyboard.press("/")
    search = page.locator("#item-search")
    expect(search).to_be_focused()
    search.fill("INV-7")
    row = page.locator("#item-results tr[data-item]")
    expect(row).to_have_count(1)
    row.first.get_by_role("checkbox").check()
    search.fill("INV-8")
    expect(page.locator("#item-results tr[data-item]")).to_have_count(1)
    # too much first (both in full): refused in words, and the ticked items stay ticked with what was typed
    page.locator("#item-results tr[data-item]").first.get_by_role("checkbox").check()
    expect(page.get_by_test_id("manual-total")).to_have_text("€130.00")
    page.get_by_role("button", name="Apply selected items").click()
    expect(page.get_by_test_id("panel-errors")).to_contain_text("The ticked items take 130.00 EUR, but only "
                                                                "123.45 EUR of the payment is unapplied — 6.55 EUR "
                                                                "too much")
    expect(page.locator("#item-chosen input[name=item]:checked")).to_have_count(2)
    expect(page.get_by_test_id("manual-total")).to_have_text("€130.00")
    shot(page, "manual-too-much", phone=True)
    page.get_by_label("Amount to apply to INV-8 (EUR)").fill("73.45")
    page.get_by_label("Deduction left open on INV-8").fill("6.55")
    expect(page.locator("#item-chosen tr")).to_have_count(2)
    expect(page.get_by_test_id("manual-total")).to_have_text("€123.45")
    page.get_by_label("Note").first.fill("short by a damaged pallet")
    shot(page, "manual")
    page.get_by_role("button", name="Apply selected items").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Matched by hand")
    expect(page.get_by_text("Nothing waiting.")).to_be_visible()
    stranger = Payment.objects.get(bank_transaction__bank_reference="B-3")
    assert stranger.unapplied_amount == D("0.00")
    assert (_open("INV-7"), _open("INV-8")) == (D("0.00"), D("6.55"))
    assert Adjustment.objects.get().amount == D("6.55")

    # undo it: the money is unapplied again and the payment back in the queue
    page.goto(f"/cash/workbench/?payment={stranger.pk}")
    expect(page.get_by_test_id("applied-match")).to_contain_text("INV-8")
    page.get_by_text("Undo this match…").click()
    page.get_by_label("Reason").fill("wrong customer")
    shot(page, "undo")
    page.get_by_role("button", name="Undo match").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Undone")
    expect(entries).to_have_count(1)
    expect(page.get_by_test_id("payment-status")).to_have_text("Match undone")
    expect(page.get_by_test_id("not-looked-at")).to_contain_text("Its match was undone")
    expect(page.get_by_test_id("match-not-looked-at")).to_have_text("Match the 1 payment nothing is proposed for")
    shot(page, "undone", phone=True)
    stranger.refresh_from_db()
    assert stranger.unapplied_amount == D("123.45")
    assert (_open("INV-7"), _open("INV-8")) == (D("50.00"), D("80.00"))

    # put it on account with the a key
    page.keyboard.press("a")
    expect(page.locator("#oa-customer")).to_be_focused()
    page.locator("#oa-customer").fill("Helios Holding")  # by name as well as by account number
    page.locator("#oa-customer").press("Enter")
    expect(page.get_by_test_id("notice")).to_contain_text("kept on account for Helios Holding AG (H1)")
    expect(page.get_by_text("Nothing waiting.")).to_be_visible()
    shot(page, "workbench-done", phone=True)


def test_manager_changes_the_matching_policy(ledger, page: Page):
    from credere.cashapp.models import MatchingPolicyVersion

    login(page, "manager")
    page.locator("nav.nav").get_by_role("link", name="Matching policy").click()
    expect(page.get_by_test_id("policy-version")).to_have_text("Version 1")
    page.locator("#p-auto_apply_confidence").fill("90")  # percent, as the page shows confidences
    page.get_by_label("Why the change (required)").fill("fewer checks for clear payments")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_test_id("policy-version")).to_have_text("Version 2")
    expect(page.locator(".diff-table")).to_contain_text("Apply without a clerk from this confidence")
    assert MatchingPolicyVersion.objects.get(version=2).settings["auto_apply_confidence"] == "0.90"
    shot(page, "policy")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(150)
    page.screenshot(path=str(SHOTS / "cash-policy-phone.png"), full_page=True)
    assert re.search(r"/cash/policy/$", page.url)


def test_a_statement_that_does_not_add_up_is_imported_flagged_and_acknowledged(ledger, page: Page, tmp_path):
    from credere.cashapp.models import Statement
    from support.browsing import shoot

    data = camt053(DAY)
    closing = f">{1000 + sum(D(amount) for amount, *_ in DAY):.2f}<".encode()
    statement = tmp_path / "short.xml"
    statement.write_bytes(data.replace(closing, b">1803.00<"))
    login(page, "clerk")
    page.goto("/cash/statements/")
    page.get_by_label("Statement file").set_input_files(str(statement))
    page.get_by_label("Company (for a bank account seen for the first time)").select_option("DE01")
    page.get_by_role("button", name="Upload and import").click()

    expect(page.get_by_role("heading", name="short.xml", level=1)).to_be_visible()
    expect(page.locator(".alert-warning").first).to_contain_text("1 statement of this file does not add up")
    flag = page.get_by_test_id("statement-flag")
    expect(flag).to_contain_text("Statement STMT-1 of account DE89370400440532013000 does not add up")
    expect(page.get_by_test_id("expected-closing")).to_have_text("€1,811.45")
    expect(page.get_by_test_id("stated-closing")).to_have_text("€1,803.00")
    expect(page.get_by_test_id("difference")).to_have_text("-€8.45")
    expect(flag).to_contain_text("the bank's closing balance is €8.45 less than its entries account for")
    expect(page.get_by_text("does not add up", exact=True)).to_be_visible()  # the statements table's badge
    shoot(page, "file-flagged", prefix="cash")
    page.goto("/cash/statements/")
    expect(page.get_by_test_id("file-flag")).to_have_text("1 statement does not add up")
    shoot(page, "statements-flagged", prefix="cash")

    page.goto(f"/cash/statements/{Statement.objects.get().file_id}/")
    page.get_by_role("button", name="Acknowledge the difference").click()  # an empty note: the browser asks
    expect(page.get_by_label("Note (kept in the audit trail)")).to_be_focused()
    page.get_by_label("Note (kept in the audit trail)").fill("The bank booked a fee of 8.45 on the next statement.")
    page.get_by_role("button", name="Acknowledge the difference").click()
    expect(page.locator(".alert-success")).to_contain_text("The difference is acknowledged")
    expect(page.get_by_test_id("acknowledgement")).to_contain_text(
        "Acknowledged by clerk")
    expect(page.get_by_test_id("acknowledgement")).to_contain_text("The bank booked a fee of 8.45")
    shoot(page, "file-acknowledged", prefix="cash")
    assert Statement.objects.get().acknowledgement_note == "The bank booked a fee of 8.45 on the next statement."


def test_clerk_pairs_a_returned_payment_and_the_payment_page_says_so(ledger, page: Page):
    from cashapp.statements import Entry
    from cashapp.statements import camt053 as camt053_entries
    from credere.cashapp.services import statements
    from credere.ledger.models import Payment

    clerk = ledger["users"]["cash_clerk"]
    paid = Entry("1190.00", "Northwind Logistics Ltd", "GB29NWBK60161331926819", "INV-9", "B-9", day="2026-03-20",
                 end_to_end="E2E-9")
    from credere.ledger.models import Company

    statements.import_statement(actor=clerk, data=camt053_entries([paid], statement_id="S1"), background=False,
                                company=Company.objects.get(code="DE01"))
    returned = Entry("1190.00", "Northwind Logistics Ltd", "GB29NWBK60161331926819", "RETURN", "R-9",
                     day="2026-03-23", credit=False, end_to_end="SOMETHING-ELSE", return_code="AC04")
    statements.import_statement(actor=clerk, data=camt053_entries([returned], statement_id="S2"), background=False)
    assert _open("INV-9") == D("0.00")
    login(page, "clerk")
    page.goto("/cash/workbench/")
    card = page.get_by_test_id("returns-waiting")
    expect(card).to_contain_text("AC04: the account is closed")
    expect(card).to_contain_text("SOMETHING-ELSE")
    shot(page, "returns", phone=True)
    card.get_by_role("button", name="Pair").click()
    expect(page.locator(".alert-success")).to_contain_text("Return paired: payment E2E-9 is reversed")
    expect(page.get_by_test_id("returns-waiting")).to_have_count(0)
    assert _open("INV-9") == D("1190.00")
    page.goto(f"/payments/{Payment.objects.get(bank_reference='E2E-9').pk}/")
    expect(page.get_by_test_id("payment-returned")).to_contain_text("Returned by the bank on")
    shot(page, "payment-returned", phone=True)
