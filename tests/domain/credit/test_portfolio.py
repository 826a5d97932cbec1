"""Portfolio figures: expected loss, concentration, slices that add up, stress that only worsens."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from credere.domain.credit.portfolio import (
    Position,
    RiskTable,
    Scenario,
    expected_loss,
    hhi,
    slices,
    stress,
    top_share,
    total_expected_loss,
)

D = Decimal
RISK = RiskTable({"A": D("0.5"), "B": D(1), "C": D("2.5")}, {"A": D(45), "B": D(45), "C": D(50)}, "EUR")
money = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
positions = st.lists(st.builds(
    Position, customer_id=st.integers(1, 10**6), group_id=st.integers(1, 50), risk_class=st.sampled_from("ABC"),
    country=st.sampled_from(["DE", "FR", "GB"]), industry=st.sampled_from(["F41.2", "G46.1", "C10"]),
    exposure=money, cover=money, limit=st.one_of(st.none(), money),
    by_currency=st.fixed_dictionaries({"EUR": money}), daily_sales=money), max_size=30)


@given(positions)
def test_slices_add_up_to_the_portfolio(ps: list[Position]) -> None:
    for key in (lambda p: p.risk_class, lambda p: p.country, lambda p: p.industry[:1]):
        parts = slices(ps, key, RISK)
        assert sum(s.customers for s in parts) == len(ps)
        assert sum((s.ead for s in parts), D(0)) == sum((p.ead for p in ps), D(0))
        assert sum((s.expected_loss for s in parts), D(0)) == total_expected_loss(ps, RISK)


@given(st.lists(money, max_size=40))
def test_concentration_is_bounded(amounts: list[Decimal]) -> None:
    h = hhi(amounts)
    positive = [a for a in amounts if a > 0]
    assert D(0) <= h <= D(10_000)
    if positive:
        assert h >= (D(10_000) / len(positive)).quantize(D("0.1")) - D("0.1")  # equal shares are the least
        assert D(0) < top_share(amounts) <= D(100)
    if len(positive) <= 20:
        assert top_share(amounts) in (D(0), D(100))


@given(positions, st.integers(0, 90), st.decimals(min_value=1, max_value=5, places=2))
def test_stress_never_lowers_expected_loss_when_it_only_worsens(ps: list[Position], days: int, m: Decimal) -> None:
    s = Scenario(pd_by_country={"DE": m}, pd_by_industry={"F": m}, delay_days=days)
    for p in ps:
        r = stress(p, s, RISK)
        assert r.after.ead >= r.before.ead and r.pd_after >= r.pd_before and r.el_after >= r.el_before
        assert r.pd_after <= 100


def test_hand_computed_portfolio() -> None:
    a = Position(1, 1, "A", "DE", "F41.2", D("100000"), D("20000"), D("150000"), {"EUR": D(60000), "USD": D(40000)},
                 D("1000"))
    c = Position(2, 1, "C", "FR", "G46.1", D("50000"), D(0), D("50000"), {"EUR": D(50000)}, D("500"))
    # EL: 80,000 × 0.5 % × 45 % = 180.00; 50,000 × 2.5 % × 50 % = 625.00
    assert expected_loss(a.ead, D("0.5"), D(45), "EUR") == D("180.00")
    assert total_expected_loss([a, c], RISK) == D("805.00")
    assert hhi([a.ead, c.ead]) == D("5266.3")  # (80/130)² + (50/130)² = 0.52663…
    s = Scenario(pd_by_industry={"F": D(2)}, delay_days=10, defaulted=frozenset({2}), fx_pct={"USD": D(-10)})
    ra, rc = stress(a, s, RISK), stress(c, s, RISK)
    # USD 40,000 loses 4,000; ten more days of 1,000 a day add 10,000: 106,000 - 20,000 cover
    assert (ra.after.exposure, ra.after.ead, ra.pd_after, ra.el_after) == (D("106000.00"), D("86000.00"), D(1),
                                                                           D("387.00"))
    assert not ra.breaches
    # the defaulted customer: PD 100 %; 55,000 over its 50,000 limit
    assert (rc.pd_after, rc.el_after, rc.breaches, rc.defaulted) == (D(100), D("27500.00"), True, True)
    assert stress(Position(3, 3, "B", "DE", "C10", D(900), D(0), D(1000), {}, D(20)), Scenario(delay_days=10),
                  RISK).breaches
