"""A credit-policy change previewed against real checks: which decisions would flip, and why.

Each stored check keeps the figures it was decided on (exposure without the order, the order in
the limit's currency, overdue, the limit and its expiry, the customer's status, the group's).
Replaying them through :func:`check_order` with the proposed rules gives the decision the new
policy would have made on the same day, with the same figures. Pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from credere.domain.credit.check import (
    CUSTOMER_BLOCKED,
    CUSTOMER_ON_HOLD,
    LIMIT_EXPIRED,
    CheckCase,
    CheckRules,
    Decision,
    LimitTerms,
    check_order,
)
from credere.domain.credit.exposure import Exposure


def _d(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _day(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def case_from(facts: Mapping[str, Any], *, on: dt.date, amount: Decimal, currency: str, risk_class: str,
              codes: Iterable[str]) -> CheckCase:
    """The case a stored check was decided on. Checks stored before the facts named the customer's
    status and the limit's expiry are read from their reason codes."""
    codes = set(codes)
    status = facts.get("customer_status") or ("blocked" if CUSTOMER_BLOCKED in codes else
                                             "on_hold" if CUSTOMER_ON_HOLD in codes else "active")
    expires = _day(facts.get("limit_expires_on"))
    if expires is None and LIMIT_EXPIRED in codes and "limit_expires_on" not in facts:
        expires = on - dt.timedelta(days=1)
    limit = LimitTerms(_d(facts["limit"]), currency, expires) if facts.get("limit") is not None else None
    group_limit = (LimitTerms(_d(facts["group_limit"]), currency, _day(facts.get("group_limit_expires_on")))
                   if facts.get("group_limit") is not None else None)
    group = (Exposure(currency, _d(facts.get("group_exposure")), Decimal(0), _d(facts.get("group_cover")))
             if group_limit is not None else None)
    return CheckCase(
        as_of=on, order_amount=amount, customer_status=status, risk_class=risk_class,
        exposure=Exposure(currency, _d(facts.get("receivables")), _d(facts.get("open_orders")), _d(facts.get("cover")),
                          _d(facts.get("commitments"))),
        limit=limit, oldest_overdue_days=int(facts.get("oldest_overdue_days") or 0),
        overdue_amount=_d(facts.get("overdue")), group_exposure=group, group_limit=group_limit)


@dataclass(frozen=True, slots=True)
class Replayed:
    key: Any
    before: str
    after: Decision

    @property
    def flipped(self) -> bool:
        return self.before != self.after.outcome


def replay(cases: Iterable[tuple[Any, CheckCase, str]], rules: CheckRules) -> list[Replayed]:
    """Each ``(key, case, outcome as decided)`` decided again under ``rules``."""
    return [Replayed(key, before, check_order(case, rules)) for key, case, before in cases]
