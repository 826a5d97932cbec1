"""The unit of conversion in whole minor units: each amount of a cell converted and rounded once.

The rule (``docs/reports.md``, "Conversion and rounding"): an amount of a cell is taken to its
item currency's minor unit (half-even), multiplied by the as-of rate and rounded half-even to
the reporting currency's minor unit, once; every converted figure is a sum of such amounts.
:func:`credere.domain.aging.convert_cell` says it with ``Decimal``; :class:`CellConversion`
does the same in integers — the ledger's amounts are scaled integers
(:data:`credere.domain.money.STORAGE_PLACES`) — so that reports add up thousands of cells
without building a ``Decimal`` for each, and turn only their sums into ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal

from credere.domain.fx import UnitConversion, half_even
from credere.domain.money import STORAGE_PLACES, minor_units, quantum


class CellConversion:
    """The rule for one item currency, reporting currency and rate, on whole units.

    ``minor`` takes an amount in storage units (1/10,000) to the item currency's minor unit,
    ``convert`` a minor-unit amount to the reporting currency's minor unit; ``amount`` and
    ``converted_amount`` turn sums of them back into ``Decimal`` (quantised to the minor unit).
    """

    __slots__ = ("_quantum", "_step", "convert", "identity", "places", "to_places")

    def __init__(self, currency: str, to: str, rate: Decimal) -> None:
        self.places, self.to_places = minor_units(currency), minor_units(to)
        self._quantum = quantum(currency)
        self._step = 10 ** (STORAGE_PLACES - self.places)
        self.convert = UnitConversion(rate, self.places, self.to_places)
        #: Converting changes no amount (minor units and rate 1 alike).
        self.identity = self.convert.identity and self.places == self.to_places

    def minor(self, units: int) -> int:
        """Storage units → the item currency's minor unit, rounded half-even (as ``quantize``)."""
        q, r = divmod(units, self._step)
        return q if not r else half_even(units, self._step)

    def converted_sum(self, units: Iterable[int]) -> int:
        """The sum of amounts in storage units, each taken to the minor unit, converted and rounded once."""
        step, convert = self._step, self.convert
        minor = [u // step if not u % step else half_even(u, step) for u in units]
        return sum(minor) if self.identity else sum(map(convert, minor))

    def minor_of(self, amount: Decimal) -> int:
        """A ``Decimal`` amount → the item currency's minor unit, rounded half-even."""
        if not amount:
            return 0
        return int(amount.quantize(self._quantum, rounding=ROUND_HALF_EVEN).scaleb(self.places))

    def amount(self, minor: int) -> Decimal:
        return Decimal(minor).scaleb(-self.places)

    def converted_amount(self, minor: int) -> Decimal:
        return Decimal(minor).scaleb(-self.to_places)


def conversions(rate: dict[str, Decimal], to: str) -> dict[str, CellConversion]:
    """A :class:`CellConversion` per item currency, from the rates looked up (``rate[currency]``)."""
    return {c: CellConversion(c, to, r) for c, r in rate.items()}
