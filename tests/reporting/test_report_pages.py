"""The pages show the reporting engine's figures exactly, drill down to the items behind them, and export."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from support.portfolio import AS_OF

pytestmark = pytest.mark.django_db
D = Decimal
Q = f"?as_of={AS_OF.isoformat()}"


def _csv(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def test_dashboard_shows_the_reporting_figures(portfolio, client_for):
    r = client_for("credit_manager").get(f"/dashboard/{Q}")
    assert r.status_code == 200
    cards = {c["key"]: c for c in r.context["cards"]}
    assert cards["receivables"]["value"] == "€1,740.00"
    assert cards["receivables"]["sub"] == "€940.00 overdue"
    assert cards["overdue_share"]["value"] == "54.0%"
    m = r.context["metrics"]
    assert (m.receivables, m.overdue, m.current, m.overdue_share) == (D("1740.00"), D("940.00"), D("800.00"), D("54.02"))
    buckets = [(row["label"], row["amount"]) for row in r.context["bucket_table"].rows]
    assert buckets == [("Not due", D("800.00")), ("1–30", D("-100.00")), ("31–60", D("400.00")),
                       ("61–90", D("0.00")), ("91–120", D("0.00")), ("Over 120", D("640.00"))]
    top = [(t.key, t.overdue, t.receivables) for t in r.context["top_table"].rows]
    assert top == [("S1", D("540.00"), D("840.00")), ("H1A", D("400.00"), D("400.00"))]
    assert len(r.context["series_table"].rows) == 12
    html = r.content.decode()
    assert "€1,740.00" in html and "Helios Trading GmbH" in html
    # the chart gets decimal strings, never floats
    chart = r.context["aging_chart"]
    assert chart["datasets"][0]["data"] == ["800.00", "-100.00", "400.00", "0.00", "0.00", "640.00"]


def test_dashboard_for_one_company_and_another_currency(portfolio, client_for):
    r = client_for("collector").get(f"/dashboard/{Q}&company=US01&currency=USD")
    m = r.context["metrics"]
    assert (m.reporting_currency, m.receivables, m.overdue) == ("USD", D("800.00"), D("800.00"))
    assert r.context["cards"][0]["value"] == "$800.00"


def test_dashboard_explains_a_missing_rate_instead_of_failing(portfolio, client_for):
    r = client_for("credit_manager").get("/dashboard/?as_of=2026-09-30")
    assert r.status_code == 200
    assert "no FX rate from USD to EUR" in r.context["report_error"]


def test_bad_parameters_are_named(portfolio, client_for):
    r = client_for("credit_manager").get("/dashboard/?as_of=31.03.2026&company=XX99")
    assert r.status_code == 200
    assert any("as_of" in e and "YYYY-MM-DD" in e for e in r.context["errors"])
    assert any("no company with code 'XX99'" in e for e in r.context["errors"])


def test_a_bucket_drills_down_to_its_items(portfolio, client_for):
    c = client_for("credit_manager")
    dash = c.get(f"/dashboard/{Q}")
    href = next(row["href"] for row in dash.context["bucket_table"].rows if row["label"] == "31–60")
    r = c.get(href)
    assert r.status_code == 200
    rows = list(r.context["table"].visible_rows())
    assert [(i.document_number, i.open_as_of, i.days_past_due) for i in rows] == [("INV-1", D("400.00"), 55)]
    # every bucket's items add up to the bucket's figure
    for row in dash.context["bucket_table"].rows:
        items = list(c.get(row["href"]).context["table"].rows)
        eur = sum((i.open_as_of if i.currency == "EUR" else i.open_as_of * D("0.8") for i in items), D(0))
        assert eur == row["amount"], row["label"]


def test_figure_page_lists_the_customers_and_links_the_items(portfolio, client_for):
    c = client_for("credit_manager")
    r = c.get(f"/dashboard/figures/overdue_share/{Q}")
    assert r.context["value"] == "54.0%"
    rows = [(x["account"], x["total"], x["overdue"]) for x in r.context["table"].rows]
    assert rows == [("S1", D("840.00"), D("540.00")), ("H1A", D("400.00"), D("400.00")), ("H1", D("500.00"), D("0.00"))]
    overdue_link = next(i["href"] for i in r.context["inputs"] if i["label"] == "Overdue")
    items = c.get(overdue_link).context["table"].rows
    assert sorted(i.document_number for i in items) == ["CN-1", "INV-1", "INV-U1"]
    assert c.get("/dashboard/figures/nonsense/").status_code == 404


def test_aging_by_group_adds_up_the_corporate_group(portfolio, client_for):
    r = client_for("credit_manager").get(f"/aging/{Q}&by=group")
    lines = {(row["key"], row["currency"]): row["converted_total"] for row in r.context["table"].rows}
    assert lines == {("H1", "EUR"): D("900.00"), ("S1", "EUR"): D("200.00"), ("S1", "USD"): D("640.00")}
    assert r.context["report"].total == D("1740.00")


def test_customer_list_filters_sorts_and_shows_balances(portfolio, client_for):
    c = client_for("credit_manager")
    r = c.get(f"/customers/{Q}&sort=-overdue")
    assert [(x["account_number"], x["total"], x["overdue"]) for x in r.context["table"].rows] == [
        ("S1", D("840.00"), D("540.00")), ("H1A", D("400.00"), D("400.00")), ("H1", D("500.00"), D("0.00"))]
    assert [x["account_number"] for x in c.get("/customers/?country=GB").context["table"].rows] == ["S1"]
    assert [x["account_number"] for x in c.get("/customers/?group=H1&sort=name").context["table"].rows] == [
        "H1", "H1A"]
    # worst first by default: the largest overdue, then the largest receivables; by name on request
    assert [x["account_number"] for x in c.get(f"/customers/{Q}").context["table"].rows] == ["S1", "H1A", "H1"]
    assert [x["account_number"] for x in c.get(f"/customers/{Q}&sort=name").context["table"].rows] == [
        "H1", "H1A", "S1"]
    assert [x["account_number"] for x in c.get("/customers/?item_currency=USD").context["table"].rows] == ["S1"]
    assert [x["account_number"] for x in c.get("/customers/?company=US01").context["table"].rows] == ["S1"]
    assert [x["account_number"] for x in c.get("/customers/?industry=G46").context["table"].rows] == ["H1A"]
    overdue = c.get(f"/customers/{Q}&overdue=1&sort=account_number").context["table"].rows
    assert [x["account_number"] for x in overdue] == ["H1A", "S1"]


def test_customer_page(portfolio, client_for):
    r = client_for("credit_manager").get(f"/customers/{portfolio.h1a.pk}/{Q}")
    assert r.status_code == 200
    own = r.context["own"]
    assert (own.total, own.overdue, own.items) == (D("400.00"), D("400.00"), 1)
    group = [(g["account"], g["total"], g["overdue"]) for g in r.context["group_table"].rows]
    assert group == [("H1", D("500.00"), D("0.00")), ("H1A", D("400.00"), D("400.00"))]
    assert r.context["group_table"].footer[0]["total"] == D("900.00")
    aging = r.context["aging_table"].rows
    assert [(a["currency"], a["b2"], a["total"]) for a in aging] == [("EUR", D("400.00"), D("400.00"))]
    assert [p.reference for p in r.context["payments_table"].rows] == ["P1"]
    assert [a.amount for a in r.context["allocations_table"].rows] == [D("600.00")]
    actions = [e.action for e in r.context["timeline_table"].rows]
    assert actions == ["allocation.created", "payment.created", "item.created", "customer.created"]
    points = r.context["history"].points
    assert len(points) == 12 and points[-1].as_of == AS_OF and points[-1].receivables == D("400.00")
    html = r.content.decode()
    assert "Helios Holding AG" in html and "INV-1" in html


def test_customer_page_of_one_customer_agrees_with_the_portfolio_report(portfolio, client_for):
    c = client_for("credit_manager")
    listed = {x["account_number"]: x["total"] for x in c.get(f"/customers/{Q}").context["table"].rows}
    for customer in (portfolio.h1, portfolio.h1a, portfolio.s1):
        own = c.get(f"/customers/{customer.pk}/{Q}").context["own"]
        assert own.total == listed[customer.account_number]


def test_exports_csv_and_xlsx_with_exact_amounts(portfolio, client_for):
    c = client_for("credit_manager")
    rows = _csv(c.get(f"/items/{Q}&overdue=1&sort=due_date&export=csv"))
    assert rows[0] == ["Document", "Type", "Customer", "Account", "Company", "Document date", "Due date",
                       "Days past due", "Currency", "Amount", "Open"]
    assert rows[1:] == [
        ["INV-U1", "Invoice", "Solo Logistics Ltd", "S1", "US01", "2025-10-31", "2025-11-30", "121", "USD",
         "800.00", "800.00"],
        ["INV-1", "Invoice", "Helios Trading GmbH", "H1A", "DE01", "2026-01-05", "2026-02-04", "55", "EUR",
         "1000.00", "400.00"],
        ["CN-1", "Credit note", "Solo Logistics Ltd", "S1", "DE01", "2026-03-20", "2026-03-20", "11", "EUR",
         "-100.00", "-100.00"],
    ]
    r = c.get(f"/dashboard/{Q}&export=xlsx&table=top")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["#", "Customer", "Account", "Overdue (EUR)"]
    assert values[1][:4] == [1, "Solo Logistics Ltd", "S1", 540]
    customers = _csv(c.get(f"/customers/{Q}&export=csv&sort=account_number"))
    assert [r[0] for r in customers[1:]] == ["H1", "H1A", "S1"]
    assert customers[3][-3:] == ["840.00", "540.00", "2025-11-30"]


def test_every_table_of_the_customer_page_exports(portfolio, client_for):
    c = client_for("auditor")
    for table in ("group", "aging", "items", "payments", "allocations", "timeline"):
        r = c.get(f"/customers/{portfolio.h1a.pk}/{Q}&export=csv&table={table}")
        assert r.status_code == 200, table
        assert len(_csv(r)) >= 2, table


def test_numbers_and_dates_follow_the_users_locale(portfolio, client_for):
    german = client_for("credit_manager", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    html = german.get(f"/dashboard/{Q}").content.decode()
    assert "1.740,00\xa0€" in html and "31.03.2026" in html
    c = client_for("credit_manager")
    assert "€1,740.00" in c.get(f"/dashboard/{Q}").content.decode()
    c.post("/preferences/locale/", {"locale": "fr_FR", "next": "/dashboard/"})
    assert "1\u202f740,00\xa0€" in c.get(f"/dashboard/{Q}").content.decode()
    # an unsafe redirect target is not followed
    assert c.post("/preferences/locale/", {"locale": "en", "next": "https://evil.example/"})["Location"] == "/"


def test_empty_states(role_users, client_for):
    c = client_for("credit_manager")
    r = c.get("/customers/")
    assert "No customer matches these filters." in r.content.decode()
    assert "No item matches these filters." in c.get("/items/").content.decode()
    assert "No file has been imported yet." in c.get("/imports/").content.decode()


def test_each_figure_page_shows_its_own_computation(portfolio, client_for):
    """The parts and the formula are the figure's own metrics, with the actual numbers."""
    c = client_for("credit_manager")

    def page(key):
        r = c.get(f"/dashboard/figures/{key}/{Q}")
        assert r.status_code == 200
        comp = r.context["computation"]
        return r.context["metrics"], {p.label: p.value for p in comp.parts}, comp

    m, parts, comp = page("dso_simple")
    assert parts == {"Receivables": "€1,740.00", "Net credit sales, 90-day window": "€1,700.00",
                     "Days in the window": "90 days", "DSO (simple)": "92.12 days"}
    assert comp.formula == "Receivables €1,740.00 ÷ net credit sales €1,700.00 × 90 days = 92.12 days."
    _, parts, comp = page("best_possible_dso")
    assert comp.formula == "Current (not yet due) €800.00 ÷ net credit sales €1,700.00 × 90 days = 42.35 days."
    _, parts, comp = page("average_days_delinquent")
    assert comp.formula.startswith("DSO (simple) 92.12 days − best possible DSO 42.35 days = 49.77 days")
    _, parts, comp = page("cei")
    assert parts["Opening receivables"] == "€1,640.00" and parts["Closing current receivables"] == "€800.00"
    assert comp.formula.endswith("= €600.00 collected ÷ €1,540.00 collectable × 100 = 38.96%.")
    _, parts, comp = page("overdue_share")
    assert comp.formula == "Overdue €940.00 ÷ receivables €1,740.00 × 100 = 54.02%."
    m, parts, comp = page("dso_countback")
    # the walk is the domain's: March's sales off, February and the months without sales count whole, October part
    assert [(w.month, w.sales, w.left_before, w.left_after, w.counted, w.whole) for w in comp.walk] == [
        ("Mar 2026", "€700.00", "€1,740.00", "€1,040.00", "31.00", True),
        ("Feb 2026", "€0.00", "€1,040.00", "€1,040.00", "28.00", True),
        ("Jan 2026", "€1,000.00", "€1,040.00", "€40.00", "31.00", True),
        ("Dec 2025", "€0.00", "€40.00", "€40.00", "31.00", True),
        ("Nov 2025", "€0.00", "€40.00", "€40.00", "30.00", True),
        ("Oct 2025", "€640.00", "€40.00", "€0.00", "1.94", False),
    ]
    assert sum(s.counted for s in m.countback_steps).quantize(D("0.01")) == m.dso_countback == D("152.94")
    assert comp.formula.endswith("€40.00 ÷ €640.00 of the 31 days of the last month (1.94 days) — together 152.94 days.")
    oct_sales = c.get(comp.walk[-1].href).context["table"].rows
    assert sum(i.amount if i.currency == "EUR" else i.amount * D("0.8") for i in oct_sales) == D("640.00")
    _, parts, comp = page("receivables")
    assert comp.formula == "Current €800.00 + overdue €940.00 = €1,740.00."
