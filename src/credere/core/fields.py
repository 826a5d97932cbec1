"""Model fields shared by every app."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

from credere.domain.money import from_storage, to_storage


class AmountField(models.BigIntegerField):  # type: ignore[type-arg]
    """A money amount stored as an exact scaled integer (4 decimals; ADR 0001).

    Python side it is always a ``Decimal``; SQL ``SUM`` over it is exact on SQLite and
    PostgreSQL alike. The currency lives in a sibling column.
    """

    description = "Money amount (Decimal, stored as integer 1/10000 units)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        if value is None:
            return None
        return from_storage(int(value))

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
