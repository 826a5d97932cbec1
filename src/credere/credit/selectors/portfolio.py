"""Reads of the credit portfolio (one answer for its page, its API and its CLI): every customer's
position in the policy currency, and the figures of the domain.

Today's portfolio reads the stored standings (they follow every change and the daily run): the
page says when they were computed. A past day's is computed from history
(:mod:`credere.credit.selectors.computed`), with the corporate groups as they are today. By
company and by currency, the exposure is summed from the ledger, the orders and the commitments
directly (cover belongs to a customer, not to one of our companies). Stress tests run on today's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from credere.credit.models import CreditStanding
from credere.credit.policy import PolicyInForce
from credere.credit.selectors import last_refreshed, rates_to
from credere.credit.selectors.computed import compute
from credere.credit.selectors.sums import commitment_sums, historical, order_sums, receivable_sums
from credere.domain.credit.portfolio import (
    Position,
    RiskTable,
    Scenario,
    Slice,
    Stressed,
    by_group,
    hhi,
    slices,
    stress,
    top_share,
    total_expected_loss,
)
from credere.domain.fx import convert_rounded
from credere.domain.industries import section_of
from credere.domain.money import quantum
from credere.ledger import selectors as ledger
from credere.ledger.models import Company, Customer, OpenItem

ZERO = Decimal(0)
#: how far back credit sales are averaged for payment-delay scenarios
SALES_DAYS = 90


@dataclass(frozen=True)
class Positions:
    currency: str
    positions: list[Position]
    #: customers whose figures could not be computed (a missing FX rate), left out and counted
    not_computed: int
    refreshed_at: dt.datetime | None


def positions(policy: PolicyInForce, on: dt.date, *, currencies: bool = False, sales: bool = False) -> Positions:
    """Every customer's position (all companies), converted to the policy currency at ``on``.

    ``currencies``: also the exposure per currency owed (FX scenarios); ``sales``: also the
    average credit sales per day over the last 90 days (payment-delay scenarios).
    """
    to = policy.currency
    tq = quantum(to)
    rows = _rows(policy, on)
    rate = rates_to({r[1] for r in rows if not r[8]}, to, on)
    roots = ledger.group_root_ids()
    per_currency = _per_currency(policy, on) if currencies else {}
    daily = _daily_sales(to, on) if sales else {}
    out: list[Position] = []
    skipped = 0
    for cid, cur, exposure, cover, limit, rc, country, industry, problem in rows:
        if problem:
            skipped += 1
            continue
        r = rate[cur]
        out.append(Position(
            cid, roots.get(cid, cid), rc, country or "", industry or "", convert_rounded(exposure, r, tq),
            convert_rounded(cover, r, tq), None if limit is None else convert_rounded(limit, r, tq),
            per_currency.get(cid, {}), daily.get(cid, ZERO)))
    return Positions(to, out, skipped, None if historical(on) else last_refreshed())


def _rows(policy: PolicyInForce, on: dt.date) -> list[tuple[Any, ...]]:
    """(customer, currency, exposure, cover, limit, risk class, country, industry, problem) of every
    customer for all companies: today's stored standings, or a past day's computed from history."""
    if not historical(on):
        return list(CreditStanding.objects.filter(for_group=False, company__isnull=True).values_list(
            "customer_id", "currency", "exposure", "cover", "limit_amount", "risk_class", "customer__country",
            "customer__industry_code", "problem"))
    rows = [r for r in compute(policy, on)[0] if not r.for_group and r.company_id is None]
    about = {pk: (country, industry) for pk, country, industry in
             Customer.objects.values_list("pk", "country", "industry_code")}
    return [(r.customer_id, r.currency, r.exposure, r.cover, r.limit_amount, r.risk_class, *about[r.customer_id],
             r.problem) for r in rows]


def _owed(policy: PolicyInForce, on: dt.date) -> Iterator[tuple[int, int, str, Decimal]]:
    """Receivables, counting orders and the commitments the policy counts at the end of ``on``:
    ``(customer, company, currency, sum)``, several rows per key (one per source)."""
    for sums in (receivable_sums(None, on), order_sums(None, on),
                 commitment_sums(None, on, policy.settings["commitment_counts"])):
        for cid, per_company in sums.items():
            for comp, per in per_company.items():
                for cur, total in per.items():
                    yield cid, comp, cur, total


def _per_currency(policy: PolicyInForce, on: dt.date) -> dict[int, dict[str, Decimal]]:
    """What each customer owes and has ordered or committed per currency, each converted once."""
    to = policy.currency
    sums: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for cid, _comp, cur, total in _owed(policy, on):
        sums[cid][cur] = sums[cid].get(cur, ZERO) + total
    rate = rates_to({c for per in sums.values() for c in per}, to, on)
    tq = quantum(to)
    return {cid: {c: convert_rounded(a, rate[c], tq) for c, a in per.items()} for cid, per in sums.items()}


def _daily_sales(to: str, on: dt.date) -> dict[int, Decimal]:
    """Average invoiced amount per day over the last 90 days, per customer."""
    qs = (OpenItem.objects.filter(document_type=OpenItem.Type.INVOICE, posting_date__gt=on - dt.timedelta(SALES_DAYS),
                                  posting_date__lte=on)
          .values("customer_id", "currency").annotate(s=Sum("amount")).values_list("customer_id", "currency", "s"))
    rows = list(qs)
    rate = rates_to({c for _, c, _ in rows}, to, on)
    tq = quantum(to)
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for cid, cur, total in rows:
        out[cid] += convert_rounded(total, rate[cur], tq)
    return {cid: (total / SALES_DAYS).quantize(tq) for cid, total in out.items()}


@dataclass(frozen=True)
class Portfolio:
    currency: str
    customers: int
    limits: Decimal
    exposure: Decimal
    cover: Decimal
    ead: Decimal
    expected_loss: Decimal
    hhi: Decimal
    top20_share: Decimal
    by_risk_class: list[Slice]
    by_country: list[Slice]
    by_industry: list[Slice]
    by_company: list[tuple[str, str, Decimal]]
    by_currency: list[tuple[str, Decimal, Decimal]]
    top: list[tuple[Customer, Decimal, Decimal]]
    not_computed: int
    refreshed_at: dt.datetime | None
    risk: RiskTable


def portfolio(policy: PolicyInForce, on: dt.date) -> Portfolio:
    ps = positions(policy, on)
    risk = policy.risk()
    groups = by_group(ps.positions)
    ead = sum((p.ead for p in ps.positions), ZERO)
    top_ids = sorted(groups, key=lambda g: (-groups[g], g))[:20]
    names = {c.pk: c for c in Customer.objects.filter(pk__in=top_ids)}
    return Portfolio(
        ps.currency, len(ps.positions), sum((p.limit or ZERO for p in ps.positions), ZERO),
        sum((p.exposure for p in ps.positions), ZERO), sum((min(p.cover, max(p.exposure, ZERO)) for p in ps.positions),
                                                           ZERO),
        ead, total_expected_loss(ps.positions, risk), hhi(groups.values()), top_share(groups.values()),
        _ordered_classes(slices(ps.positions, lambda p: p.risk_class, risk), policy.settings["risk_classes"]),
        slices(ps.positions, lambda p: p.country or "—", risk),
        slices(ps.positions, lambda p: section_of(p.industry) or "—", risk),
        _by_company(policy, on), _by_currency(policy, on),
        [(names[g], groups[g], (groups[g] * 100 / ead).quantize(Decimal("0.01")) if ead else ZERO)
         for g in top_ids if g in names],
        ps.not_computed, ps.refreshed_at, risk)


def _ordered_classes(parts: list[Slice], classes: list[str]) -> list[Slice]:
    order = {c: i for i, c in enumerate(classes)}
    return sorted(parts, key=lambda s: (order.get(s.key, len(order)), s.key))


def _by_company(policy: PolicyInForce, on: dt.date) -> list[tuple[str, str, Decimal]]:
    """(code, name, exposure before cover) per company of ours, the largest first."""
    to = policy.currency
    sums: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for _cid, comp, cur, total in _owed(policy, on):
        sums[comp][cur] = sums[comp].get(cur, ZERO) + total
    rate = rates_to({c for per in sums.values() for c in per}, to, on)
    tq = quantum(to)
    companies = {c.pk: c for c in Company.objects.filter(pk__in=list(sums))}
    out = [(companies[k].code, companies[k].name, sum((convert_rounded(a, rate[c], tq) for c, a in per.items()), ZERO))
           for k, per in sums.items()]
    return sorted(out, key=lambda r: (-r[2], r[0]))


def _by_currency(policy: PolicyInForce, on: dt.date) -> list[tuple[str, Decimal, Decimal]]:
    """(currency, amount owed in it, converted) — the portfolio's FX exposure, the largest first."""
    to = policy.currency
    sums: dict[str, Decimal] = {}
    for _cid, _comp, cur, total in _owed(policy, on):
        sums[cur] = sums.get(cur, ZERO) + total
    rate = rates_to(set(sums), to, on)
    tq = quantum(to)
    out = [(c, a, convert_rounded(a, rate[c], tq)) for c, a in sums.items()]
    return sorted(out, key=lambda r: (-r[2], r[0]))


