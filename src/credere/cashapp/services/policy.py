"""The matching policy: new versions (audited), and the version a run records.

Reading the policy writes nothing (:func:`credere.cashapp.policies.policy_in_force`): the
built-in defaults are stored as version 1 only when something needs a row — the first change
(so that the history shows what changed) or the first matching run (which records its version).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from credere.audit.services import actor_name, record
from credere.cashapp.models import MatchingPolicyVersion
from credere.cashapp.policies import PolicyError, policy_from_settings, policy_settings
from credere.cashapp.services.errors import field_error
from credere.core.errors import BusinessError
from credere.domain.matching import MatchingPolicy
from credere.identity.authz import authorize

NOTE_NEEDED = "say why the policy changes (it is kept with the version)"


def stored_policy_version(*, at: dt.datetime | None = None) -> MatchingPolicyVersion:
    """The version in force, as a stored row: the built-in defaults become version 1 (audited) the
    first time. Only writes call this; reads use ``policies.policy_in_force``."""
    at = at or timezone.now()
    version = MatchingPolicyVersion.objects.filter(effective_from__lte=at).order_by("-version").first()
    if version is not None:
        return version
    with transaction.atomic():
        version, created = MatchingPolicyVersion.objects.get_or_create(
            version=1, defaults={"settings": policy_settings(MatchingPolicy()), "effective_from": at,
                                 "created_by": "system", "note": "Built-in defaults"})
        if created:
            record(actor=None, action="matching_policy.created", obj=version, after=version.settings,
                   reason="built-in defaults")
    return version


def policy_of(version: MatchingPolicyVersion) -> MatchingPolicy:
    return policy_from_settings(version.settings)


def set_policy(*, actor: Any, settings: dict[str, Any], note: str,
               effective_from: dt.datetime | None = None) -> MatchingPolicyVersion:
    """A new version of the matching policy; ``settings`` may name only the settings that change.
    ``note`` says why (kept with the version and in the audit trail): required."""
    authorize(actor, "edit_matching_policy")
    note = (note or "").strip()
    if effective_from is not None:
        if timezone.is_naive(effective_from):
            effective_from = timezone.make_aware(effective_from)
        if effective_from < timezone.now() - dt.timedelta(minutes=5):
            raise field_error("effective_from", "a policy cannot take effect in the past (runs already made "
                                                "used the version then in force)")
    with transaction.atomic():  # a refusal below stores nothing, not even the defaults as version 1
        current = stored_policy_version()
        merged = {**current.settings, **settings}
        try:
            new_settings = policy_settings(policy_from_settings(merged))
        except PolicyError as exc:
            raise BusinessError("the policy was not changed: " + str(exc), code="invalid_policy",
                                fields=[{"field": k, "message": v} for k, v in exc.problems.items()]) from None
        if not note:  # after the settings: a bad setting is named first
            raise field_error("note", NOTE_NEEDED)
        if new_settings == current.settings:
            raise BusinessError("nothing to change: the settings equal the policy in force", code="unchanged")
        last = MatchingPolicyVersion.objects.select_for_update().order_by("-version").first()
        number = (last.version if last else 0) + 1
        version = MatchingPolicyVersion.objects.create(
            version=number, settings=new_settings, effective_from=effective_from or timezone.now(),
            created_by=actor_name(actor), note=note[:300])
        before = {k: v for k, v in current.settings.items() if new_settings.get(k) != v}
        after = {k: new_settings[k] for k in before}
        record(actor=actor, action="matching_policy.changed", obj=version, before=before, after=after, reason=note)
    return version
