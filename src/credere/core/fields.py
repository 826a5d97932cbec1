"""Model fields shared by every app."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models.expressions import Combinable

from credere.domain.money import from_storage, to_storage

_CENT = Decimal("0.01")


def canonical(amount: Decimal) -> Decimal:
    """The shortest spelling with at least two decimals: 190.0000 -> 190.00, 1.2340 -> 1.234."""
    cents = amount.quantize(_CENT)
    return cents if cents == amount else amount.normalize()


if TYPE_CHECKING:
    _Base = models.BigIntegerField[Decimal | int | Combinable, Decimal]
else:
    _Base = models.BigIntegerField


class AmountField(_Base):
    """A money amount stored as an exact scaled integer (4 decimals; ADR 0001).

    Python side it is always a ``Decimal``; SQL ``SUM`` over it is exact on SQLite and
    PostgreSQL alike. The currency lives in a sibling column.
    """

    _pyi_private_set_type: Decimal | int | Combinable  # type: ignore[assignment]
    _pyi_private_get_type: Decimal  # type: ignore[assignment]
    _pyi_lookup_exact_type: Decimal | int  # type: ignore[assignment]

    description = "Money amount (Decimal, stored as integer 1/10000 units)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        if value is None:
            return None
        return canonical(from_storage(int(value)))

    def to_python(self, value: Any) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        if isinstance(value, float):
            raise TypeError("money amounts must not be floats")
        return Decimal(value)

    def get_prep_value(self, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money amounts must not be floats")
        if isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)
        return to_storage(Decimal(value))
