"""Remittance advices: which documents a payment settles, from the customer's file or the bank
statement itself; linked to their payment now or when it arrives, and followed by matching."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from credere.audit.services import record
from credere.cashapp import files
from credere.cashapp.models import RemittanceAdvice, RemittanceLine
from credere.cashapp.selectors.payers import find_payment_for_advice
from credere.core.errors import BusinessError
from credere.identity.authz import authorize
from credere.ledger.models import Company, Payment


@dataclass
class RemittanceResult:
    advices: int
    lines: int
    linked: int


def import_remittances(*, actor: Any, data: bytes, filename: str, company: Company) -> RemittanceResult:
    """Remittance advices from a customer's file; rows sharing a payment reference (or payer and
    date) form one advice, linked to its payment now or when the payment arrives."""
    authorize(actor, "import_statements")
    try:
        rows = files.read_remittances(data, filename)
    except files.InputError as exc:
        raise BusinessError(f"{filename} was not imported:\n" + "\n".join(exc.problems), code="bad_file",
                            fields=[{"field": "file", "message": p} for p in exc.problems]) from None
    groups: dict[tuple[str, str, Any], list[files.RemittanceRow]] = {}
    for row in rows:
        key = (row.payment_reference, "" if row.payment_reference else row.payer_name,
               None if row.payment_reference else row.payment_date)
        groups.setdefault(key, []).append(row)
    linked = 0
    with transaction.atomic():
        for (reference, payer, _date), group in groups.items():
            first = group[0]
            payment = find_payment_for_advice(company, reference, first.amount, first.currency, first.payment_date)
            advice = RemittanceAdvice.objects.create(
                source=RemittanceAdvice.Source.FILE, payment=payment, company=company,
                payer_name=payer or first.payer_name, payment_reference=reference[:100],
                payment_date=first.payment_date, currency=first.currency, amount=first.amount,
                filename=filename[:255], row=first.row)
            RemittanceLine.objects.bulk_create([
                RemittanceLine(advice=advice, document_number=r.document_number[:60], amount=r.paid_amount,
                               deduction=r.deduction, note=r.note[:200]) for r in group])
            linked += payment is not None
        record(actor=actor, action="remittances.imported", object_type="cashapp.remittanceadvice",
               object_id=filename[:100], object_repr=filename[:300],
               after={"filename": filename, "advices": len(groups), "lines": len(rows), "linked": linked})
    return RemittanceResult(len(groups), len(rows), linked)


def link_waiting_advices(payments: Sequence[Payment]) -> None:
    """Advices imported before their payment arrived are linked by the payment's references."""
    waiting = RemittanceAdvice.objects.filter(payment__isnull=True, source=RemittanceAdvice.Source.FILE)
    if not payments or not waiting.exists():
        return
    for advice in waiting:
        found = find_payment_for_advice(advice.company, advice.payment_reference, advice.amount,
                                        advice.currency, advice.payment_date, among=payments)
        if found is not None:
            advice.payment = found
            advice.save(update_fields=["payment"])
