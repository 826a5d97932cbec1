"""The credit portfolio: where the exposure is, how concentrated it is, what it may cost, and what
a stress scenario would do to it.

Pure. Every amount is in one currency (the policy's), converted by the caller. Expected loss =
PD × LGD × EAD, with EAD the uncovered exposure and PD and LGD per risk class from the policy; it
is rounded half-even to the cent once per customer, and every total is a sum of those.
Concentration is measured per corporate group (a group's members fail together): the top-20
share and the Herfindahl-Hirschman index (HHI, 0–10,000 points).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from credere.domain.money import quantize

ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Position:
    customer_id: int
    #: the corporate group's top company (the customer's own id when it has no group)
    group_id: int
    risk_class: str
    country: str
    industry: str
    #: receivables and open orders, before cover
    exposure: Decimal
    cover: Decimal
    #: the customer's all-companies limit, or None
    limit: Decimal | None = None
    #: exposure by the currency it is owed in (converted), for FX scenarios
    by_currency: Mapping[str, Decimal] = field(default_factory=dict)
    #: average credit sales per day (converted), for payment-delay scenarios
    daily_sales: Decimal = ZERO

    @property
    def ead(self) -> Decimal:
        """Exposure at default: what is not covered."""
        return max(self.exposure - self.cover, ZERO)


@dataclass(frozen=True, slots=True)
class RiskTable:
    pd_pct: Mapping[str, Decimal]
    lgd_pct: Mapping[str, Decimal]
    currency: str

    def pd(self, risk_class: str) -> Decimal:
        return self.pd_pct.get(risk_class, HUNDRED)

    def lgd(self, risk_class: str) -> Decimal:
        return self.lgd_pct.get(risk_class, HUNDRED)


def expected_loss(ead: Decimal, pd_pct: Decimal, lgd_pct: Decimal, currency: str) -> Decimal:
    return quantize(ead * min(pd_pct, HUNDRED) * min(lgd_pct, HUNDRED) / 10_000, currency)


def hhi(amounts: Iterable[Decimal]) -> Decimal:
    """Herfindahl-Hirschman index of the positive amounts, in points (10,000 = one name holds all)."""
    values = [a for a in amounts if a > 0]
    total = sum(values, ZERO)
    if total <= 0:
        return ZERO
    return (sum(((a / total) ** 2 for a in values), ZERO) * 10_000).quantize(Decimal("0.1"))


def top_share(amounts: Iterable[Decimal], n: int = 20) -> Decimal:
    """The share of the ``n`` largest positive amounts in the total, in percent."""
    values = sorted((a for a in amounts if a > 0), reverse=True)
    total = sum(values, ZERO)
    if total <= 0:
        return ZERO
    return (sum(values[:n], ZERO) * 100 / total).quantize(Decimal("0.01"))


def by_group(positions: Iterable[Position]) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for p in positions:
        out[p.group_id] = out.get(p.group_id, ZERO) + p.ead
    return out


@dataclass(frozen=True, slots=True)
class Slice:
    key: str
    customers: int
    limits: Decimal
    exposure: Decimal
    cover: Decimal
    ead: Decimal
    expected_loss: Decimal


def slices(positions: Iterable[Position], key: Callable[[Position], str], risk: RiskTable) -> list[Slice]:
    """Positions added up per ``key`` (risk class, country, industry…), the largest EAD first."""
    acc: dict[str, list[Decimal | int]] = {}
    for p in positions:
        row = acc.setdefault(key(p), [0, ZERO, ZERO, ZERO, ZERO, ZERO])
        row[0] = int(row[0]) + 1
        row[1] = Decimal(row[1]) + (p.limit or ZERO)
        row[2] = Decimal(row[2]) + p.exposure
        row[3] = Decimal(row[3]) + min(p.cover, max(p.exposure, ZERO))
        row[4] = Decimal(row[4]) + p.ead
        row[5] = Decimal(row[5]) + expected_loss(p.ead, risk.pd(p.risk_class), risk.lgd(p.risk_class), risk.currency)
    out = [Slice(k, int(v[0]), Decimal(v[1]), Decimal(v[2]), Decimal(v[3]), Decimal(v[4]), Decimal(v[5]))
           for k, v in acc.items()]
    return sorted(out, key=lambda s: (-s.ead, s.key))


def total_expected_loss(positions: Iterable[Position], risk: RiskTable) -> Decimal:
    return sum((expected_loss(p.ead, risk.pd(p.risk_class), risk.lgd(p.risk_class), risk.currency)
                for p in positions), ZERO)


# --------------------------------------------------------------------------- stress tests


@dataclass(frozen=True, slots=True)
class Scenario:
    """What a stress test changes. Multipliers apply to the PD (capped at 100 %); an industry key
    matches the start of the customer's industry code (``F`` is all construction, ``F41`` part)."""

    pd_by_country: Mapping[str, Decimal] = field(default_factory=dict)
    pd_by_industry: Mapping[str, Decimal] = field(default_factory=dict)
    #: customers pay this many days later: exposure grows by their daily credit sales × days
    delay_days: int = 0
    #: customers (all members of a named group) that default: PD 100 %
    defaulted: frozenset[int] = frozenset()
    #: currency -> change of its value against the policy currency, in percent (-10: it loses 10 %)
    fx_pct: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Stressed:
    before: Position
    after: Position
    pd_before: Decimal
    pd_after: Decimal
    el_before: Decimal
    el_after: Decimal

    @property
    def breaches(self) -> bool:
        """Within its limit before, over it after."""
        limit = self.before.limit
        return limit is not None and self.before.ead <= limit < self.after.ead

    @property
    def defaulted(self) -> bool:
        return self.pd_after >= HUNDRED


def _multiplier(p: Position, s: Scenario) -> Decimal:
    m = s.pd_by_country.get(p.country, Decimal(1))
    industry = max((k for k in s.pd_by_industry if k and p.industry.startswith(k)), key=len, default=None)
    if industry is not None:
        m *= s.pd_by_industry[industry]
    return m


def stress(p: Position, s: Scenario, risk: RiskTable) -> Stressed:
    cur = risk.currency
    exposure = p.exposure
    by_currency = dict(p.by_currency)
    for c, move in s.fx_pct.items():
        if c in by_currency and c != cur:
            moved = quantize(by_currency[c] * (HUNDRED + move) / HUNDRED, cur)
            exposure += moved - by_currency[c]
            by_currency[c] = moved
    if s.delay_days:
        exposure += quantize(p.daily_sales * s.delay_days, cur)
    after = replace(p, exposure=exposure, by_currency=by_currency)
    pd_before = min(risk.pd(p.risk_class), HUNDRED)
    pd_after = HUNDRED if p.customer_id in s.defaulted else min(pd_before * _multiplier(p, s), HUNDRED)
    lgd = risk.lgd(p.risk_class)
    return Stressed(p, after, pd_before, pd_after, expected_loss(p.ead, pd_before, lgd, cur),
                    expected_loss(after.ead, pd_after, lgd, cur))
