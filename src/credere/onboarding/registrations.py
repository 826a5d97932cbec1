"""What onboarding plugs into the rest of Credere at start-up (``OnboardingConfig.ready()``): its approval kind
(a credit application proposed for approval, routed by the credit policy's approval matrix), the pages of its
audited records, and its personal data for export and erasure."""

from __future__ import annotations

from django.urls import reverse

from credere.approvals import kinds
from credere.audit import links
from credere.credit.policy import policy_in_force as credit_policy
from credere.onboarding.policy import policy_in_force


def register() -> None:
    from credere.onboarding import panels
    from credere.onboarding.services import decisions, privacy

    kinds.register(kinds.Kind(
        name=decisions.KIND, label="Credit application", matrix=lambda: credit_policy().matrix(),
        apply=decisions.apply_approved, on_closed=decisions.on_rejected,
        subject_url=lambda pk: reverse("web:application", args=[int(pk)]),
        sla_hours=lambda: int(policy_in_force().settings["decision_sla_hours"])))
    links.register("onboarding.creditapplication", lambda pk: reverse("web:application", args=[pk]))
    privacy.register()
    panels.register()
