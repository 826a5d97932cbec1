"""The credit portfolio and stress tests over the API (part of /api/v1/credit).

* ``GET /credit/portfolio`` — exposure, cover, expected loss, concentration (HHI, top-20 share),
  and the figures by risk class, country, industry, company and currency (today, policy currency).
* ``GET|POST /credit/stress-scenarios``, ``PUT /credit/stress-scenarios/{id}``,
  ``POST /credit/stress-scenarios/{id}/archive`` — saved scenarios;
  ``GET /credit/stress-scenarios/{id}/result`` — before and after.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from credere.core.api import acting_user
from credere.core.errors import BusinessError
from credere.credit.models import StressScenario
from credere.credit.policy import policy_in_force
from credere.credit.selectors import computed
from credere.credit.selectors.portfolio import portfolio, run_stress
from credere.credit.services import stress as stress_service
from credere.domain.credit.portfolio import Slice, Stressed
from credere.identity.authz import authorize

router = Router(tags=["credit control"])


class SliceOut(Schema):
    key: str
    customers: int
    limits: str
    exposure: str
    cover: str
    uncovered: str
    expected_loss: str


class CompanyOut(Schema):
    company: str
    name: str
    exposure: str


class CurrencyOut(Schema):
    currency: str
    owed: str
    converted: str


class TopOut(Schema):
    account_number: str
    name: str
    uncovered: str
    share_pct: str


class PortfolioOut(Schema):
    as_of: dt.date
    currency: str
    customers: int
    limits: str
    exposure: str
    cover: str
    uncovered: str
    expected_loss: str
    hhi: str = Field(description="Herfindahl-Hirschman index of the uncovered exposure by corporate group, 0-10,000")
    top20_share_pct: str
    by_risk_class: list[SliceOut]
    by_country: list[SliceOut]
    by_industry: list[SliceOut] = Field(description="By NACE section")
    by_company: list[CompanyOut]
    by_currency: list[CurrencyOut]
    top: list[TopOut]
    not_computed: int = Field(description="Customers left out: an FX rate is missing")
    refreshed_at: dt.datetime | None


def _slice(s: Slice) -> dict[str, Any]:
    return {"key": s.key, "customers": s.customers, "limits": str(s.limits), "exposure": str(s.exposure),
            "cover": str(s.cover), "uncovered": str(s.ead), "expected_loss": str(s.expected_loss)}


@router.get("/portfolio", response=PortfolioOut,
            summary="The credit portfolio today, or at the end of a past day (?as_of=; policy currency)")
def get_portfolio(request: HttpRequest, as_of: dt.date | None = None) -> dict[str, Any]:
    authorize(acting_user(request), "view_credit")
    on = computed.as_of_day(as_of)
    pf = portfolio(policy_in_force(), on)
    return {"as_of": on,
        "currency": pf.currency, "customers": pf.customers, "limits": str(pf.limits), "exposure": str(pf.exposure),
        "cover": str(pf.cover), "uncovered": str(pf.ead), "expected_loss": str(pf.expected_loss), "hhi": str(pf.hhi),
        "top20_share_pct": str(pf.top20_share), "by_risk_class": [_slice(s) for s in pf.by_risk_class],
        "by_country": [_slice(s) for s in pf.by_country], "by_industry": [_slice(s) for s in pf.by_industry],
        "by_company": [{"company": c, "name": n, "exposure": str(e)} for c, n, e in pf.by_company],
        "by_currency": [{"currency": c, "owed": str(a), "converted": str(v)} for c, a, v in pf.by_currency],
        "top": [{"account_number": c.account_number, "name": c.name, "uncovered": str(e), "share_pct": str(s)}
                for c, e, s in pf.top],
        "not_computed": pf.not_computed, "refreshed_at": pf.refreshed_at}


class ScenarioIn(Schema):
    name: str = Field(max_length=100)
    description: str = Field("", max_length=500)
    settings: dict[str, Any] = Field(description="pd_by_country, pd_by_industry, delay_days, default_customers, "
                                                 "default_groups, fx_pct (see docs/credit-control.md)")


class ScenarioOut(Schema):
    id: int
    name: str
    description: str
    settings: dict[str, Any]
    archived: bool
    updated_by: str
    updated_at: dt.datetime


class ArchiveIn(Schema):
    archived: bool = True


@router.get("/stress-scenarios", response=list[ScenarioOut], summary="Saved stress scenarios")
def list_scenarios(request: HttpRequest) -> list[StressScenario]:
    authorize(acting_user(request), "view_credit")
    return list(StressScenario.objects.all())


@router.post("/stress-scenarios", response={201: ScenarioOut}, summary="Save a stress scenario")
def create_scenario(request: HttpRequest, data: ScenarioIn) -> tuple[int, StressScenario]:
    return 201, stress_service.save(actor=acting_user(request), name=data.name, description=data.description,
                                    settings=data.settings)


@router.put("/stress-scenarios/{scenario_id}", response=ScenarioOut, summary="Change a stress scenario")
def change_scenario(request: HttpRequest, scenario_id: int, data: ScenarioIn) -> StressScenario:
    return stress_service.save(actor=acting_user(request), name=data.name, description=data.description,
                               settings=data.settings, scenario_id=scenario_id)


@router.post("/stress-scenarios/{scenario_id}/archive", response=ScenarioOut, summary="Archive or restore")
def archive_scenario(request: HttpRequest, scenario_id: int, data: ArchiveIn) -> StressScenario:
    return stress_service.archive(actor=acting_user(request), scenario_id=scenario_id, archived=data.archived)


class StressedOut(Schema):
    account_number: str
    name: str
    risk_class: str
    limit: str | None
    uncovered_before: str
    uncovered_after: str
    pd_before_pct: str
    pd_after_pct: str
    expected_loss_before: str
    expected_loss_after: str


class ClassChangeOut(Schema):
    risk_class: str
    expected_loss_before: str
    expected_loss_after: str


class StressOut(Schema):
    scenario: ScenarioOut
    currency: str
    uncovered_before: str
    uncovered_after: str
    expected_loss_before: str
    expected_loss_after: str
    by_risk_class: list[ClassChangeOut]
    breaches: list[StressedOut] = Field(description="Customers within their limit today and over it after")
    defaults: list[StressedOut]
    largest_increases: list[StressedOut]
    not_computed: int


def _stressed(r: Stressed, names: dict[int, Any]) -> dict[str, Any]:
    c = names.get(r.before.customer_id)
    return {"account_number": c.account_number if c else "", "name": c.name if c else "",
            "risk_class": r.before.risk_class, "limit": None if r.before.limit is None else str(r.before.limit),
            "uncovered_before": str(r.before.ead), "uncovered_after": str(r.after.ead),
            "pd_before_pct": str(r.pd_before), "pd_after_pct": str(r.pd_after),
            "expected_loss_before": str(r.el_before), "expected_loss_after": str(r.el_after)}


@router.get("/stress-scenarios/{scenario_id}/result", response=StressOut, summary="Run a scenario on today's portfolio")
def scenario_result(request: HttpRequest, scenario_id: int) -> dict[str, Any]:
    authorize(acting_user(request), "view_credit")
    row = StressScenario.objects.filter(pk=scenario_id).first() if 0 < scenario_id < 2**62 else None
    if row is None:
        raise BusinessError(f"no stress scenario {scenario_id}", code="not_found", status=404)
    r = run_stress(policy_in_force(), timezone.localdate(), row.settings)
    return {"scenario": row, "currency": r.currency, "uncovered_before": str(r.ead_before),
            "uncovered_after": str(r.ead_after), "expected_loss_before": str(r.el_before),
            "expected_loss_after": str(r.el_after),
            "by_risk_class": [{"risk_class": k, "expected_loss_before": str(b), "expected_loss_after": str(a)}
                              for k, b, a in r.by_risk_class],
            "breaches": [_stressed(x, r.names) for x in r.breaches[:200]],
            "defaults": [_stressed(x, r.names) for x in r.defaults[:200]],
            "largest_increases": [_stressed(x, r.names) for x in r.movers], "not_computed": r.not_computed}


