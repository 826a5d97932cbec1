"""Proposals that follow a payer's remittance advice: the payer's own split of a payment.

An advice names the documents a payment settles, with the amount paid on each and any
deduction. When every line names one open invoice in the payment's currency, no item is
taken beyond what is open, and the lines add up to the whole payment, the advice is the
proposal; otherwise the engine decides as for any payment.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from credere.domain.matching import reasons as R
from credere.domain.matching.policy import MatchingPolicy
from credere.domain.matching.values import Link, OpenItem, Proposal

_CONFIDENCE = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class AdviceLine:
    document_number: str
    #: Paid on the document as the advice states it; None: what is open less the deduction.
    amount: Decimal | None = None
    #: Left unpaid on the document on purpose (a deduction), if the advice says so.
    deduction: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AdvisedPayment:
    payment_id: str
    currency: str
    #: The payment's whole amount, and what of it is still unapplied (an advice only guides a
    #: payment nothing was applied from yet).
    amount: Decimal
    unapplied: Decimal
    lines: tuple[AdviceLine, ...]


def advice_confidence(policy: MatchingPolicy) -> Decimal:
    """An exact reference and an exact amount for every line, combined by noisy-OR."""
    return (Decimal(1) - (1 - policy.weight_reference_exact) * (1 - policy.weight_amount_exact)).quantize(_CONFIDENCE)


def _invoices_by_number(items: Sequence[OpenItem]) -> dict[str, OpenItem | None]:
    """Open invoices by document number; a number two items share names neither (None)."""
    out: dict[str, OpenItem | None] = {}
    for item in items:
        if not item.is_credit:
            out[item.document_number] = None if item.document_number in out else item
    return out


def _links(payment: AdvisedPayment, by_number: dict[str, OpenItem | None],
           remaining: dict[str, Decimal]) -> tuple[list[Link], dict[str, Decimal], set[str]] | None:
    """The links an advice asks for, what each item gives, and the items' customers; None when a
    line cannot be followed (unknown or shared number, other currency, more than is open)."""
    links: list[Link] = []
    taken: dict[str, Decimal] = {}
    owners: set[str] = set()
    for line in payment.lines:
        target = by_number.get(line.document_number)
        if target is None or target.currency != payment.currency:
            return None
        short = line.deduction or Decimal(0)
        paid = line.amount if line.amount is not None else remaining[target.item_id] - short
        already = taken.get(target.item_id, Decimal(0))
        if paid <= 0 or short < 0 or paid + short + already > remaining[target.item_id]:
            return None
        taken[target.item_id] = already + paid + short
        owners.add(target.customer_account)
        links.append(Link(target.item_id, paid, paid, Decimal(0), short))
    return links, taken, owners


def propose_from_advices(payments: Sequence[AdvisedPayment], items: Sequence[OpenItem],
                         policy: MatchingPolicy) -> tuple[dict[str, Proposal], list[OpenItem]]:
    """A proposal for each payment whose advice can be followed in full (see the module), in the
    order given; and the open items as the engine should then see them, less what the advices took
    (an item left with nothing open is dropped)."""
    by_number = _invoices_by_number(items)
    remaining = {item.item_id: item.amount for item in items}
    confidence = advice_confidence(policy)
    out: dict[str, Proposal] = {}
    for payment in payments:
        if not payment.lines or payment.unapplied != payment.amount:
            continue
        followed = _links(payment, by_number, remaining)
        if followed is None:
            continue
        links, taken, owners = followed
        if sum((ln.amount for ln in links), Decimal(0)) != payment.amount:
            continue
        for item_id, amount in taken.items():
            remaining[item_id] -= amount
        reasons = (R.REMITTANCE_ADVICE, R.REFERENCE_EXACT, R.AMOUNT_EXACT,
                   *((R.DEDUCTION,) if any(ln.deduction for ln in links) else ()))
        out[payment.payment_id] = Proposal(
            payment.payment_id, tuple(links), confidence, reasons,
            auto_apply=confidence >= policy.auto_apply_confidence and len(owners) == 1,
            customer_account=next(iter(owners)) if len(owners) == 1 else "", unapplied=Decimal(0))
    if not out:
        return out, list(items)
    return out, [dataclasses.replace(i, amount=remaining[i.item_id]) if remaining[i.item_id] != i.amount else i
                 for i in items if remaining[i.item_id] > 0]
