"""The simulation of one group's trade: invoices with seasonality, debit and credit notes
(returns, disputes, cash discounts), and how each item gets paid — on time or late by the
customer's behaviour, in instalments, in payment runs, short or over, with misapplied and
reversed allocations, unidentified cash, and cash not yet applied.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from credere.demo.generator.dates import next_business, prev_business
from credere.demo.generator.draws import between
from credere.demo.generator.records import Alloc, Event, Item, Payment, Profile, minor_units, to_decimal
from credere.demo.generator.reference import INVOICE_WORD, PAYMENT_WORD, TERM_DISCOUNT, TERM_NET
from credere.demo.generator.rows import AllocationRow, Batch, ItemRow, PaymentRow

if TYPE_CHECKING:
    from credere.demo.generator.portfolio import PortfolioGenerator


class Simulation:
    """Invoices, credit/debit notes, payments and allocations of one group."""

    def __init__(self, gen: PortfolioGenerator, rng: random.Random) -> None:
        self.gen, self.rng = gen, rng
        self.end = gen.end_day
        self.items: list[Item] = []
        self.events: list[Event] = []
        self.allocs: list[Alloc] = []
        self.payments: list[Payment] = []
        self.seq = 0

    def _seq(self) -> int:
        self.seq += 1
        return self.seq

    # ------------------------------------------------------------ items

    def customer(self, p: Profile) -> None:
        rng = self.rng
        net = TERM_NET[p.terms_id]
        for doc in self.gen.invoice_days(rng, p):
            company_id, currency = p.company_id, p.currency
            if p.second is not None and between(rng, 1, 100) <= p.second[2]:
                company_id, currency = p.second[0], p.second[1]
            eur = p.typical * between(rng, 25, 220) // 100 + between(rng, 0, 99)
            item = Item(self._seq(), "invoice", company_id, p.id, doc, doc + net, currency, minor_units(eur, currency))
            if rng.random() < 0.8:
                item.order_ref = f"SO-{between(rng, 100000, 999999)}"
            if rng.random() < 0.6:
                item.customer_ref = f"PO {between(rng, 4500000000, 4599999999)}"
            self.items.append(item)
            self.settle(p, item)
            if rng.random() < 0.01:
                self.debit_note(p, item)

    def debit_note(self, p: Profile, invoice: Item) -> None:
        doc = next_business(invoice.doc + between(self.rng, 15, 60))
        if doc > self.end:
            return
        amount = max(1, invoice.amount * between(self.rng, 2, 12) // 100)
        item = Item(self._seq(), "debit_note", invoice.company_id, p.id, doc, doc + 14, invoice.currency, amount)
        item.billing_of = invoice
        item.order_ref = invoice.order_ref
        self.items.append(item)
        self.settle(p, item)

    def credit_note(self, target: Item, amount: int, day: int, applied: int | None, note: str) -> None:
        """A credit note for ``amount`` (positive minor units), applied to ``target`` on ``applied``."""
        if day > self.end:
            return
        cn = Item(self._seq(), "credit_note", target.company_id, target.customer_id, day, day, target.currency,
                   -amount)
        cn.billing_of = target
        cn.order_ref = target.order_ref
        self.items.append(cn)
        if applied is not None and applied <= self.end:
            self.allocs.append(Alloc(self._seq(), target, None, cn, amount, max(applied, day), note))

    # ------------------------------------------------------------ settlement plan

    def pay_day(self, p: Profile, item: Item) -> int:
        rng = self.rng
        b, due = p.behaviour, item.due
        if b == "prompt":
            delay = between(rng, -8, 4)
        elif b == "slow":
            delay = p.base_delay + between(rng, -6, 14)
        elif b == "chronically_late":
            delay = p.base_delay + between(rng, -15, 35)
        elif b == "deteriorating":
            delay = p.base_delay + max(0, due - p.turn) * p.slope // 1000 + between(rng, -6, 10)
        elif b == "disputing":
            delay = p.base_delay + between(rng, -5, 15)
        else:
            delay = p.base_delay + between(rng, -10, 25)
            if p.default_on is not None:
                delay += max(0, 90 - (p.default_on - due)) // 2
        if rng.random() < 0.03:  # an invoice forgotten in a drawer
            delay += between(rng, 30, 90)
        return next_business(max(due + delay, item.doc + 1))

    def settle(self, p: Profile, item: Item) -> None:
        """Plan how ``item`` gets paid: payments, credit notes, or nothing."""
        rng = self.rng
        payer = p.payer
        pay = self.pay_day(p, item)
        remaining = item.amount
        if p.default_on is not None and pay >= p.default_on:
            if pay - p.default_on < 60 and rng.random() < 0.3:  # a last partial payment
                day = next_business(max(item.doc + 1, p.default_on - between(rng, 1, 25)))
                self.events.append((payer, item, remaining * between(rng, 20, 60) // 100 or 1, day, True))
            return
        if rng.random() < (0.08 if p.behaviour == "disputing" else 0.025):  # goods returned, price corrected
            remaining = self._return(item, pay, remaining)
            if remaining == 0:
                return
        if rng.random() < (0.2 if p.behaviour == "disputing" else 0.02):
            pay = self._dispute(payer, item, pay, remaining)
            if pay == 0:
                return
        discount = TERM_DISCOUNT.get(p.terms_id)
        if discount and remaining == item.amount and rng.random() < {"prompt": 0.7, "slow": 0.15,
                                                                       "disputing": 0.3}.get(p.behaviour, 0.05):
            days, bp = discount
            day = max(item.doc, prev_business(item.doc + days - between(rng, 0, 4)))
            cut = remaining * bp // 10000
            if cut > 0:
                self.events.append((payer, item, remaining - cut, day, False))
                self.credit_note(item, cut, day, day, "Cash discount taken")
                return
        if rng.random() < {"chronically_late": 0.15, "defaulting": 0.15, "slow": 0.06,
                           "deteriorating": 0.06}.get(p.behaviour, 0.02):  # paid in instalments
            first = remaining * between(rng, 30, 70) // 100
            if first > 0:
                day = next_business(max(item.doc + 3, pay - between(rng, 15, 45)))
                self.events.append((payer, item, first, day, True))
                remaining -= first
        if rng.random() < 0.012:  # bank charges deducted from the transfer
            fee = minor_units(between(rng, 500, 3500), item.currency)
            if remaining > 10 * fee:
                remaining -= fee
        self.events.append((payer, item, remaining, pay, True))

    def _return(self, item: Item, pay: int, remaining: int) -> int:
        rng = self.rng
        day = next_business(item.doc + between(rng, 3, 30))
        share = 100 if rng.random() < 0.2 else between(rng, 5, 60)
        amount = max(1, remaining * share // 100)
        if day < pay and rng.random() < 0.85:
            self.credit_note(item, amount, day, min(pay, next_business(day + between(rng, 0, 3))),
                             "Credit note for returned goods")
            return remaining - amount
        self.credit_note(item, amount, day, None, "")  # left on the account as a credit balance
        return remaining

    def _dispute(self, payer: Profile, item: Item, pay: int, remaining: int) -> int:
        """A disputed item: short-paid, paid much later, or left open. Returns the pay day (0 = done)."""
        rng = self.rng
        r = rng.random()
        if r < 0.35:
            part = remaining * between(rng, 70, 95) // 100
            if part > 0:
                self.events.append((payer, item, part, pay, True))
            if rng.random() < 0.7:
                day = next_business(pay + between(rng, 30, 150))
                self.credit_note(item, remaining - part, day, day, "Dispute settled by credit note")
            return 0
        if r < 0.8:
            return next_business(pay + between(rng, 30, 120))
        return 0

    # ------------------------------------------------------------ payments

    def unidentified(self, profiles: list[Profile]) -> None:
        """Cash that the bank statement does not tie to a customer."""
        rng = self.rng
        for p in profiles:
            if rng.random() >= 0.004 + 0.0004 * p.rate:
                continue
            day = prev_business(self.end - between(rng, 0, 90))
            pay = Payment(self._seq(), p.company_id, None, day, p.currency)
            pay.amount = minor_units(p.typical * between(rng, 30, 150) // 100, p.currency)
            pay.payer_name = p.name.rsplit(" ", 1)[0].upper()[:35]
            pay.payer_account = p.bank_account
            pay.text = rng.choice(("", "TRANSFER", PAYMENT_WORD.get(p.lang, "Payment").upper()))
            self.payments.append(pay)

    def _build_payments(self) -> None:
        rng, gen, end = self.rng, self.gen, self.end
        runs: dict[tuple[object, ...], Payment] = {}
        for payer, item, amount, day, mergeable in self.events:
            if amount <= 0:
                continue
            if not mergeable or payer.run == 0:
                key: tuple[object, ...] = (payer.id, item.company_id, day, self._seq())
            elif payer.run == 1:
                key = (payer.id, item.company_id, day, item.currency)
            else:
                day = gen.run_day(payer, day)
                key = (payer.id, item.company_id, day, item.currency)
            if day > end:
                continue
            pay = runs.get(key)
            if pay is None:
                pay = runs[key] = Payment(self._seq(), item.company_id, payer.id, day, item.currency)
                pay.payer_name = payer.name if rng.random() < 0.85 else payer.name.upper()[:35]
                pay.payer_account = payer.bank_account
                self.payments.append(pay)
            pay.parts.append((item, amount))
            pay.amount += amount
        for pay in runs.values():
            self._apply(pay)

    def _apply(self, pay: Payment) -> None:
        rng = self.rng
        applied = pay.day if rng.random() < 0.85 else next_business(pay.day + between(rng, 1, 3))
        pay.applied_on = applied
        if rng.random() < 0.01:  # paid too much
            pay.amount += max(1, pay.amount * between(rng, 1, 10) // 100)
        if applied > self.end:  # received, not applied yet
            return
        for item, amount in pay.parts:
            self.allocs.append(Alloc(self._seq(), item, pay, None, amount, applied))

    def _remittance(self, pay: Payment, lang: str, account: str) -> str:
        numbers = [item.number for item, _a in pay.parts]
        r = self.rng.random()
        if not numbers or r < 0.07:
            return PAYMENT_WORD.get(lang, "Payment")
        if r < 0.12:
            return f"{PAYMENT_WORD.get(lang, 'Payment')} {account}"
        word = INVOICE_WORD.get(lang, "Invoice")
        if len(numbers) > 6:
            return f"{word} {' '.join(numbers[:6])} +{len(numbers) - 6}"
        return f"{word} {' '.join(numbers)}"

    def _misapply(self) -> None:
        """A few payments first applied to the wrong invoice, reversed, then applied correctly."""
        rng, end = self.rng, self.end
        for a in self.allocs:
            t = a.target
            if a.applied < t.first_alloc:
                t.first_alloc = a.applied
        singles = [a for a in self.allocs if a.payment is not None and len(a.payment.parts) == 1]
        extra = []
        for a in singles:
            if rng.random() >= 0.006:
                continue
            fixed = next_business(a.applied + between(rng, 2, 20))
            if fixed > end:
                continue
            wrong = [x for x in self.items if x.kind != "credit_note" and x is not a.target
                     and x.customer_id == a.target.customer_id and x.company_id == a.target.company_id
                     and x.currency == a.target.currency and x.doc <= a.applied and x.first_alloc > fixed]
            if not wrong:
                continue
            other = rng.choice(wrong)
            bad = Alloc(self._seq(), other, a.payment, None, min(a.amount, other.amount), a.applied,
                         "Applied to the wrong invoice")
            bad.reversed = fixed
            other.first_alloc = a.applied
            a.applied, a.note = fixed, "Re-applied after correcting a misapplication"
            extra.append(bad)
        self.allocs.extend(extra)

    # ------------------------------------------------------------ rows

    def finish(self, batch: Batch) -> None:
        gen = self.gen
        self.items.sort(key=lambda i: (i.doc, i.seq))
        for item in self.items:
            item.id = gen.take_id("item")
            item.number = gen.document_number(item.company_id, item.kind)
        self._build_payments()
        self._misapply()
        for a in self.allocs:
            if a.reversed is None:
                a.target.settled += a.amount
                if a.payment is not None:
                    a.payment.used += a.amount
                elif a.credit is not None:
                    a.credit.settled += a.amount
        self._emit_items(batch)
        self._emit_payments(batch)
        self.allocs.sort(key=lambda a: (a.applied, a.seq))
        for a in self.allocs:
            amount = to_decimal(a.amount, a.target.currency)
            batch.allocations.append(AllocationRow(
                gen.take_id("allocation"), a.target.id, a.payment.id if a.payment else None,
                a.credit.id if a.credit else None, amount, amount, dt.date.fromordinal(a.applied),
                dt.date.fromordinal(a.reversed) if a.reversed is not None else None, a.note,
            ))

    def _emit_items(self, batch: Batch) -> None:
        rng = self.rng
        for item in self.items:
            cur = item.currency
            doc = dt.date.fromordinal(item.doc)
            posting = doc if rng.random() < 0.8 else dt.date.fromordinal(min(self.end, next_business(item.doc + 1)))
            if item.kind == "credit_note":
                open_minor = item.amount + item.settled
            else:
                open_minor = item.amount - item.settled
            batch.items.append(ItemRow(
                item.id, item.company_id, item.customer_id, item.kind, item.number, item.order_ref,
                item.billing_of.number if item.billing_of is not None else "", item.customer_ref, doc, posting,
                dt.date.fromordinal(item.due), cur, to_decimal(item.amount, cur), to_decimal(open_minor, cur),
            ))

    def _emit_payments(self, batch: Batch) -> None:
        gen = self.gen
        langs = {c.id: (c.language, c.account_number) for c in batch.customers}
        self.payments.sort(key=lambda p: (p.day, p.seq))
        for pay in self.payments:
            pay.id = gen.take_id("payment")
            lang, account = langs.get(pay.customer_id or 0, ("en", ""))
            text = pay.text if pay.customer_id is None else self._remittance(pay, lang, account)
            cur = pay.currency
            batch.payments.append(PaymentRow(
                pay.id, pay.company_id, pay.customer_id, gen.document_number(pay.company_id, "payment"),
                dt.date.fromordinal(pay.day), cur, to_decimal(pay.amount, cur), to_decimal(pay.amount - pay.used, cur),
                pay.payer_name, pay.payer_account, text,
            ))
