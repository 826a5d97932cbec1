"""Aging rules: buckets, open amount as of a date (both formulations), the assembled report."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credere.domain.aging import (
    DEFAULT_LIMITS,
    AgingRow,
    AllocationHistory,
    ReportError,
    as_of_correction,
    assemble_aging,
    bucket_of,
    convert_sum,
    due_boundaries,
    make_buckets,
    missing_rates,
    open_as_of,
    open_as_of_from_current,
    open_now,
    parse_limits,
)
from credere.domain.fx import RateTable

D = Decimal
AS_OF = dt.date(2026, 3, 31)
RATES = RateTable.from_rows([("EUR", "USD", dt.date(2026, 3, 31), D("1.25")),
                             ("EUR", "CHF", dt.date(2026, 3, 31), D("2"))])


# --------------------------------------------------------------------------- buckets


def test_default_buckets():
    buckets = make_buckets()
    assert [(b.key, b.label, b.min_days, b.max_days) for b in buckets] == [
        ("not_due", "Not due", None, 0), ("d1_30", "1–30", 1, 30), ("d31_60", "31–60", 31, 60),
        ("d61_90", "61–90", 61, 90), ("d91_120", "91–120", 91, 120), ("over_120", "Over 120", 121, None),
    ]
    assert DEFAULT_LIMITS == (0, 30, 60, 90, 120)


def test_buckets_not_starting_at_zero():
    buckets = make_buckets((15, 45))
    assert [(b.key, b.label) for b in buckets] == [("upto_15", "Up to 15"), ("d16_45", "16–45"), ("over_45", "Over 45")]


def test_parse_limits():
    assert parse_limits("0,30,60,90,120") == (0, 30, 60, 90, 120)
    assert parse_limits(" 0, 7 ,14") == (0, 7, 14)


@pytest.mark.parametrize("text", ["", "0,30,30", "30,0", "a,b", "0,-30", "0,30.5", "0,,30", "0,3651",
                                  ",".join(str(i) for i in range(20)), "١,٢"])
def test_bad_limits_are_refused_with_a_code(text):
    with pytest.raises(ReportError) as exc:
        parse_limits(text)
    assert exc.value.code == "bad_buckets" and exc.value.field == "buckets"


def test_due_boundaries_and_bucket_edges():
    buckets = make_buckets()
    assert due_boundaries(buckets, AS_OF) == (
        dt.date(2026, 3, 31), dt.date(2026, 3, 1), dt.date(2026, 1, 30), dt.date(2025, 12, 31),
        dt.date(2025, 12, 1))
    cases = {AS_OF + dt.timedelta(days=5): 0, AS_OF: 0, dt.date(2026, 3, 30): 1, dt.date(2026, 3, 1): 1,
             dt.date(2026, 2, 28): 2, dt.date(2025, 12, 1): 4, dt.date(2025, 11, 30): 5}
    assert {due: bucket_of(due, AS_OF, buckets) for due in cases} == cases


def test_boundaries_too_early_is_a_report_error():
    with pytest.raises(ReportError) as exc:
        due_boundaries(make_buckets((0, 3650)), dt.date(1, 6, 1))
    assert exc.value.field == "as_of"


limits_st = st.lists(st.integers(0, 400), min_size=1, max_size=8, unique=True).map(lambda xs: tuple(sorted(xs)))


@given(limits_st, st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1)), st.integers(-500, 500))
def test_bucket_of_matches_the_sql_boundary_rule(limits, as_of, offset):
    """The selector's CASE (first i with due_date >= boundary i, else last) equals bucket_of."""
    buckets = make_buckets(limits)
    due = as_of - dt.timedelta(days=offset)
    bounds = due_boundaries(buckets, as_of)
    sql_rule = next((i for i, b in enumerate(bounds) if due >= b), len(bounds))
    assert bucket_of(due, as_of, buckets) == sql_rule


# --------------------------------------------------------------------------- open amount as of a date


