"""Receivables on many dates (one read, spread over the dates in Python) are the aging's cells on each date.

The series reads today's open items and the allocations since the first date once and spreads
them over the dates (credere.domain.receivables); the aging reads each date's cells in SQL,
checked against the definition in test_report_services. Both must give the same cells.
"""

import datetime as dt

import pytest
from test_report_services import _random_ledger  # same directory (pytest puts it on the path)

from credere.domain.aging import due_boundaries, make_buckets
from credere.domain.metrics import Receivables
from credere.reporting.selectors import portfolio as selectors

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seed", [6, 7, 8])
def test_receivables_on_many_dates_are_the_aging_cells_of_each_date(seed):
    company = _random_ledger(seed)
    buckets = make_buckets()
    days = [dt.date(2024, 12, 31), *[dt.date(2025, m, 1) + dt.timedelta(days=seed) for m in range(1, 13)],
            dt.date(2025, 7, 31), dt.date(2026, 12, 31)]
    many = dict(zip(sorted(set(days)), selectors.receivables_on_dates(days=days, company_id=company.pk), strict=True))
    for on in days:
        rows, _ = selectors.aging_rows(on=on, boundaries=due_boundaries(buckets, on), by="customer",
                                       company_id=company.pk)
        assert many[on] == Receivables.from_rows(on, rows), on
        assert selectors.receivables(on=on, company_id=company.pk) == many[on]
