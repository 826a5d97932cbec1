"""The one conversion rule (docs/reports.md, "Conversion and rounding"), as properties.

Cells — one customer in one company and one item currency, per aging bucket — are converted
and rounded once each; every converted figure is a sum of converted cells. So every total of
the aging equals the sum of the lines shown above it, the largest-overdue list shows for
each customer exactly the aging's overdue and receivables, the metrics' receivables are the
aging's grand total, and regrouping the same cells never changes a total.
"""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from credere.domain.aging import AgingRow, assemble_aging, make_buckets
from credere.domain.fx import RateTable, convert_rounded
from credere.domain.metrics import Receivables
from credere.domain.money import quantum
from credere.domain.overdue import balances, largest_overdue

D = Decimal
AS_OF = dt.date(2026, 3, 31)
# Rates with several digits, so that conversions round often (1 EUR = rate units).
RATES = RateTable.from_rows([("EUR", "USD", AS_OF, D("1.0856")), ("EUR", "CHF", AS_OF, D("0.9412")),
                             ("EUR", "JPY", AS_OF, D("161.23")), ("EUR", "GBP", AS_OF, D("0.8577"))])
BUCKETS = make_buckets()
CUSTOMERS = ["A", "B", "C", "D", "E"]
amounts = st.integers(-10**6, 10**7).map(lambda n: D(n).scaleb(-2))


@st.composite
def cells(draw):
    """(customer, company, currency) → amounts per default bucket (JPY in whole yen)."""
    out = []
    seen = set()
    for _ in range(draw(st.integers(0, 30))):
        key = (draw(st.sampled_from(CUSTOMERS)), draw(st.sampled_from(["DE01", "US01"])),
               draw(st.sampled_from(["EUR", "USD", "CHF", "JPY", "GBP"])))
        if key in seen:
            continue
        seen.add(key)
        values = [draw(st.one_of(st.just(D(0)), amounts)) for _ in BUCKETS]
        if key[2] == "JPY":
            values = [v.quantize(D(1)) for v in values]
        out.append((key, tuple(values)))
    return out


def _report(data, by, to="EUR"):
    group = {"customer": lambda k: k[0], "company": lambda k: k[1], "currency": lambda k: k[2],
             "group": lambda k: "G" if k[0] in "AB" else k[0]}[by]
    rows = [AgingRow(group(k), k[2], values, 1, AS_OF) for k, values in data]
    return assemble_aging(rows, as_of=AS_OF, by=by, buckets=BUCKETS, reporting_currency=to, rates=RATES)


@settings(max_examples=200)
@given(cells(), st.sampled_from(["EUR", "USD", "JPY"]))
def test_every_total_is_the_sum_of_the_lines_shown(data, to):
    report = _report(data, "customer", to)
    n = len(BUCKETS)
    for line in (*report.lines, *report.currency_totals):
        assert line.converted_total == sum(line.converted)
        assert sum(line.amounts) == line.total
    for i in range(n):
        assert report.totals[i] == sum(line.converted[i] for line in report.lines)
        assert report.totals[i] == sum(t.converted[i] for t in report.currency_totals)
    assert report.total == sum(report.totals) == sum(line.converted_total for line in report.lines)
    for t in report.currency_totals:
        mine = [line for line in report.lines if line.currency == t.currency]
        assert t.converted == tuple(sum(line.converted[i] for line in mine) for i in range(n))
    # each converted amount is its cells' amounts converted and rounded once, then added
    rate = dict(report.rates)
    for line in report.lines:
        mine = [v for k, v in data if k[0] == line.key and k[2] == line.currency]
        for i in range(n):
            assert line.converted[i] == sum(
                (convert_rounded(v[i], rate[line.currency], quantum(to)) for v in mine), D(0))


@settings(max_examples=200)
@given(cells())
def test_top_overdue_is_the_aging_overdue_of_every_customer(data):
    report = _report(data, "customer")
    top = {t.key: t for t in largest_overdue(report, limit=len(CUSTOMERS))}
    of = balances(report)
    for key in {line.key for line in report.lines}:
        lines = [line for line in report.lines if line.key == key]
        overdue = sum(sum(line.converted[1:]) for line in lines)
        receivables = sum(line.converted_total for line in lines)
        assert (of[key].overdue, of[key].total) == (overdue, receivables)
        if overdue > 0:
            assert (top[key].overdue, top[key].receivables) == (overdue, receivables)
        else:
            assert key not in top
    assert sum(b.overdue for b in of.values()) == sum(report.totals[1:])


@settings(max_examples=200)
@given(cells())
def test_grouping_never_changes_a_total_and_the_metrics_agree(data):
    by_customer = _report(data, "customer")
    for by in ("company", "currency", "group"):
        other = _report(data, by)
        assert (other.totals, other.total) == (by_customer.totals, by_customer.total)
    rows = [AgingRow(k[0], k[2], values, 1, AS_OF) for k, values in data]
    assert Receivables.from_rows(AS_OF, rows).converted("EUR", RATES, AS_OF) == (
        by_customer.total, by_customer.totals[0])
