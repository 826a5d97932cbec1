"""Reading query parameters for the pages: each bad value becomes a message naming the field.

A context adds the lookups of its own records by subclassing :class:`Params` (the ledger's
``company()`` and ``customer()`` are in :mod:`credere.ledger.page_params`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.utils import timezone

from credere.core import params
from credere.core.errors import BusinessError


@dataclass
class Params:
    """Parsed query parameters and the messages for those that could not be read."""

    request: HttpRequest
    errors: list[str] = field(default_factory=list)

    def text(self, name: str, max_length: int = 200) -> str:
        return (self.request.GET.get(name) or "").strip()[:max_length]

    def date(self, name: str, default: dt.date | None = None, label: str = "") -> dt.date | None:
        raw = self.text(name, 40)
        if not raw:
            return default
        try:
            return params.parse_date(raw, default=default or timezone.localdate(), field=label or name)
        except BusinessError as exc:
            self.errors.append(str(exc))
            return default

    def currency(self, name: str = "currency") -> str | None:
        try:
            return params.parse_currency(self.text(name, 10).upper() or None)
        except BusinessError as exc:
            self.errors.append(str(exc))
            return None

    def choice(self, name: str, choices: list[str] | tuple[str, ...], default: str = "") -> str:
        raw = self.text(name, 40)
        if raw and raw not in choices:
            self.errors.append(f"{name}: '{raw}' is not one of {', '.join(c for c in choices if c)}")
            return default
        return raw or default

    def flag(self, name: str) -> bool:
        return self.text(name, 5).lower() in {"1", "true", "yes", "on"}

    def integer(self, name: str, low: int, high: int) -> int | None:
        raw = self.text(name, 10)
        if not raw:
            return None
        if not raw.isdigit() or not low <= int(raw) <= high:
            self.errors.append(f"{name}: '{raw}' must be a whole number between {low} and {high}")
            return None
        return int(raw)
