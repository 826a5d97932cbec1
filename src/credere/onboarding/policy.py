"""The onboarding policy as stored data: the scorecard, risk-class bands, limit and terms rules, the decision
rules, and the service levels. One version is in force at a time; until a credit manager saves one, the
defaults below apply (reading them stores nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from credere.domain.money import MoneyError, check_currency
from credere.domain.onboarding.rules import Rule, RuleError, check_rules
from credere.onboarding.models import OnboardingPolicyVersion

#: The facts a decision rule may use, with what each means.
FACTS: dict[str, str] = {
    "score": "Scorecard score, 0–100",
    "risk_class": "Risk class from the score (\"A\"…)",
    "pd_pct": "Default model's probability of default within a year, in percent (null without statements)",
    "altman_z": "Altman Z''-score of the latest statement (null without statements)",
    "altman_zone": "\"safe\", \"grey\" or \"distress\" (\"\" without statements)",
    "statements_years": "How many years of statements were given",
    "equity": "Equity in the latest statement, in the policy currency",
    "sales": "Sales in the latest statement, in the policy currency",
    "net_profit": "Net profit in the latest statement, in the policy currency",
    "requested_limit": "Limit asked for, in the policy currency",
    "recommended_limit": "Limit the policy recommends, in the policy currency",
    "requested_terms_days": "Payment terms asked for, in days",
    "recommended_terms_days": "Payment terms the policy recommends, in days",
    "expected_monthly_volume": "Expected monthly purchases, in the policy currency",
    "years_in_business": "Years in business",
    "trade_references": "Trade references with a contact and a year of trading",
    "country": "Country (ISO code, e.g. \"DE\")",
    "industry_section": "NACE section letter (e.g. \"F\" construction)",
    "legal_form": "Legal form as given",
    "identity_ok": "true when every identifier given is valid",
    "sanctions_hits": "Possible sanctions matches not cleared (always refers when above 0)",
    "existing_customer": "true for a customer asking for more",
    "days_late_avg": "An existing customer's average days late over 12 months (null for new)",
    "vat_registered": "VIES says the VAT number is registered: true, false, or null (not checked or no answer)",
    "lei_status": "GLEIF's status of the LEI: \"ACTIVE\", \"INACTIVE\", \"NOT FOUND\" or \"\" (none given)",
    "bureau_score": "The credit bureau's score (null: no report)",
    "bureau_rating": "The credit bureau's rating as it writes it (\"\" : no report)",
    "bureau_negative_events": "Negative events in the bureau's report (null: no report)",
}

LOW_RISK = ["AT", "AU", "BE", "CA", "CH", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "IE", "IS", "IT", "JP",
            "LI", "LT", "LU", "LV", "NL", "NO", "NZ", "PL", "PT", "SE", "SI", "SK", "US"]

DEFAULTS: dict[str, Any] = {
    "currency": "EUR",
    "scorecard": {
        # PD (in percent) up to → points, lowest first; null = any
        "pd_points": [["1", 40], ["2", 34], ["5", 26], ["10", 16], ["20", 8], [None, 0]],
        "no_statements_points": 14,
        # years in business at least → points, highest first
        "age_points": [[10, 10], [5, 8], [2, 5], [0, 0]],
        "reference_points": [[3, 10], [2, 7], [1, 4], [0, 0]],
        "country_points": {"low_risk": 10, "default": 5, "high_risk": 0},
        "low_risk_countries": LOW_RISK,
        "high_risk_countries": [],
        "industry_points": {"default": 7, "C": 8, "F": 3, "G": 7, "H": 6, "I": 4, "J": 8, "M": 8, "Q": 9},
        "identity_points": 5,
        # average days late up to → points, lowest first
        "behaviour_points": [["0", 15], ["5", 12], ["15", 8], ["30", 3], [None, 0]],
        "new_customer_behaviour_points": 8,
        # credit bureau score at least -> points, highest first (negative events: 0)
        "bureau_points": [[80, 10], [60, 7], [40, 4], [0, 0]],
        "no_bureau_points": 5,
    },
    "class_bands": [[80, "A"], [65, "B"], [50, "C"], [35, "D"], [0, "E"]],
    "limit_rules": {
        "A": {"equity_pct": "25", "working_capital_pct": "50", "monthly_multiple": "3", "cap": "500000",
              "cap_without_statements": "50000"},
        "B": {"equity_pct": "15", "working_capital_pct": "35", "monthly_multiple": "2", "cap": "250000",
              "cap_without_statements": "25000"},
        "C": {"equity_pct": "10", "working_capital_pct": "25", "monthly_multiple": "1.5", "cap": "100000",
              "cap_without_statements": "10000"},
        "D": {"equity_pct": "5", "working_capital_pct": "10", "monthly_multiple": "1", "cap": "25000",
              "cap_without_statements": "5000"},
        "E": {"cap": "0", "cap_without_statements": "0"},
    },
    "limit_step": "1000",
    "terms_days": {"A": 60, "B": 45, "C": 30, "D": 14, "E": 0},
    "rules": [
        {"name": "Low score", "when": "score < 35", "outcome": "decline",
         "reason": "The score is below 35: we can only sell against payment in advance"},
        {"name": "Identifier not valid", "when": "identity_ok == false", "outcome": "refer",
         "reason": "An identifier given is not valid: a person checks it with the applicant"},
        {"name": "More than recommended", "when": "requested_limit > recommended_limit", "outcome": "refer",
         "reason": "The limit asked for is more than the policy recommends"},
        {"name": "Large limit", "when": "recommended_limit > 50000", "outcome": "refer",
         "reason": "Limits above 50,000 are decided by a person"},
        {"name": "Young company", "when": "years_in_business < 2", "outcome": "refer",
         "reason": "In business for less than two years"},
        {"name": "VAT number not registered", "when": "vat_registered == false", "outcome": "refer",
         "reason": "VIES does not know the VAT number"},
        {"name": "Negative bureau events", "when": "bureau_negative_events > 0", "outcome": "refer",
         "reason": "The credit bureau reports negative events"},
        {"name": "Distress zone", "when": "altman_zone == \"distress\"", "outcome": "refer",
         "reason": "The Altman Z''-score is in the distress zone"},
        {"name": "Clear case", "when": "score >= 65", "outcome": "approve",
         "reason": "Score of 65 or more with nothing else to look at"},
    ],
    "decision_sla_hours": 48,
    "link_days": 30,
    "account_prefix": "N",
}

HELP: dict[str, str] = {
    "currency": "Currency of the policy's amounts (caps, rules' amounts).",
    "scorecard": "Points per component: pd_points [[PD % up to, points]…], age_points [[years at least, points]…], "
                 "reference_points, country_points with low_risk_countries / high_risk_countries, industry_points "
                 "by NACE section, identity_points, behaviour_points [[days late up to, points]…], bureau_points "
                 "[[bureau score at least, points]…] and no_bureau_points.",
    "class_bands": "Score at least → risk class, highest first.",
    "limit_rules": "By risk class: equity_pct, working_capital_pct, monthly_multiple (any of them), cap and "
                   "cap_without_statements; the smallest applies, never more than asked for.",
    "limit_step": "Recommended limits are rounded down to this step.",
    "terms_days": "By risk class: the longest payment terms in days (0: payment in advance).",
    "rules": "Decision rules: [{name, when, outcome (approve, refer, decline), reason}]; the strictest that holds "
             "wins; none holds: refer; a possible sanctions match always refers.",
    "decision_sla_hours": "A referred application should be decided within this many hours.",
    "link_days": "An applicant's link (and an invitation) works for this many days after its last use.",
    "account_prefix": "Account numbers of customers created from applications start with this.",
}


class PolicyError(ValueError):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def _number(value: Any, *, allow_none: bool = False) -> Decimal | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or value is None:
        raise ValueError("give a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"'{value}' is not a number") from None
    if not number.is_finite() or number < 0:
        raise ValueError("give a number of zero or more")
    return number


def _bands(value: Any, name: str, problems: dict[str, str], *, allow_none: bool = False) -> None:
    if not isinstance(value, list) or not value or not all(isinstance(b, list) and len(b) == 2 for b in value):
        problems[name] = "give a list of [threshold, points] pairs"
        return
    try:
        for threshold, points in value:
            _number(threshold, allow_none=allow_none)
            _number(points)
    except ValueError as exc:
        problems[name] = str(exc)


def _check_scorecard(sc: Any, problems: dict[str, str]) -> None:
    if not isinstance(sc, dict):
        problems["scorecard"] = "give the scorecard as an object"
        return
    defaults = DEFAULTS["scorecard"]
    for key in sorted(set(sc) - set(defaults)):
        problems[f"scorecard.{key}"] = "is not a part of the scorecard"
    for key in ("pd_points", "behaviour_points"):
        _bands(sc.get(key, defaults[key]), f"scorecard.{key}", problems, allow_none=True)
    for key in ("age_points", "reference_points", "bureau_points"):
        _bands(sc.get(key, defaults[key]), f"scorecard.{key}", problems)
    for key in ("no_statements_points", "identity_points", "new_customer_behaviour_points", "no_bureau_points"):
        try:
            _number(sc.get(key, defaults[key]))
        except ValueError as exc:
            problems[f"scorecard.{key}"] = str(exc)
    for key in ("country_points", "industry_points"):
        value = sc.get(key, defaults[key])
        needed = ("low_risk", "default", "high_risk") if key == "country_points" else ("default",)
        if not isinstance(value, dict) or any(n not in value for n in needed):
            problems[f"scorecard.{key}"] = f"give points for {', '.join(needed)}"
            continue
        try:
            for v in value.values():
                _number(v)
        except ValueError as exc:
            problems[f"scorecard.{key}"] = str(exc)
    for key in ("low_risk_countries", "high_risk_countries"):
        value = sc.get(key, defaults[key])
        if not isinstance(value, list) or not all(isinstance(c, str) and len(c) == 2 and c.isupper() for c in value):
            problems[f"scorecard.{key}"] = "give a list of ISO country codes, e.g. [\"DE\", \"FR\"]"


def _check_classes(out: dict[str, Any], problems: dict[str, str]) -> list[str]:
    """Class bands, limit rules and terms: every class has a band, a limit rule and terms."""
    bands = out["class_bands"]
    classes: list[str] = []
    if (not isinstance(bands, list) or not bands
            or not all(isinstance(b, list) and len(b) == 2 and isinstance(b[1], str) for b in bands)):
        problems["class_bands"] = "give [[score at least, class]…], highest first, e.g. [[80, \"A\"], [0, \"E\"]]"
    else:
        classes = [b[1] for b in bands]
        thresholds = [b[0] for b in bands]
        if not all(isinstance(t, int) and 0 <= t <= 100 for t in thresholds) or thresholds != sorted(thresholds,
                                                                                                    reverse=True):
            problems["class_bands"] = "thresholds are whole scores from 100 down to 0, highest first"
        elif thresholds[-1] != 0:
            problems["class_bands"] = "the last band must start at 0, so that every score has a class"
    rules = out["limit_rules"]
    if not isinstance(rules, dict) or (classes and set(classes) - set(rules)):
        problems["limit_rules"] = f"give a rule for every risk class ({', '.join(classes)})"
    else:
        for cls, rule in rules.items():
            if not isinstance(rule, dict) or "cap" not in rule:
                problems[f"limit_rules.{cls}"] = "give at least a cap"
                continue
            for key, value in rule.items():
                if key not in ("equity_pct", "working_capital_pct", "monthly_multiple", "cap",
                               "cap_without_statements"):
                    problems[f"limit_rules.{cls}.{key}"] = "is not a limit basis"
                    continue
                try:
                    _number(value)
                except ValueError as exc:
                    problems[f"limit_rules.{cls}.{key}"] = str(exc)
    terms = out["terms_days"]
    if not isinstance(terms, dict) or (classes and set(classes) - set(terms)) or not all(
            isinstance(v, int) and 0 <= v <= 365 for v in terms.values()):
        problems["terms_days"] = f"give whole days from 0 to 365 for every risk class ({', '.join(classes)})"
    return classes


def clean(settings: dict[str, Any]) -> dict[str, Any]:
    """Checked settings (defaults filled in); :class:`PolicyError` names every bad one."""
    problems: dict[str, str] = {k: "is not a setting of the onboarding policy" for k in sorted(set(settings) -
                                                                                               set(DEFAULTS))}
    out = {**DEFAULTS, **{k: v for k, v in settings.items() if k in DEFAULTS}}
    out["scorecard"] = {**DEFAULTS["scorecard"], **(out["scorecard"] if isinstance(out["scorecard"], dict) else {})}
    try:
        out["currency"] = check_currency(str(out["currency"]))
    except MoneyError as exc:
        problems["currency"] = str(exc)
    _check_scorecard(settings.get("scorecard", {}), problems)
    _check_classes(out, problems)
    for key in ("limit_step",):
        try:
            _number(out[key])
        except ValueError as exc:
            problems[key] = str(exc)
    for key, low, high in (("decision_sla_hours", 1, 24 * 30), ("link_days", 1, 365)):
        if not isinstance(out[key], int) or not low <= out[key] <= high:
            problems[key] = f"a whole number from {low} to {high}"
    if not isinstance(out["account_prefix"], str) or not 1 <= len(out["account_prefix"]) <= 10:
        problems["account_prefix"] = "one to ten characters"
    try:
        check_rules(out["rules"], list(FACTS))
    except RuleError as exc:
        problems[exc.field] = exc.message
    if problems:
        raise PolicyError(problems)
    return out


@dataclass(frozen=True)
class Policy:
    version: int | None  # None: the defaults, never saved
    settings: dict[str, Any]

    @property
    def currency(self) -> str:
        return str(self.settings["currency"])

    @property
    def rules(self) -> list[Rule]:
        return check_rules(self.settings["rules"], list(FACTS))

    @property
    def risk_classes(self) -> list[str]:
        return [b[1] for b in self.settings["class_bands"]]


def policy_in_force(at: Any = None) -> Policy:
    """The version in force at ``at`` (now by default); the defaults before any was saved."""
    at = at or timezone.now()
    # the version that came into force last (a version saved for a later day takes over on that day)
    row = OnboardingPolicyVersion.objects.filter(effective_from__lte=at).order_by("-effective_from", "-version").first()
    if row is None:
        return Policy(None, clean({}))
    return Policy(row.version, clean(row.settings))


def policy_version(version: int | None) -> Policy:
    if version is None:
        return Policy(None, clean({}))
    row = OnboardingPolicyVersion.objects.get(version=version)
    return Policy(row.version, clean(row.settings))
