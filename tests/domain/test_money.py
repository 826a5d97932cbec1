from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credere.domain.money import Money, MoneyError, from_storage, parse_amount, quantize, to_storage


def test_quantises_per_currency():
    assert Money(Decimal("1.005"), "EUR").amount == Decimal("1.00")  # half-even
    assert Money(Decimal("1.015"), "EUR").amount == Decimal("1.02")
    assert Money(Decimal("1234.5"), "JPY").amount == Decimal("1234")
    assert Money(Decimal("1.2345"), "BHD").amount == Decimal("1.234")


def test_rejects_floats_and_mixed_currencies():
    with pytest.raises(MoneyError):
        Money(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        parse_amount(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money(Decimal(1), "EUR") + Money(Decimal(1), "USD")
    with pytest.raises(MoneyError):
        Money(Decimal(1), "eur")


def test_parse_amount_refuses_extra_precision():
    assert parse_amount("12", "EUR") == Decimal("12.00")
    assert str(parse_amount("12", "EUR")) == "12.00"
    with pytest.raises(MoneyError, match="more decimals"):
        parse_amount("12.345", "EUR")
    with pytest.raises(MoneyError, match="not a number"):
        parse_amount("12,34", "EUR")
    with pytest.raises(MoneyError):
        parse_amount("NaN", "EUR")


@given(st.decimals(min_value=Decimal("-1e13"), max_value=Decimal("1e13"), places=4, allow_nan=False))
def test_storage_roundtrip_is_exact(value):
    assert from_storage(to_storage(value)) == value


@given(st.lists(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2), max_size=50))
def test_sum_of_storage_equals_sum_of_amounts(values):
    assert from_storage(sum(to_storage(v) for v in values)) == quantize(sum(values, Decimal(0)), "EUR")


def test_huge_amounts_are_refused_not_crashing():
    with pytest.raises(MoneyError, match="too large"):
        parse_amount("1e26", "EUR")
    with pytest.raises(MoneyError, match="too large"):
        parse_amount("123456789012345.00", "EUR")
