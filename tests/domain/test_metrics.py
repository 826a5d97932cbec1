"""Metrics: calendar windows, DSO (both methods), BPDSO, ADD, CEI, overdue share, top overdue."""

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credere.domain.aging import AgingRow, ReportError, assemble_aging, make_buckets
from credere.domain.fx import RateTable
from credere.domain.metrics import (
    COUNTBACK_MONTHS,
    Period,
    Receivables,
    SalesLedger,
    collection_effectiveness,
    compute_metrics,
    countback_dso,
    countback_walk,
    month_ends,
    month_periods,
    months_before,
    plan_metrics,
    share,
    simple_dso,
)
from credere.domain.overdue import largest_overdue

D = Decimal
AS_OF = dt.date(2026, 3, 31)
RATES = RateTable.from_rows([("EUR", "USD", dt.date(2026, 2, 28), D("1.25")),
                             ("EUR", "USD", dt.date(2026, 3, 31), D("1.25"))])


# --------------------------------------------------------------------------- calendar


@pytest.mark.parametrize("day, k, expected", [
    (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
    (dt.date(2026, 3, 31), 2, dt.date(2026, 1, 31)),
    (dt.date(2026, 2, 28), 1, dt.date(2026, 1, 31)),  # a month-end stays a month-end
    (dt.date(2024, 3, 31), 1, dt.date(2024, 2, 29)),
    (dt.date(2026, 3, 30), 1, dt.date(2026, 2, 28)),  # clamped
    (dt.date(2026, 3, 30), 2, dt.date(2026, 1, 30)),
    (dt.date(2026, 1, 15), 1, dt.date(2025, 12, 15)),
    (dt.date(2026, 1, 15), 13, dt.date(2024, 12, 15)),
])
def test_months_before(day, k, expected):
    assert months_before(day, k) == expected


def test_months_before_year_one_is_refused():
    with pytest.raises(ReportError):
        months_before(dt.date(1, 1, 31), 1)


def test_month_ends_and_periods():
    assert month_ends(dt.date(2026, 3, 15), 3) == (dt.date(2025, 12, 31), dt.date(2026, 1, 31), dt.date(2026, 2, 28))
    assert month_ends(AS_OF, 2) == (dt.date(2026, 2, 28), AS_OF)
    assert month_periods(AS_OF, 3) == (
        Period(dt.date(2026, 2, 28), AS_OF), Period(dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
        Period(dt.date(2025, 12, 31), dt.date(2026, 1, 31)))
    assert [p.days for p in month_periods(AS_OF, 3)] == [31, 28, 31]


def test_plan():
    plan = plan_metrics(AS_OF, dso_days=90, cei_months=3)
    assert plan.dso_window == Period(dt.date(2025, 12, 31), AS_OF)
    assert plan.cei_period == Period(dt.date(2025, 12, 31), AS_OF)
    assert len(plan.countback) == COUNTBACK_MONTHS
    assert plan.sales_start(3) == dt.date(2025, 12, 31)
    assert plan.sales_start() == dt.date(2024, 3, 31)


@pytest.mark.parametrize("kwargs, field", [({"dso_days": 0}, "days"), ({"dso_days": 3651}, "days"),
                                           ({"cei_months": 0}, "months"), ({"cei_months": 25}, "months")])
def test_plan_refuses_bad_windows(kwargs, field):
    with pytest.raises(ReportError) as exc:
        plan_metrics(AS_OF, **kwargs)
    assert exc.value.field == field


# --------------------------------------------------------------------------- formulas


def test_simple_dso_and_bpdso():
    assert simple_dso(D("1480.00"), D("2380.00"), 90) == D("55.97")
    assert simple_dso(D("340.00"), D("2380.00"), 90) == D("12.86")
    assert simple_dso(D("-5.00"), D("100.00"), 90) == D("0.00")
    assert simple_dso(D("100.00"), D("0.00"), 90) is None
    assert simple_dso(D("100.00"), D("-1.00"), 90) is None


def test_countback_hand_computed():
    # March 240, February 1140, January 1000: 1480 = 240 + 1140 + 100/1000 of January
    periods = [(D("240.00"), 31), (D("1140.00"), 28), (D("1000.00"), 31)]
    assert countback_dso(D("1480.00"), periods) == D("62.10")
    assert countback_dso(D("240.00"), periods) == D("31.00")  # exactly the first month
    assert countback_dso(D("120.00"), periods) == D("15.50")
    assert countback_dso(D("0"), periods) == D("0.00")
    assert countback_dso(D("5000.00"), periods) is None  # not exhausted
    # a month without (or with negative) sales counts its days and takes nothing off
    assert countback_dso(D("50.00"), [(D("-10.00"), 30), (D("0"), 31), (D("100.00"), 30)]) == D("76.00")


def test_countback_walk_shows_each_month():
    periods = [(D("240.00"), 31), (D("1140.00"), 28), (D("1000.00"), 31)]
    dso, steps = countback_walk(D("1480.00"), periods)
    assert [(s.month, s.sales, s.days, s.left_before, s.left_after, s.counted) for s in steps] == [
        (0, D("240.00"), 31, D("1480.00"), D("1240.00"), D(31)),
        (1, D("1140.00"), 28, D("1240.00"), D("100.00"), D(28)),
        (2, D("1000.00"), 31, D("100.00"), D("0.00"), D("3.1")),
    ]
    assert dso == D("62.10")
    _, steps = countback_walk(D("50.00"), [(D("-10.00"), 30), (D("100.00"), 30)])
    assert [(s.left_before, s.left_after, s.counted) for s in steps] == [
        (D("50.00"), D("50.00"), D(30)), (D("50.00"), D("0.00"), D(15))]
    assert countback_walk(D("0"), periods) == (D("0.00"), ())


@given(st.integers(1, 10**9), st.lists(st.tuples(st.integers(1, 10**8), st.integers(28, 31)), min_size=1,
                                         max_size=24))
def test_countback_walk_adds_up(receivables, periods):
    ps = [(D(s), n) for s, n in periods]
    dso, steps = countback_walk(D(receivables), ps)
    assert steps[0].left_before == receivables
    for a, b in zip(steps, steps[1:], strict=False):
        assert a.left_after == b.left_before
    if dso is not None:
        assert dso == (sum(s.counted for s in steps)).quantize(D("0.01"), rounding=ROUND_HALF_EVEN)
        assert steps[-1].left_after == 0


@given(st.integers(1, 10**9), st.lists(st.tuples(st.integers(1, 10**8), st.integers(28, 31)), min_size=1,
                                         max_size=24))
def test_countback_is_within_the_days_walked(receivables, periods):
    ps = [(D(s), n) for s, n in periods]
    result = countback_dso(D(receivables), ps)
    if result is None:
        assert D(receivables) > sum(s for s, _ in ps)
    else:
        assert 0 <= result <= sum(n for _, n in ps)


def test_cei_and_share():
    assert collection_effectiveness(D("2340.00"), D("240.00"), D("1480.00"), D("340.00")) == D("49.11")
    assert collection_effectiveness(D("100.00"), D("0"), D("0"), D("0")) == D("100.00")
    assert collection_effectiveness(D("0"), D("0"), D("0"), D("0")) is None
    assert share(D("1140.00"), D("1480.00")) == D("77.03")
    assert share(D("1.00"), D("0")) is None


def test_sales_ledger():
    ledger = SalesLedger(dt.date(2026, 2, 28), AS_OF, {
        dt.date(2026, 3, 1): {"EUR": D("10.00")}, dt.date(2026, 3, 31): {"EUR": D("5.00"), "USD": D("1.00")}})
    assert ledger.between(Period(dt.date(2026, 2, 28), AS_OF)) == {"EUR": D("15.00"), "USD": D("1.00")}
    assert ledger.between(Period(dt.date(2026, 3, 1), AS_OF)) == {"EUR": D("5.00"), "USD": D("1.00")}
    with pytest.raises(ReportError):
        ledger.between(Period(dt.date(2026, 2, 27), AS_OF))
    older = SalesLedger(dt.date(2026, 1, 31), dt.date(2026, 2, 28), {dt.date(2026, 2, 1): {"EUR": D("7.00")}})
    both = ledger.extended(older)
    assert both.start == dt.date(2026, 1, 31)
    assert both.between(Period(dt.date(2026, 1, 31), AS_OF)) == {"EUR": D("22.00"), "USD": D("1.00")}
    with pytest.raises(ReportError):
        older.extended(ledger)


# --------------------------------------------------------------------------- all metrics of a small portfolio


def _receivables(on, **cells):
    """One cell per currency: (not yet due, overdue)."""
    return Receivables.from_rows(on, [AgingRow("C1", c, (D(a), D(b))) for c, (a, b) in cells.items()])


def _book_inputs():
    """The portfolio of tests/reporting/conftest.py, as the selectors load it (figures hand-computed there)."""
    closing = _receivables(AS_OF, EUR=("300.00", "500.00"), USD=("50.00", "800.00"))
    opening = _receivables(dt.date(2026, 2, 28), EUR=("500.00", "1200.00"), USD=("800.00", "0.00"))
    sales = SalesLedger(dt.date(2024, 3, 31), AS_OF, {
        dt.date(2025, 10, 1): {"EUR": D("200.00")}, dt.date(2026, 1, 5): {"EUR": D("1000.00")},
        dt.date(2026, 2, 10): {"EUR": D("500.00")}, dt.date(2026, 2, 15): {"USD": D("800.00")},
        dt.date(2026, 3, 5): {"EUR": D("-100.00")}, dt.date(2026, 3, 20): {"EUR": D("300.00")},
        dt.date(2026, 3, 30): {"USD": D("50.00")},
    })
    return closing, opening, sales


def test_compute_metrics_hand_computed():
    closing, opening, sales = _book_inputs()
    m = compute_metrics(plan_metrics(AS_OF), closing=closing, opening=opening, sales=sales,
                        reporting_currency="EUR", rates=RATES)
    assert (m.receivables, m.current, m.overdue, m.credit_sales) == (
        D("1480.00"), D("340.00"), D("1140.00"), D("2380.00"))
    assert (m.dso_simple, m.dso_countback, m.best_possible_dso, m.average_days_delinquent) == (
        D("55.97"), D("62.10"), D("12.86"), D("43.11"))
    assert (m.cei_opening, m.cei_credit_sales, m.cei) == (D("2340.00"), D("240.00"), D("49.11"))
    assert m.overdue_share == D("77.03")
    assert m.notes == ()


def test_compute_metrics_in_usd():
    closing, opening, sales = _book_inputs()
    m = compute_metrics(plan_metrics(AS_OF), closing=closing, opening=opening, sales=sales,
                        reporting_currency="USD", rates=RATES)
    assert (m.receivables, m.current, m.credit_sales) == (D("1850.00"), D("425.00"), D("2975.00"))
    assert m.dso_simple == D("55.97")  # 1850 / 2975 × 90 = 55.966...


def test_compute_metrics_without_sales_or_receivables_explains_why():
    empty = Receivables(AS_OF, ())
    m = compute_metrics(plan_metrics(AS_OF), closing=empty, opening=Receivables(dt.date(2026, 2, 28), ()),
                        sales=SalesLedger(dt.date(2024, 3, 31), AS_OF, {}), reporting_currency="EUR", rates=RATES)
    assert m.receivables == D("0.00") and m.dso_simple is None and m.best_possible_dso is None
    assert m.average_days_delinquent is None and m.dso_countback == D("0.00") and m.cei is None
    assert m.notes == ("no_credit_sales", "cei_undefined", "no_receivables")


def test_countback_beyond_the_limit_is_noted():
    closing = _receivables(AS_OF, EUR=("0.00", "1000.00"))
    m = compute_metrics(plan_metrics(AS_OF), closing=closing, opening=closing,
                        sales=SalesLedger(dt.date(2024, 3, 31), AS_OF, {AS_OF: {"EUR": D("1.00")}}),
                        reporting_currency="EUR", rates=RATES)
    assert m.dso_countback is None and "countback_beyond_limit" in m.notes


# --------------------------------------------------------------------------- largest overdue customers


def test_largest_overdue_hand_computed():
    cells = [  # (not yet due, overdue)
        AgingRow("S1", "EUR", (D("300.00"), D("-100.00")), 2, dt.date(2026, 4, 19)),
        AgingRow("S1", "USD", (D(0), D("800.00")), 1, dt.date(2026, 3, 17)),
        AgingRow("G1A", "EUR", (D(0), D("400.00")), 1, dt.date(2026, 2, 4)),
        AgingRow("G1", "EUR", (D(0), D("200.00")), 1, dt.date(2025, 10, 31)),
        AgingRow("G1", "USD", (D("50.00"), D(0)), 1, dt.date(2026, 4, 29)),
        AgingRow("Z9", "EUR", (D(0), D("200.00")), 1, dt.date(2026, 3, 1)),  # ties with G1: key order
        AgingRow("N0", "EUR", (D("999.00"), D(0)), 1, dt.date(2026, 5, 1)),  # nothing overdue: never listed
        AgingRow("M0", "EUR", (D(0), D("-5.00")), 1),  # only an overdue credit: never listed
    ]
    report = assemble_aging(cells, as_of=AS_OF, by="customer", buckets=make_buckets((0,)), reporting_currency="EUR",
                            rates=RATES, names={"S1": "Solo Ltd"})
    top = largest_overdue(report, limit=3)
    assert [(t.rank, t.key, t.name, t.overdue, t.receivables, t.share_of_overdue, t.oldest_due, t.days_past_due)
            for t in top] == [
        (1, "S1", "Solo Ltd", D("540.00"), D("840.00"), D("40.45"), dt.date(2026, 3, 17), 14),
        (2, "G1A", "G1A", D("400.00"), D("400.00"), D("29.96"), dt.date(2026, 2, 4), 55),
        (3, "G1", "G1", D("200.00"), D("240.00"), D("14.98"), dt.date(2025, 10, 31), 151),
    ]
    # all overdue = 540 + 400 + 200 + 200 - 5 = 1335
    assert largest_overdue(report, limit=10)[3].key == "Z9"
    with pytest.raises(ReportError):  # overdue needs a 'Not due' bucket first
        largest_overdue(assemble_aging(cells, as_of=AS_OF, by="customer", buckets=make_buckets((15,)),
                                       reporting_currency="EUR", rates=RATES), limit=3)
