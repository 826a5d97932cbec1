"""How a decided match settles: credit notes netted against invoices, cash for the rest, and
what stays open on purpose (a cash discount, a deduction, bank charges).

The service locks the rows, then carries out the plan allocation by allocation; this module
decides the order and the amounts, so that the money always adds up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal

from credere.domain.matching import reasons as R

#: Kinds of money left open on an item by a match (the stored adjustment's ``kind``).
DISCOUNT = "discount"
DEDUCTION = "deduction"
BANK_CHARGES = "bank_charges"
SMALL_DIFFERENCE = "small_difference"


@dataclass(frozen=True, slots=True)
class SettlementLine:
    """One line of a decided match: an item and what the match applies to it."""

    line_id: int
    item_id: int
    currency: str
    due_date: dt.date
    is_credit: bool
    #: Applied to the item, in its currency; for a credit note the credit used, negative.
    amount: Decimal
    #: The same, in the payment's currency.
    payment_amount: Decimal
    discount: Decimal = Decimal(0)
    deduction: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Netting:
    """Credit of a credit note's line used against an invoice's line (item currency)."""

    credit_line: int
    target_line: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Cash:
    """Money of the payment applied to a line's item (item currency); ``source_amount`` is what
    it takes from the payment in the payment's currency when the two differ (else None)."""

    line_id: int
    amount: Decimal
    source_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AdjustmentPart:
    line_id: int
    kind: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class SettlementPlan:
    #: In the order to carry them out: nettings first, then cash line by line.
    nettings: tuple[Netting, ...]
    cash: tuple[Cash, ...]
    adjustments: tuple[AdjustmentPart, ...]


class CreditNotNetted(ValueError):
    """A credit note's line asks for more credit than its invoices in the match can take."""

    def __init__(self, line_id: int) -> None:
        super().__init__(f"the credit of line {line_id} cannot be netted in full")
        self.line_id = line_id


def adjustments(discount: Decimal, deduction: Decimal, reasons: Collection[str]) -> list[tuple[str, Decimal]]:
    """What a line leaves open on its item on purpose: the discount granted, and the short payment
    (bank charges when the match says so, else a deduction to clear up)."""
    out: list[tuple[str, Decimal]] = []
    if discount > 0:
        out.append((DISCOUNT, discount))
    if deduction > 0:
        kind = (SMALL_DIFFERENCE if R.SMALL_DIFFERENCE in reasons else BANK_CHARGES if R.BANK_CHARGES in reasons
                else DEDUCTION)
        out.append((kind, deduction))
    return out


def plan_settlement(lines: Sequence[SettlementLine], *, payment_currency: str,
                    reasons: Collection[str]) -> SettlementPlan:
    """Each credit note (in line order) is netted against the invoices of its currency, oldest due
    first, until its credit is used up (:class:`CreditNotNetted` if it cannot be); what is left of
    each invoice's line is paid in cash. A line in another currency than the payment's and not
    netted takes its stated ``payment_amount`` from the payment."""
    credits = [ln for ln in lines if ln.is_credit]
    targets = [ln for ln in lines if not ln.is_credit]
    oldest_first = sorted(targets, key=lambda ln: (ln.due_date, ln.item_id))
    covered: dict[int, Decimal] = {}
    nettings: list[Netting] = []
    for credit in credits:
        left = -credit.amount
        for line in oldest_first:
            if left <= 0:
                break
            if line.currency != credit.currency:
                continue
            take = min(left, line.amount - covered.get(line.line_id, Decimal(0)))
            if take <= 0:
                continue
            nettings.append(Netting(credit.line_id, line.line_id, take))
            covered[line.line_id] = covered.get(line.line_id, Decimal(0)) + take
            left -= take
        if left > 0:
            raise CreditNotNetted(credit.line_id)
    cash: list[Cash] = []
    parts: list[AdjustmentPart] = []
    for line in targets:
        rest = line.amount - covered.get(line.line_id, Decimal(0))
        if rest > 0:
            foreign = payment_currency != line.currency and not covered.get(line.line_id)
            cash.append(Cash(line.line_id, rest, line.payment_amount if foreign else None))
        parts += [AdjustmentPart(line.line_id, kind, amount)
                  for kind, amount in adjustments(line.discount, line.deduction, reasons)]
    return SettlementPlan(tuple(nettings), tuple(cash), tuple(parts))