# --------------------------------------------------------------------------- stress tests


@dataclass(frozen=True)
class StressResult:
    currency: str
    scenario: Scenario
    rows: list[Stressed]
    ead_before: Decimal
    ead_after: Decimal
    el_before: Decimal
    el_after: Decimal
    by_risk_class: list[tuple[str, Decimal, Decimal]]
    not_computed: int
    refreshed_at: dt.datetime | None
    names: dict[int, Customer]

    @property
    def breaches(self) -> list[Stressed]:
        return sorted((r for r in self.rows if r.breaches), key=lambda r: -(r.after.ead - (r.before.limit or ZERO)))

    @property
    def defaults(self) -> list[Stressed]:
        return sorted((r for r in self.rows if r.defaulted), key=lambda r: -r.el_after)

    @property
    def movers(self) -> list[Stressed]:
        """The 20 customers whose expected loss changes most (the largest increases first)."""
        grown = [r for r in self.rows if r.el_after != r.el_before]
        return sorted(grown, key=lambda r: (-(r.el_after - r.el_before), r.before.customer_id))[:20]


def scenario_of(settings: dict[str, Any]) -> Scenario:
    """The domain's scenario from checked settings (account numbers become customer ids)."""
    named = list(settings.get("default_customers", []))
    groups = list(settings.get("default_groups", []))
    ids = dict(Customer.objects.filter(account_number__in=named + groups).values_list("account_number", "pk"))
    defaulted = {ids[a] for a in named if a in ids}
    if groups:
        roots = ledger.group_root_ids()
        tops = {roots.get(ids[a], ids[a]) for a in groups if a in ids}
        defaulted |= {c for c, r in roots.items() if r in tops}
    return Scenario(
        pd_by_country={k: Decimal(v) for k, v in settings.get("pd_by_country", {}).items()},
        pd_by_industry={k: Decimal(v) for k, v in settings.get("pd_by_industry", {}).items()},
        delay_days=int(settings.get("delay_days", 0)), defaulted=frozenset(defaulted),
        fx_pct={k: Decimal(v) for k, v in settings.get("fx_pct", {}).items()})


