"""The credit portfolio and stress tests: hand-computed figures through the selectors, the API, the
pages and the CLI; scenarios checked field by field and audited.

Portfolio (tests/support/portfolio.py), 31 March 2026: H1 500.00 EUR and its subsidiary H1A 400.00
EUR (class C: PD 2.5 %, LGD 45 %); S1 840.00 EUR of which 800 USD = 640 EUR (class D: PD 6 %, LGD
50 %)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from credere.audit.models import AuditEvent
from credere.core.errors import BusinessError
from credere.credit.models import StressScenario
from credere.credit.policy import policy_in_force
from credere.credit.selectors.portfolio import portfolio, run_stress
from credere.credit.services import limits, standing, stress
from credere.identity.authz import NotAllowed
from credere.identity.services import issue_token

pytestmark = pytest.mark.django_db
D = Decimal
ON = dt.date(2026, 3, 31)
SCENARIO = {"fx_pct": {"USD": "-10"}, "default_groups": ["H1A"]}


@pytest.fixture
def classified(portfolio, role_users):
    limits.set_risk_class(actor=role_users["credit_analyst"], customer=portfolio.s1, risk_class="D",
                          reason="late payer", effective_from=ON)
    standing.refresh()
    return portfolio


def test_the_portfolio_by_hand(classified):
    pf = portfolio(policy_in_force(), ON)
    assert (pf.customers, pf.exposure, pf.cover, pf.ead) == (3, D("1740.00"), D("0.00"), D("1740.00"))
    # 500 × 2.5 % × 45 % = 5.625 → 5.62 (half-even); 400 → 4.50; 840 × 6 % × 50 % = 25.20
    assert pf.expected_loss == D("35.32")
    assert [(s.key, s.customers, s.ead, s.expected_loss) for s in pf.by_risk_class] == [
        ("C", 2, D("900.00"), D("10.12")), ("D", 1, D("840.00"), D("25.20"))]
    # by group: Helios 900, Solo 840 → (900/1740)² + (840/1740)² = 0.5005945…
    assert (pf.hhi, pf.top20_share) == (D("5005.9"), D("100.00"))
    assert [(c.account_number, e) for c, e, _s in pf.top] == [("H1", D("900.00")), ("S1", D("840.00"))]
    assert [(s.key, s.ead) for s in pf.by_country] == [("DE", D("900.00")), ("GB", D("840.00"))]
    assert [(s.key, s.ead) for s in pf.by_industry] == [("H", D("840.00")), ("K", D("500.00")), ("G", D("400.00"))]
    assert pf.by_currency == [("EUR", D("1100.00"), D("1100.00")), ("USD", D("800.00"), D("640.00"))]
    assert [(c, e) for c, _n, e in pf.by_company] == [("DE01", D("1100.00")), ("US01", D("640.00"))]


def test_a_stress_scenario_by_hand(classified, role_users):
    r = run_stress(policy_in_force(), ON, stress.clean(SCENARIO))
    # USD loses 10 %: S1 640 → 576 EUR, 776 × 3 % = 23.28; the Helios group defaults: 900 × 45 % = 405
    assert (r.el_before, r.el_after) == (D("35.32"), D("428.28"))
    assert (r.ead_before, r.ead_after) == (D("1740.00"), D("1676.00"))
    assert sorted(r.names[x.before.customer_id].account_number for x in r.defaults) == ["H1", "H1A"]
    assert r.by_risk_class == [("C", D("10.12"), D("405.00")), ("D", D("25.20"), D("23.28"))]
    # a payment delay makes a customer within its limit exceed it
    req = limits.request_limit(actor=role_users["credit_analyst"], customer=classified.h1, amount="600",
                               currency="EUR", reason="review")
    from credere.approvals import services as approvals

    approvals.decide(actor=role_users["credit_manager"], request_id=req.pk, approve=True, note="ok")
    standing.refresh()
    delayed = run_stress(policy_in_force(), ON, stress.clean({"delay_days": 30}))
    # H1 was invoiced 500 EUR on 1 March (within 90 days): 5.56 a day × 30 = 166.80 more: 666.80 > 600
    assert [(delayed.names[x.before.customer_id].account_number, x.after.ead) for x in delayed.breaches] == [
        ("H1", D("666.80"))]


def test_scenarios_are_checked_field_by_field_and_audited(classified, role_users):
    with pytest.raises(BusinessError) as exc:
        stress.save(actor=role_users["credit_analyst"], name="Bad", settings={
            "pd_by_country": {"Germany": "2"}, "pd_by_industry": {"F": "-1"}, "delay_days": "soon",
            "default_customers": ["NOPE"], "fx_pct": {"XX1": "5"}, "weather": "rain"})
    assert {f["field"] for f in exc.value.fields} == {
        "pd_by_country.GERMANY", "pd_by_industry.F", "delay_days", "default_customers", "fx_pct.XX1",
        "settings.weather"}
    assert not StressScenario.objects.exists()
    with pytest.raises(NotAllowed):
        stress.save(actor=role_users["sales"], name="Mine", settings={})
    row = stress.save(actor=role_users["credit_analyst"], name="FX and Helios", settings=SCENARIO)
    stress.save(actor=role_users["credit_analyst"], name="FX and Helios", settings={"delay_days": 10},
                scenario_id=row.pk)
    with pytest.raises(BusinessError, match="exists"):
        stress.save(actor=role_users["credit_analyst"], name="FX and Helios", settings={})
    stress.archive(actor=role_users["credit_manager"], scenario_id=row.pk)
    assert list(AuditEvent.objects.filter(action__startswith="stress_scenario.").order_by("seq")
                .values_list("action", flat=True)) == [
        "stress_scenario.created", "stress_scenario.changed", "stress_scenario.archived"]


def test_the_api(classified, role_users):
    _t, secret = issue_token(actor=None, user=role_users["credit_analyst"], name="risk")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    pf = api.get("/api/v1/credit/portfolio").json()
    assert (pf["expected_loss"], pf["hhi"], pf["by_risk_class"][1]["key"]) == ("35.32", "5005.9", "D")
    r = api.post("/api/v1/credit/stress-scenarios", {"name": "FX", "settings": SCENARIO},
                 content_type="application/json")
    assert r.status_code == 201, r.content
    result = api.get(f"/api/v1/credit/stress-scenarios/{r.json()['id']}/result").json()
    assert (result["expected_loss_before"], result["expected_loss_after"]) == ("35.32", "428.28")
    assert {d["account_number"] for d in result["defaults"]} == {"H1", "H1A"}
    bad = api.post("/api/v1/credit/stress-scenarios", {"name": "Bad", "settings": {"delay_days": 999}},
                   content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "delay_days"
    assert api.get("/api/v1/credit/stress-scenarios/999/result").status_code == 404


def test_the_pages(classified, client_for):
    analyst = client_for("credit_analyst")
    html = analyst.get("/credit/portfolio/").content.decode().replace("\u00a0", " ")
    assert 'data-testid="portfolio-kpis"' in html and "€35.32" in html and "5006" in html
    assert "Exposure by risk class" in html and "United Kingdom" in html and "Transportation and storage" in html
    assert analyst.get("/credit/portfolio/?export=csv&table=class").status_code == 200
    r = analyst.post("/credit/stress/", {"name": "", "pd_by_country": "DE 2", "delay_days": "x"})
    page = r.content.decode()
    assert r.status_code == 200 and 'id="name-error"' in page and 'id="pd_by_country-error"' in page
    assert not StressScenario.objects.exists()
    r = analyst.post("/credit/stress/", {"name": "FX and Helios", "fx_pct": "USD=-10", "default_groups": "H1A",
                                         "delay_days": "0"})
    assert r.status_code == 302
    result = analyst.get(r["Location"]).content.decode().replace("\u00a0", " ")
    assert "€428.28" in result and "Customers in default in this scenario" in result and "Helios Trading GmbH" in result
    sales = client_for("sales")
    assert sales.get(r["Location"]).status_code == 200
    assert 'data-testid="scenario-form"' not in sales.get("/credit/stress/").content.decode()
    assert sales.post("/credit/stress/", {"name": "x"}).status_code == 403
    assert client_for("cash_clerk").get("/credit/portfolio/").status_code == 403


def test_the_cli(classified):
    out = StringIO()
    call_command("credit", "portfolio", "--user", "analyst", stdout=out)
    assert "expected loss" in out.getvalue() and "35.32" in out.getvalue()
    call_command("credit", "stress-save", "FX", "--settings", '{"fx_pct": {"USD": "-10"}}', "--user", "analyst",
                 stdout=StringIO())
    out = StringIO()
    call_command("credit", "stress-run", "FX", "--user", "analyst", stdout=out)
    assert "expected loss" in out.getvalue() and "33.40" in out.getvalue()  # 10.12 + 776 × 3 % = 10.12 + 23.28
