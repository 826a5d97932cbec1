"""Learning the payers: the bank accounts, bank-written names and references (customer or
contract numbers) a customer's payments arrive under, so that the next ones are recognised."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from credere.audit.services import actor_name, record, snapshot
from credere.cashapp.models import CustomerBankAccount, PayerAlias, PayerReference
from credere.cashapp.policies import policy_in_force
from credere.cashapp.services.errors import field_error
from credere.core.errors import Conflict
from credere.domain.matching import MatchingPolicy
from credere.domain.matching.batch import normalise_account
from credere.domain.matching.names import normalise_name
from credere.domain.matching.references import candidates, names_the_payer
from credere.domain.matching.references import normalise as normalise_reference
from credere.identity.authz import authorize
from credere.ledger.models import Customer, OpenItem, Payment


def learn_account(actor: Any, payment: Payment, customer_id: int, known: dict[str, tuple[int, bool]]) -> None:
    """After an automatic match: learn the payer's account unless it is known already (``known``,
    read once per run and kept up to date here, spares a query per payment)."""
    account = normalise_account(payment.payer_account)
    seen = known.get(account) if account else None
    if not account or (seen is not None and (seen[0] == customer_id or seen[1])):
        return  # known for this customer, or already shared
    learn_payer(actor=actor, payment=payment, customer_id=customer_id, names=False)
    row = CustomerBankAccount.objects.filter(account=account).values_list("customer_id", "shared").first()
    if row is not None:
        known[account] = row


def learn_payer(*, actor: Any, payment: Payment, customer_id: int, names: bool = True,
                items: Sequence[OpenItem] = ()) -> None:
    """Remember the payer's bank account (and, after a clerk's decision, the name the bank wrote
    and the references naming the payer) for ``customer_id``, so that the next payments from them
    are recognised. ``items``: the items the payment was matched to (their references are documents,
    not the payer's)."""
    with transaction.atomic():
        account = normalise_account(payment.payer_account)
        known = CustomerBankAccount.objects.select_for_update().filter(account=account).first() if account else None
        if account and known is None:
            row = CustomerBankAccount.objects.create(customer_id=customer_id, account=account,
                                                     source=CustomerBankAccount.Source.LEARNED,
                                                     learned_from=payment, created_by=actor_name(actor))
            record(actor=actor, action="customer_bank_account.learned", obj=row, after=snapshot(row),
                   reason=f"payment {payment.reference}")
        elif known is not None and known.customer_id != customer_id and not known.shared:
            # one account paying for two customers (a parent, a payment service): evidence for neither
            before = snapshot(known)
            known.shared = True
            known.save(update_fields=["shared"])
            record(actor=actor, action="customer_bank_account.shared", obj=known, before=before,
                   after=snapshot(known), reason=f"payment {payment.reference} was for another customer")
        if not names or not payment.payer_name.strip():
            return
        policy = policy_in_force().matching_policy()
        key = normalise_name(payment.payer_name, frozenset(policy.legal_forms), dict(policy.abbreviations))
        customer = Customer.objects.get(pk=customer_id)
        own = normalise_name(customer.name, frozenset(policy.legal_forms), dict(policy.abbreviations))
        if key and key != own and not PayerAlias.objects.filter(key=key).exists():
            alias = PayerAlias.objects.create(customer_id=customer_id, name=payment.payer_name[:200], key=key[:200],
                                              learned_from=payment, created_by=actor_name(actor))
            record(actor=actor, action="payer_alias.learned", obj=alias, after=snapshot(alias),
                   reason=f"payment {payment.reference}")
    _learn_references(actor, payment, customer_id, items, policy)


def _learn_references(actor: Any, payment: Payment, customer_id: int, items: Sequence[OpenItem],
                      policy: MatchingPolicy) -> None:
    """Remember references in the payment text that name the payer rather than a document."""
    size = policy.min_reference_length
    document_keys = {normalise_reference(ref, size) for item in items
                     for ref in (item.document_number, item.order_reference, item.billing_reference,
                                 item.customer_reference) if ref}

    def ends_a_document(digits: str) -> bool:
        return OpenItem.objects.filter(company_id=payment.company_id, document_number__endswith=digits).exists()

    for key in candidates(payment.reference_text or "", size):
        if not names_the_payer(key, amount=payment.amount, document_keys=document_keys,
                               ends_a_document=ends_a_document):
            continue
        with transaction.atomic():
            row = PayerReference.objects.select_for_update().filter(key=key).first()
            if row is None:
                row = PayerReference.objects.create(customer_id=customer_id, key=key,
                                                    example=payment.reference_text[:300], learned_from=payment,
                                                    created_by=actor_name(actor))
                record(actor=actor, action="payer_reference.learned", obj=row, after=snapshot(row),
                       reason=f"payment {payment.reference}")
            elif row.customer_id not in (None, customer_id):
                before = snapshot(row)
                row.customer = None
                row.save(update_fields=["customer"])
                record(actor=actor, action="payer_reference.ambiguous", obj=row, before=before,
                       after=snapshot(row), reason=f"payment {payment.reference} names another customer")


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
