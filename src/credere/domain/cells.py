"""The rule for one item currency: a cell's amounts converted and rounded once, written for speed.

The rule (``docs/reports.md``, "Conversion and rounding"): each amount of a cell is taken to its
item currency's minor unit (half-even), multiplied by the as-of rate and rounded half-even to
the reporting currency's minor unit, once; every converted figure is a sum of such amounts.
:func:`credere.domain.aging.convert_cell` is the definition; :class:`CellConversion` does the
same arithmetic with the quanta and rate looked up once per currency, straight from the
ledger's scaled integers (:data:`credere.domain.money.STORAGE_PLACES`), so that reports convert
thousands of cells without a function call per amount.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal, getcontext

from credere.domain.money import STORAGE_PLACES, minor_units, quantum


class CellConversion:
    """Quanta, zeros and rate of one item currency and the reporting currency."""

    __slots__ = ("_scaled_rate", "_step", "identity", "quantum", "rate", "to_quantum", "to_zero", "zero")

    def __init__(self, currency: str, to: str, rate: Decimal) -> None:
        self.quantum, self.to_quantum = quantum(currency), quantum(to)
        self.zero, self.to_zero = Decimal(0).quantize(self.quantum), Decimal(0).quantize(self.to_quantum)
        self.rate = rate
        # the rate as it is, only its exponent moved (scaleb would round a rate longer than the precision)
        fits = len(rate.as_tuple().digits) <= getcontext().prec
        self._scaled_rate = rate.scaleb(-STORAGE_PLACES) if fits else None
        self._step = 10 ** (STORAGE_PLACES - minor_units(currency))
        #: Converting changes no amount: a rate of exactly 1 between equal minor units.
        self.identity = rate == 1 and self.quantum == self.to_quantum

    def exact(self, units: Sequence[int]) -> list[Decimal]:
        """Amounts in storage units (1/10,000) to the item currency's minor unit, half-even (zero: ``+0``)."""
        q, z = self.quantum, self.zero
        return [(Decimal(u).scaleb(-STORAGE_PLACES).quantize(q, rounding=ROUND_HALF_EVEN) or z) if u else z
                for u in units]

    def exact_of(self, amounts: Sequence[Decimal]) -> list[Decimal]:
        """``Decimal`` amounts to the item currency's minor unit, half-even (zero: ``+0``)."""
        q, z = self.quantum, self.zero
        return [(a.quantize(q, rounding=ROUND_HALF_EVEN) or z) if a else z for a in amounts]

    def converted(self, exact: Sequence[Decimal]) -> list[Decimal]:
        """Each exact amount converted and rounded half-even once (zero: ``+0``)."""
        if self.identity:
            return list(exact)
        rate, tq, tz = self.rate, self.to_quantum, self.to_zero
        return [((a * rate).quantize(tq, rounding=ROUND_HALF_EVEN) or tz) if a else tz for a in exact]

    def converted_sum(self, units: Sequence[int]) -> Decimal:
        """The sum of amounts in storage units, each converted by the rule.

        Amounts already in the item currency's minor unit (all of them, in practice) need no
        first rounding: then the identity adds them up as integers, and a rate scaled to
        storage units multiplies them directly — ``u × (rate × 10^-4)`` is the same product
        as ``(u × 10^-4) × rate``, rounded to the context's precision the same way.
        """
        step, scaled = self._step, self._scaled_rate
        if scaled is None or any(u % step for u in units):
            q, rate, tq = self.quantum, self.rate, self.to_quantum
            exact = [Decimal(u).scaleb(-STORAGE_PLACES).quantize(q, rounding=ROUND_HALF_EVEN) for u in units]
            if self.identity:
                return sum(exact, self.to_zero)
            return sum([(a * rate).quantize(tq, rounding=ROUND_HALF_EVEN) for a in exact], self.to_zero)
        if self.identity:
            return Decimal(sum(units)).scaleb(-STORAGE_PLACES).quantize(self.to_quantum) if units else self.to_zero
        tq = self.to_quantum
        return sum([(Decimal(u) * scaled).quantize(tq, rounding=ROUND_HALF_EVEN) for u in units], self.to_zero)


def conversions(rate: Mapping[str, Decimal], to: str) -> dict[str, CellConversion]:
    """A :class:`CellConversion` per item currency, from the rates looked up (``rate[currency]``)."""
    return {c: CellConversion(c, to, r) for c, r in rate.items()}
