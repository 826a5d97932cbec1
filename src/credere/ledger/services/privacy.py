"""Personal data about a customer or a person: export it, erase it, and delete what retention no longer keeps.

* **Export** (:func:`export_customer`, :func:`export_person`): everything Credere holds about a customer's
  people and payers — the customer's identifiers, its contacts, the accounts and names its payments came
  from, what cash application learned (registered holders), and the audit events about those records with
  their values — as data for JSON and for a readable page.
* **Erasure** (:func:`erase_customer`, :func:`erase_person`): contacts are deleted; identifiers, payer
  names and accounts are emptied; what other contexts hold is emptied or deleted by them; the audit
  trail's kept values (:mod:`credere.audit.personal`) are erased — the sealed entries refer to them, so
  the chain still verifies. Amounts, dates, documents and allocations are not touched: the ledger stays
  exact to the cent. Statement files as the bank sent them are accounting records, kept until their
  retention period ends (:func:`purge`). One transaction, one audit event (``privacy.erased``) with the
  counts and the reason, and no personal value in it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from credere.audit import personal as audit_personal
from credere.audit.models import AuditEvent, PersonalValue
from credere.audit.services import record
from credere.core import personal
from credere.core.bulk import update_rows
from credere.core.errors import BusinessError
from credere.identity.authz import authorize
from credere.ledger.models import Contact, Customer, Payment
from credere.ledger.selectors import contacts_by_email

#: The most audit events an export lists (the newest first are kept).
MAX_EXPORT_EVENTS = 5000


def _customer(account_number: str) -> Customer:
    customer = Customer.objects.filter(account_number=account_number).first()
    if customer is None:
        raise BusinessError(f"no customer with account number '{account_number}'", code="not_found", status=404,
                            fields=[{"field": "customer", "message": "not found"}])
    return customer


def _money(value: Any) -> str:
    return format(value, "f")


def _events(which: Any, actor: Any) -> list[dict[str, Any]]:
    """The audit events about the objects whose personal values ``which`` selects, values shown again."""
    objects = set(PersonalValue.objects.filter(which).values_list("object_type", "object_id"))
    if not objects:
        return []
    by_type: dict[str, set[str]] = {}
    for object_type, object_id in objects:
        by_type.setdefault(object_type, set()).add(object_id)
    events: list[AuditEvent] = []
    for object_type, ids in sorted(by_type.items()):
        events.extend(AuditEvent.objects.filter(object_type=object_type, object_id__in=sorted(ids))
                      .order_by("-seq")[:MAX_EXPORT_EVENTS])
    events = sorted(events, key=lambda e: e.seq)[-MAX_EXPORT_EVENTS:]
    return [{"seq": e.seq, "occurred_at": e.occurred_at.isoformat(), "actor": e.actor, "action": e.action,
             "record": f"{e.object_type}:{e.object_id}", "before": e.before, "after": e.after, "reason": e.reason}
            for e in audit_personal.resolved(events, actor)]


def export_customer(*, actor: Any, account_number: str) -> dict[str, Any]:
    """What Credere holds about a customer's people and payers (``manage_personal_data``), audited."""
    authorize(actor, "manage_personal_data")
    customer = _customer(account_number)
    payments = Payment.objects.filter(customer=customer).order_by("received_on", "id")
    sections: dict[str, list[dict[str, Any]]] = {
        "Customer": [{"account_number": customer.account_number, "name": customer.name,
                      "registration_id": customer.registration_id, "tax_id": customer.tax_id,
                      "country": customer.country, "language": customer.language, "status": customer.status}],
        "Contacts": [{"name": c.name, "role": c.role, "email": c.email, "phone": c.phone}
                     for c in customer.contacts.all()],
        "Payments received": [{"reference": p.reference, "received_on": p.received_on.isoformat(),
                               "currency": p.currency, "amount": _money(p.amount), "payer_name": p.payer_name,
                               "payer_account": p.payer_account}
                              for p in payments if p.payer_name or p.payer_account],
    }
    for holder in personal.holders():
        if holder.export is not None:
            sections.update(holder.export(customer.pk))
    payment_objects = [("ledger.payment", str(pk)) for pk in payments.values_list("pk", flat=True)]
    events = _events(audit_personal.values_of(customer_id=customer.pk, objects=payment_objects), actor)
    with transaction.atomic():
        record(actor=actor, action="privacy.exported", obj=customer,
               after={"sections": {k: len(v) for k, v in sections.items()}, "audit_events": len(events)})
    return {"subject": f"customer {customer.account_number}", "exported_at": timezone.now().isoformat(),
            "sections": sections, "audit_events": events}


