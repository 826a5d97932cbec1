"""Currency conversion from a table of daily reference rates (ECB style)."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, Inexact, Rounded, getcontext

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


#: Powers of ten for the integer conversions.
_POW10 = [10**k for k in range(400)]


def half_even(numerator: int, divisor: int) -> int:
    """``numerator / divisor`` rounded half-even to a whole number (``divisor > 0``)."""
    q, r = divmod(numerator, divisor)
    twice = 2 * r
    if twice > divisor or (twice == divisor and q & 1):
        q += 1
    return q


class UnitConversion:
    """:func:`convert_rounded` on whole minor units, in integer arithmetic: the same results, faster.

    ``conversion(units)`` is ``convert_rounded(units × 10^-places, rate, 10^-to_places)`` in
    units of ``10^-to_places``. Like ``Decimal`` under the default context, it takes the exact
    product, rounds it half-even to the context's precision (28 significant digits) if it is
    longer — an inverse or cross rate has 28 digits itself —, then rounds it half-even to the
    quantum. Under a context with another rounding or with traps on inexact results it hands
    every amount to :func:`convert_rounded` itself.
    """

    __slots__ = ("_coefficient", "_decimal", "_digits", "_exponent", "_limit", "_places", "_quantum", "_to_places",
                 "identity", "rate")

    def __init__(self, rate: Decimal, places: int, to_places: int) -> None:
        sign, digits, exponent = rate.as_tuple()
        if not isinstance(exponent, int):
            raise ValueError(f"rate {rate} is not a finite number")
        coefficient = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
        while coefficient and coefficient % 10 == 0:  # 1.0856000000 = 10856 × 10^-4: the same value
            coefficient //= 10
            exponent += 1
        context = getcontext()
        self.rate, self._places, self._to_places = rate, places, to_places
        self._quantum = Decimal(1).scaleb(-to_places)
        self._coefficient, self._exponent = coefficient, exponent - places
        self._digits = context.prec
        self._limit = 10**context.prec
        self._decimal = (context.rounding != ROUND_HALF_EVEN or context.traps[Inexact] or context.traps[Rounded]
                         or context.prec > 100 or abs(self._exponent) > 100)  # beyond the table of powers
        #: Converting changes no amount (a rate of exactly 1 between equal minor units).
        self.identity = coefficient == 1 and self._exponent + to_places == 0

    def __call__(self, units: int) -> int:
        if not self._decimal:
            product, exponent = units * self._coefficient, self._exponent
            size = product if product >= 0 else -product
            if size >= self._limit:  # Decimal rounds the product half-even to the context's precision
                digits = (size.bit_length() * 1233 >> 12) + 1  # log10 by the bit length: at most one too many
                if size < _POW10[digits - 1]:
                    digits -= 1
                extra = digits - self._digits
                q, r = divmod(product, _POW10[extra])
                if 2 * r > _POW10[extra] or (2 * r == _POW10[extra] and q & 1):
                    q += 1
                product, exponent = q, exponent + extra
            shift = exponent + self._to_places
            if shift >= 0:
                out = product * _POW10[shift]
            else:
                d = _POW10[-shift]
                out, r = divmod(product, d)
                if 2 * r > d or (2 * r == d and out & 1):
                    out += 1
            if -self._limit < out < self._limit:
                return int(out)
        # another context, or a result too long for quantize (which raises): Decimal itself
        return int(convert_rounded(Decimal(units).scaleb(-self._places), self.rate, self._quantum)
                   .scaleb(self._to_places))
