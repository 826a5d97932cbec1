"""Credit onboarding in a real browser, end to end: an applicant on a phone fills in the public form of DE01,
saves the draft, resumes it by its link in another browser, uploads the statement template filled in and sends
the application, which is referred (it asks more than the policy recommends); an analyst reads the assessment
and proposes a limit; a manager approves it; the customer is in the ledger with the limit and the applicant's
status page shows the decision."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from support.browsing import *  # noqa: F403 - the shared browser fixtures
from support.browsing import PHONE, login

pytestmark = [pytest.mark.sqlite_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(seller, passwords):
    return passwords


@pytest.fixture
def phone(browser: Browser, live_server, console_errors: list[str]):
    """New phone-sized browser contexts (each its own cookies), watched for script errors like ``page``."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(viewport=PHONE, locale="en-US", base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        pg = context.new_page()
        pg.on("pageerror", lambda e: console_errors.append(str(e)))
        pg.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        return pg

    yield open_page
    for context in contexts:
        context.close()


def _statements_xlsx(statements: list[dict[str, str]]) -> bytes:
    from credere.adapters import statement_template

    values = {int(y["year"]): {k: Decimal(v) for k, v in y.items() if k != "year"} for y in statements}
    return statement_template.write(years=(2025, 2024), currency="EUR", values=values)


def _fill_the_form(app: Page, answers: dict) -> None:
    def field(label: str, value: str) -> None:
        app.get_by_label(label, exact=True).fill(value)

    field("Legal name *", answers["legal_name"])
    field("Legal form", answers["legal_form"])
    app.get_by_label("Country *", exact=True).select_option("DE")
    field("Registration number *", "HRB 12345 Berlin")
    field("VAT number", "DE136695976")
    field("Street and number *", answers["street"])
    field("Postal code *", answers["postal_code"])
    field("City *", answers["city"])
    field("Industry (NACE code)", answers["industry_code"])
    field("Years in business *", answers["years_in_business"])
    field("Name *", answers["contact_name"])
    field("E-mail *", answers["contact_email"])
    field("Phone", answers["contact_phone"])
    field("Currency *", "EUR")
    field("Credit limit asked for *", "400000")
    field("Payment terms asked for (days) *", "30")
    field("Expected purchases per month", "25000")
    for n, ref in enumerate(answers["references"][:2]):
        row = app.locator(".apply-ref").nth(n)
        row.get_by_label("Company", exact=True).fill(ref["company"])
        row.get_by_label("Contact person", exact=True).fill(ref["contact"])
        row.get_by_label("E-mail or phone", exact=True).fill(ref["email"])
        row.get_by_label("Years trading with them", exact=True).fill(ref["years"])
        row.get_by_label("Typical invoice amount", exact=True).fill(ref["typical_amount"])
    owner = app.locator("#section-owners .apply-row").first
    owner.get_by_label("Owner (person or company)").fill("Eva Schmidt")
    owner.get_by_label("Share in %").fill("100")


def _sign_out(page: Page) -> None:
    page.locator(".user-menu > summary").click()
    page.get_by_role("button", name="Sign out").click()


