"""Alert conditions: the same facts give the same conditions; none below its threshold; every figure
at or above a threshold gives its condition; keys name the condition, not the figures."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from credere.domain.credit.alerts import (
    KINDS,
    SEVERITIES,
    CustomerFacts,
    Expiry,
    Hold,
    LateTrend,
    LimitUse,
    Overdue,
    Share,
    Thresholds,
    conditions,
    quarter_bounds,
    quarter_of,
    share_pct,
)

ON = dt.date(2026, 3, 31)
pct = st.decimals(min_value=0, max_value=300, places=2)
money = st.decimals(min_value=0, max_value=10_000_000, places=2)
days = st.integers(min_value=0, max_value=400)
uses = st.builds(LimitUse, key=st.from_regex(r"[1-9][0-9]{0,3}:[cg]:(\*|[1-9])", fullmatch=True),
                 scope=st.just("credit limit (all companies)"), currency=st.sampled_from(["EUR", "USD"]),
                 limit=st.decimals(min_value=1, max_value=1_000_000, places=2), uncovered=money, utilisation=pct)
expiries = st.builds(Expiry, kind=st.sampled_from(["limit", "cover"]), id=st.integers(1, 10**6),
                     what=st.just("credit limit of 1,000.00 EUR"),
                     expires_on=st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)))
facts = st.builds(
    CustomerFacts, customer=st.integers(1, 10**6), name=st.text(min_size=1, max_size=20),
    limits=st.lists(uses, max_size=3, unique_by=lambda u: u.key).map(tuple),
    expiries=st.lists(expiries, max_size=3, unique_by=lambda e: (e.kind, e.id)).map(tuple),
    overdue=st.one_of(st.none(), st.builds(Overdue, amount=money, currency=st.just("EUR"), oldest_days=days)),
    trend=st.one_of(st.none(), st.builds(LateTrend, quarter=st.just("2026-Q1"),
                                         this_quarter=st.decimals(0, 200, places=1),
                                         last_quarter=st.decimals(0, 200, places=1))),
    holds=st.lists(st.builds(Hold, check_id=st.integers(1, 10**6), order_id=st.just("SO-1"), amount=money,
                             currency=st.just("EUR"), held_hours=st.integers(0, 500)),
                   max_size=3, unique_by=lambda h: h.check_id).map(tuple),
    share=st.one_of(st.none(), st.builds(Share, pct=st.decimals(0, 100, places=2), exposure=money,
                                         total=st.decimals(min_value=1, max_value=10**8, places=2),
                                         currency=st.just("EUR"), group=st.booleans())))
thresholds = st.builds(Thresholds, utilisation_pct=pct, expiry_days=days, overdue_days=days, overdue_amount=money,
                       days_late_worse=st.decimals(0, 100, places=1), hold_sla_hours=st.integers(0, 200),
                       concentration_pct=st.decimals(0, 100, places=2))


@given(facts, thresholds)
def test_the_same_facts_give_the_same_conditions(f: CustomerFacts, t: Thresholds) -> None:
    first = conditions(f, t, ON)
    shuffled = dataclasses.replace(f, limits=tuple(reversed(f.limits)), expiries=tuple(reversed(f.expiries)),
                                   holds=tuple(reversed(f.holds)))
    assert conditions(shuffled, t, ON) == first
    assert len({c.key for c in first}) == len(first)  # one condition per key
    assert all(c.kind in KINDS and c.severity in SEVERITIES and c.customer == f.customer for c in first)


@given(facts, thresholds)
def test_no_condition_below_its_threshold_and_each_one_at_or_above(f: CustomerFacts, t: Thresholds) -> None:
    keys = {c.key for c in conditions(f, t, ON)}
    for u in f.limits:
        assert (f"utilisation:{u.key}" in keys) == (u.utilisation >= t.utilisation_pct)
    for e in f.expiries:
        assert (f"{e.kind}_expiry:{e.id}" in keys) == ((e.expires_on - ON).days <= t.expiry_days)
    o = f.overdue
    expected = o is not None and o.amount > 0 and (o.oldest_days >= t.overdue_days or o.amount >= t.overdue_amount)
    assert (f"overdue:{f.customer}" in keys) == expected
    tr = f.trend
    assert (f"late_trend:{f.customer}:2026-Q1" in keys) == (
        tr is not None and tr.this_quarter - tr.last_quarter >= t.days_late_worse)
    for h in f.holds:
        assert (f"hold_sla:{h.check_id}" in keys) == (h.held_hours > t.hold_sla_hours)
    assert (f"concentration:{f.customer}" in keys) == (f.share is not None and f.share.pct >= t.concentration_pct)


@given(facts, thresholds, st.data())
def test_keys_name_the_condition_not_its_figures(f: CustomerFacts, t: Thresholds, data: st.DataObject) -> None:
    """Figures that move but stay beyond the thresholds keep the same keys (so the alert is not raised
    again); only the sentence and the facts change."""
    before = {c.key for c in conditions(f, t, ON)}
    moved = dataclasses.replace(
        f, limits=tuple(dataclasses.replace(u, utilisation=u.utilisation + 1, uncovered=u.uncovered + 1)
                        for u in f.limits),
        overdue=dataclasses.replace(f.overdue, amount=f.overdue.amount + 1, oldest_days=f.overdue.oldest_days + 1)
        if f.overdue is not None else None,
        holds=tuple(dataclasses.replace(h, held_hours=h.held_hours + data.draw(st.integers(0, 5))) for h in f.holds),
        share=dataclasses.replace(f.share, pct=f.share.pct + 1) if f.share is not None else None)
    assert before <= {c.key for c in conditions(moved, t, ON)}


@given(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
def test_quarters(day: dt.date) -> None:
    last, this, end = quarter_bounds(day)
    assert last < this <= end == day and this.day == last.day == 1
    assert quarter_of(this) == quarter_of(day) and quarter_of(last) != quarter_of(day)
    assert (this - last).days in (90, 91, 92)


@given(money, st.decimals(min_value=0, max_value=10**9, places=2))
def test_share_is_a_percentage(part: Decimal, extra: Decimal) -> None:
    total = part + extra
    value = share_pct(part, total)
    assert Decimal(0) <= value <= 100 and value == value.quantize(Decimal("0.01"))
    assert share_pct(part, Decimal(0)) == 0
