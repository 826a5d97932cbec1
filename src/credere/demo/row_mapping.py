"""Generated rows to table rows: each row of the generator becomes the column values of its
ledger table (ids shifted past those already used, amounts in storage units, dates as
the writer wants them), and the load's counts and per-currency totals are tallied.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models

from credere.demo.generator.portfolio import PortfolioGenerator
from credere.demo.generator.rows import AllocationRow, ContactRow, CustomerRow, ItemRow, PaymentRow
from credere.demo.writers import Writer
from credere.domain.money import from_storage, to_storage
from credere.ledger.models import Allocation, Company, Contact, Customer, FxRate, OpenItem, Payment


def _sealer(model: type[models.Model], name: str) -> Callable[[str], Any]:
    """The stored form of a column's value: encrypted for the encrypted columns (as the ORM writes it)."""
    return model._meta.get_field(name).get_prep_value  # type: ignore[union-attr]

#: The tables the loader writes with explicit ids.
LOADED: tuple[type[models.Model], ...] = (Customer, Contact, OpenItem, Payment, Allocation, FxRate)


@dataclass
class CurrencyTotals:
    """Totals of one company in one currency."""

    company: str
    currency: str
    invoices: int = 0
    invoiced: Decimal = Decimal(0)
    credit_notes: int = 0
    credited: Decimal = Decimal(0)
    debit_notes: int = 0
    open_items: int = 0
    open_amount: Decimal = Decimal(0)
    payments: int = 0
    received: Decimal = Decimal(0)
    unapplied: Decimal = Decimal(0)

    def as_dict(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in self.__dict__.items()}


_FXRATE, _CUSTOMER, _CONTACT = FxRate._meta.db_table, Customer._meta.db_table, Contact._meta.db_table
_OPENITEM, _PAYMENT, _ALLOCATION = OpenItem._meta.db_table, Payment._meta.db_table, Allocation._meta.db_table
_CUSTOMER_COLS = ("id", "account_number", "name", "registration_id", "tax_id", "country", "industry_code", "language",
                  "status", "created_at", "updated_at", "parent_id", "payment_terms_id")
_CONTACT_COLS = ("id", "customer_id", "name", "role", "email", "phone")
_ITEM_COLS = ("id", "company_id", "customer_id", "document_type", "document_number", "order_reference",
              "billing_reference", "customer_reference", "document_date", "posting_date", "due_date", "currency",
              "amount", "open_amount", "created_at", "updated_at")
_PAYMENT_COLS = ("id", "company_id", "customer_id", "reference", "received_on", "currency", "amount",
                 "unapplied_amount", "payer_name", "payer_account", "reference_text", "created_at")
_ALLOCATION_COLS = ("id", "target_id", "payment_id", "credit_note_id", "amount", "source_amount", "applied_on",
                    "reversed_on", "note", "created_at")
_FX_COLS = ("id", "rate_date", "base", "quote", "rate", "source")


