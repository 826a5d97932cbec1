"""Monitoring: which alert conditions hold for a customer, given its figures and the policy's thresholds.

Pure: the caller reads the figures (stored standings, limits and cover that expire, payment behaviour,
held orders, the customer's share of the portfolio's exposure) and gets back the conditions that
hold, each with a key that names the condition and stays the same while it lasts (so that an alert is
raised once per condition, not once per run), a severity and a sentence with the figures.

Rules (a threshold is crossed when the figure reaches it):

========================  ==========================================================  ==================
kind                      holds when                                                  key
========================  ==========================================================  ==================
``utilisation``           uncovered exposure / limit >= ``utilisation_pct``           ``utilisation:{standing}``
``limit_expiry``          the limit expires within ``expiry_days`` (or has expired)   ``limit_expiry:{limit}``
``cover_expiry``          cover not ended expires within ``expiry_days`` (or did)     ``cover_expiry:{cover}``
``overdue``               oldest overdue >= ``overdue_days`` days, or overdue         ``overdue:{customer}``
                          >= ``overdue_amount`` (policy currency)
``late_trend``            average days late this quarter - last quarter >=            ``late_trend:{customer}:{quarter}``
                          ``days_late_worse`` (both quarters with payments)
``hold_sla``              an order held for more than ``hold_sla_hours``              ``hold_sla:{check}``
``concentration``         the customer's (or its group's) share of the total           ``concentration:{customer}``
                          exposure >= ``concentration_pct`` (group top only)
========================  ==========================================================  ==================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

HIGH, MEDIUM, LOW = "high", "medium", "low"
#: severities, the most urgent first (the inbox sorts by this rank)
SEVERITIES: tuple[str, ...] = (HIGH, MEDIUM, LOW)
RANK: dict[str, int] = {s: n for n, s in enumerate(SEVERITIES)}

#: the kinds credit control raises, with what a person reads
KINDS: dict[str, str] = {
    "utilisation": "High limit use",
    "limit_expiry": "Limit expiring",
    "cover_expiry": "Cover expiring",
    "overdue": "Overdue",
    "late_trend": "Paying later",
    "hold_sla": "Order held too long",
    "concentration": "Concentration",
}
#: kinds other contexts raise in the same inbox (credit control's runs neither raise nor clear them)
OTHER_KINDS: dict[str, str] = {
    "payment_returned": "Payment returned",
}


@dataclass(frozen=True, slots=True)
class Thresholds:
    utilisation_pct: Decimal = Decimal(90)
    expiry_days: int = 30
    overdue_days: int = 30
    overdue_amount: Decimal = Decimal(10000)
    days_late_worse: Decimal = Decimal(10)
    hold_sla_hours: int = 24
    concentration_pct: Decimal = Decimal(10)


@dataclass(frozen=True, slots=True)
class LimitUse:
    """One stored standing with a limit: ``key`` is the standing's key."""

    key: str
    scope: str  # "credit limit (all companies)", "group limit (DE01)" …
    currency: str
    limit: Decimal
    uncovered: Decimal
    utilisation: Decimal


@dataclass(frozen=True, slots=True)
class Expiry:
    """A limit or a piece of cover that ends on ``expires_on``."""

    kind: str  # "limit" or "cover"
    id: int
    what: str  # "credit limit of 1,000.00 EUR", "credit insurance by Allianz Trade (100,000.00 EUR)"
    expires_on: dt.date


@dataclass(frozen=True, slots=True)
class Overdue:
    """What is overdue, in the policy currency, and the oldest overdue item's days past due."""

    amount: Decimal
    currency: str
    oldest_days: int


@dataclass(frozen=True, slots=True)
class LateTrend:
    """Amount-weighted average days late of the payments applied in two quarters."""

    quarter: str  # "2026-Q1"
    this_quarter: Decimal
    last_quarter: Decimal


@dataclass(frozen=True, slots=True)
class Hold:
    check_id: int
    order_id: str
    amount: Decimal
    currency: str
    held_hours: int


@dataclass(frozen=True, slots=True)
class Share:
    """The customer's exposure (or its corporate group's, if it is the top of one) in the total."""

    pct: Decimal
    exposure: Decimal
    total: Decimal
    currency: str
    group: bool


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    customer: int
    name: str
    limits: tuple[LimitUse, ...] = ()
    expiries: tuple[Expiry, ...] = ()
    overdue: Overdue | None = None
    trend: LateTrend | None = None
    holds: tuple[Hold, ...] = ()
    share: Share | None = None


