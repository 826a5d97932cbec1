"""The refusal every cash service raises for bad input: a message naming the field."""

from __future__ import annotations

from credere.core.errors import BusinessError


def field_error(field_name: str, message: str, *, code: str = "invalid", status: int | None = None) -> BusinessError:
    return BusinessError(f"{field_name}: {message}", code=code, status=status,
                         fields=[{"field": field_name, "message": message}])
