"""Errors that services raise for bad input or broken rules; the API and CLI show them."""

from __future__ import annotations


class BusinessError(ValueError):
    """A request a service refuses, with a machine-readable code and field messages."""

    status = 422

    def __init__(self, message: str, *, code: str = "invalid", fields: list[dict[str, str]] | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.fields = fields or []
        if status is not None:
            self.status = status


class Conflict(BusinessError):
    status = 409