class RowMapper:
    """Converts generated rows to column values (shifted ids, storage integers) and writes them."""

    def __init__(self, gen: PortfolioGenerator, writer: Writer, bases: dict[type[models.Model], int],
                 companies: dict[int, Company], terms: dict[int, int]) -> None:
        self.gen, self.w = gen, writer
        self.b = bases
        self.companies = companies
        self.company_pk = {gid: c.pk for gid, c in companies.items()}
        self.terms = terms
        self.counts: Counter[str] = Counter()
        self.behaviours: Counter[str] = Counter()
        #: (company, currency) -> running totals in storage units, indexed by the _T_* constants.
        self.totals: dict[tuple[int, str], list[int]] = {}
        self._dates: dict[dt.date, Any] = {}
        self._stamps: dict[dt.date, Any] = {}

    def date(self, value: dt.date) -> Any:
        out = self._dates.get(value)
        if out is None:
            out = self._dates[value] = self.w.date(value)
        return out

    def stamp(self, value: dt.date) -> Any:
        out = self._stamps.get(value)
        if out is None:
            out = self._stamps[value] = self.w.stamp(value)
        return out

    def run(self, progress: Callable[[int], object] | None) -> None:
        w = self.w
        fx = self.b[FxRate]
        for r in self.gen.fx_rates():
            w.add(_FXRATE, _FX_COLS, (r.id + fx, self.date(r.rate_date), r.base, r.quote, w.decimal(r.rate),
                                      r.source))
            self.counts["fx_rates"] += 1
        w.flush()
        for batch in self.gen.batches():
            self.customers(batch.customers)
            self.contacts(batch.contacts)
            self.items(batch.items)
            self.payments(batch.payments)
            self.allocations(batch.allocations)
            self.behaviours.update(batch.behaviours.values())
            w.maybe_flush()
            if progress is not None:
                progress(len(batch.customers))
        w.finish(list(LOADED))

    def customers(self, rows: list[CustomerRow]) -> None:
        b, add, stamp, terms = self.b[Customer], self.w.add, self.stamp, self.terms
        reg, tax = _sealer(Customer, "registration_id"), _sealer(Customer, "tax_id")
        for c in rows:
            created = stamp(c.created_on)
            add(_CUSTOMER, _CUSTOMER_COLS, (
                c.id + b, c.account_number, c.name, reg(c.registration_id), tax(c.tax_id), c.country, c.industry_code,
                c.language, c.status, created, created, c.parent_id + b if c.parent_id else None,
                terms[c.payment_terms_id]))
        self.counts["customers"] += len(rows)

    def contacts(self, rows: list[ContactRow]) -> None:
        b, bc, add = self.b[Contact], self.b[Customer], self.w.add
        name, email, phone = (_sealer(Contact, f) for f in ("name", "email", "phone"))
        for k in rows:
            add(_CONTACT, _CONTACT_COLS, (k.id + b, k.customer_id + bc, name(k.name), k.role, email(k.email),
                                          phone(k.phone)))
        self.counts["contacts"] += len(rows)

    def _total(self, company_id: int, currency: str) -> list[int]:
        key = (company_id, currency)
        t = self.totals.get(key)
        if t is None:
            t = self.totals[key] = [0] * _T_SIZE
        return t

    def items(self, rows: list[ItemRow]) -> None:
        b, bc, add, date, stamp = self.b[OpenItem], self.b[Customer], self.w.add, self.date, self.stamp
        company_pk, counts = self.company_pk, self.counts
        for i in rows:
            amount, open_amount = to_storage(i.amount), to_storage(i.open_amount)
            created = stamp(i.posting_date)
            add(_OPENITEM, _ITEM_COLS, (
                i.id + b, company_pk[i.company_id], i.customer_id + bc, i.document_type, i.document_number,
                i.order_reference, i.billing_reference, i.customer_reference, date(i.document_date),
                date(i.posting_date), date(i.due_date), i.currency, amount, open_amount, created, created))
            counts[i.document_type + "s"] += 1
            t = self._total(i.company_id, i.currency)
            if i.document_type == "invoice":
                t[_T_INVOICES] += 1
                t[_T_INVOICED] += amount
            elif i.document_type == "credit_note":
                t[_T_CREDIT_NOTES] += 1
                t[_T_CREDITED] += amount
            else:
                t[_T_DEBIT_NOTES] += 1
            if open_amount:
                t[_T_OPEN_ITEMS] += 1
                t[_T_OPEN] += open_amount

    def payments(self, rows: list[PaymentRow]) -> None:
        b, bc, add, date, stamp = self.b[Payment], self.b[Customer], self.w.add, self.date, self.stamp
        company_pk = self.company_pk
        account = _sealer(Payment, "payer_account")
        for p in rows:
            amount, unapplied = to_storage(p.amount), to_storage(p.unapplied_amount)
            add(_PAYMENT, _PAYMENT_COLS, (
                p.id + b, company_pk[p.company_id], p.customer_id + bc if p.customer_id is not None else None,
                p.reference, date(p.received_on), p.currency, amount, unapplied, p.payer_name, account(p.payer_account),
                p.reference_text, stamp(p.received_on)))
            t = self._total(p.company_id, p.currency)
            t[_T_PAYMENTS] += 1
            t[_T_RECEIVED] += amount
            t[_T_UNAPPLIED] += unapplied
        self.counts["payments"] += len(rows)

    def allocations(self, rows: list[AllocationRow]) -> None:
        b, bi, bp, add, date, stamp = (self.b[Allocation], self.b[OpenItem], self.b[Payment], self.w.add, self.date,
                                       self.stamp)
        reversed_count = 0
        for a in rows:
            if a.reversed_on is not None:
                reversed_count += 1
            add(_ALLOCATION, _ALLOCATION_COLS, (
                a.id + b, a.target_id + bi, a.payment_id + bp if a.payment_id is not None else None,
                a.credit_note_id + bi if a.credit_note_id is not None else None, to_storage(a.amount),
                to_storage(a.source_amount), date(a.applied_on),
                date(a.reversed_on) if a.reversed_on is not None else None, a.note, stamp(a.applied_on)))
        self.counts["allocations"] += len(rows)
        self.counts["reversed_allocations"] += reversed_count

    def currency_totals(self) -> list[CurrencyTotals]:
        out = []
        for (company_id, currency), t in sorted(self.totals.items(),
                                                key=lambda kv: (self.companies[kv[0][0]].code, kv[0][1])):
            out.append(CurrencyTotals(
                company=self.companies[company_id].code, currency=currency, invoices=t[_T_INVOICES],
                invoiced=from_storage(t[_T_INVOICED], currency), credit_notes=t[_T_CREDIT_NOTES],
                credited=from_storage(t[_T_CREDITED], currency), debit_notes=t[_T_DEBIT_NOTES],
                open_items=t[_T_OPEN_ITEMS], open_amount=from_storage(t[_T_OPEN], currency),
                payments=t[_T_PAYMENTS], received=from_storage(t[_T_RECEIVED], currency),
                unapplied=from_storage(t[_T_UNAPPLIED], currency)))
        return out


(_T_INVOICES, _T_INVOICED, _T_CREDIT_NOTES, _T_CREDITED, _T_DEBIT_NOTES, _T_OPEN_ITEMS, _T_OPEN, _T_PAYMENTS,
 _T_RECEIVED, _T_UNAPPLIED, _T_SIZE) = range(11)