def test_open_as_of_hand_computed():
    allocs = [
        AllocationHistory(D("600.00"), dt.date(2026, 3, 10)),  # before: counts
        AllocationHistory(D("100.00"), dt.date(2026, 4, 3)),  # after: not yet
        AllocationHistory(D("250.00"), dt.date(2026, 3, 1), dt.date(2026, 4, 2)),  # reversed later: counts
        AllocationHistory(D("50.00"), dt.date(2026, 3, 20), dt.date(2026, 3, 25)),  # reversed before: no
    ]
    assert open_as_of(D("1000.00"), allocs, AS_OF) == D("150.00")
    assert open_now(D("1000.00"), allocs) == D("300.00")
    assert as_of_correction(allocs, AS_OF) == D("100.00") - D("250.00")
    assert open_as_of_from_current(D("300.00"), allocs, AS_OF) == D("150.00")
    # the same history seen from a credit note of -1000
    assert open_as_of(D("-1000.00"), allocs, AS_OF, credit_note=True) == D("-150.00")
    assert open_as_of_from_current(D("-300.00"), allocs, AS_OF, credit_note=True) == D("-150.00")
    # on the day of application it counts; on the day of reversal it no longer does
    assert open_as_of(D("100.00"), [AllocationHistory(D("40"), AS_OF, dt.date(2026, 4, 1))], AS_OF) == D("60.00")
    assert open_as_of(D("100.00"), [AllocationHistory(D("40"), dt.date(2026, 3, 1), AS_OF)], AS_OF) == D("100.00")


day_st = st.dates(dt.date(2025, 1, 1), dt.date(2025, 12, 31))


@st.composite
def histories(draw):
    out = []
    for _ in range(draw(st.integers(0, 8))):
        applied = draw(day_st)
        gap = draw(st.one_of(st.none(), st.integers(0, 60)))
        reversed_on = None if gap is None else applied + dt.timedelta(days=gap)
        out.append(AllocationHistory(D(draw(st.integers(1, 10**8))).scaleb(-2), applied, reversed_on))
    return out


@given(histories(), st.integers(1, 10**9).map(lambda c: D(c).scaleb(-2)), day_st, st.booleans())
def test_both_formulations_agree(allocs, amount, on, credit_note):
    signed = -amount if credit_note else amount
    current = open_now(signed, allocs, credit_note=credit_note)
    assert open_as_of_from_current(current, allocs, on, credit_note=credit_note) == open_as_of(
        signed, allocs, on, credit_note=credit_note)


@given(histories(), st.integers(1, 10**9).map(lambda c: D(c).scaleb(-2)))
def test_as_of_a_day_after_everything_needs_no_correction(allocs, amount):
    later = dt.date(2026, 12, 31)
    assert as_of_correction(allocs, later) == 0
    assert open_as_of(amount, allocs, later) == open_now(amount, allocs)


# --------------------------------------------------------------------------- conversion and the report


def test_convert_sum_rounds_each_currency_total_half_even():
    # 1 CHF = 0.5 EUR: 0.01 CHF -> 0.005 -> 0.00; 0.03 CHF -> 0.015 -> 0.02
    assert convert_sum({"CHF": D("0.01")}, "EUR", RATES, AS_OF) == D("0.00")
    assert convert_sum({"CHF": D("0.03")}, "EUR", RATES, AS_OF) == D("0.02")
    assert convert_sum({"CHF": D("0.03"), "USD": D("10.00"), "EUR": D("1.10")}, "EUR", RATES, AS_OF) == D("9.12")
    assert str(convert_sum({}, "EUR", RATES, AS_OF)) == "0.00"
    assert missing_rates(["USD", "GBP", "EUR", "JPY"], "EUR", RATES, AS_OF) == ["GBP", "JPY"]


def test_assemble_aging_hand_computed():
    buckets = make_buckets()
    def row(key, ccy, bucket, amount, oldest):
        amounts = [D(0)] * 6
        amounts[bucket] = D(amount)
        return AgingRow(key, ccy, tuple(amounts), 1, oldest)

    cells = [  # rows of the same key and currency are added up
        row("G1", "EUR", 2, "400.00", dt.date(2026, 2, 4)),
        row("G1", "EUR", 5, "200.00", dt.date(2025, 10, 31)),
        row("G1", "USD", 0, "50.00", dt.date(2026, 4, 29)),
        row("S1", "EUR", 0, "300.00", dt.date(2026, 4, 19)),
        row("S1", "EUR", 1, "-100.00", None),
        row("S1", "USD", 1, "800.00", dt.date(2026, 3, 17)),
    ]
    report = assemble_aging(cells, as_of=AS_OF, by="group", buckets=buckets, reporting_currency="EUR",
                            rates=RATES, names={"G1": "Globex Holding", "S1": "Solo Ltd"})
    assert [(line.key, line.name, line.currency, line.amounts, line.total, line.converted_total)
            for line in report.lines] == [
        ("G1", "Globex Holding", "EUR", (D("0.00"), D("0.00"), D("400.00"), D("0.00"), D("0.00"), D("200.00")),
         D("600.00"), D("600.00")),
        ("G1", "Globex Holding", "USD", (D("50.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00")),
         D("50.00"), D("40.00")),
        ("S1", "Solo Ltd", "EUR", (D("300.00"), D("-100.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00")),
         D("200.00"), D("200.00")),
        ("S1", "Solo Ltd", "USD", (D("0.00"), D("800.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00")),
         D("800.00"), D("640.00")),
    ]
    assert report.lines[3].converted == (D("0.00"), D("640.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"))
    assert [(t.currency, t.total, t.converted_total) for t in report.currency_totals] == [
        ("EUR", D("800.00"), D("800.00")), ("USD", D("850.00"), D("680.00"))]
    assert report.totals == (D("340.00"), D("540.00"), D("400.00"), D("0.00"), D("0.00"), D("200.00"))
    assert report.total == D("1480.00")
    assert report.items == 6
    assert report.lines[0].oldest_due == dt.date(2025, 10, 31)
    assert report.rates == (("EUR", D(1)), ("USD", D("0.8")))


