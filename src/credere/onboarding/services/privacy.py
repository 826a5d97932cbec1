"""What onboarding holds about a customer's people, for the ledger's personal-data export and erasure: the
applications that became (or were made by) the customer — the contact person, the bank account, owners and
trade-reference contacts — and their uploaded documents. Erasure empties the personal answers and deletes the
documents; the decisions (scores, limits, reasons) are credit records and stay."""

from __future__ import annotations

import json
from typing import Any

from credere.core.personal import Holder, register_holder
from credere.onboarding.models import CreditApplication


def export(customer_id: int) -> dict[str, list[dict[str, Any]]]:
    rows = []
    for a in CreditApplication.objects.filter(customer_id=customer_id).order_by("created_at"):
        try:
            people = json.loads(a.people or "{}")
        except ValueError:
            people = {}
        rows.append({"application": a.reference, "contact_name": a.contact_name, "contact_email": a.contact_email,
                     "contact_phone": a.contact_phone, "iban": a.iban,
                     "owners": "; ".join(o.get("name", "") for o in people.get("owners", [])),
                     "reference_contacts": "; ".join(f"{r.get('contact', '')} {r.get('email', '')}".strip()
                                                     for r in people.get("references", [])),
                     "documents": ", ".join(d.name for d in a.documents.all()),
                     "consent_at": a.consent_at.isoformat() if a.consent_at else ""})
    return {"Credit applications": rows}


def erase(customer_id: int, payment_ids: list[int]) -> tuple[dict[str, int], list[tuple[str, str]]]:
    from credere.onboarding.services.applications import _document_dir

    applications = list(CreditApplication.objects.filter(customer_id=customer_id))
    documents = 0
    for a in applications:
        for d in a.documents.all():
            (_document_dir() / d.path).unlink(missing_ok=True)
            documents += 1
        a.documents.all().delete()
        a.contact_name = a.contact_email = a.contact_phone = a.iban = ""
        a.people = ""
        a.save(update_fields=["contact_name", "contact_email", "contact_phone", "iban", "people", "updated_at"])
    return ({"credit applications' personal answers emptied": len(applications),
             "application documents deleted": documents},
            [("onboarding.creditapplication", str(a.pk)) for a in applications])


HOLDER = Holder(name="onboarding", export=export, erase=erase)


def register() -> None:
    register_holder(HOLDER)
