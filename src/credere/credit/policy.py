"""The credit policy as stored data (JSON) <-> the domain's check rules and approval matrix.

One version is in force at a time; until a credit manager saves one, the defaults below apply
(and reading them stores nothing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from credere.credit.models import CreditPolicyVersion
from credere.domain.credit.alerts import Thresholds as AlertThresholds
from credere.domain.credit.approvals import ApprovalMatrix, authorities_from
from credere.domain.credit.check import CheckRules
from credere.domain.credit.cover import KINDS as COVER_KINDS
from credere.domain.credit.exposure import COMMITMENT_KINDS
from credere.domain.credit.portfolio import RiskTable
from credere.domain.credit.reviews import ReviewSchedule
from credere.domain.money import MoneyError, check_currency

DEFAULTS: dict[str, Any] = {
    "currency": "EUR",
    "risk_classes": ["A", "B", "C", "D", "E"],
    "default_risk_class": "C",
    "over_limit_tolerance_pct": "0",
    "expired_limit": "review",
    "held_risk_classes": ["E"],
    "overdue_days": {"A": 60, "B": 45, "C": 30, "D": 15, "E": 0},
    "overdue_amount": {"A": "50000", "B": "25000", "C": "10000", "D": "2500", "E": "0"},
    "approval_matrix": [["credit_analyst", "25000", []], ["credit_manager", "250000", []],
                        ["administrator", None, []]],
    "approval_sla_hours": 48,
    "cover_counts": ["insurance", "guarantee", "letter_of_credit", "deposit"],
    "commitment_counts": ["shipped", "other"],
    "pd_pct": {"A": "0.5", "B": "1", "C": "2.5", "D": "6", "E": "20"},
    "lgd_pct": {"A": "45", "B": "45", "C": "45", "D": "50", "E": "60"},
    "review_months": {"A": 12, "B": 12, "C": 6, "D": 3, "E": 1},
    "review_lead_days": 30,
    # monitoring and alerts (credere.domain.credit.alerts)
    "alert_utilisation_pct": "90",
    "alert_expiry_days": 30,
    "alert_overdue_days": 30,
    "alert_overdue_amount": "10000",
    "alert_days_late_worse": "10",
    "hold_sla_hours": 24,
    "alert_concentration_pct": "10",
}

#: What each setting means (the API and the CLI show it).
HELP: dict[str, str] = {
    "currency": "Currency of the policy's amounts and of the approval matrix.",
    "risk_classes": "The risk classes, best first.",
    "default_risk_class": "The class of a customer nobody has classified yet.",
    "over_limit_tolerance_pct": "An order is still released up to this share over the limit, in percent.",
    "expired_limit": "An expired limit counts as zero ('zero') or holds every order until reviewed ('review').",
    "held_risk_classes": "Risk classes whose orders always wait for a credit decision.",
    "overdue_days": "By risk class: how many days the oldest overdue item may be past due before orders are held.",
    "overdue_amount": "By risk class: how much may be overdue (in the policy currency) before orders are held.",
    "approval_matrix": "Who approves limits up to which amount: [role, ceiling or null, risk classes or []], "
                       "lowest first. The person who asks never approves.",
    "approval_sla_hours": "A request waiting longer than this is escalated.",
    "cover_counts": "The kinds of cover that reduce exposure against limits and in the risk figures "
                    "(insurance, guarantee, letter_of_credit, deposit).",
    "commitment_counts": "The kinds of commitment that count in exposure besides receivables and open orders: "
                         "shipped (goods shipped, not yet invoiced) and other (contracts, consignment stock…).",
    "pd_pct": "By risk class: the probability of default within a year, in percent (for expected loss).",
    "lgd_pct": "By risk class: the share of the uncovered exposure lost in a default, in percent.",
    "review_months": "By risk class: months between periodic credit reviews (a class not listed: 12).",
    "review_lead_days": "How many days before its due date a review appears in the review worklist.",
    # monitoring and alerts
    "alert_utilisation_pct": "Alert when a limit's use (uncovered exposure / limit) reaches this share, in percent.",
    "alert_expiry_days": "Alert this many days before a credit limit or cover (insurance, a security) expires.",
    "alert_overdue_days": "Alert when a customer's oldest overdue item is this many days past due.",
    "alert_overdue_amount": "Alert when a customer's overdue amount reaches this (policy currency).",
    "alert_days_late_worse": "Alert when a customer's average days late this quarter exceed last quarter's by this "
                             "many days (amount-weighted, payments applied in each quarter).",
    "hold_sla_hours": "Alert when an order has been held longer than this many hours.",
    "alert_concentration_pct": "Alert when one customer's (or corporate group's) share of all exposure reaches this, "
                               "in percent.",
}


class PolicyError(ValueError):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValueError("give a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"'{value}' is not a number") from None
    if not number.is_finite() or number < 0:
        raise ValueError("give a number of zero or more")
    return number


def clean(settings: dict[str, Any]) -> dict[str, Any]:
    """Checked settings (defaults filled in); :class:`PolicyError` names every bad one."""
    unknown = sorted(set(settings) - set(DEFAULTS))
    problems: dict[str, str] = {k: "is not a setting of the credit policy" for k in unknown}
    out = {**DEFAULTS, **{k: v for k, v in settings.items() if k in DEFAULTS}}
    try:
        out["currency"] = check_currency(str(out["currency"]))
    except MoneyError as exc:
        problems["currency"] = str(exc)
    classes = out["risk_classes"]
    if not isinstance(classes, list) or not classes or not all(isinstance(c, str) and 0 < len(c) <= 10
                                                                for c in classes):
        problems["risk_classes"] = "give a list of short names, e.g. [\"A\", \"B\", \"C\"]"
        classes = DEFAULTS["risk_classes"]
    if out["default_risk_class"] not in classes:
        problems["default_risk_class"] = f"must be one of {', '.join(classes)}"
    if out["expired_limit"] not in ("zero", "review"):
        problems["expired_limit"] = "choose 'zero' or 'review'"
    if not isinstance(out["held_risk_classes"], list) or set(out["held_risk_classes"]) - set(classes):
        problems["held_risk_classes"] = f"give a list of classes among {', '.join(classes)}"
    for key in ("over_limit_tolerance_pct",):
        try:
            out[key] = str(_decimal(out[key]))
        except ValueError as exc:
            problems[key] = str(exc)
    _clean_class_tables(out, problems, classes)
    _clean_matrix(out, problems)
    try:
        out["approval_sla_hours"] = int(out["approval_sla_hours"])
    except (TypeError, ValueError):
        problems["approval_sla_hours"] = "give a whole number of hours"
    if not isinstance(out["cover_counts"], list) or set(out["cover_counts"]) - set(COVER_KINDS):
        problems["cover_counts"] = f"give a list of kinds among {', '.join(COVER_KINDS)}"
    if not isinstance(out["commitment_counts"], list) or set(out["commitment_counts"]) - set(COMMITMENT_KINDS):
        problems["commitment_counts"] = f"give a list of kinds among {', '.join(COMMITMENT_KINDS)}"
    _clean_reviews(out, problems, classes)
    _clean_alerts(out, problems)
    if problems:
        raise PolicyError(problems)
    return out


def _clean_class_tables(out: dict[str, Any], problems: dict[str, str], classes: list[str]) -> None:
    """The settings given per risk class."""
    for key in ("pd_pct", "lgd_pct"):
        table = out[key]
        if not isinstance(table, dict) or set(table) != set(classes):
            problems[key] = f"give a percentage for every risk class ({', '.join(classes)})"
            continue
        try:
            out[key] = {c: str(_decimal(v)) for c, v in table.items()}
            if any(Decimal(v) > 100 for v in out[key].values()):
                raise ValueError("a percentage is at most 100")
        except (ValueError, TypeError) as exc:
            problems[key] = str(exc)
    for key, kind in (("overdue_days", int), ("overdue_amount", Decimal)):
        table = out[key]
        if not isinstance(table, dict) or set(table) - set(classes):
            problems[key] = f"give an object by risk class ({', '.join(classes)})"
            continue
        try:
            out[key] = {c: (int(v) if kind is int else str(_decimal(v))) for c, v in table.items()}
        except (ValueError, TypeError) as exc:
            problems[key] = str(exc)


def _clean_matrix(out: dict[str, Any], problems: dict[str, str]) -> None:
    try:
        rows = [(str(r[0]), None if r[1] is None else _decimal(r[1]), list(r[2])) for r in out["approval_matrix"]]
        if not rows:
            raise ValueError("give at least one authority")
        if rows[-1][1] is not None:
            raise ValueError("the last authority needs no ceiling (null), so every amount has an approver")
        out["approval_matrix"] = [[role, None if amount is None else str(amount), classes_]
                                  for role, amount, classes_ in rows]
    except (ValueError, TypeError, IndexError) as exc:
        problems["approval_matrix"] = str(exc) if isinstance(exc, ValueError) else "give [role, ceiling, classes] rows"


def _clean_reviews(out: dict[str, Any], problems: dict[str, str], classes: list[str]) -> None:
    table = out["review_months"]
    if not isinstance(table, dict) or set(table) - set(classes):
        problems["review_months"] = f"give an object by risk class ({', '.join(classes)})"
    else:
        try:
            months = {c: int(v) for c, v in table.items()}
            if any(not 1 <= m <= 120 for m in months.values()) or any(isinstance(v, bool) for v in table.values()):
                raise ValueError
            out["review_months"] = months
        except (TypeError, ValueError):
            problems["review_months"] = "give whole months from 1 to 120 for each class"
    try:
        lead = out["review_lead_days"]
        if isinstance(lead, bool) or not 0 <= int(lead) <= 366:
            raise ValueError
        out["review_lead_days"] = int(lead)
    except (TypeError, ValueError):
        problems["review_lead_days"] = "give whole days from 0 to 366"


@dataclass(frozen=True)
class PolicyInForce:
    version: CreditPolicyVersion | None
    settings: dict[str, Any]

    @property
    def number(self) -> int | None:
        return self.version.version if self.version is not None else None

    @property
    def currency(self) -> str:
        return str(self.settings["currency"])

    def rules(self) -> CheckRules:
        s = self.settings
        return CheckRules(
            over_limit_tolerance_pct=Decimal(s["over_limit_tolerance_pct"]),
            overdue_days={k: int(v) for k, v in s["overdue_days"].items()},
            overdue_amount={k: Decimal(v) for k, v in s["overdue_amount"].items()},
            expired_limit=s["expired_limit"], held_risk_classes=frozenset(s["held_risk_classes"]))

    def risk(self) -> RiskTable:
        """PD and LGD per risk class, for expected loss."""
        s = self.settings
        return RiskTable({k: Decimal(v) for k, v in s["pd_pct"].items()},
                         {k: Decimal(v) for k, v in s["lgd_pct"].items()}, self.currency)

    def review_schedule(self) -> ReviewSchedule:
        s = self.settings
        return ReviewSchedule({k: int(v) for k, v in s["review_months"].items()}, int(s["review_lead_days"]))

    def matrix(self) -> ApprovalMatrix:
        return ApprovalMatrix(self.currency, authorities_from(
            [(r[0], None if r[1] is None else Decimal(r[1]), r[2]) for r in self.settings["approval_matrix"]]))


def policy_in_force(*, at: dt.datetime | None = None) -> PolicyInForce:
    """The version in force, or the defaults while none is recorded (reading stores nothing)."""
    version = (CreditPolicyVersion.objects.filter(effective_from__lte=at or timezone.now())
               .order_by("-version").first())
    if version is None:
        return PolicyInForce(None, clean({}))
    return PolicyInForce(version, clean(dict(version.settings)))


# --------------------------------------------------------------------------- monitoring and alerts

_ALERT_DAYS = ("alert_expiry_days", "alert_overdue_days", "hold_sla_hours")
_ALERT_NUMBERS = ("alert_utilisation_pct", "alert_overdue_amount", "alert_days_late_worse", "alert_concentration_pct")


def _clean_alerts(out: dict[str, Any], problems: dict[str, str]) -> None:
    for key in _ALERT_DAYS:
        value = out[key]
        if isinstance(value, bool) or not isinstance(value, int | str):
            problems[key] = "give a whole number of zero or more"
            continue
        try:
            number = int(str(value).strip())
        except ValueError:
            problems[key] = "give a whole number of zero or more"
            continue
        if not 0 <= number <= 3650:
            problems[key] = "give a whole number from 0 to 3650"
        else:
            out[key] = number
    for key in _ALERT_NUMBERS:
        try:
            out[key] = str(_decimal(out[key]))
        except ValueError as exc:
            problems[key] = str(exc)


def alert_thresholds(policy: PolicyInForce) -> AlertThresholds:
    """The policy's alert thresholds as the domain's rules read them."""
    s = policy.settings
    return AlertThresholds(
        utilisation_pct=Decimal(s["alert_utilisation_pct"]), expiry_days=int(s["alert_expiry_days"]),
        overdue_days=int(s["alert_overdue_days"]), overdue_amount=Decimal(s["alert_overdue_amount"]),
        days_late_worse=Decimal(s["alert_days_late_worse"]), hold_sla_hours=int(s["hold_sla_hours"]),
        concentration_pct=Decimal(s["alert_concentration_pct"]))