@dataclass(frozen=True, slots=True)
class Condition:
    key: str
    kind: str
    customer: int
    severity: str
    title: str
    facts: dict[str, str] = field(default_factory=dict, hash=False, compare=True)


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _pct(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'))} %"


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(day: dt.date) -> tuple[dt.date, dt.date, dt.date]:
    """The first day of the quarter before ``day``'s, the first day of ``day``'s quarter, and ``day``."""
    start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    before = dt.date(start.year - 1, 10, 1) if start.month == 1 else dt.date(start.year, start.month - 3, 1)
    return before, start, day


def conditions(f: CustomerFacts, t: Thresholds, as_of: dt.date) -> list[Condition]:
    """Every condition that holds for the customer, in a fixed order (the same facts, the same list)."""
    out: list[Condition] = []
    for use in sorted(f.limits, key=lambda u: u.key):
        if use.limit > 0 and use.utilisation >= t.utilisation_pct:
            over = use.utilisation > 100
            out.append(Condition(
                f"utilisation:{use.key}", "utilisation", f.customer, HIGH if over else MEDIUM,
                f"{f.name} has used {_pct(use.utilisation)} of its {use.scope}: "
                f"{_money(use.uncovered, use.currency)} uncovered exposure against {_money(use.limit, use.currency)}"
                + (" (over the limit)." if over else "."),
                {"utilisation": str(use.utilisation), "limit": str(use.limit), "uncovered": str(use.uncovered),
                 "currency": use.currency, "threshold": str(t.utilisation_pct)}))
    for e in sorted(f.expiries, key=lambda x: (x.kind, x.id)):
        days = (e.expires_on - as_of).days
        if days > t.expiry_days:
            continue
        when = (f"expired on {e.expires_on.isoformat()}" if days < 0 else "expires today" if days == 0
                else f"expires on {e.expires_on.isoformat()}, in {days} day{'s' if days != 1 else ''}")
        out.append(Condition(
            f"{e.kind}_expiry:{e.id}", f"{e.kind}_expiry", f.customer, HIGH if days < 0 else MEDIUM,
            f"The {e.what} of {f.name} {when}.",
            {"expires_on": e.expires_on.isoformat(), "days": str(days), "threshold": str(t.expiry_days)}))
    o = f.overdue
    if o is not None and o.amount > 0:
        late, large = o.oldest_days >= t.overdue_days, o.amount >= t.overdue_amount
        if late or large:
            out.append(Condition(
                f"overdue:{f.customer}", "overdue", f.customer, HIGH if late and large else MEDIUM,
                f"{f.name} has {_money(o.amount, o.currency)} overdue, the oldest item {o.oldest_days} days past due.",
                {"overdue": str(o.amount), "currency": o.currency, "oldest_days": str(o.oldest_days),
                 "threshold_days": str(t.overdue_days), "threshold_amount": str(t.overdue_amount)}))
    tr = f.trend
    if tr is not None and tr.this_quarter - tr.last_quarter >= t.days_late_worse:
        worse = tr.this_quarter - tr.last_quarter
        out.append(Condition(
            f"late_trend:{f.customer}:{tr.quarter}", "late_trend", f.customer, MEDIUM,
            f"{f.name} pays later: {tr.this_quarter:.1f} days late on average this quarter ({tr.quarter}) "
            f"against {tr.last_quarter:.1f} the quarter before ({worse:+.1f} days).",
            {"quarter": tr.quarter, "this_quarter": str(tr.this_quarter), "last_quarter": str(tr.last_quarter),
             "threshold": str(t.days_late_worse)}))
    for h in sorted(f.holds, key=lambda x: x.check_id):
        if h.held_hours > t.hold_sla_hours:
            out.append(Condition(
                f"hold_sla:{h.check_id}", "hold_sla", f.customer, HIGH if h.held_hours > 2 * t.hold_sla_hours else MEDIUM,
                f"Order {h.order_id} of {f.name} ({_money(h.amount, h.currency)}) has been held for {h.held_hours} "
                f"hours; the policy allows {t.hold_sla_hours}.",
                {"check": str(h.check_id), "order": h.order_id, "held_hours": str(h.held_hours),
                 "threshold": str(t.hold_sla_hours)}))
    s = f.share
    if s is not None and s.total > 0 and s.pct >= t.concentration_pct:
        who = f"The {f.name} group" if s.group else f.name
        out.append(Condition(
            f"concentration:{f.customer}", "concentration", f.customer, LOW,
            f"{who} carries {_pct(s.pct)} of all exposure: {_money(s.exposure, s.currency)} of "
            f"{_money(s.total, s.currency)}.",
            {"share": str(s.pct), "exposure": str(s.exposure), "total": str(s.total), "currency": s.currency,
             "group": "yes" if s.group else "no", "threshold": str(t.concentration_pct)}))
    return out


def share_pct(part: Decimal, total: Decimal) -> Decimal:
    """``part`` as a percentage of ``total``, to two decimals (0 when there is no total)."""
    if total <= 0:
        return Decimal(0)
    return (part * 100 / total).quantize(Decimal("0.01"))


def weighted_days(weighted: Decimal, weights: Decimal) -> Decimal | None:
    """Σ(amount × days late) / Σ amount, to one decimal; None without payments."""
    if weights <= 0:
        return None
    return (weighted / weights).quantize(Decimal("0.1"))
