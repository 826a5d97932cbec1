"""Real-browser tests: Playwright driving Debian's Chromium against the live application.

A demo portfolio (the project's own generator) up to today, the demo users, and then what
people do: log in as each role, read the dashboard, drill down to a customer and an item,
import a file through the preview, browse and verify the audit log. Screenshots of the main
pages at desktop (1366×900) and phone (390×844) width go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from support.browsing import *  # noqa: F403 - the shared browser fixtures
from support.browsing import DESKTOP, PASSWORD, PHONE, SHOTS, login

pytestmark = [pytest.mark.sqlite_only, pytest.mark.django_db(transaction=True)]

USERS = {"administrator": "admin", "credit_manager": "manager", "credit_analyst": "analyst",
         "collector": "collector", "cash_clerk": "clerk", "sales": "sales", "auditor": "auditor"}


@pytest.fixture
def demo(transactional_db, settings):
    """The demo portfolio up to today and one user per role."""
    from django.utils import timezone

    from credere.demo.loader import load
    from credere.identity.services import create_user

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    users = {role: create_user(actor=None, username=name, roles=[role], email=f"{name}@example.com",
                               password=PASSWORD) for role, name in USERS.items()}
    today = timezone.localdate()
    load(customers=40, years=1, seed=7, as_of=today)
    return {"users": users, "today": today}


def shoot(page: Page, name: str) -> None:
    """Full-page screenshots at desktop and phone width."""
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"desktop-{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(150)  # charts resize
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"phone-{name}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.wait_for_timeout(100)


MONEY = re.compile(r"^-?€[\d,]+\.\d\d$")


def assert_fits(page: Page, table: str, *headers: str) -> None:
    """At 1366×900: the named column headers (the last money columns, the status) are inside the
    viewport, and no table, nor the page, scrolls sideways."""
    assert page.viewport_size == DESKTOP
    for label in headers:
        th = page.locator(f"{table} thead th").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
        expect(th).to_have_count(1)
        expect(th).to_be_visible()
        box = th.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= DESKTOP["width"], (label, box)
    wide = page.evaluate("""() => [...document.querySelectorAll('.table-scroll')]
        .filter(b => b.scrollWidth > b.clientWidth + 1).map(b => b.closest('.table-block').id)""")
    assert wide == [], wide
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def assert_card_shows_money(page: Page, table: str, label: str) -> None:
    """At 390×844 the first row is a card that shows the amount ``label`` as a visible figure."""
    page.set_viewport_size(PHONE)
    cell = page.locator(f"{table} tbody tr").first.locator(f'td[data-label="{label}"]')
    expect(cell).to_be_visible()
    box = cell.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    text = cell.inner_text().split("\n")[-1].strip()  # the label is drawn before the value
    assert MONEY.match(text), text
    page.set_viewport_size(DESKTOP)


def days_from_words(text: str) -> int:
    """ "12 days overdue" → 12, "due in 5 days" → -5, "due today" → 0."""
    text = text.strip().replace(",", "")
    if text == "due today":
        return 0
    found = re.fullmatch(r"(\d+) days? overdue|due in (\d+) days?", text)
    assert found, text
    return int(found[1]) if found[1] else -int(found[2])


def nav_labels(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("nav.nav .nav-link").all_inner_texts()]


EXPECTED_NAV = {
    "administrator": ["Dashboard", "Aging", "Customers", "Open items", "Payments", "Imports", "Applications",
                      "Onboarding policy", "Limits and use",
                      "Portfolio", "Held orders", "Reviews", "Alerts", "Approvals", "Credit policy", "Statements",
                      "Workbench", "Matching policy", "Audit log", "Users and tokens", "Personal data"],
    "auditor": ["Dashboard", "Aging", "Customers", "Open items", "Payments", "Imports", "Applications",
                "Onboarding policy", "Limits and use", "Portfolio",
                "Held orders", "Reviews", "Alerts", "Approvals", "Credit policy", "Statements", "Workbench",
                "Matching policy", "Audit log"],
    "cash_clerk": ["Dashboard", "Aging", "Customers", "Open items", "Payments", "Imports", "Statements",
                   "Workbench", "Matching policy"],
}


def test_each_role_logs_in_and_sees_only_its_pages(demo, page: Page, console_errors: list[str]):
    for role, username in USERS.items():
        login(page, username)
        expect(page).to_have_url(re.compile(r"/dashboard/$"))
        expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
        expected = EXPECTED_NAV.get(role, EXPECTED_NAV["auditor"][:-1])
        assert nav_labels(page) == expected, role
        exports = page.locator(".export-links").count()
        assert (exports > 0) == (role != "sales"), role
        page.goto("/audit/")
        if role in ("administrator", "auditor"):
            expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
        else:
            expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
            assert [e for e in console_errors if "403" not in e] == []
            console_errors.clear()  # the refusal itself is a 403 response
        # sign out through the user menu
        page.goto("/dashboard/")
        page.locator(".user-menu > summary").click()
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/dashboard/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/dashboard/"))
    shoot(page, "login")


def test_manager_reads_the_dashboard_and_drills_down_to_a_customer_and_an_item(demo, page: Page):
    from credere.reporting import services
    from credere.web import formatting

    manager = demo["users"]["credit_manager"]
    metrics = services.metrics_report(actor=manager, as_of=demo["today"])
    top = services.top_overdue(actor=manager, as_of=demo["today"], limit=10)
    login(page, "manager")
    receivables = page.locator('[data-figure="receivables"] .kpi-value')
    expect(receivables).to_have_text(formatting.money(metrics.receivables, "EUR"))
    expect(page.locator('[data-figure="overdue_share"] .kpi-value')).to_have_text(
        formatting.percent(metrics.overdue_share))
    expect(page.locator("canvas[data-chart]")).to_have_count(2)
    page.wait_for_function("() => [...document.querySelectorAll('canvas[data-chart]')].every(c => c._chart)")
    shoot(page, "dashboard")

    # a figure: its inputs and the customers behind it
    page.locator('[data-figure="dso_countback"]').click()
    expect(page.get_by_role("heading", name="DSO (countback)", level=1)).to_be_visible()
    expect(page.get_by_test_id("figure-value")).to_have_text(f"{formatting.number(metrics.dso_countback, 1)} days")
    shoot(page, "figure")

    # the oldest aging bucket that holds anything: the items behind it
    aging = services.aging_report(actor=manager, as_of=demo["today"], by="company")
    bucket = max((b for b, total in zip(aging.buckets, aging.totals, strict=True) if total), key=lambda b: b.index)
    page.goto("/dashboard/")
    page.locator("#table-aging").get_by_role("link", name=bucket.label, exact=True).click()
    expect(page.get_by_role("heading", name="Open items", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"days past due {bucket.label}")
    first_days = days_from_words(
        page.locator('#table-main tbody tr td[data-label="Days past due"]').first.inner_text())
    low = bucket.min_days if bucket.min_days is not None else -(10**6)
    assert low <= first_days <= (bucket.max_days if bucket.max_days is not None else 10**6)
    # the total of the whole filtered list (every page), per currency, in the table's footer
    from credere.ledger import selectors as ledger_selectors
    from credere.ledger.models import OpenItem

    bucket_items = ledger_selectors.items(ledger_selectors.ItemFilters(bucket=bucket.index), as_of=None,
                                          today=demo["today"])
    eur = next(t for t in ledger_selectors.item_totals(bucket_items) if t.currency == "EUR")
    foot = page.locator("#table-main tfoot tr").filter(has_text="Total EUR")
    expect(foot.locator('td[data-label="Open"]')).to_have_text(formatting.money(eur.open, "EUR"))
    expect(foot.locator('td[data-label="Amount"]')).to_have_text(formatting.money(eur.amount, "EUR"))
    assert_fits(page, "#table-main", "Amount", "Open", "Days past due")
    shoot(page, "items")

    # the largest overdue customer, then one of its invoices
    page.goto("/dashboard/")
    page.locator("#table-top").get_by_role("link", name=top[0].name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(top[0].name)
    expect(page.locator(".stat").nth(1).locator(".stat-value")).to_have_text(formatting.money(top[0].overdue, "EUR"))
    page.wait_for_function("() => document.querySelector('canvas[data-chart]')._chart")
    shoot(page, "customer")
    link = page.locator("#table-items tbody tr").first.locator("td").first.get_by_role("link")
    number = link.inner_text()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    item = OpenItem.objects.get(document_number=number)
    expect(page.get_by_test_id("item-amount")).to_have_text(formatting.money(item.amount, item.currency))
    expect(page.get_by_test_id("item-open")).to_have_text(formatting.money(item.open_amount, item.currency))
    shoot(page, "item")

    # the aging report and the customer list, sorted by overdue
    for by in ("customer", "group"):
        page.goto(f"/aging/?by={by}")
        expect(page.get_by_role("heading", name="Aging", level=1)).to_be_visible()
        shoot(page, f"aging-by-{by}")
        assert_fits(page, "#table-main", *(b.label for b in aging.buckets), "Total", "Total (EUR)")
        assert_card_shows_money(page, "#table-main", "Total (EUR)")
    # the customer list opens worst first: the largest overdue customer at the top
    page.goto("/customers/")
    expect(page.locator("#table-main tbody tr").first).to_contain_text(top[0].name)
    shoot(page, "customers")
    assert_fits(page, "#table-main", "Status", "Receivables (EUR)", "Overdue (EUR)", "Oldest overdue")
    assert_card_shows_money(page, "#table-main", "Overdue (EUR)")
    page.get_by_role("link", name="Name", exact=True).click()
    names = page.locator('#table-main tbody td[data-label="Name"]').all_inner_texts()
    assert names == sorted(names, key=str.casefold)


def test_payment_page_shows_its_allocations_and_a_reversal(demo, page: Page):
    from django.db.models import Count

    from credere.ledger.models import Payment
    from credere.ledger.services.allocations import reverse_allocation
    from credere.web import formatting

    payment = (Payment.objects.annotate(n=Count("allocations")).filter(n__gte=2, customer__isnull=False)
               .order_by("-n", "pk").first())
    first = payment.allocations.order_by("pk").first()
    reverse_allocation(actor=demo["users"]["administrator"], allocation_id=first.pk, reversed_on=demo["today"],
                       reason="paid twice: the bank recalled it")
    login(page, "manager")
    page.goto("/payments/")
    expect(page.get_by_role("heading", name="Payments", level=1)).to_be_visible()
    assert_fits(page, "#table-main", "Amount", "Unapplied")
    shoot(page, "payments")
    page.goto(f"/payments/{payment.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(payment.reference)
    assert_fits(page, "#table-allocations", "Status", "Amount (item currency)", "Amount (payment currency)",
                "Reversed")
    rows = page.locator("#table-allocations tbody tr")
    undone = rows.filter(has_text=first.target.document_number)
    expect(undone).to_have_class(re.compile(r"\brow-muted\b"))
    expect(undone.locator(".badge")).to_have_text("Reversed")
    expect(undone.locator('td[data-label="Reversed"]')).to_have_text(formatting.date(demo["today"]))
    live = payment.allocations.filter(reversed_on__isnull=True).count()
    expect(rows.locator(".badge").filter(has_text="Applied")).to_have_count(live)
    expect(page.locator("#table-allocations tbody tr.row-muted")).to_have_count(1)
    shoot(page, "payment")


def test_search_keyboard_and_phone_navigation(demo, page: Page):
    from credere.ledger.models import Customer, OpenItem

    login(page, "collector")
    customer = Customer.objects.order_by("pk").first()
    item = OpenItem.objects.order_by("pk").first()
    page.keyboard.press("/")
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.type(customer.name[:6])
    expect(page.locator("#search-suggestions .suggestion").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/customers/\d+/$"))
    page.locator("#global-search").fill(item.document_number)
    page.locator("#global-search").press("Enter")
    expect(page.get_by_role("heading", name="Search")).to_be_visible()
    shoot(page, "search")
    page.locator("main").get_by_role("link", name=item.document_number, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(item.document_number)
    # phone width: the navigation collapses to a menu
    page.set_viewport_size(PHONE)
    page.goto("/dashboard/")
    sidebar = page.locator("#sidebar")
    assert sidebar.bounding_box()["x"] < 0
    page.get_by_role("button", name="Open menu").click()
    page.wait_for_timeout(300)
    assert sidebar.bounding_box()["x"] == 0
    page.screenshot(path=str(SHOTS / "phone-menu-open.png"))
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    assert sidebar.bounding_box()["x"] < 0
    page.get_by_role("button", name="Open menu").click()
    sidebar.get_by_role("link", name="Customers").click()
    expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()


SAP = (Path(__file__).resolve().parents[2] / "docs" / "samples" / "sap-open-items.csv")


def test_manager_imports_a_file_through_the_preview(demo, page: Page, tmp_path):
    from credere.imports.models import ImportRun
    from credere.ledger.models import Customer, OpenItem

    login(page, "manager")
    page.get_by_role("link", name="Imports").click()
    page.get_by_role("link", name="Import a file").click()
    expect(page.get_by_role("heading", name="Import a file")).to_be_visible()
    shoot(page, "import-upload")
    csv_file = tmp_path / "erp-customers.csv"
    csv_file.write_text("account_number,name,country\nWEB-1,Web Import One GmbH,DE\nWEB-2,Web Import Two SA,FR\n"
                        "WEB-3,,FR\n", encoding="utf-8")
    page.get_by_role("radio", name="Customers").check()
    page.get_by_label("File", exact=True).set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Preview: erp-customers.csv")).to_be_visible()
    expect(page.get_by_test_id("preview-created")).to_have_text("2")
    expect(page.get_by_test_id("preview-rejected")).to_have_text("1")
    expect(page.locator("#table-errors")).to_contain_text("name")
    assert not Customer.objects.filter(account_number__startswith="WEB-").exists()  # a preview writes nothing
    shoot(page, "import-preview")
    page.get_by_role("button", name="Import the good rows, skip 1 rejected").click()
    expect(page.get_by_role("heading", name=re.compile(r"Import run \d+"))).to_be_visible()
    expect(page.get_by_test_id("run-created")).to_have_text("2")
    assert sorted(Customer.objects.filter(account_number__startswith="WEB-").values_list("name", flat=True)) == [
        "Web Import One GmbH", "Web Import Two SA"]
    assert ImportRun.objects.get().status == "partial"
    shoot(page, "import-result")

    # an ERP file with its own column names: map them, save the mapping, preview, import
    for code in ("C1000", "C2000"):
        Customer.objects.get_or_create(account_number=code, defaults={"name": f"SAP customer {code}"})
    page.goto("/imports/new/")
    page.get_by_role("radio", name="Open items").check()
    page.get_by_label("File", exact=True).set_input_files(str(SAP))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Match the columns")).to_be_visible()
    targets = {"BUKRS": "company_code", "KUNNR": "account_number", "BLART": "document_type",
               "BELNR": "document_number", "BLDAT": "document_date", "BUDAT": "posting_date", "FAEDT": "due_date",
               "WAERS": "currency", "WRBTR": "amount", "XBLNR": "customer_reference", "VBELN": "billing_reference"}
    for header, target in targets.items():
        page.get_by_label(f"Credere column for {header}").select_option(target)
    page.get_by_label("Save this mapping").check()
    page.get_by_label("Source system name").fill("SAP")
    shoot(page, "import-mapping")
    page.get_by_role("button", name="Preview with these columns").click()
    # the codes RV/DG are not Credere's: the preview says so, the mapping page translates them
    expect(page.get_by_test_id("preview-rejected")).to_have_text("3")
    page.get_by_role("link", name="Change the column mapping").click()
    page.get_by_label("RV").select_option("invoice")
    page.get_by_label("DG").select_option("credit_note")
    page.get_by_role("button", name="Preview with these columns").click()
    expect(page.get_by_test_id("preview-created")).to_have_text("3")
    page.get_by_role("button", name="Import 3 rows").click()
    expect(page.get_by_test_id("run-created")).to_have_text("3")
    assert OpenItem.objects.filter(document_number="1400000007", document_type="credit_note").exists()
    page.goto("/imports/")
    expect(page.locator("#table-main tbody tr")).to_have_count(ImportRun.objects.count())
    shoot(page, "imports")


def test_auditor_browses_and_verifies_the_audit_log(demo, page: Page):
    from credere.audit.models import AuditEvent
    from credere.ledger.services.master_data import upsert_customer

    upsert_customer(actor=demo["users"]["administrator"], account_number="AUD-1", name="Audit Trail Ltd",
                    reason="opened for the audit test")
    login(page, "auditor")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    shoot(page, "audit")
    assert_fits(page, "#table-main", "Action", "Record", "Reason")
    page.get_by_label("Record contains").fill("Audit Trail")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("#table-main tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("td").first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Customer created")
    expect(page.locator("main")).to_contain_text("opened for the audit test")
    expect(page.locator(".diff-table")).to_contain_text("Audit Trail Ltd")
    shoot(page, "audit-event")
    page.get_by_role("link", name="Audit Trail Ltd").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Audit Trail Ltd")
    page.goto("/audit/")
    page.get_by_test_id("verify-chain").click()
    expect(page.get_by_test_id("verify-result")).to_contain_text("The audit chain is intact")
    expect(page.get_by_test_id("verify-result")).to_contain_text(f"{AuditEvent.objects.count():,}")
    shoot(page, "audit-verify")
    with page.expect_download() as download:
        page.goto("/audit/")
        page.get_by_role("link", name="CSV").click()
    target = SHOTS.parent / "audit-trail.csv"
    download.value.save_as(str(target))
    assert target.read_text().startswith("seq,occurred_at,actor,action")


def test_administrator_manages_users_and_tokens(demo, page: Page):
    login(page, "admin")
    page.get_by_role("link", name="Users and tokens").click()
    expect(page.get_by_role("heading", name="Users and tokens")).to_be_visible()
    shoot(page, "users")
    page.get_by_role("link", name="New user").click()
    page.get_by_label("User name").fill("erp-bot")
    page.get_by_label("Email").fill("erp@example.com")
    page.get_by_label("Initial password").fill("a long enough password")
    page.get_by_label("Cash-application clerk").check()
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("erp-bot")
    page.get_by_label("New token for").fill("Bank connector")
    page.get_by_role("button", name="Issue token").click()
    secret = page.get_by_test_id("new-token").input_value()
    assert secret.startswith("crd_")
    shoot(page, "user-token")
    page.get_by_role("button", name="Revoke Bank connector").click()
    expect(page.locator("#table-tokens")).to_contain_text("Bank connector")
    from credere.identity.models import ApiToken

    assert ApiToken.objects.get(name="Bank connector").revoked_at is not None



def test_figure_pages_show_their_computation(demo, page: Page):
    """Each dashboard figure opens its own computation; the countback shows its walk month by month."""
    login(page, "manager")
    page.goto("/dashboard/")
    page.get_by_role("link", name=re.compile("DSO \\(countback\\)")).first.click()
    expect(page.get_by_role("heading", name="DSO (countback)", level=1)).to_be_visible()
    expect(page.get_by_test_id("countback-walk")).to_be_visible()
    expect(page.get_by_test_id("figure-formula")).to_contain_text("together")
    shoot(page, "figure-dso-countback")
    for key in ("cei", "dso_simple", "average_days_delinquent", "overdue_share", "best_possible_dso"):
        page.goto(f"/dashboard/figures/{key}/")
        expect(page.get_by_test_id("figure-parts")).to_be_visible()
        expect(page.get_by_test_id("figure-formula")).not_to_be_empty()
        shoot(page, f"figure-{key.replace('_', '-')}")
