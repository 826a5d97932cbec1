"""Cover: credit insurance and securities that reduce what a customer's default would cost.

Securities (a deposit, a bank guarantee, a letter of credit) cover up to their amount. Credit
insurance pays its coverage share of the loss up to the insured amount, on what the securities
leave uncovered. Cover never exceeds the exposure, and expired cover or a kind the policy does
not count covers nothing. The one rounding: an insurance share is rounded *down* to the
currency's minor unit (cover is never overstated).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from credere.domain.money import quantize

ZERO = Decimal(0)
INSURANCE = "insurance"
GUARANTEE = "guarantee"
LETTER_OF_CREDIT = "letter_of_credit"
DEPOSIT = "deposit"
#: every kind, in the order cover is applied: the securities first, then insurance on the rest
KINDS = (DEPOSIT, GUARANTEE, LETTER_OF_CREDIT, INSURANCE)
LABELS = {INSURANCE: "Credit insurance", GUARANTEE: "Bank guarantee", LETTER_OF_CREDIT: "Letter of credit",
          DEPOSIT: "Deposit"}


@dataclass(frozen=True, slots=True)
class CoverTerms:
    kind: str
    #: the insured amount or the security's amount, in the exposure's currency
    amount: Decimal
    #: the insurer's share of a loss, in percent (securities: 100)
    coverage_pct: Decimal = Decimal(100)
    valid_from: dt.date | None = None
    expires_on: dt.date | None = None

    def in_force(self, on: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.expires_on is None or self.expires_on >= on)


def covered(exposure: Decimal, covers: Iterable[CoverTerms], on: dt.date, currency: str,
            counting: Iterable[str] = KINDS) -> Decimal:
    """How much of ``exposure`` the covers in force on ``on`` take (0 ≤ result ≤ max(exposure, 0))."""
    kinds = set(counting)
    rest = max(exposure, ZERO)
    total = quantize(ZERO, currency)
    for c in sorted((c for c in covers if c.kind in kinds and c.in_force(on) and c.amount > 0),
                    key=lambda c: KINDS.index(c.kind)):
        if rest <= 0:
            break
        part = min(rest, c.amount)
        if c.kind == INSURANCE:
            part = quantize(part * min(c.coverage_pct, Decimal(100)) / 100, currency, ROUND_DOWN)
        rest -= part
        total += part
    return total