def test_converted_grand_total_is_the_sum_of_the_converted_lines():
    """Two cells of 0.01 CHF convert to 0.00 EUR each, so the grand total is 0.00 EUR (not 0.02 CHF converted)."""
    zeros = (D(0),) * 5
    cells = [AgingRow("A", "CHF", (D("0.01"), *zeros), 1), AgingRow("B", "CHF", (D("0.01"), *zeros), 1)]
    report = assemble_aging(cells, as_of=AS_OF, by="customer", buckets=make_buckets(), reporting_currency="EUR",
                            rates=RATES)
    assert [line.converted_total for line in report.lines] == [D("0.00"), D("0.00")]
    assert report.total == D("0.00") and report.totals[0] == D("0.00")
    assert report.currency_totals[0].total == D("0.02") and report.currency_totals[0].converted_total == D("0.00")


def test_cells_of_one_line_are_converted_one_by_one():
    """A customer's cells in two companies: each converted and rounded, then added (0.005 + 0.015 → 0.00 + 0.02)."""
    zeros = (D(0),) * 5
    cells = [AgingRow("A", "CHF", (D("0.01"), *zeros), 1), AgingRow("A", "CHF", (D("0.03"), *zeros), 1)]
    report = assemble_aging(cells, as_of=AS_OF, by="customer", buckets=make_buckets(), reporting_currency="EUR",
                            rates=RATES)
    (line,) = report.lines
    assert line.total == D("0.04") and line.converted[0] == D("0.02") == line.converted_total == report.total


def test_row_with_the_wrong_number_of_buckets_is_refused():
    with pytest.raises(ReportError):
        assemble_aging([AgingRow("A", "EUR", (D("1.00"),) * 7)], as_of=AS_OF, by="customer", buckets=make_buckets(),
                       reporting_currency="EUR", rates=RATES)


@st.composite
def portfolios(draw):
    items = []
    for _ in range(draw(st.integers(0, 40))):
        items.append((
            draw(st.sampled_from(["A", "B", "C", "D"])),
            draw(st.sampled_from(["EUR", "USD", "CHF"])),
            AS_OF - dt.timedelta(days=draw(st.integers(-90, 400))),
            D(draw(st.integers(-10**7, 10**8))).scaleb(-2),
        ))
    return items


@settings(max_examples=150)
@given(portfolios(), limits_st)
def test_bucket_totals_sum_to_the_total_and_reconcile(items, limits):
    buckets = make_buckets(limits)
    cells = []
    for key, ccy, due, amount in items:
        amounts = [D(0)] * len(buckets)
        amounts[bucket_of(due, AS_OF, buckets)] = amount
        cells.append(AgingRow(key, ccy, tuple(amounts), 1, due))
    report = assemble_aging(cells, as_of=AS_OF, by="customer", buckets=buckets, reporting_currency="EUR",
                            rates=RATES)
    per_currency: dict[str, Decimal] = {}
    for _key, ccy, _due, amount in items:
        per_currency[ccy] = per_currency.get(ccy, D(0)) + amount
    # item-currency figures are exact and foot both ways
    for line in (*report.lines, *report.currency_totals):
        assert sum(line.amounts) == line.total
    for t in report.currency_totals:
        assert t.total == per_currency[t.currency]
        assert sum(line.total for line in report.lines if line.currency == t.currency) == t.total
        for i in range(len(buckets)):
            assert sum(line.amounts[i] for line in report.lines if line.currency == t.currency) == t.amounts[i]
    assert report.items == len(items)
