"""Model fields shared by every app."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models.expressions import Combinable

from credere.core import crypto
from credere.domain.money import from_storage, to_storage

_CENT = Decimal("0.01")


def canonical(amount: Decimal) -> Decimal:
    """The shortest spelling with at least two decimals: 190.0000 -> 190.00, 1.2340 -> 1.234."""
    cents = amount.quantize(_CENT)
    return cents if cents == amount else amount.normalize()


if TYPE_CHECKING:
    _Base = models.BigIntegerField[Decimal | int | Combinable, Decimal]
    _OptionalBase = models.BigIntegerField[Decimal | int | Combinable | None, Decimal | None]
else:
    _Base = _OptionalBase = models.BigIntegerField


class _ScaledInteger:
    """Conversion between ``Decimal`` and the stored integer (1/10000 units)."""

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


class AmountField(_ScaledInteger, _Base):
    """A money amount stored as an exact scaled integer (4 decimals; ADR 0001).

    Python side it is always a ``Decimal``; SQL ``SUM`` over it is exact on SQLite and
    PostgreSQL alike. The currency lives in a sibling column.
    """

    _pyi_private_set_type: Decimal | int | Combinable  # type: ignore[assignment]
    _pyi_private_get_type: Decimal  # type: ignore[assignment]
    _pyi_lookup_exact_type: Decimal | int  # type: ignore[assignment]

    description = "Money amount (Decimal, stored as integer 1/10000 units)"


class OptionalAmountField(_ScaledInteger, _OptionalBase):
    """An amount that may be unknown (``NULL``): a balance or remittance amount a file did not state."""

    _pyi_private_set_type: Decimal | int | Combinable | None  # type: ignore[assignment]
    _pyi_private_get_type: Decimal | None  # type: ignore[assignment]
    _pyi_lookup_exact_type: Decimal | int | None  # type: ignore[assignment]

    description = "Money amount or NULL (Decimal, stored as integer 1/10000 units)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text encrypted at rest (:mod:`credere.core.crypto`): the application reads and writes the value,
    the database holds ``enc1:…``. Equality lookups, ``__in`` and unique constraints work (the encryption
    is deterministic); ``contains``, ordering and ranges do not mean anything on it. An empty value is
    stored empty, so ``field=""`` still finds the rows without one.

    ``kind`` (account, identifier, email, phone, name) says how the value is masked for people who may
    not see it in full; ``max_length`` limits the value, not the longer stored text."""

    def __init__(self, *args: Any, kind: str = "identifier", **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            from django.core.validators import MaxLengthValidator

            self.validators.append(MaxLengthValidator(self.max_length))

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        if cls.__module__ != "__fake__" and not cls._meta.abstract:  # not the migrations' historical models
            from credere.core import personal

            personal.register(cls._meta.label_lower, **{self.attname: self.kind})

    def _context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.attname}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or not isinstance(value, str) or not crypto.is_encrypted(value):
            return value  # empty, or written before encryption (the migration encrypts those)
        return crypto.decrypt(value, self._context())

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "" or not isinstance(value, str):
            return value
        return crypto.encrypt(value, self._context())

    def formfield(self, **kwargs: Any) -> Any:  # a line, not a text area
        from django import forms

        return super().formfield(**{"widget": forms.TextInput, **kwargs})
