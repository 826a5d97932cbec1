"""The order credit check: may this order ship? ``released`` or ``held``, always with its reasons.

Pure: the service loads the customer's (and group's) exposure under a lock, converts it to the
limit's currency and asks here. Every finding has a code (for machines and the policy preview)
and a sentence with the figures (for people).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal
from typing import Literal

from credere.domain.credit.exposure import Exposure, utilisation
from credere.domain.money import quantize

Outcome = Literal["released", "held"]

OVER_LIMIT = "OVER_LIMIT"
GROUP_OVER_LIMIT = "GROUP_OVER_LIMIT"
NO_LIMIT = "NO_LIMIT"
LIMIT_EXPIRED = "LIMIT_EXPIRED"
OVERDUE = "OVERDUE"
CUSTOMER_BLOCKED = "CUSTOMER_BLOCKED"
CUSTOMER_ON_HOLD = "CUSTOMER_ON_HOLD"
RISK_CLASS = "RISK_CLASS"
WITHIN_LIMIT = "WITHIN_LIMIT"
WITHIN_TOLERANCE = "WITHIN_TOLERANCE"

#: Every code a check can give, in the order findings are listed.
CODES = (CUSTOMER_BLOCKED, CUSTOMER_ON_HOLD, RISK_CLASS, NO_LIMIT, LIMIT_EXPIRED, OVER_LIMIT, GROUP_OVER_LIMIT,
         OVERDUE, WITHIN_TOLERANCE, WITHIN_LIMIT)
HOLDING = frozenset(CODES) - {WITHIN_LIMIT, WITHIN_TOLERANCE}


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


@dataclass(frozen=True, slots=True)
class LimitTerms:
    amount: Decimal
    currency: str
    expires_on: dt.date | None = None

    def expired(self, on: dt.date) -> bool:
        return self.expires_on is not None and self.expires_on < on


@dataclass(frozen=True, slots=True)
class CheckRules:
    """The credit policy's part that decides checks (versioned data in the credit context)."""

    #: an order is still released up to this share over the limit, in percent (0: none)
    over_limit_tolerance_pct: Decimal = Decimal(0)
    #: by risk class: how many days the oldest overdue item may be past due, and how much may be overdue
    overdue_days: Mapping[str, int] = field(default_factory=dict)
    overdue_amount: Mapping[str, Decimal] = field(default_factory=dict)
    #: an expired limit counts as zero ("zero") or holds every order until it is reviewed ("review")
    expired_limit: Literal["zero", "review"] = "review"
    #: risk classes whose orders always wait for a person
    held_risk_classes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CheckCase:
    as_of: dt.date
    #: the order's value in the limit's currency
    order_amount: Decimal
    customer_status: str
    risk_class: str
    #: the customer's exposure without this order
    exposure: Exposure
    limit: LimitTerms | None
    oldest_overdue_days: int = 0
    overdue_amount: Decimal = Decimal(0)
    group_exposure: Exposure | None = None
    group_limit: LimitTerms | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    text: str


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    findings: tuple[Finding, ...]
    #: the customer's exposure with this order, and its share of the limit (None without a limit)
    exposure_after: Decimal
    utilisation_after: Decimal | None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)


def _ceiling(limit: Decimal, rules: CheckRules) -> Decimal:
    return limit + limit * rules.over_limit_tolerance_pct / 100


def _limit_findings(case: CheckCase, rules: CheckRules, after: Decimal) -> list[Finding]:
    limit = case.limit
    cur = case.exposure.currency
    if limit is None:
        return [Finding(NO_LIMIT, "The customer has no credit limit: every order waits for a credit decision.")]
    amount = limit.amount
    out: list[Finding] = []
    if limit.expired(case.as_of):
        when = limit.expires_on.isoformat() if limit.expires_on else ""
        if rules.expired_limit == "review":
            return [Finding(LIMIT_EXPIRED, f"The credit limit expired on {when} and must be reviewed.")]
        out.append(Finding(LIMIT_EXPIRED, f"The credit limit expired on {when}; it counts as zero."))
        amount = Decimal(0)
    if after > _ceiling(amount, rules):
        out.append(Finding(OVER_LIMIT, (
            f"Over the limit by {money(after - amount, cur)} with this order: exposure {money(after, cur)} "
            f"(receivables {money(case.exposure.receivables, cur)}, open orders "
            f"{money(case.exposure.orders + case.order_amount, cur)}"
            + (f", less cover {money(case.exposure.cover, cur)}" if case.exposure.cover else "")
            + f") against a limit of {money(amount, cur)}.")))
    elif after > amount:
        out.append(Finding(WITHIN_TOLERANCE, (
            f"Over the limit by {money(after - amount, cur)}, within the policy's tolerance of "
            f"{rules.over_limit_tolerance_pct.normalize():f} %.")))
    return out


def _group_findings(case: CheckCase, rules: CheckRules) -> list[Finding]:
    if case.group_exposure is None or case.group_limit is None:
        return []
    g, limit = case.group_exposure, case.group_limit
    after = g.plus_order(case.order_amount).uncovered
    amount = Decimal(0) if limit.expired(case.as_of) else limit.amount
    if after > _ceiling(amount, rules):
        return [Finding(GROUP_OVER_LIMIT, (
            f"The corporate group's limit of {money(amount, g.currency)} is exceeded by "
            f"{money(after - amount, g.currency)} with this order (group exposure {money(after, g.currency)})."))]
    return []


