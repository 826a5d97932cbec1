"""Exposure: what a customer (or a corporate group) owes and has ordered, less what covers it.

All amounts are in one currency (the limit's), converted by the caller at the reference rate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from credere.domain.aging import convert_with
from credere.domain.credit.cover import CoverTerms, covered
from credere.domain.fx import convert_rounded
from credere.domain.money import quantum

ZERO = Decimal(0)
#: commitments besides receivables and orders: goods shipped and not invoiced, other commitments
COMMITMENT_KINDS = ("shipped", "other")


@dataclass(frozen=True, slots=True)
class Exposure:
    currency: str
    #: open receivables: invoices and debit notes less open credit notes (may be negative)
    receivables: Decimal = ZERO
    #: accepted orders not yet invoiced or cancelled
    orders: Decimal = ZERO
    #: insurance and securities in force that the policy lets count against exposure
    cover: Decimal = ZERO
    #: goods shipped and not yet invoiced, and other commitments to the customer, of the kinds the
    #: policy counts
    commitments: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.receivables + self.orders + self.commitments

    @property
    def uncovered(self) -> Decimal:
        return max(self.total - self.cover, ZERO)

    def plus_order(self, amount: Decimal) -> Exposure:
        return Exposure(self.currency, self.receivables, self.orders + amount, self.cover, self.commitments)


def utilisation(exposure: Decimal, limit: Decimal) -> Decimal | None:
    """Exposure as a percentage of the limit, two decimals; None without a positive limit."""
    if limit <= 0:
        return None
    return (exposure * 100 / limit).quantize(Decimal("0.01"))


def headroom(exposure: Decimal, limit: Decimal) -> Decimal:
    """What is left of the limit (negative when over)."""
    return limit - exposure


def assemble(currency: str, receivables: Mapping[str, Decimal], orders: Mapping[str, Decimal],
             covers: Iterable[tuple[str, CoverTerms]], rate: Mapping[str, Decimal], on: dt.date,
             counting: Iterable[str], commitments: Mapping[str, Decimal] | None = None) -> Exposure:
    """Exposure in ``currency`` from per-currency sums and the covers (each in its own currency).

    ``rate[c]`` converts ``c`` to ``currency``. Each per-currency sum and each cover amount is
    converted once and rounded half-even (the conversion rule of :func:`convert_with`).
    """
    tq = quantum(currency)
    r = convert_with(receivables, rate, currency)
    o = convert_with(orders, rate, currency)
    c = convert_with(commitments, rate, currency) if commitments else ZERO
    terms = [CoverTerms(t.kind, t.amount if cur == currency else convert_rounded(t.amount, rate[cur], tq),
                        t.coverage_pct, t.valid_from, t.expires_on) for cur, t in covers]
    return Exposure(currency, r, o, covered(r + o + c, terms, on, currency, counting), c)


def currencies_of(receivables: Mapping[str, Decimal], orders: Mapping[str, Decimal],
                  covers: Iterable[tuple[str, CoverTerms]], commitments: Mapping[str, Decimal] | None = None
                  ) -> set[str]:
    """The currencies :func:`assemble` needs a rate for."""
    return ({c for c, a in receivables.items() if a} | {c for c, a in orders.items() if a}
            | {c for c, a in (commitments or {}).items() if a} | {c for c, _ in covers})
