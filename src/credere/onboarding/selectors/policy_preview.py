"""What a change of the onboarding policy would have decided: the last 100 applications assessed again under
the policy in force and under the change (nothing is stored), and the ones whose outcome, class, limit or terms
would differ. And a decision reproduced under the versions it used, to show it still comes out the same."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from credere.core.errors import BusinessError
from credere.domain.onboarding import rules as decision_rules
from credere.onboarding.models import CreditApplication, Decision
from credere.onboarding.policy import FACTS, Policy, policy_in_force, policy_version
from credere.onboarding.services.decisions import assess

LAST = 100


@dataclass(frozen=True)
class Change:
    application: CreditApplication
    before: dict[str, Any]
    after: dict[str, Any]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Preview:
    assessed: int
    changes: list[Change]
    skipped: list[str]

    def count(self, key: str) -> int:
        return sum(1 for c in self.changes if c.before[key] != c.after[key])


def _summary(outcome: str, risk_class: str, limit: Decimal, terms: int, score: int) -> dict[str, Any]:
    return {"outcome": outcome, "risk_class": risk_class, "limit": limit, "terms_days": terms, "score": score}


def preview(settings: dict[str, Any], *, last: int = LAST) -> Preview:
    """The last ``last`` applications sent, under the policy in force and under ``settings`` (checked)."""
    from credere.onboarding.services.policy import checked

    proposed = Policy(None, checked(settings))
    current = policy_in_force()
    applications = list(CreditApplication.objects.exclude(status=CreditApplication.Status.DRAFT)
                        .select_related("company", "customer").order_by("-submitted_at", "-id")[:last])
    changes, skipped = [], []
    for application in applications:
        try:
            now, then = assess(application, current), assess(application, proposed)
        except (BusinessError, ValueError) as exc:
            skipped.append(f"{application.reference}: {exc}")
            continue
        a, b = now.assessment, then.assessment
        before = _summary(now.outcome.outcome, a.risk_class, a.recommended_limit, a.recommended_terms_days, a.score)
        after = _summary(then.outcome.outcome, b.risk_class, b.recommended_limit, b.recommended_terms_days, b.score)
        if before != after:
            changes.append(Change(application, before, after, then.outcome.reasons))
    return Preview(assessed=len(applications) - len(skipped), changes=changes, skipped=skipped)


def test_rule(when: str, application: CreditApplication) -> tuple[bool, dict[str, Any]]:
    """Whether a rule's condition holds for an application (its facts now, under the policy in force)."""
    decision_rules.compile_rule(when, list(FACTS))
    facts = assess(application).facts
    rule = decision_rules.Rule(name="test", when=when, outcome="refer", reason="test")
    outcome = decision_rules.decide([rule], {**facts, "sanctions_hits": 0}, known=list(FACTS))
    return bool(outcome.fired), facts


@dataclass(frozen=True)
class Reproduced:
    decision: Decision
    same_inputs: bool
    outcome: str
    score: int
    risk_class: str
    limit: Decimal
    matches: bool


def reproduce(decision: Decision) -> Reproduced:
    """Assess the decision's application again under the policy version the decision used (FX as of its day)."""
    from credere.onboarding.services.decisions import inputs_hash

    application = decision.application
    policy = policy_version(decision.policy_version)
    again = assess(application, policy, on=decision.at.date())
    a = again.assessment
    automatic_outcome = again.outcome.outcome
    matches = (a.score == decision.score and (not decision.automatic or (
        automatic_outcome == decision.outcome and a.risk_class == decision.risk_class
        and a.recommended_limit == decision.limit)))
    return Reproduced(decision, inputs_hash(application) == decision.inputs_sha256, automatic_outcome, a.score,
                      a.risk_class, a.recommended_limit, matches)
