"""As of which date, for which company, in which currency a reporting page shows figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from credere.ledger.models import Company
from credere.ledger.params import Params


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
