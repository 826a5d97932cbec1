"""Changing the onboarding policy (scorecard, limits and terms, decision rules): a new version, effective now or
from a later moment, with a note, audited; never a read that writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from credere.audit.services import actor_name, record
from credere.core.errors import BusinessError
from credere.credit.policy import policy_in_force as credit_policy
from credere.identity.authz import authorize
from credere.ledger.services.validation import field_error
from credere.onboarding.models import OnboardingPolicyVersion
from credere.onboarding.policy import PolicyError, clean, policy_in_force


def checked(settings: dict[str, Any]) -> dict[str, Any]:
    """The policy in force with ``settings`` changed, checked; :class:`BusinessError` names every bad setting."""
    try:
        cleaned = clean({**policy_in_force().settings, **settings})
    except PolicyError as exc:
        raise BusinessError(str(exc), fields=[{"field": k, "message": v} for k, v in exc.problems.items()]) from None
    known = set(credit_policy().settings["risk_classes"])
    unknown = [b[1] for b in cleaned["class_bands"] if b[1] not in known]
    if unknown:
        message = (f"risk classes {', '.join(unknown)} are not the credit policy's ({', '.join(sorted(known))}): "
                   "an approved customer gets one of those")
        raise field_error("class_bands", f"{message}")
    return cleaned


def set_policy(*, actor: Any, settings: dict[str, Any], note: str,
               effective_from: dt.datetime | None = None) -> OnboardingPolicyVersion:
    """Store the policy in force with ``settings`` changed, as the next version."""
    authorize(actor, "edit_credit_policy")
    cleaned = checked(settings)
    if not (note or "").strip():
        raise field_error("note", "say why the policy changes (it is kept with the version)")
    now = timezone.now()
    if effective_from is not None and effective_from < now - dt.timedelta(minutes=1):
        raise field_error("effective_from", "cannot be in the past (decisions already made keep their version)")
    current = policy_in_force()
    with transaction.atomic():
        number = (OnboardingPolicyVersion.objects.select_for_update().aggregate(m=Max("version"))["m"] or 0) + 1
        version = OnboardingPolicyVersion.objects.create(
            version=number, settings=cleaned, effective_from=max(effective_from or now, now),
            note=note.strip()[:300], created_by=actor_name(actor))
        changed = {k: {"before": current.settings.get(k), "after": v} for k, v in cleaned.items()
                   if current.settings.get(k) != v}
        record(actor=actor, action="onboarding_policy.changed", obj=version,
               before={k: c["before"] for k, c in changed.items()}, after={k: c["after"] for k, c in changed.items()},
               reason=version.note)
    return version
