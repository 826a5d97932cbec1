"""Currency conversion from a table of daily reference rates (ECB style)."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

#: Rates older than this (in days) are not used; a missing rate is an error, never a guess.
MAX_RATE_AGE_DAYS = 31
PIVOT = "EUR"


@dataclass
class RateTable:
    """``rates[(base, quote)]`` = sorted dates and rates: 1 base = rate quote."""

    rates: dict[tuple[str, str], tuple[list[dt.date], list[Decimal]]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, dt.date, Decimal]]) -> RateTable:
        acc: dict[tuple[str, str], list[tuple[dt.date, Decimal]]] = {}
        for base, quote, day, rate in rows:
            acc.setdefault((base, quote), []).append((day, Decimal(rate)))
        table = cls()
        for pair, points in acc.items():
            points.sort()
            table.rates[pair] = ([d for d, _ in points], [r for _, r in points])
        return table

    def _direct(self, base: str, quote: str, on: dt.date) -> Decimal | None:
        series = self.rates.get((base, quote))
        if series is not None:
            days, values = series
            i = bisect.bisect_right(days, on) - 1
            if i >= 0 and (on - days[i]).days <= MAX_RATE_AGE_DAYS:
                return values[i]
        inverse = self.rates.get((quote, base))
        if inverse is not None:
            days, values = inverse
            i = bisect.bisect_right(days, on) - 1
            if i >= 0 and (on - days[i]).days <= MAX_RATE_AGE_DAYS:
                return Decimal(1) / values[i]
        return None

    def rate(self, from_currency: str, to_currency: str, on: dt.date) -> Decimal:
        """Units of ``to_currency`` for one ``from_currency`` on ``on`` (direct, inverse or via EUR)."""
        if from_currency == to_currency:
            return Decimal(1)
        direct = self._direct(from_currency, to_currency, on)
        if direct is not None:
            return direct
        a = self._direct(from_currency, PIVOT, on)
        b = self._direct(PIVOT, to_currency, on)
        if a is not None and b is not None:
            return a * b
        raise LookupError(f"no FX rate from {from_currency} to {to_currency} on or up to "
                          f"{MAX_RATE_AGE_DAYS} days before {on.isoformat()}")

    def convert(self, amount: Decimal, from_currency: str, to_currency: str, on: dt.date) -> Decimal:
        """Unrounded converted amount; reports round with :func:`convert_rounded`."""
        return amount * self.rate(from_currency, to_currency, on)


def convert_rounded(amount: Decimal, rate: Decimal, to_quantum: Decimal) -> Decimal:
    """The one rounding of a conversion: ``amount × rate`` rounded half-even to ``to_quantum``.

    Reports apply it once to each of the smallest amounts they show or add up (see
    :mod:`credere.domain.aging`): every other converted figure is a sum of such rounded
    amounts and is never converted or rounded again.
    """
    return (amount * rate).quantize(to_quantum, rounding=ROUND_HALF_EVEN)
