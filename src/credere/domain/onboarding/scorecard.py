"""The onboarding scorecard: an applicant's facts → score 0–100, risk class, recommended limit and payment terms,
each with reason codes and the figures behind them.

Pure. The settings are the onboarding policy's (versioned data that credit managers edit); the caller works out
the facts (the default model's PD from the statements, identity checks, the ledger's payment behaviour for an
existing customer) and converts amounts into the application's currency.

Points, by component (the policy's defaults; a component's maximum is its best band):

==============  =====================================================================================
``pd``          the default model's PD from the statements, by band (no statements: a fixed number)
``age``         years in business
``references``  trade references given (each with a contact and at least one year of trading)
``country``     low-risk list, high-risk list or neither
``industry``    by NACE section
``identity``    every identifier given is valid (registration number, VAT/tax id, IBAN)
``behaviour``   an existing customer's average days late over the last year (new: a fixed number)
``bureau``      a credit bureau's score, by band (none: a fixed number; negative events: none)
==============  =====================================================================================

Limit: per risk class, the smallest of the bases the class uses — a share of equity, a share of working
capital, a multiple of the expected monthly purchases — capped, never more than requested, rounded down to
the policy's step. Terms: the class's longest terms, never more than requested; 0 days means payment in
advance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

COMPONENTS: dict[str, str] = {
    "pd": "Default model (financial statements)",
    "age": "Years in business",
    "references": "Trade references",
    "country": "Country",
    "industry": "Industry",
    "identity": "Identity checks",
    "behaviour": "Payment behaviour",
    "bureau": "Credit bureau",
}


@dataclass(frozen=True, slots=True)
class Facts:
    currency: str
    requested_limit: Decimal
    requested_terms_days: int
    expected_monthly_volume: Decimal | None
    pd: float | None  # None: no statements
    equity: Decimal | None
    working_capital: Decimal | None
    years_in_business: int | None
    trade_references: int
    country: str
    industry_section: str  # NACE section letter or ""
    identity_ok: bool
    identity_problems: tuple[str, ...]
    days_late_avg: Decimal | None  # existing customers only
    existing_customer: bool
    bureau_score: Decimal | None = None  # None: no bureau report
    bureau_negative_events: int | None = None


@dataclass(frozen=True, slots=True)
class Component:
    code: str
    label: str
    points: int
    maximum: int
    text: str


@dataclass(frozen=True, slots=True)
class Assessment:
    score: int
    risk_class: str
    components: tuple[Component, ...]
    recommended_limit: Decimal
    limit_basis: str
    recommended_terms_days: int
    terms_basis: str

    @property
    def reasons(self) -> list[dict[str, Any]]:
        return [{"code": c.code, "points": c.points, "max": c.maximum, "text": c.text} for c in self.components]


def _bands_desc(value: Decimal, bands: list[list[Any]]) -> int:
    """Points of the first band whose threshold the value reaches (thresholds high to low: [[10, 10], [5, 8]…])."""
    for threshold, points in bands:
        if value >= Decimal(str(threshold)):
            return int(points)
    return 0


def _bands_upto(value: Decimal, bands: list[list[Any]]) -> int:
    """Points of the first band whose ceiling the value stays within (ceilings low to high, null = any)."""
    for ceiling, points in bands:
        if ceiling is None or value <= Decimal(str(ceiling)):
            return int(points)
    return 0


def _max_points(bands: list[list[Any]]) -> int:
    return max(int(p) for _t, p in bands)


def score(facts: Facts, settings: Mapping[str, Any]) -> Assessment:
    sc = settings["scorecard"]
    parts: list[Component] = []
    # the default model
    pd_max = _max_points(sc["pd_points"])
    if facts.pd is None:
        points = int(sc["no_statements_points"])
        parts.append(Component("pd", COMPONENTS["pd"], points, pd_max, "No financial statements given"))
    else:
        pd_pct = Decimal(str(round(facts.pd * 100, 4)))
        points = _bands_upto(pd_pct, sc["pd_points"])
        parts.append(Component("pd", COMPONENTS["pd"], points, pd_max,
                               f"Probability of default {pd_pct:.2f} % within a year"))
    # age
    age_max = _max_points(sc["age_points"])
    if facts.years_in_business is None:
        parts.append(Component("age", COMPONENTS["age"], 0, age_max, "Years in business not given"))
    else:
        parts.append(Component("age", COMPONENTS["age"], _bands_desc(Decimal(facts.years_in_business),
                                                                     sc["age_points"]),
                               age_max, f"{facts.years_in_business} years in business"))
    # trade references
    parts.append(Component("references", COMPONENTS["references"],
                           _bands_desc(Decimal(facts.trade_references), sc["reference_points"]),
                           _max_points(sc["reference_points"]), f"{facts.trade_references} trade reference"
                           f"{'' if facts.trade_references == 1 else 's'} with a contact and a year of trading"))
    # country
    cp = sc["country_points"]
    if facts.country in sc["high_risk_countries"]:
        points, text = int(cp["high_risk"]), f"{facts.country} is on the policy's high-risk list"
    elif facts.country in sc["low_risk_countries"]:
        points, text = int(cp["low_risk"]), f"{facts.country} is on the policy's low-risk list"
    else:
        points, text = int(cp["default"]), f"{facts.country or 'No country'}: neither low- nor high-risk"
    parts.append(Component("country", COMPONENTS["country"], points, max(int(v) for v in cp.values()), text))
    # industry
    ip = sc["industry_points"]
    section = facts.industry_section
    points = int(ip.get(section, ip["default"])) if section else int(ip["default"])
    parts.append(Component("industry", COMPONENTS["industry"], points, max(int(v) for v in ip.values()),
                           f"NACE section {section}" if section else "No industry given"))
    # identity
    id_max = int(sc["identity_points"])
    if facts.identity_ok:
        parts.append(Component("identity", COMPONENTS["identity"], id_max, id_max, "Every identifier given is valid"))
    else:
        parts.append(Component("identity", COMPONENTS["identity"], 0, id_max,
                               "; ".join(facts.identity_problems) or "Identifiers not checked"))
    # payment behaviour
    b_max = _max_points(sc["behaviour_points"])
    if facts.existing_customer and facts.days_late_avg is not None:
        parts.append(Component("behaviour", COMPONENTS["behaviour"],
                               _bands_upto(facts.days_late_avg, sc["behaviour_points"]), b_max,
                               f"Pays {facts.days_late_avg:.0f} days late on average (last 12 months)"))
    else:
        parts.append(Component("behaviour", COMPONENTS["behaviour"], int(sc["new_customer_behaviour_points"]), b_max,
                               "No payment history with us" if not facts.existing_customer
                               else "No payments in the last 12 months"))
    # credit bureau
    bp = sc.get("bureau_points", [[80, 10], [60, 7], [40, 4], [0, 0]])
    bu_max = _max_points(bp)
    if facts.bureau_score is None:
        parts.append(Component("bureau", COMPONENTS["bureau"], int(sc.get("no_bureau_points", 5)), bu_max,
                               "No credit bureau report"))
    elif facts.bureau_negative_events:
        parts.append(Component("bureau", COMPONENTS["bureau"], 0, bu_max,
                               f"Bureau score {facts.bureau_score}, {facts.bureau_negative_events} negative "
                               f"event{'s' if facts.bureau_negative_events != 1 else ''}"))
    else:
        parts.append(Component("bureau", COMPONENTS["bureau"], _bands_desc(facts.bureau_score, bp), bu_max,
                               f"Bureau score {facts.bureau_score}"))
    total = sum(p.points for p in parts)
    maximum = sum(p.maximum for p in parts) or 1
    value = int((Decimal(total) * 100 / Decimal(maximum)).to_integral_value(rounding=ROUND_DOWN))
    risk_class = risk_class_of(value, settings["class_bands"])
    limit, basis = recommend_limit(facts, risk_class, settings)
    terms, terms_basis = recommend_terms(facts, risk_class, settings)
    return Assessment(score=value, risk_class=risk_class, components=tuple(parts), recommended_limit=limit,
                      limit_basis=basis, recommended_terms_days=terms, terms_basis=terms_basis)


def risk_class_of(value: int, bands: list[list[Any]]) -> str:
    for threshold, cls in bands:
        if value >= int(threshold):
            return str(cls)
    return str(bands[-1][1])


def recommend_limit(facts: Facts, risk_class: str, settings: Mapping[str, Any]) -> tuple[Decimal, str]:
    rule = settings["limit_rules"].get(risk_class) or {}
    step = Decimal(str(settings.get("limit_step", "1000")))
    candidates: list[tuple[Decimal, str]] = []
    if rule.get("equity_pct") and facts.equity is not None:
        share = Decimal(str(rule["equity_pct"]))
        candidates.append((max(Decimal(0), facts.equity) * share / 100, f"{share} % of equity"))
    if rule.get("working_capital_pct") and facts.working_capital is not None:
        share = Decimal(str(rule["working_capital_pct"]))
        candidates.append((max(Decimal(0), facts.working_capital) * share / 100, f"{share} % of working capital"))
    if rule.get("monthly_multiple") and facts.expected_monthly_volume is not None:
        multiple = Decimal(str(rule["monthly_multiple"]))
        candidates.append((facts.expected_monthly_volume * multiple,
                           f"{multiple} × the expected monthly purchases"))
    cap_key = "cap" if facts.pd is not None else "cap_without_statements"
    cap = Decimal(str(rule.get(cap_key, rule.get("cap", "0")) or "0"))
    candidates.append((cap, f"the class {risk_class} cap" + ("" if facts.pd is not None else " without statements")))
    candidates.append((facts.requested_limit, "the amount asked for"))
    amount, basis = min(candidates, key=lambda c: c[0])
    if step > 0:
        amount = (amount / step).to_integral_value(rounding=ROUND_DOWN) * step
    amount = max(Decimal(0), amount)
    return amount, f"{basis} (the smallest of: " + ", ".join(b for _a, b in candidates) + ")"


def recommend_terms(facts: Facts, risk_class: str, settings: Mapping[str, Any]) -> tuple[int, str]:
    longest = int(settings["terms_days"].get(risk_class, 0))
    if longest == 0:
        return 0, f"Class {risk_class}: payment in advance"
    if facts.requested_terms_days <= longest:
        return facts.requested_terms_days, f"As asked ({facts.requested_terms_days} days; class {risk_class} allows " \
                                           f"up to {longest})"
    return longest, f"Class {risk_class} allows up to {longest} days (asked for {facts.requested_terms_days})"
