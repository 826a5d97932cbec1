import datetime as dt
from decimal import Decimal

import pytest

from credere.ledger.models import FxRate
from credere.ledger.services.fx import rate_table, rates_on

pytestmark = pytest.mark.django_db


def test_rates_on_a_day_answer_as_the_whole_history_without_loading_it():
    day = dt.date(2020, 3, 31)
    for back, rate in [(0, "1.10"), (10, "1.05"), (31, "1.01"), (32, "0.90"), (400, "0.80")]:
        FxRate.objects.create(rate_date=day - dt.timedelta(days=back), base="EUR", quote="USD", rate=Decimal(rate))
    FxRate.objects.create(rate_date=day - dt.timedelta(days=40), base="EUR", quote="GBP", rate=Decimal("0.85"))
    FxRate.objects.create(rate_date=day + dt.timedelta(days=1), base="EUR", quote="USD", rate=Decimal("1.20"))
    for on in (day, day - dt.timedelta(days=5), day - dt.timedelta(days=31)):
        window, whole = rates_on(on), rate_table(on)
        assert window.rate("EUR", "USD", on) == whole.rate("EUR", "USD", on)
        assert window.rate("USD", "EUR", on) == whole.rate("USD", "EUR", on)
        if on > day - dt.timedelta(days=9):
            for table in (window, whole):  # a rate older than 31 days is never used
                with pytest.raises(LookupError):
                    table.rate("EUR", "GBP", on)
        else:
            assert window.rate("EUR", "GBP", on) == whole.rate("EUR", "GBP", on) == Decimal("0.85")
    assert rates_on(day).rate("EUR", "USD", day) == Decimal("1.10")
    assert len(rates_on(day).rates[("EUR", "USD")][0]) == 3  # 0, 10 and 31 days back; not 32 or 400