def _overdue_findings(case: CheckCase, rules: CheckRules) -> list[Finding]:
    days_allowed = rules.overdue_days.get(case.risk_class)
    amount_allowed = rules.overdue_amount.get(case.risk_class)
    cur = case.exposure.currency
    too_old = days_allowed is not None and case.oldest_overdue_days > days_allowed
    too_much = amount_allowed is not None and case.overdue_amount > amount_allowed
    if not (too_old or too_much) or case.overdue_amount <= 0:
        return []
    parts = []
    if too_old:
        parts.append(f"the oldest overdue item is {case.oldest_overdue_days} days past due "
                     f"(risk class {case.risk_class} allows {days_allowed})")
    if too_much:
        parts.append(f"{money(case.overdue_amount, cur)} is overdue "
                     f"(risk class {case.risk_class} allows {money(amount_allowed or Decimal(0), cur)})")
    return [Finding(OVERDUE, "Overdue beyond the tolerance: " + "; ".join(parts) + ".")]


def check_order(case: CheckCase, rules: CheckRules) -> Decision:
    """Release the order when nothing holds it; otherwise hold it with every reason found."""
    for limit in (case.limit, case.group_limit):
        if limit is not None and limit.currency != case.exposure.currency:
            raise ValueError(f"the limit is in {limit.currency}, the exposure in {case.exposure.currency}: convert first")
    findings: list[Finding] = []
    if case.customer_status == "blocked":
        findings.append(Finding(CUSTOMER_BLOCKED, "The customer is blocked: no order ships."))
    elif case.customer_status in ("on_hold", "closed"):
        findings.append(Finding(CUSTOMER_ON_HOLD, f"The customer's account is {case.customer_status.replace('_', ' ')}."))
    if case.risk_class in rules.held_risk_classes:
        findings.append(Finding(RISK_CLASS, f"Orders of risk class {case.risk_class} always wait for a credit decision."))
    after = case.exposure.plus_order(case.order_amount).uncovered
    findings += _limit_findings(case, rules, after)
    findings += _group_findings(case, rules)
    findings += _overdue_findings(case, rules)
    held = any(f.code in HOLDING for f in findings)
    if not held and not any(f.code == WITHIN_TOLERANCE for f in findings) and case.limit is not None:
        share = utilisation(after, case.limit.amount)
        findings.append(Finding(WITHIN_LIMIT, (
            f"Within the limit: {money(after, case.exposure.currency)} of {money(case.limit.amount, case.limit.currency)}"
            + (f" ({share} %) used with this order." if share is not None else " used with this order."))))
    findings.sort(key=lambda f: CODES.index(f.code))
    return Decision("held" if held else "released", tuple(findings), after,
                    utilisation(after, case.limit.amount) if case.limit is not None else None)


@dataclass(frozen=True, slots=True)
class Outlook:
    """What the next order of a customer would meet: whether anything but its size would hold it,
    and the largest order the limits still release (None: no limit lets any order through)."""

    holds: tuple[Finding, ...]
    up_to: Decimal | None
    currency: str

    @property
    def can_order(self) -> bool:
        return not self.holds and self.up_to is not None and self.up_to > 0


def _room(limit: LimitTerms | None, exposure: Exposure | None, rules: CheckRules, on: dt.date) -> Decimal | None:
    if limit is None or exposure is None:
        return None
    amount = Decimal(0) if limit.expired(on) else limit.amount
    # cover takes an order first when it exceeds what is owed: room = ceiling + cover − total
    return max(_ceiling(amount, rules) + exposure.cover - exposure.total, Decimal(0))


def outlook(case: CheckCase, rules: CheckRules) -> Outlook:
    """The next order's outlook, for sales and the customer page (``case.order_amount`` is ignored).

    ``holds`` are the findings that would hold an order of any size (status, risk class, no or an
    expired limit under review, overdue); ``up_to`` is the largest order both the customer's limit
    and its group's still release, within the policy's tolerance. An order up to that amount with
    no holds is released — the same rules as :func:`check_order`.
    """
    probe = check_order(replace(case, order_amount=Decimal(0)), rules)
    holds = tuple(f for f in probe.findings if f.code in HOLDING and f.code not in (OVER_LIMIT, GROUP_OVER_LIMIT))
    if case.limit is not None and case.limit.expired(case.as_of) and rules.expired_limit == "review":
        return Outlook(holds, None, case.exposure.currency)
    rooms = [r for r in (_room(case.limit, case.exposure, rules, case.as_of),
                         _room(case.group_limit, case.group_exposure, rules, case.as_of)) if r is not None]
    if case.limit is None:
        return Outlook(holds, None, case.exposure.currency)
    # rounded down to the currency's minor unit: an order of exactly that much is released
    return Outlook(holds, quantize(min(rooms), case.exposure.currency, ROUND_DOWN), case.exposure.currency)
