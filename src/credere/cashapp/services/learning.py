"""Learning the payers: the bank accounts, bank-written names and references (customer or
contract numbers) a customer's payments arrive under, so that the next ones are recognised."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from credere.audit.services import actor_name, record, record_many, snapshot
from credere.cashapp.models import CustomerBankAccount, PayerAlias, PayerLesson, PayerReference
from credere.cashapp.policies import policy_in_force
from credere.cashapp.services.errors import field_error
from credere.core.bulk import insert_rows
from credere.core.errors import Conflict
from credere.domain.matching import MatchingPolicy
from credere.domain.matching.batch import normalise_account
from credere.domain.matching.names import normalise_name
from credere.domain.matching.references import candidates, names_the_payer
from credere.domain.matching.references import normalise as normalise_reference
from credere.identity.authz import authorize
from credere.ledger.models import Customer, OpenItem, Payment


def learn_account(actor: Any, payment: Payment, customer_id: int, known: dict[str, tuple[int, bool]],
                  decision: str) -> None:
    """After an automatic match: learn the payer's account unless it is known already (``known``,
    read once per run and kept up to date here, spares a query per payment)."""
    account = normalise_account(payment.payer_account)
    seen = known.get(account) if account else None
    if not account or (seen is not None and (seen[0] == customer_id or seen[1])):
        return  # known for this customer, or already shared
    learn_payer(actor=actor, payment=payment, customer_id=customer_id, decision=decision, names=False)
    row = CustomerBankAccount.objects.filter(account=account).values_list("customer_id", "shared").first()
    if row is not None:
        known[account] = row


def learn_accounts(actor: Any, taught: Sequence[tuple[Payment, int, str]], known: dict[str, tuple[int, bool]]) -> None:
    """:func:`learn_account` for many automatic matches (payment, customer id, decision), in order, with
    the accounts seen for the first time learned in bulk: a lesson, the account and its audit event
    each, exactly what :func:`learn_account` writes for them. The others go one by one."""
    keys = [normalise_account(payment.payer_account) for payment, _c, _d in taught]
    counts: dict[str, int] = {}
    for key in keys:
        if key:
            counts[key] = counts.get(key, 0) + 1
    # taught for the first time: unknown, once in this batch, no standing lesson of another decision
    fresh = {k for k, n in counts.items() if n == 1 and k not in known}
    fresh -= set(PayerLesson.objects.filter(kind=PayerLesson.Kind.ACCOUNT, key__in=sorted(fresh),
                                            undone_at__isnull=True).values_list("key", flat=True))
    fresh -= set(CustomerBankAccount.objects.filter(account__in=sorted(fresh)).values_list("account", flat=True))
    who = actor_name(actor)
    lessons: list[PayerLesson] = []
    rows: list[CustomerBankAccount] = []
    with transaction.atomic():
        for (payment, customer_id, decision), key in zip(taught, keys, strict=True):
            if key not in fresh:
                learn_account(actor, payment, customer_id, known, decision)
                continue
            lessons.append(PayerLesson(kind=PayerLesson.Kind.ACCOUNT, key=key, label=(payment.payer_account or "")[:300],
                                       customer_id=customer_id, payment=payment, decision=decision, created_by=who))
            rows.append(CustomerBankAccount(account=key, source=CustomerBankAccount.Source.LEARNED, created_by=who,
                                            customer_id=customer_id, shared=False, learned_from_id=payment.pk))
            known[key] = (customer_id, False)
        insert_rows(PayerLesson, lessons)
        insert_rows(CustomerBankAccount, rows)
        record_many(actor=actor, events=[{
            "action": "customer_bank_account.learned", "object_type": CustomerBankAccount._meta.label_lower,
            "object_id": row.pk, "object_repr": str(row)[:300], "after": snapshot(row),
            "reason": f"payment {lesson.payment.reference}" if lesson.payment else ""}
            for row, lesson in zip(rows, lessons, strict=True)])


def learn_payer(*, actor: Any, payment: Payment, customer_id: int, decision: str, names: bool = True,
                items: Sequence[OpenItem] = ()) -> None:
    """Remember the payer's bank account (and, after a clerk's decision, the name the bank wrote
    and the references naming the payer) for ``customer_id``, so that the next payments from them
    are recognised: a lesson of ``decision`` each (``"proposal:<id>"``, ``"on_account:<id>"``),
    which undoing the decision takes back (:func:`unlearn`). ``items``: the items the payment was
    matched to (their references are documents, not the payer's)."""
    with transaction.atomic():
        account = normalise_account(payment.payer_account)
        if account:
            _lesson(actor, payment, customer_id, decision, PayerLesson.Kind.ACCOUNT, account, payment.payer_account)
        if not names or not payment.payer_name.strip():
            return
        policy = policy_in_force().matching_policy()
        key = normalise_name(payment.payer_name, frozenset(policy.legal_forms), dict(policy.abbreviations))
        customer = Customer.objects.get(pk=customer_id)
        own = normalise_name(customer.name, frozenset(policy.legal_forms), dict(policy.abbreviations))
        if key and key != own:
            _lesson(actor, payment, customer_id, decision, PayerLesson.Kind.NAME, key[:200], payment.payer_name)
        _learn_references(actor, payment, customer_id, decision, items, policy)


def _learn_references(actor: Any, payment: Payment, customer_id: int, decision: str, items: Sequence[OpenItem],
                      policy: MatchingPolicy) -> None:
    """Remember references in the payment text that name the payer rather than a document."""
    size = policy.min_reference_length
    document_keys = {normalise_reference(ref, size) for item in items
                     for ref in (item.document_number, item.order_reference, item.billing_reference,
                                 item.customer_reference) if ref}

    def ends_a_document(digits: str) -> bool:
        return OpenItem.objects.filter(company_id=payment.company_id, document_number__endswith=digits).exists()

    for key in candidates(payment.reference_text or "", size):
        if names_the_payer(key, amount=payment.amount, document_keys=document_keys,
                           ends_a_document=ends_a_document):
            _lesson(actor, payment, customer_id, decision, PayerLesson.Kind.REFERENCE, key[:100],
                    payment.reference_text)


def _lesson(actor: Any, payment: Payment, customer_id: int, decision: str, kind: str, key: str, label: str) -> None:
    live = PayerLesson.objects.filter(kind=kind, key=key, undone_at__isnull=True)
    if live.filter(decision=decision, customer_id=customer_id).exists():
        return
    PayerLesson.objects.create(kind=kind, key=key, label=(label or "")[:300], customer_id=customer_id,
                               payment=payment, decision=decision, created_by=actor_name(actor))
    settle(actor, kind, key, f"payment {payment.reference}")


def settle(actor: Any, kind: str, key: str, why: str) -> None:
    """Make the learned row of ``key`` what the standing lessons say (audited when it changes): the
    first customer taught owns it; an account taught for two customers is shared (it identifies
    neither), a reference taught for two names no one; with no lesson left it is forgotten. A bank
    account a clerk entered by hand keeps its customer."""
    lessons = list(PayerLesson.objects.filter(kind=kind, key=key, undone_at__isnull=True).order_by("id"))
    customers = list(dict.fromkeys(x.customer_id for x in lessons))
    first = lessons[0] if lessons else None
    if kind == PayerLesson.Kind.ACCOUNT:
        account = CustomerBankAccount.objects.select_for_update().filter(account=key).first()
        if account is not None and account.source == CustomerBankAccount.Source.MANUAL:
            _update(actor, account, {"shared": any(c != account.customer_id for c in customers)},
                    "customer_bank_account", why)
        elif first is None or first.customer_id is None:
            _forget(actor, account, "customer_bank_account", why)
        else:
            wanted = {"customer_id": first.customer_id, "shared": len(customers) > 1, "learned_from_id": first.payment_id}
            if account is None:
                row = CustomerBankAccount.objects.create(account=key, source=CustomerBankAccount.Source.LEARNED,
                                                         created_by=actor_name(actor), **wanted)
                record(actor=actor, action="customer_bank_account.learned", obj=row, after=snapshot(row), reason=why)
            else:
                _update(actor, account, wanted, "customer_bank_account", why)
    elif kind == PayerLesson.Kind.NAME:
        alias = PayerAlias.objects.select_for_update().filter(key=key).first()
        if first is None or first.customer_id is None:
            _forget(actor, alias, "payer_alias", why)
        elif alias is None:
            named = PayerAlias.objects.create(customer_id=first.customer_id, name=first.label[:200], key=key,
                                              learned_from_id=first.payment_id, created_by=actor_name(actor))
            record(actor=actor, action="payer_alias.learned", obj=named, after=snapshot(named), reason=why)
        else:
            _update(actor, alias, {"customer_id": first.customer_id, "name": first.label[:200] or alias.name,
                                   "learned_from_id": first.payment_id}, "payer_alias", why)
    else:
        reference = PayerReference.objects.select_for_update().filter(key=key).first()
        if first is None:
            _forget(actor, reference, "payer_reference", why)
        elif reference is None:
            written = PayerReference.objects.create(
                customer_id=first.customer_id if len(customers) == 1 else None, key=key, example=first.label[:300],
                learned_from_id=first.payment_id, created_by=actor_name(actor))
            record(actor=actor, action="payer_reference.learned", obj=written, after=snapshot(written), reason=why)
        else:
            _update(actor, reference, {"customer_id": first.customer_id if len(customers) == 1 else None,
                                       "learned_from_id": first.payment_id}, "payer_reference", why)


def _update(actor: Any, row: Any, wanted: dict[str, Any], name: str, why: str) -> None:
    changed = [k for k, v in wanted.items() if getattr(row, k) != v]
    if not changed:
        return
    before = snapshot(row)
    for k in changed:
        setattr(row, k, wanted[k])
    row.save(update_fields=[k.removesuffix("_id") if k.endswith("_id") else k for k in changed])
    action = ("shared" if wanted.get("shared") else "unshared") if changed == ["shared"] else "relearned"
    if name == "payer_reference" and changed[:1] == ["customer_id"] and wanted["customer_id"] is None:
        action = "ambiguous"
    record(actor=actor, action=f"{name}.{action}", obj=row, before=before, after=snapshot(row), reason=why)


def _forget(actor: Any, row: Any, name: str, why: str) -> None:
    if row is None:
        return
    before = snapshot(row)
    row.delete()
    record(actor=actor, action=f"{name}.unlearned", obj=row, before=before, reason=why)


def unlearn(*, actor: Any, decision: str, reason: str) -> int:
    """Take back what ``decision`` taught (it was undone); what another standing decision taught
    too stays. How many lessons were taken back."""
    with transaction.atomic():
        lessons = list(PayerLesson.objects.select_for_update().filter(decision=decision, undone_at__isnull=True))
        now = timezone.now()
        for lesson in lessons:
            lesson.undone_at, lesson.undone_by, lesson.undone_reason = now, actor_name(actor), reason[:300]
            lesson.save(update_fields=["undone_at", "undone_by", "undone_reason"])
        for kind, key in sorted({(x.kind, x.key) for x in lessons}):
            settle(actor, kind, key, f"{decision.replace(':', ' ')} undone: {reason}"[:300])
    return len(lessons)


def forget(*, actor: Any, kind: str, key: str, reason: str) -> int:
    """A clerk removes what was learned (an account, a name or a reference): every standing lesson
    of it is taken back, audited; a later decision may teach it again."""
    authorize(actor, "allocate")
    if not (reason or "").strip():
        raise field_error("reason", "say why Credere should forget it")
    with transaction.atomic():
        lessons = list(PayerLesson.objects.select_for_update().filter(kind=kind, key=key, undone_at__isnull=True))
        now = timezone.now()
        for lesson in lessons:
            lesson.undone_at, lesson.undone_by, lesson.undone_reason = now, actor_name(actor), reason.strip()[:300]
            lesson.save(update_fields=["undone_at", "undone_by", "undone_reason"])
        settle(actor, kind, key, f"removed by a clerk: {reason.strip()}"[:300])
    return len(lessons)


def add_customer_bank_account(*, actor: Any, customer: Customer, account: str) -> CustomerBankAccount:
    """A bank account a customer pays from, entered by hand (an IBAN is checked)."""
    authorize(actor, "edit_customers")
    number = normalise_account(account)
    if not number:
        raise field_error("account", "give an IBAN or account number")
    if number[:2].isalpha() and number[2:4].isdigit():
        try:
            IBAN(number)
        except SchwiftyException as exc:
            raise field_error("account", f"{number} is not a valid IBAN ({exc})") from None
    with transaction.atomic():
        existing = CustomerBankAccount.objects.select_related("customer").filter(account=number).first()
        if existing is not None:
            raise Conflict(f"account {number} is already known for {existing.customer.account_number}",
                           code="duplicate", fields=[{"field": "account", "message": "already known"}])
        row = CustomerBankAccount.objects.create(customer=customer, account=number,
                                                 source=CustomerBankAccount.Source.MANUAL,
                                                 created_by=actor_name(actor))
        record(actor=actor, action="customer_bank_account.created", obj=row, after=snapshot(row))
    return row