def run_stress(policy: PolicyInForce, on: dt.date, settings: dict[str, Any]) -> StressResult:
    """Today's portfolio before and after the scenario."""
    scenario = scenario_of(settings)
    ps = positions(policy, on, currencies=bool(scenario.fx_pct), sales=bool(scenario.delay_days))
    risk = policy.risk()
    rows = [stress(p, scenario, risk) for p in ps.positions]
    per_class: dict[str, list[Decimal]] = {}
    for r in rows:
        acc = per_class.setdefault(r.before.risk_class, [ZERO, ZERO])
        acc[0] += r.el_before
        acc[1] += r.el_after
    order = {c: i for i, c in enumerate(policy.settings["risk_classes"])}
    by_class = sorted(((k, v[0], v[1]) for k, v in per_class.items()), key=lambda t: (order.get(t[0], 99), t[0]))
    result = StressResult(
        ps.currency, scenario, rows, sum((r.before.ead for r in rows), ZERO), sum((r.after.ead for r in rows), ZERO),
        sum((r.el_before for r in rows), ZERO), sum((r.el_after for r in rows), ZERO), by_class, ps.not_computed,
        ps.refreshed_at, {})
    shown = {r.before.customer_id for r in result.breaches[:200] + result.defaults[:200] + result.movers}
    result.names.update({c.pk: c for c in Customer.objects.filter(pk__in=shown)})
    return result
