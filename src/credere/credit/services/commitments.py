"""Commitments: goods shipped and not yet invoiced, and other commitments to a customer, recorded
(with a note, audited) and ended when invoiced, returned or released. Nothing is deleted.

Recording the same open commitment again (same company, kind, reference, amount and currency)
returns the one recorded, so an ERP may send it twice; a different amount under an open reference
is refused until that one ends.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from credere.audit.services import actor_name, record, snapshot
from credere.core.errors import BusinessError, Conflict
from credere.credit.models import Commitment
from credere.credit.services import standing
from credere.credit.services.inputs import positive_money, refused
from credere.identity.authz import authorize
from credere.ledger.models import Company, Customer


def record_commitment(*, actor: Any, customer: Customer, company: Company | None, kind: str, reference: str,
                      amount: Any, currency: str, note: str, valid_from: dt.date | None = None
                      ) -> tuple[Commitment, bool]:
    """Record a commitment (and True), or find the same one already open (and False); every field is
    checked before anything is written."""
    authorize(actor, "request_limits")
    problems: dict[str, str] = {}
    if company is None:
        problems["company"] = "name the company of ours that shipped or committed"
    if kind not in Commitment.Kind.values:
        problems["kind"] = f"choose one of {', '.join(Commitment.Kind.values)}"
    reference = (reference or "").strip()
    if not reference or len(reference) > 100:
        problems["reference"] = "give the delivery note, contract or document (1 to 100 characters)"
    currency, value = positive_money(amount, currency, problems)
    today = timezone.localdate()
    start = valid_from or today
    if start > today:
        problems["valid_from"] = "cannot be after today: record it when it happens"
    if not (note or "").strip():
        problems["note"] = "say what the commitment is"
    if problems:
        raise refused(problems)
    assert company is not None
    with transaction.atomic():
        held = (Commitment.objects.select_for_update()
                .filter(company=company, kind=kind, reference=reference, ended_on__isnull=True).first())
        if held is not None:
            if (held.customer_id, held.amount, held.currency) == (customer.pk, value, currency):
                return held, False
            raise Conflict(f"{held.get_kind_display().lower()} {reference} is already recorded for "
                           f"{held.amount} {held.currency}; end it first", code="commitment_open")
        row = Commitment.objects.create(customer=customer, company=company, kind=kind, reference=reference,
                                        currency=currency, amount=value, valid_from=start, note=note.strip()[:500],
                                        recorded_by=actor_name(actor))
        record(actor=actor, action="commitment.recorded", obj=row, after=snapshot(row), reason=row.note)
        standing.refresh_after_commit([customer.pk])
    return row, True


def end_commitment(*, actor: Any, commitment_id: int, note: str, ended_on: dt.date | None = None) -> Commitment:
    """Invoiced, returned or released: from ``ended_on`` (default today) it no longer counts."""
    authorize(actor, "request_limits")
    if not (note or "").strip():
        raise refused({"note": "say why the commitment ends"})
    with transaction.atomic():
        row = Commitment.objects.select_for_update().filter(pk=commitment_id).first()
        if row is None:
            raise BusinessError(f"no commitment {commitment_id}", code="not_found", status=404)
        if row.ended_on is not None:
            raise Conflict(f"the commitment ended on {row.ended_on}", code="ended")
        end = ended_on or timezone.localdate()
        if end < row.valid_from:
            raise refused({"ended_on": f"is before the commitment started ({row.valid_from})"})
        before = snapshot(row)
        row.ended_on = end
        row.save(update_fields=["ended_on"])
        record(actor=actor, action="commitment.ended", obj=row, before=before, after=snapshot(row),
               reason=note.strip()[:300])
        standing.refresh_after_commit([row.customer_id])
    return row
