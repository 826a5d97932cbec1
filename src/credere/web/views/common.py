"""Reading query parameters for the pages: each bad value becomes a message naming the field."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from credere.core.errors import BusinessError
from credere.ledger.models import Company, Customer
from credere.reporting import params


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

    def company(self, name: str = "company") -> Company | None:
        try:
            return params.parse_company(self.text(name, 40) or None)
        except BusinessError as exc:
            self.errors.append(str(exc))
            return None

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

    def customer(self, name: str = "customer") -> Customer | None:
        account = self.text(name, 40)
        if not account:
            return None
        found = Customer.objects.filter(account_number=account).first()
        if found is None:
            self.errors.append(f"{name}: no customer with account number '{account}'")
        return found


@dataclass(frozen=True)
class ReportScope:
    """As of which date, for which company, in which currency a page shows figures."""

    as_of: dt.date
    company: Company | None
    currency: str
    today: dt.date

    def query(self, **more: Any) -> str:
        """A query string that carries this scope into a drill-down link."""
        q: dict[str, Any] = {"as_of": self.as_of.isoformat()}
        if self.company is not None:
            q["company"] = self.company.code
        if self.currency != settings.CREDERE_REPORTING_CURRENCY:
            q["currency"] = self.currency
        q.update({k: v for k, v in more.items() if v is not None and v != ""})
        return "?" + urlencode(q)


def report_scope(p: Params) -> ReportScope:
    today = timezone.localdate()
    as_of = p.date("as_of", today, "as_of") or today
    company = p.company()
    currency = p.currency() or settings.CREDERE_REPORTING_CURRENCY
    return ReportScope(as_of=as_of, company=company, currency=currency, today=today)


def reporting_currencies(extra: list[str]) -> list[str]:
    return sorted({settings.CREDERE_REPORTING_CURRENCY, *extra})
