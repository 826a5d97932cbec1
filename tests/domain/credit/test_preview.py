"""A policy preview replays stored checks: the same rules give the same decisions (nothing flips),
and a looser or stricter rule flips exactly the checks it should."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from credere.domain.credit import check as C
from credere.domain.credit.exposure import Exposure
from credere.domain.credit.preview import case_from, replay

D = Decimal
ON = dt.date(2026, 3, 31)
money = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)
rules = st.builds(C.CheckRules, over_limit_tolerance_pct=st.sampled_from([D(0), D(5), D(10)]),
                  overdue_days=st.just({"A": 60, "C": 30, "E": 0}), overdue_amount=st.just({"A": D(5000), "C": D(1000)}),
                  expired_limit=st.sampled_from(["zero", "review"]),
                  held_risk_classes=st.sampled_from([frozenset(), frozenset({"E"})]))
cases = st.builds(
    C.CheckCase, as_of=st.just(ON), order_amount=money.filter(lambda m: m > 0),
    customer_status=st.sampled_from(["active", "active", "blocked", "on_hold"]), risk_class=st.sampled_from("ACE"),
    exposure=st.builds(Exposure, currency=st.just("EUR"), receivables=money, orders=money, cover=money),
    limit=st.one_of(st.none(), st.builds(C.LimitTerms, amount=money, currency=st.just("EUR"),
                                         expires_on=st.one_of(st.none(), st.dates(dt.date(2026, 1, 1),
                                                                                  dt.date(2026, 12, 31))))),
    oldest_overdue_days=st.integers(0, 200), overdue_amount=money)


def facts_of(case: C.CheckCase) -> dict:
    """What the check service stores (as strings), as ``services/checks.py`` writes it."""
    return {"receivables": str(case.exposure.receivables), "open_orders": str(case.exposure.orders),
            "cover": str(case.exposure.cover), "limit": str(case.limit.amount) if case.limit else None,
            "overdue": str(case.overdue_amount), "oldest_overdue_days": case.oldest_overdue_days,
            "group_limit": None, "group_exposure": None, "group_cover": None, "customer_status": case.customer_status,
            "limit_expires_on": case.limit.expires_on.isoformat() if case.limit and case.limit.expires_on else None,
            "group_limit_expires_on": None}


@given(st.lists(cases, max_size=25), rules)
def test_the_same_rules_flip_nothing(cs: list[C.CheckCase], r: C.CheckRules) -> None:
    stored = [(n, case_from(facts_of(c), on=ON, amount=c.order_amount, currency="EUR", risk_class=c.risk_class,
                            codes=C.check_order(c, r).codes), C.check_order(c, r).outcome) for n, c in enumerate(cs)]
    assert [x.key for x in replay(stored, r) if x.flipped] == []


@given(st.lists(cases, max_size=25))
def test_more_tolerance_only_releases(cs: list[C.CheckCase]) -> None:
    strict, loose = C.CheckRules(), C.CheckRules(over_limit_tolerance_pct=D(10))
    stored = [(n, case_from(facts_of(c), on=ON, amount=c.order_amount, currency="EUR", risk_class=c.risk_class,
                            codes=()), C.check_order(c, strict).outcome) for n, c in enumerate(cs)]
    for x in replay(stored, loose):
        if x.flipped:
            assert (x.before, x.after.outcome) == ("held", "released")


def test_old_checks_without_the_status_are_read_from_their_codes() -> None:
    facts = {"receivables": "100", "open_orders": "0", "cover": "0", "limit": "1000", "overdue": "0",
             "oldest_overdue_days": 0}
    case = case_from(facts, on=ON, amount=D(10), currency="EUR", risk_class="A",
                     codes=[C.CUSTOMER_BLOCKED, C.LIMIT_EXPIRED])
    assert case.customer_status == "blocked" and case.limit is not None and case.limit.expired(ON)