def test_an_application_is_filled_on_a_phone_referred_and_approved(people, phone, page: Page, good_answers,
                                                                    statements, smtp, settings, live_server,
                                                                    tmp_path):
    from credere.credit.models import CreditLimit
    from credere.onboarding.models import CreditApplication
    from credere.onboarding.services.decisions import assess
    from credere.web.templatetags.credere_ui import probability

    settings.CREDERE_BASE_URL = live_server.url  # the links the pages and e-mails give point here

    # 1. the applicant, on a phone, starts from the public form and saves a draft
    app = phone()
    app.goto("/apply/DE01/")
    expect(app.get_by_role("heading", name="Apply for credit with Credere Demo GmbH")).to_be_visible()
    app.get_by_role("button", name="Start the application").click()
    expect(app.get_by_role("heading", name="Credit application", level=1)).to_be_visible()
    _fill_the_form(app, good_answers)
    app.get_by_role("button", name="Save the draft").click()
    expect(app.get_by_role("status")).to_have_text("Saved. You can come back to this page with its link at any time.")
    link = app.locator("#resume-link").inner_text().strip()
    assert app.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing wider than the phone
    assert link.startswith(live_server.url + "/apply/a/"), link

    # 2. resumed by its link in another browser: the answers were kept
    resumed = phone()
    resumed.goto(link)
    expect(resumed.get_by_label("Legal name *", exact=True)).to_have_value("Orion Maschinenbau GmbH")
    expect(resumed.get_by_label("Country *", exact=True)).to_have_value("DE")
    # the register number comes back as python-stdnum writes it (court first, Berlin's court is Charlottenburg)
    registration = resumed.get_by_label("Registration number *", exact=True)
    expect(registration).to_have_value("Berlin (Charlottenburg) HRB 12345")
    expect(resumed.get_by_label("VAT number", exact=True)).to_have_value("DE136695976")
    expect(resumed.get_by_label("E-mail *", exact=True)).to_have_value("eva.schmidt@orion.example")
    # amounts come back with their cents
    expect(resumed.get_by_label("Credit limit asked for *", exact=True)).to_have_value("400000.00")
    expect(resumed.get_by_label("Payment terms asked for (days) *", exact=True)).to_have_value("30")
    second = resumed.locator(".apply-ref").nth(1)
    expect(second.get_by_label("Company", exact=True)).to_have_value("Kabel KG")
    expect(resumed.locator("#section-owners .apply-row").first.get_by_label("Share in %")).to_have_value("100")

    # 3. the statements from the template, consent, sent: referred to the credit team
    template = tmp_path / "statements.xlsx"
    template.write_bytes(_statements_xlsx(statements))
    resumed.locator("#statements_file").set_input_files(template)
    resumed.get_by_role("button", name="Upload statements").click()
    expect(resumed.get_by_role("status")).to_have_text("Your statements were read from the file.")
    expect(resumed.locator("#section-statements")).to_contain_text("Statements for 2 years received (2025, 2024; EUR)")
    resumed.get_by_label("I confirm that the information given is complete and true").check()
    resumed.get_by_role("button", name="Send the application").click()
    expect(resumed.locator("#status")).to_have_text("In review")
    application = CreditApplication.objects.get()
    assert application.status == "in_review" and application.requested_limit == Decimal("400000.00")

    # 4. the analyst reads the assessment and proposes a limit
    login(page, "analyst")
    page.locator("nav.nav").get_by_role("link", name="Applications").click()
    page.locator("#table-main").get_by_role("link", name="Orion Maschinenbau GmbH").click()
    expect(page.get_by_role("heading", name="Orion Maschinenbau GmbH")).to_be_visible()
    assessed = assess(application)  # what the page works out, worked out here the same way
    pd = probability(assessed.analysis.prediction.pd)
    kpis = page.get_by_test_id("assessment")
    expect(kpis.locator(".kpi", has_text="Score")).to_contain_text(f"{assessed.assessment.score} / 100")
    expect(kpis.locator(".kpi", has_text="Probability of default")).to_contain_text(pd)
    financials = page.get_by_test_id("financials")
    expect(financials.get_by_role("heading", name="Default model")).to_be_visible()
    expect(financials).to_contain_text(f"{pd} probability of default within a year")
    expect(financials.get_by_role("heading", name="Altman Z''-score")).to_be_visible()
    expect(page.get_by_test_id("reasons")).to_contain_text("The rules say: refer to a person.")
    expect(page.get_by_test_id("reasons")).to_contain_text("more than the policy recommends")
    page.get_by_label("Limit (EUR)").fill("150000")
    page.get_by_label("Terms (days)").fill("30")
    page.get_by_label("Risk class").select_option("B")
    page.get_by_label("Why (the approver reads it)").fill("solid accounts, two good references")
    page.get_by_role("button", name="Propose for approval").click()
    expect(page.locator(".alert-success")).to_contain_text("Proposed for approval")
    expect(page.get_by_test_id("application-status")).to_have_text("Waiting for approval")
    _sign_out(page)

    # 5. the manager approves it
    login(page, "manager")
    page.locator("nav.nav").get_by_role("link", name="Approvals").click()
    summary = f"Credit application {application.reference} Orion Maschinenbau GmbH: limit 150,000.00 EUR, class B, " \
              "30 days"
    page.get_by_role("link", name=summary).click()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".alert-success")).to_contain_text("Approved")

    # 6. the customer is in the ledger with its limit; the applicant sees the decision
    application.refresh_from_db()
    assert application.status == "approved" and application.customer is not None
    customer = application.customer
    limit = CreditLimit.objects.get(customer=customer, status="active")
    assert (limit.amount, limit.currency, limit.company_id) == (Decimal("150000.00"), "EUR", None)
    page.locator("nav.nav").get_by_role("link", name="Limits and use").click()
    row = page.locator("#table-main tbody tr", has_text="Orion Maschinenbau GmbH")
    expect(row.locator("td[data-label=Scope]")).to_have_text("Own")  # for all of our companies
    expect(row).to_contain_text("€150,000.00")
    page.goto(f"/customers/{customer.pk}/")
    expect(page.get_by_role("heading", name="Orion Maschinenbau GmbH")).to_be_visible()
    expect(page.get_by_test_id("risk-class")).to_have_text("B")
    expect(page.locator("main")).to_contain_text(f"{customer.account_number} · DE")
    expect(page.get_by_test_id("credit-limit")).to_have_text("€150,000.00")
    app.goto(link)
    expect(app.locator("#status")).to_have_text("Approved")
    decision = app.locator(".decision-box")
    expect(decision).to_contain_text("150,000.00 EUR")
    expect(decision).to_contain_text("payment within 30 days")
    expect(decision).to_contain_text(customer.account_number)
    mails = [m for to, m in smtp.messages if to == ["eva.schmidt@orion.example"]]
    assert any(m["Subject"] == f"Credit application {application.reference} approved" for m in mails), \
        [m["Subject"] for m in mails]
