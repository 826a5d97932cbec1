"""Financial statements: checks that name the line, ratios, the Altman Z''-score and the model's features."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credere.domain import financials as fin

HEALTHY = {
    "year": 2025, "fixed_assets": "500", "inventory": "200", "receivables": "300", "cash": "50",
    "other_current_assets": "0", "share_capital": "100", "retained_earnings": "250", "other_equity": "0",
    "long_term_liabilities": "300", "short_term_liabilities": "400", "sales": "2000", "cost_of_sales": "1500",
    "operating_profit": "120", "depreciation": "40", "interest_expense": "20", "profit_before_tax": "100",
    "net_profit": "80",
}


def test_totals_are_worked_out():
    s = fin.statement(HEALTHY)
    assert s.current_assets == Decimal(550)
    assert s.total_assets == Decimal(1050)
    assert s.equity == Decimal(350)
    assert s.total_liabilities == Decimal(700)
    assert s.working_capital == Decimal(150)
    assert s.ebit == Decimal(120)


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"inventory": "-5"}, "inventory", "cannot be negative"),
    ({"sales": "abc"}, "sales", "'abc' is not an amount"),
    ({"cash": None}, "cash", "required"),
    ({"cash": 1.5}, "cash", "not a float"),
    ({"year": "twenty"}, "year", "not a year"),
    ({"share_capital": "150"}, "balance", "does not balance"),
])
def test_a_bad_statement_names_the_line(change, field, words):
    with pytest.raises(fin.StatementError) as err:
        fin.statement({**HEALTHY, **change})
    assert err.value.field == field
    assert words in err.value.message


def test_rounding_differences_are_accepted_but_a_real_gap_is_not():
    fin.statement({**HEALTHY, "share_capital": "101"})  # 1 unit on 1,050: rounding
    with pytest.raises(fin.StatementError):
        fin.statement({**HEALTHY, "share_capital": "110"})


def test_net_losses_and_negative_equity_are_allowed():
    s = fin.statement({**HEALTHY, "retained_earnings": "-600", "long_term_liabilities": "1150",
                       "net_profit": "-300", "profit_before_tax": "-300", "operating_profit": "-250"})
    assert s.equity < 0
    rows = {r.key: r for r in fin.ratio_table([s])}
    assert rows["return_on_equity"].values == (None,)  # not meaningful with negative equity
    assert rows["debt_to_equity"].values == (None,)


def test_altman_zones_and_parts_add_up():
    a = fin.altman_z2(fin.statement(HEALTHY))
    assert a.score == sum(p[2] for p in a.parts)
    assert a.zone == "safe" and "safe zone" in a.explanation
    distressed = fin.statement({**HEALTHY, "retained_earnings": "-200", "long_term_liabilities": "750",
                                "operating_profit": "-90", "profit_before_tax": "-110", "net_profit": "-110"})
    assert fin.altman_z2(distressed).zone == "distress"


def test_trends_compare_with_the_year_before():
    older = fin.statement({**HEALTHY, "year": 2024, "sales": "1800", "net_profit": "20", "retained_earnings": "190",
                           "short_term_liabilities": "460"})
    rows = {r.key: r for r in fin.ratio_table([older, fin.statement(HEALTHY)])}  # any order in, newest first out
    assert rows["net_margin"].trend == "better"
    assert rows["current_ratio"].trend == "better"
    assert rows["debt_ratio"].trend == "better"  # lower is better
    assert fin.growth([older, fin.statement(HEALTHY)]) == Decimal(2000) / Decimal(1800) - 1
    with pytest.raises(fin.StatementError, match="Two statements for 2025"):
        fin.ratio_table([fin.statement(HEALTHY), fin.statement(HEALTHY)])


def test_a_zero_denominator_is_beyond_the_data_not_unknown():
    # no interest to pay and no fixed assets: the model must not see "unknown", which in its data means failure
    s = fin.statement({**HEALTHY, "fixed_assets": "0", "long_term_liabilities": "0", "retained_earnings": "50",
                       "interest_expense": "0"})
    f = fin.features([s])
    assert f["profit on operating activities / financial expenses"] == float(fin.BEYOND)
    assert f["working capital / fixed assets"] == float(fin.BEYOND)
    loss = fin.statement({**HEALTHY, "interest_expense": "0", "operating_profit": "-5", "profit_before_tax": "-5"})
    assert fin.features([loss])["profit on operating activities / financial expenses"] == -float(fin.BEYOND)
    zero = fin.statement({**HEALTHY, "interest_expense": "0", "operating_profit": "0"})
    assert math.isnan(fin.features([zero])["profit on operating activities / financial expenses"])


def test_features_follow_the_dataset_definitions():
    s = fin.statement(HEALTHY)
    f = fin.features([s])
    assert f["net profit / total assets"] == pytest.approx(80 / 1050)
    assert f["(gross profit + depreciation) / sales"] == pytest.approx(140 / 2000)
    assert f["(inventory * 365) / cost of products sold"] == pytest.approx(200 * 365 / 1500)
    assert f["operating expenses / short-term liabilities"] == pytest.approx((2000 - 120) / 400)
    assert list(f) == list(fin.FEATURE_NAMES)


amounts = st.integers(min_value=0, max_value=10**9).map(Decimal)
signed = st.integers(min_value=-10**9, max_value=10**9).map(Decimal)


@settings(max_examples=200, deadline=None)
@given(fixed=amounts, inventory=amounts, receivables=amounts, cash=amounts, share=amounts, ltl=amounts,
       stl=amounts, sales=amounts, cos=amounts, op=signed, dep=amounts, interest=amounts, pbt=signed, net=signed)
def test_any_balanced_statement_gives_finite_ratios_or_none(fixed, inventory, receivables, cash, share, ltl, stl,
                                                            sales, cos, op, dep, interest, pbt, net):
    total = fixed + inventory + receivables + cash
    if total == 0:
        return
    retained = total - share - ltl - stl  # whatever balances the sheet (may be negative)
    s = fin.statement({"year": 2025, "fixed_assets": fixed, "inventory": inventory, "receivables": receivables,
                       "cash": cash, "other_current_assets": 0, "share_capital": share, "retained_earnings": retained,
                       "other_equity": 0, "long_term_liabilities": ltl, "short_term_liabilities": stl, "sales": sales,
                       "cost_of_sales": cos, "operating_profit": op, "depreciation": dep, "interest_expense": interest,
                       "profit_before_tax": pbt, "net_profit": net})
    for row in fin.ratio_table([s]):
        assert all(v is None or v.is_finite() for v in row.values)
    a = fin.altman_z2(s)
    assert (a.score is None) == (a.zone == "")
    for value in fin.features([s]).values():
        assert math.isnan(value) or abs(value) <= float(fin.BEYOND)
    assert fin.show(None, "x") == "–"
