"""Reads for a credit-policy change: what it would have decided on the last real checks.

Nothing is written. Each of the last checks (1,000 by default) is decided again with the
proposed rules on the figures it was decided on (:mod:`credere.domain.credit.preview`); the
preview lists the decisions that would flip. Changes to which cover counts, or to the approval
matrix, decide no check and flip nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from credere.credit.models import CreditCheck
from credere.credit.policy import PolicyInForce, clean, policy_in_force
from credere.domain.credit.preview import Replayed, case_from, replay

LAST = 1000


@dataclass(frozen=True)
class PolicyPreview:
    checked: int
    flips: list[Replayed]
    changed: list[str]

    @property
    def to_held(self) -> int:
        return sum(1 for f in self.flips if f.after.outcome == "held")

    @property
    def to_released(self) -> int:
        return sum(1 for f in self.flips if f.after.outcome == "released")


def preview(settings: dict[str, Any], *, last: int = LAST) -> PolicyPreview:
    """The in-force policy with ``settings`` changed, replayed on the last ``last`` checks
    (:class:`credere.credit.policy.PolicyError` names bad settings)."""
    current = policy_in_force()
    proposed = clean({**current.settings, **settings})
    rules = PolicyInForce(None, proposed).rules()
    rows = list(CreditCheck.objects.select_related("order", "order__customer", "order__company")
                .order_by("-checked_at", "-id")[:last])
    cases = [(row, case_from(row.facts or {}, on=timezone.localdate(row.checked_at), amount=row.amount,
                             currency=row.currency, risk_class=row.risk_class,
                             codes=[r.get("code", "") for r in row.reasons]), row.outcome)
             for row in rows if (row.facts or {}).get("receivables") is not None]
    flips = [r for r in replay(cases, rules) if r.flipped]
    changed = [k for k in proposed if proposed[k] != current.settings.get(k)]
    return PolicyPreview(len(cases), flips, changed)
