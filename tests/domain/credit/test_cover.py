"""Cover never exceeds the exposure, expired cover covers nothing, insurance pays its share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from credere.domain.credit.cover import DEPOSIT, GUARANTEE, INSURANCE, KINDS, CoverTerms, covered

ON = dt.date(2026, 3, 31)
amounts = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
covers = st.lists(st.builds(CoverTerms, kind=st.sampled_from(KINDS), amount=amounts,
                            coverage_pct=st.decimals(min_value=0, max_value=100, places=1),
                            expires_on=st.one_of(st.none(), st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)))),
                  max_size=5)


@given(amounts, covers)
def test_cover_is_between_zero_and_the_exposure(exposure: Decimal, cs: list[CoverTerms]) -> None:
    c = covered(exposure, cs, ON, "EUR")
    assert Decimal(0) <= c <= exposure
    assert c == c.quantize(Decimal("0.01"))


@given(amounts, covers)
def test_expired_cover_and_uncounted_kinds_cover_nothing(exposure: Decimal, cs: list[CoverTerms]) -> None:
    expired = [CoverTerms(c.kind, c.amount, c.coverage_pct, expires_on=ON - dt.timedelta(days=1)) for c in cs]
    assert covered(exposure, expired, ON, "EUR") == 0
    assert covered(exposure, cs, ON, "EUR", counting=()) == 0


@given(amounts, covers, amounts)
def test_more_cover_never_covers_less(exposure: Decimal, cs: list[CoverTerms], extra: Decimal) -> None:
    assert covered(exposure, [*cs, CoverTerms(DEPOSIT, extra)], ON, "EUR") >= covered(exposure, cs, ON, "EUR")


def test_securities_first_then_insurance_on_the_rest() -> None:
    cs = [CoverTerms(INSURANCE, Decimal(100_000), Decimal(90)), CoverTerms(GUARANTEE, Decimal(20_000))]
    # 20,000 guaranteed; insurance pays 90 % of the remaining 80,000
    assert covered(Decimal(100_000), cs, ON, "EUR") == Decimal(20_000) + Decimal(72_000)
    # the insured amount caps what insurance takes
    assert covered(Decimal(100_000), [CoverTerms(INSURANCE, Decimal("33333.33"), Decimal("85"))], ON, "EUR") \
        == Decimal("28333.33")  # 28,333.3305 rounded down
    assert covered(Decimal(-50), cs, ON, "EUR") == 0
    assert covered(Decimal(1000), [CoverTerms(DEPOSIT, Decimal(500), valid_from=ON + dt.timedelta(days=1))],
                   ON, "EUR") == 0
