"""The order credit check: hand-computed cases for every reason, and properties that must always hold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credere.domain.credit import check as C
from credere.domain.credit.exposure import Exposure, headroom, utilisation

D = Decimal
ON = dt.date(2026, 3, 31)
RULES = C.CheckRules(over_limit_tolerance_pct=D("5"), overdue_days={"A": 30, "C": 10}, overdue_amount={"C": D("1000")},
                     expired_limit="zero", held_risk_classes=frozenset({"E"}))


def case(**kw) -> C.CheckCase:
    base = dict(as_of=ON, order_amount=D("10000.00"), customer_status="active", risk_class="A",
                exposure=Exposure("EUR", receivables=D("60000.00"), orders=D("20000.00")),
                limit=C.LimitTerms(D("100000.00"), "EUR"))
    return C.CheckCase(**{**base, **kw})


def test_within_the_limit_is_released_with_the_figures():
    d = C.check_order(case(), RULES)
    assert d.outcome == "released" and d.codes == (C.WITHIN_LIMIT,)
    assert d.exposure_after == D("90000.00") and d.utilisation_after == D("90.00")
    assert d.findings[0].text == "Within the limit: 90,000.00 EUR of 100,000.00 EUR (90.00 %) used with this order."


def test_over_the_limit_says_by_how_much_including_the_order():
    d = C.check_order(case(order_amount=D("30000.00")), RULES)
    assert d.outcome == "held" and d.codes == (C.OVER_LIMIT,)
    assert d.findings[0].text == ("Over the limit by 10,000.00 EUR with this order: exposure 110,000.00 EUR "
                                  "(receivables 60,000.00 EUR, open orders 50,000.00 EUR) against a limit of "
                                  "100,000.00 EUR.")


def test_the_tolerance_releases_a_little_over_and_says_so():
    d = C.check_order(case(order_amount=D("24000.00")), RULES)  # 104 %: within 5 %
    assert d.outcome == "released" and d.codes == (C.WITHIN_TOLERANCE,)
    assert C.check_order(case(order_amount=D("25000.01")), RULES).outcome == "held"  # 105 % and a cent
    assert C.check_order(case(order_amount=D("25000.00")), RULES).outcome == "released"  # 105 % exactly


def test_cover_reduces_the_exposure_that_counts():
    covered = Exposure("EUR", receivables=D("60000.00"), orders=D("20000.00"), cover=D("50000.00"))
    d = C.check_order(case(exposure=covered, order_amount=D("60000.00")), RULES)
    assert d.outcome == "released" and d.exposure_after == D("90000.00")


def test_no_limit_expired_limit_status_risk_class_and_overdue_hold():
    assert C.check_order(case(limit=None), RULES).codes == (C.NO_LIMIT,)
    expired = C.LimitTerms(D("100000.00"), "EUR", expires_on=dt.date(2026, 3, 30))
    assert C.check_order(case(limit=expired), RULES).codes == (C.LIMIT_EXPIRED, C.OVER_LIMIT)  # counts as zero
    review = C.CheckRules(expired_limit="review")
    assert C.check_order(case(limit=expired), review).codes == (C.LIMIT_EXPIRED,)
    assert C.check_order(case(limit=C.LimitTerms(D("100000.00"), "EUR", ON)), RULES).outcome == "released"
    assert C.check_order(case(customer_status="blocked"), RULES).codes == (C.CUSTOMER_BLOCKED, C.WITHIN_LIMIT)[:1]
    assert C.check_order(case(risk_class="E"), RULES).codes == (C.RISK_CLASS,)
    late = C.check_order(case(risk_class="C", oldest_overdue_days=12, overdue_amount=D("1500.00")), RULES)
    assert late.codes == (C.OVERDUE,)
    assert late.findings[0].text == ("Overdue beyond the tolerance: the oldest overdue item is 12 days past due "
                                     "(risk class C allows 10); 1,500.00 EUR is overdue (risk class C allows "
                                     "1,000.00 EUR).")


def test_the_group_limit_holds_an_order_the_customer_limit_allows():
    d = C.check_order(case(group_exposure=Exposure("EUR", receivables=D("480000.00")),
                           group_limit=C.LimitTerms(D("450000.00"), "EUR")), RULES)
    assert d.outcome == "held" and d.codes == (C.GROUP_OVER_LIMIT,)


def test_limits_in_another_currency_must_be_converted_first():
    with pytest.raises(ValueError, match="convert first"):
        C.check_order(case(limit=C.LimitTerms(D("100000.00"), "USD")), RULES)


def test_utilisation_and_headroom():
    assert utilisation(D("90000"), D("100000")) == D("90.00") and utilisation(D("1"), D("0")) is None
    assert headroom(D("110000"), D("100000")) == D("-10000")


amounts = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)


@given(receivables=amounts, orders=amounts, cover=amounts, limit=amounts, order=amounts, smaller=amounts,
       status=st.sampled_from(["active", "on_hold", "blocked"]), risk=st.sampled_from(["A", "C", "E"]),
       days=st.integers(0, 200), overdue=amounts)
def test_properties(receivables, orders, cover, limit, order, smaller, status, risk, days, overdue):
    exp = Exposure("EUR", receivables, orders, cover)
    c = case(exposure=exp, limit=C.LimitTerms(limit, "EUR"), order_amount=order, customer_status=status,
             risk_class=risk, oldest_overdue_days=days, overdue_amount=overdue)
    d = C.check_order(c, RULES)
    # the same case, the same decision
    assert d == C.check_order(c, RULES)
    # never released beyond the limit and its tolerance
    if d.outcome == "released":
        assert d.exposure_after <= limit * D("1.05")
        assert status == "active" and risk != "E"
    # a held order always says why; a released one says how much of the limit is used
    assert d.findings and (d.outcome == "released") == (not set(d.codes) & C.HOLDING)
    # a smaller order of a released customer is released too
    if d.outcome == "released" and smaller <= order:
        assert C.check_order(case(exposure=exp, limit=C.LimitTerms(limit, "EUR"), order_amount=smaller,
                                  customer_status=status, risk_class=risk, oldest_overdue_days=days,
                                  overdue_amount=overdue), RULES).outcome == "released"


# --------------------------------------------------------------------------- the next order's outlook

from dataclasses import replace  # noqa: E402

amounts = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)
outlook_cases = st.builds(
    C.CheckCase, as_of=st.just(ON), order_amount=st.just(D(0)),
    customer_status=st.sampled_from(["active", "active", "blocked"]), risk_class=st.sampled_from("ACE"),
    exposure=st.builds(Exposure, currency=st.just("EUR"), receivables=amounts, orders=amounts, cover=amounts),
    limit=st.one_of(st.none(), st.builds(C.LimitTerms, amount=amounts, currency=st.just("EUR"),
                                         expires_on=st.one_of(st.none(), st.dates(dt.date(2026, 1, 1),
                                                                                  dt.date(2026, 12, 31))))),
    oldest_overdue_days=st.integers(0, 90), overdue_amount=amounts)
outlook_rules = st.builds(C.CheckRules, over_limit_tolerance_pct=st.sampled_from([D(0), D("2.5"), D(10)]),
                          overdue_days=st.just({"A": 60, "C": 30, "E": 0}),
                          overdue_amount=st.just({"A": D(50000), "C": D(10000)}),
                          expired_limit=st.sampled_from(["zero", "review"]),
                          held_risk_classes=st.sampled_from([frozenset(), frozenset({"E"})]))


@given(outlook_cases, outlook_rules)
def test_the_outlook_says_exactly_what_the_check_would_decide(case: C.CheckCase, rules: C.CheckRules) -> None:
    o = C.outlook(case, rules)
    if o.can_order:
        assert o.up_to is not None
        assert C.check_order(replace(case, order_amount=o.up_to), rules).outcome == "released"
        assert C.check_order(replace(case, order_amount=o.up_to + D("0.01")), rules).outcome == "held"
    elif not o.holds and o.up_to is not None:  # no room left: the smallest order is held
        assert C.check_order(replace(case, order_amount=D("0.01")), rules).outcome == "held"
    if o.holds:
        assert C.check_order(replace(case, order_amount=D("0.01")), rules).outcome == "held"


def test_the_outlook_in_words():
    o = C.outlook(case(), RULES)  # 80,000 of 100,000, 5 % tolerance
    assert o.can_order and o.up_to == D("25000.00")
    blocked = C.outlook(case(customer_status="blocked"), RULES)
    assert not blocked.can_order and [f.code for f in blocked.holds] == [C.CUSTOMER_BLOCKED]
    assert C.outlook(case(limit=None), RULES).up_to is None
