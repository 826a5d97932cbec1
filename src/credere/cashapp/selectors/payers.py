"""What cash application knows about customers and items: how a customer pays (learned bank
accounts, names, references, money on account), what was left open on an item, and the
payment a remittance advice belongs to."""


from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import (
    Q,
)

from credere.cashapp.models import (
    Adjustment,
    CustomerBankAccount,
    OnAccount,
    PayerAlias,
    PayerReference,
)
from credere.ledger.models import Company, Payment

# --------------------------------------------------------------------------- payers


def payer_knowledge(customer_id: int) -> dict[str, Any]:
    """What Credere knows about how a customer pays: bank accounts, bank-written names, money on account."""
    return {
        "bank_accounts": list(CustomerBankAccount.objects.filter(customer_id=customer_id)
                              .select_related("learned_from").order_by("account")),
        "aliases": list(PayerAlias.objects.filter(customer_id=customer_id).select_related("learned_from")
                        .order_by("key")),
        "references": list(PayerReference.objects.filter(customer_id=customer_id).select_related("learned_from")
                           .order_by("key")),
        "on_account": list(OnAccount.objects.filter(customer_id=customer_id, released_at__isnull=True)
                           .select_related("payment").order_by("-created_at")),
    }


def adjustments_of_item(item_id: int) -> list[Any]:
    """What cash application left open on an item on purpose (deductions, discounts, bank charges)."""
    return list(Adjustment.objects.filter(item_id=item_id).select_related("payment").order_by("-created_at"))


# --------------------------------------------------------------------------- remittance advices


def find_payment_for_advice(company: Company, reference: str, amount: Decimal | None, currency: str,
                            date: dt.date | None, among: Sequence[Payment] | None = None) -> Payment | None:
    """The payment an advice describes: by bank or end-to-end reference, else by one amount on one date."""
    qs = Payment.objects.filter(company=company)
    if among is not None:
        qs = qs.filter(pk__in=[p.pk for p in among])
    ref = reference.strip()
    if ref:
        hit = list(qs.filter(Q(reference=ref) | Q(bank_transaction__bank_reference=ref)
                             | Q(bank_transaction__end_to_end_id=ref))[:2])
        if len(hit) == 1:
            return hit[0]
    if amount is not None and currency and date is not None:
        near = list(qs.filter(amount=amount, currency=currency, received_on__gte=date - dt.timedelta(days=5),
                              received_on__lte=date + dt.timedelta(days=5))[:2])
        if len(near) == 1:
            return near[0]
    return None