def _contacts_by_email(email: str) -> list[Contact]:
    email = (email or "").strip()
    if not email:
        raise BusinessError("give the person's e-mail address", code="invalid",
                            fields=[{"field": "email", "message": "required"}])
    found = {c.pk: c for c in contacts_by_email(email)}
    if not found:
        raise BusinessError(f"no contact with the e-mail address {email}", code="not_found", status=404,
                            fields=[{"field": "email", "message": "not found"}])
    return list(found.values())


def export_person(*, actor: Any, email: str) -> dict[str, Any]:
    """What Credere holds about one person, found by e-mail address among the customers' contacts."""
    authorize(actor, "manage_personal_data")
    contacts = _contacts_by_email(email)
    events = _events(audit_personal.values_of(objects=[("ledger.contact", str(c.pk)) for c in contacts]), actor)
    with transaction.atomic():
        for contact in contacts:
            record(actor=actor, action="privacy.exported", obj=contact, after={"audit_events": len(events)})
    return {"subject": f"person {contacts[0].email}", "exported_at": timezone.now().isoformat(),
            "sections": {"Contact of": [{"customer": c.customer.account_number, "customer_name": c.customer.name,
                                         "name": c.name, "role": c.role, "email": c.email, "phone": c.phone}
                                        for c in contacts]},
            "audit_events": events}


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError("say why the data is erased (for example, the person's request and its date)",
                            code="invalid", fields=[{"field": "reason", "message": "required"}])
    return reason[:300]


def erase_customer(*, actor: Any, account_number: str, reason: str, name: bool = False) -> dict[str, int]:
    """Erase the personal data held about a customer's people and payers; with ``name``, the customer's name
    too (a sole trader), replaced by ``Erased customer <account>``. Amounts and documents are not touched."""
    authorize(actor, "manage_personal_data")
    reason = _reason(reason)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=_customer(account_number).pk)
        counts: dict[str, int] = {}
        contacts = list(customer.contacts.all())
        objects = [("ledger.contact", str(c.pk)) for c in contacts]
        counts["contacts deleted"] = len(contacts)
        for contact in contacts:
            record(actor=actor, action="contact.deleted", obj=contact, before={"customer_id": customer.pk},
                   reason=f"erasure: {reason}")
            contact.delete()
        payments = list(Payment.objects.filter(customer=customer).only("pk", "payer_name", "payer_account"))
        changed = [p for p in payments if p.payer_name or p.payer_account]
        for p in changed:
            p.payer_name, p.payer_account = "", ""
        update_rows(Payment, changed, ["payer_name", "payer_account"])
        counts["payments' payer names and accounts emptied"] = len(changed)
        payment_ids = [p.pk for p in payments]
        objects += [("ledger.payment", str(pk)) for pk in payment_ids]
        for holder in personal.holders():
            if holder.erase is not None:
                held, held_objects = holder.erase(customer.pk, payment_ids)
                counts.update(held)
                objects += held_objects
        before = {"registration_id": bool(customer.registration_id), "tax_id": bool(customer.tax_id)}
        customer.registration_id = customer.tax_id = ""
        if name:
            customer.name = f"Erased customer {customer.account_number}"
        customer.save(update_fields=["registration_id", "tax_id", "name", "updated_at"])
        counts["audit values erased"] = audit_personal.erase(
            audit_personal.values_of(customer_id=customer.pk, objects=objects))
        record(actor=actor, action="privacy.erased", obj=customer, reason=reason,
               before={"had": before, "name_erased": name}, after=counts)
    return counts


def erase_person(*, actor: Any, email: str, reason: str) -> dict[str, int]:
    """Erase one person (by e-mail address): their contact entries are deleted, and their values in the audit
    trail erased."""
    authorize(actor, "manage_personal_data")
    reason = _reason(reason)
    with transaction.atomic():
        contacts = _contacts_by_email(email)
        objects = [("ledger.contact", str(c.pk)) for c in contacts]
        for contact in contacts:
            record(actor=actor, action="contact.deleted", obj=contact, before={"customer_id": contact.customer_id},
                   reason=f"erasure: {reason}")
            contact.delete()
        counts = {"contacts deleted": len(contacts),
                  "audit values erased": audit_personal.erase(audit_personal.values_of(objects=objects))}
        record(actor=actor, action="privacy.erased", object_type="ledger.contact",
               object_id=",".join(i for _t, i in objects)[:80], object_repr="a person's contact entries",
               reason=reason, after=counts)
    return counts


def purge(*, actor: Any, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete what the retention settings no longer keep (each context its own), audited with the counts."""
    authorize(actor, "manage_personal_data")
    now = now or timezone.now()
    counts: dict[str, int] = {}
    with transaction.atomic():
        for holder in personal.holders():
            if holder.purge is not None:
                counts.update(holder.purge(now))
        record(actor=actor, action="privacy.purged", object_type="privacy", object_id="retention",
               object_repr="retention", after=counts)
    return counts

