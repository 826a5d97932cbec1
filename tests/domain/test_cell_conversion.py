"""Reports convert cells with the quanta and rate looked up once (credere.domain.cells); the
result is exactly the definition's (convert_cell), from stored cells or from Decimal cells.
"""

import datetime as dt
import decimal
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from credere.domain.aging import StoredCell, assemble_aging, convert_cell, make_buckets
from credere.domain.fx import RateTable
from credere.domain.metrics import Receivables
from credere.domain.money import from_storage, quantum

D = Decimal
AS_OF = dt.date(2026, 3, 31)
BUCKETS = make_buckets()
direct = st.integers(1, 10**10).map(lambda n: D(n).scaleb(-6))


CURRENCIES = ["EUR", "USD", "JPY", "KWD"]
# 1/10,000: some below the minor unit (the first rounding counts), most in whole minor units or whole yen
storage = st.one_of(st.integers(-10**11, 10**11), st.integers(-10**9, 10**9).map(lambda n: n * 100),
                    st.integers(-10**7, 10**7).map(lambda n: n * 10**4))


@st.composite
def stored_cells(draw):
    return [StoredCell(draw(st.sampled_from("ABC")), draw(st.sampled_from(CURRENCIES)),
                       tuple(draw(st.one_of(st.just(0), storage)) for _ in BUCKETS), draw(st.integers(0, 3)),
                       draw(st.one_of(st.none(), st.dates(dt.date(2025, 1, 1), AS_OF))))
            for _ in range(draw(st.integers(0, 12)))]


@st.composite
def rate_tables(draw):
    return RateTable.from_rows([("EUR", c, AS_OF, draw(direct)) for c in CURRENCIES if c != "EUR"])


@settings(max_examples=300)
@given(stored_cells(), rate_tables(), st.sampled_from(CURRENCIES))
def test_the_aging_of_stored_cells_is_the_aging_of_their_decimals(cells, table, to):
    def report(rows):
        return assemble_aging(rows, as_of=AS_OF, by="customer", buckets=BUCKETS, reporting_currency=to, rates=table)

    whole, decimals = report(cells), report([c.row() for c in cells])
    assert whole == decimals
    for line in whole.lines:  # and each line is the sum of its cells converted by the definition
        mine = [c for c in cells if (c.key, c.currency) == (line.key, line.currency)]
        rate = table.rate(line.currency, to, AS_OF)
        for i in range(len(BUCKETS)):
            assert line.converted[i] == sum((convert_cell(c.row().amounts, c.currency, rate, to)[i] for c in mine),
                                            D(0))
            assert line.amounts[i] == sum((from_storage(c.units[i]).quantize(quantum(c.currency),
                                                                            rounding=decimal.ROUND_HALF_EVEN)
                                           for c in mine), D(0))
    assert [str(x) for x in (whole.total, *whole.totals)] == [str(x) for x in (decimals.total, *decimals.totals)]


@settings(max_examples=300)
@given(stored_cells(), rate_tables(), st.sampled_from(CURRENCIES))
def test_receivables_convert_each_cell_by_the_definition(cells, table, to):
    rows = [c.row() for c in cells]
    received = Receivables.from_rows(AS_OF, rows).converted(to, table, AS_OF)
    zero = D(0).quantize(quantum(to))
    converted = [convert_cell(r.amounts, r.currency, table.rate(r.currency, to, AS_OF), to) for r in rows]
    assert received == (sum((sum(c, zero) for c in converted), zero), sum((c[0] for c in converted), zero))
    assert received == (assemble_aging(cells, as_of=AS_OF, by="customer", buckets=BUCKETS, reporting_currency=to,
                                       rates=table).total, received[1])


@settings(max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(CURRENCIES), st.lists(st.integers(-10**9, 10**9), min_size=6, max_size=6)),
                max_size=12), rate_tables(), st.sampled_from(CURRENCIES))
def test_receivables_in_whole_units_convert_each_amount_by_the_definition(data, table, to):
    cells = [(c, tuple(a * 10**4 for a in amounts)) for c, amounts in data]  # whole units of every currency
    received = Receivables.from_cells(AS_OF, cells).converted(to, table, AS_OF)
    zero = D(0).quantize(quantum(to))
    converted = [convert_cell([from_storage(u) for u in units], c, table.rate(c, to, AS_OF), to) for c, units in cells]
    assert received == (sum((sum(c, zero) for c in converted), zero), sum((c[0] for c in converted), zero))
    assert [str(x) for x in received] == [str(x) for x in (sum((sum(c, zero) for c in converted), zero),
                                                          sum((c[0] for c in converted), zero))]
