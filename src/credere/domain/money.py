"""Money: a Decimal amount with an ISO 4217 currency, never a float.

Amounts are quantised to the currency's ISO 4217 minor unit (2 decimals for EUR and HUF,
0 for JPY, 3 for BHD, 4 for CLF; :mod:`credere.domain.currencies`). Rounding is explicit:
``ROUND_HALF_EVEN`` unless a caller asks for another mode. Storage uses a fixed scale of 4 decimal places (see ADR 0001), so every
currency's minor unit fits exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from credere.domain.currencies import minor_units as iso_minor_units

#: Number of decimal places in storage (scaled integers); ADR 0001.
STORAGE_PLACES = 4
STORAGE_SCALE = 10**STORAGE_PLACES


class MoneyError(ValueError):
    """An amount or currency that cannot be a money value."""


def minor_units(currency: str) -> int:
    """Decimal places of the currency's minor unit, by ISO 4217 (see :mod:`credere.domain.currencies`)."""
    return iso_minor_units(currency)


def check_currency(currency: str) -> str:
    """Return the currency code if it looks like an ISO 4217 code, else raise."""
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise MoneyError(f"'{currency}' is not an ISO 4217 currency code (three capital letters)")
    return currency


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def quantize(amount: Decimal, currency: str, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """Round ``amount`` to the currency's minor unit."""
    return amount.quantize(quantum(currency), rounding=rounding)


def parse_amount(text: str | Decimal | int, currency: str) -> Decimal:
    """Parse a user-supplied amount exactly; reject floats and sub-minor-unit precision.

    Accepts ``"1234.50"``, ``"-12"``, ``Decimal``. Thousands separators are not guessed
    here (the import adapters normalise them per source format).
    """
    if isinstance(text, (float, bool)):
        raise MoneyError("amounts must not be floats")
    if isinstance(text, str) and not text.strip().isascii():
        # Decimal() reads any script's digits ("١٢", "１２" are 12): an amount is written in ASCII digits
        raise MoneyError(f"'{text}' is not a number (write it with the digits 0-9)")
    try:
        value = Decimal(text) if not isinstance(text, Decimal) else text
    except (InvalidOperation, ValueError, TypeError):
        raise MoneyError(f"'{text}' is not a number") from None
    if not value.is_finite():
        raise MoneyError(f"'{text}' is not a finite number")
    if value != 0 and value.adjusted() >= 14:
        raise MoneyError(f"'{text}' is too large")
    q = quantize(value, currency)
    if q != value:
        if minor_units(currency) == 0:
            raise MoneyError(
                f"'{text}' has decimals, but {currency} has no minor unit (ISO 4217): its amounts are whole numbers. "
                "Refused rather than rounded: an export that gives it cents may have scaled the amount"
            )
        raise MoneyError(
            f"'{text}' has more decimals than {currency} allows ({minor_units(currency)})"
        )
    if abs(q) >= Decimal("1e14"):
        raise MoneyError(f"'{text}' is too large")
    return q + Decimal(0).quantize(quantum(currency))  # normalise exponent, e.g. 5 -> 5.00


def whole_written_with_decimals(value: Decimal, currency: str) -> bool:
    """An amount of a currency without minor unit (JPY, KRW…) written with decimals that are all zero, as SAP
    exports them (``1234.00 JPY``): :func:`parse_amount` reads it as the whole number, and a reader of an
    export says so in a warning naming the row."""
    exponent = value.as_tuple().exponent
    return (minor_units(currency) == 0 and isinstance(exponent, int) and exponent < 0
            and value == value.to_integral_value())


def whole_written_with_decimals_warning(column: str, currency: str, rows: list[int], example: Decimal, *,
                                       numbering: str = "row", where: str = "") -> str:
    """The warning for the rows whose ``column`` gives a whole amount of a currency without minor unit with
    zero decimals (``rows 2, 3 and 5, column amount: …``); ``where`` names the file, if any."""
    shown = [str(number) for number in rows[:10]]
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    if len(rows) > len(shown):
        listed = ", ".join(shown) + f" and {len(rows) - len(shown)} more"
    plural = "s" if len(rows) > 1 else ""
    return (f"{where}{' ' if where else ''}{numbering}{plural} {listed}, column {column}: {currency} amount{plural} "
            f"written with decimals (e.g. '{example}'); {currency} has no minor unit (ISO 4217), so "
            f"{'they are read as whole numbers' if plural else 'it is read as a whole number'} ({example} → "
            f"{example.to_integral_value()})")


def to_storage(amount: Decimal) -> int:
    """Scaled integer for storage (exact; raises if the amount has more than 4 decimals)."""
    scaled = amount.scaleb(STORAGE_PLACES)
    integral = scaled.to_integral_value()
    if integral != scaled:
        raise MoneyError(f"{amount} has more than {STORAGE_PLACES} decimals")
    return int(integral)


def from_storage(value: int, currency: str | None = None) -> Decimal:
    d = Decimal(value).scaleb(-STORAGE_PLACES)
    return quantize(d, currency) if currency else d


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):
            raise MoneyError("Money amounts must not be floats")
        check_currency(self.currency)
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", Decimal(self.amount))
        object.__setattr__(self, "amount", quantize(self.amount, self.currency))

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise MoneyError(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
