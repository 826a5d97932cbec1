"""ISO 4217 minor units: the table every amount is quantised with."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credere.domain import currencies
from credere.domain.money import Money, MoneyError, minor_units, parse_amount


@pytest.mark.parametrize(("code", "units"), [
    ("EUR", 2), ("USD", 2), ("GBP", 2), ("CHF", 2), ("HUF", 2), ("TWD", 2), ("IDR", 2), ("CZK", 2),
    ("JPY", 0), ("KRW", 0), ("CLP", 0), ("ISK", 0), ("VND", 0), ("XOF", 0), ("XAF", 0), ("PYG", 0), ("UGX", 0),
    ("BHD", 3), ("KWD", 3), ("OMR", 3), ("JOD", 3), ("IQD", 3), ("LYD", 3), ("TND", 3),
    ("CLF", 4), ("UYW", 4),
])
def test_known_minor_units_are_iso_4217s(code, units):
    assert currencies.minor_units(code) == units == minor_units(code)
    assert currencies.is_active(code)


def test_the_table_is_list_one_complete_and_well_formed():
    table = currencies.ISO_4217
    assert len(table) >= 175
    for code, (units, numeric, name) in table.items():
        assert re.fullmatch(r"[A-Z]{3}", code)
        assert re.fullmatch(r"\d{3}", numeric)
        assert units is None or units in {0, 2, 3, 4}
        assert name
    assert len({numeric for _units, numeric, _name in table.values()}) == len(table)
    # recent changes: the Caribbean guilder, Zimbabwe gold, the new leone; the kuna and lev are gone
    assert {"XCG", "ZWG", "SLE"} <= table.keys()
    assert not {"HRK", "BGN"} & table.keys()


def test_codes_without_a_minor_unit_and_unknown_codes_have_two_decimals():
    assert currencies.ISO_4217["XAU"][0] is None
    assert minor_units("XAU") == minor_units("XDR") == 2
    assert minor_units("HRK") == minor_units("ZZZ") == 2


def test_forint_amounts_keep_their_fillér_and_yen_has_none():
    assert parse_amount("1234.50", "HUF") == Decimal("1234.50")
    assert Money(Decimal("1234.5"), "HUF").amount == Decimal("1234.50")
    with pytest.raises(MoneyError, match="has decimals, but JPY has no minor unit"):
        parse_amount("1234.50", "JPY")


@given(st.sampled_from(sorted(currencies.ISO_4217)), st.integers(-10**12, 10**12))
def test_any_amount_in_minor_units_round_trips_through_money(code, units_count):
    places = minor_units(code)
    amount = Decimal(units_count).scaleb(-places)
    assert Money(amount, code).amount == amount
    assert parse_amount(str(amount), code) == amount
    assert Money(amount, code).amount.as_tuple().exponent == -places
