"""Changing the credit policy: a new version, with a note, audited; never a read that writes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from credere.audit.services import actor_name, record
from credere.core.errors import BusinessError
from credere.credit.models import CreditPolicyVersion
from credere.credit.policy import PolicyError, clean, policy_in_force
from credere.identity.authz import authorize


def set_policy(*, actor: Any, settings: dict[str, Any], note: str) -> CreditPolicyVersion:
    """Store the policy in force with ``settings`` changed, as the next version."""
    authorize(actor, "edit_credit_policy")
    current = policy_in_force()
    try:
        cleaned = clean({**current.settings, **settings})
    except PolicyError as exc:
        raise BusinessError(str(exc), fields=[{"field": k, "message": v} for k, v in exc.problems.items()]) from None
    if not (note or "").strip():
        raise BusinessError("note: say why the policy changes (it is kept with the version)",
                            fields=[{"field": "note", "message": "say why the policy changes"}])
    with transaction.atomic():
        number = (CreditPolicyVersion.objects.select_for_update().aggregate(m=Max("version"))["m"] or 0) + 1
        version = CreditPolicyVersion.objects.create(version=number, settings=cleaned, effective_from=timezone.now(),
                                                     note=note.strip()[:300], created_by=actor_name(actor))
        changed = {k: {"before": current.settings.get(k), "after": v} for k, v in cleaned.items()
                   if current.settings.get(k) != v}
        record(actor=actor, action="credit_policy.changed", obj=version,
               before={k: c["before"] for k, c in changed.items()}, after={k: c["after"] for k, c in changed.items()},
               reason=version.note)
    return version
