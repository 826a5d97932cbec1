"""The simulation's working records: a customer's hidden traits, and the documents,
payments and allocations of one group before they become rows; amounts in integer minor
units until :func:`to_decimal` turns them into ``Decimal``.
"""

from __future__ import annotations

from decimal import Decimal

from credere.demo.generator.reference import CURRENCIES


class Profile:
    """One customer's hidden traits: who they are, how much they buy, how they pay."""

    __slots__ = (
        "id", "account", "name", "country", "lang", "company_id", "currency", "second", "industry", "trade",
        "typical", "rate", "terms_id", "behaviour", "since", "until", "default_on", "base_delay", "turn", "slope",
        "run", "run_weekday", "payer", "bank_account", "status", "stem", "legal", "parent_id", "domain",
    )
    id: int
    account: str
    name: str
    country: str
    lang: str
    company_id: int
    currency: str
    industry: str
    trade: str
    typical: int  # typical invoice in EUR cents
    rate: float  # invoices per year
    terms_id: int
    behaviour: str
    since: int  # date ordinals from here on
    until: int
    base_delay: int
    run: int  # 0 = a payment per invoice, 1 = same-day invoices together, 7/14/30 = payment runs
    run_weekday: int
    bank_account: str
    status: str
    stem: str
    legal: str
    domain: str

    def __init__(self) -> None:
        self.second: tuple[int, str, int] | None = None  # (company id, currency, share of invoices in %)
        self.default_on: int | None = None
        self.turn = 0  # deteriorating: when it starts
        self.slope = 0  # deteriorating: extra days late per 1000 days
        self.parent_id: int | None = None
        self.payer: Profile = self


class Item:
    """An invoice, debit note or credit note (negative amount)."""

    __slots__ = ("seq", "kind", "company_id", "customer_id", "doc", "due", "currency", "amount", "order_ref",
                 "customer_ref", "billing_of", "id", "number", "settled", "first_alloc")

    def __init__(self, seq: int, kind: str, company_id: int, customer_id: int, doc: int, due: int, currency: str,
                 amount: int) -> None:
        self.seq, self.kind, self.company_id, self.customer_id = seq, kind, company_id, customer_id
        self.doc, self.due, self.currency, self.amount = doc, due, currency, amount
        self.order_ref = ""
        self.customer_ref = ""
        self.billing_of: Item | None = None
        self.id = 0
        self.number = ""
        self.settled = 0  # allocated (targets) or used (credit notes), active allocations only
        self.first_alloc = 1 << 40


class Payment:
    """Cash received: from one payer on one day, for one or more items (``parts``)."""

    __slots__ = ("seq", "company_id", "customer_id", "day", "currency", "amount", "payer_name", "payer_account",
                 "text", "id", "used", "applied_on", "parts")

    def __init__(self, seq: int, company_id: int, customer_id: int | None, day: int, currency: str) -> None:
        self.seq, self.company_id, self.customer_id, self.day, self.currency = seq, company_id, customer_id, day, currency
        self.amount = 0
        self.payer_name = ""
        self.payer_account = ""
        self.text = ""
        self.id = 0
        self.used = 0
        self.applied_on = day
        self.parts: list[tuple[Item, int]] = []


class Alloc:
    """A payment or credit note applied to an item (``reversed`` when it was undone)."""

    __slots__ = ("seq", "target", "payment", "credit", "amount", "applied", "reversed", "note")

    def __init__(self, seq: int, target: Item, payment: Payment | None, credit: Item | None, amount: int,
                 applied: int, note: str = "") -> None:
        self.seq, self.target, self.payment, self.credit = seq, target, payment, credit
        self.amount, self.applied, self.note = amount, applied, note
        self.reversed: int | None = None


#: A planned payment: (payer profile, item, amount in minor units, day, may join a payment run).
Event = tuple[Profile, Item, int, int, bool]


_POW10 = (1, 10, 100, 1000)


def minor_units(eur_cents: int, currency: str) -> int:
    """An amount in EUR cents converted to minor units of ``currency`` at its fixed factor (at least 1)."""
    places, num, den = CURRENCIES[currency]
    return max(1, eur_cents * num * _POW10[places] // (den * 100))


def to_decimal(minor: int, currency: str) -> Decimal:
    """Minor units as a ``Decimal`` quantised to the currency's minor unit."""
    return Decimal(minor).scaleb(-CURRENCIES[currency][0])
