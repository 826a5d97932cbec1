"""Bulk-load a generated portfolio: PostgreSQL ``COPY``, SQLite ``executemany``.

:func:`load` is the one entry point (the ``demo-data`` and ``demo`` commands and the
benchmarks call it). Everything happens in one transaction: the check that the ledger is
empty (or its deletion with ``replace=True``), the rows, and one audit event summarising
the generation — so a failure leaves the database as it was.

Rows bypass the ORM and the per-row services on purpose (a million invoices would take
hours through ``allocate``); the generator guarantees the ledger invariants that those
services enforce, the database check constraints enforce part of them again, and
``tests/demo`` recomputes every open and unapplied amount from the allocations.

Speed: rows are written in batches by a background thread while the next batch is
generated; the secondary indexes (and PostgreSQL's foreign keys) of the loaded tables
are dropped during the load and rebuilt at the end; on SQLite, when called outside a
transaction (as the commands do), the per-row foreign-key checks are switched off and
every foreign key is checked once before commit. 50,000 customers / one million
invoices take about a minute on a 2-core machine (see the ``demo-data`` command).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import DatabaseError, connections, models, transaction

from credere.audit.services import record
from credere.core.errors import Conflict
from credere.demo.generator.portfolio import PortfolioGenerator
from credere.demo.generator.rows import AllocationRow, ContactRow, CustomerRow, ItemRow, PaymentRow
from credere.domain.money import from_storage, to_storage
from credere.ledger.models import Allocation, Company, Contact, Customer, FxRate, OpenItem, Payment, PaymentTerms

ACTOR = "system:demo-data"

#: Ledger tables whose rows count as "ledger data" (and are deleted by ``replace=True``,
#: with every row of other apps that refers to them). Companies and payment terms are
#: master data: they are kept and reused by code.
LEDGER_DATA: tuple[type[models.Model], ...] = (Customer, Contact, OpenItem, Payment, Allocation, FxRate)

#: The tables the loader writes with explicit ids.
LOADED: tuple[type[models.Model], ...] = (Customer, Contact, OpenItem, Payment, Allocation, FxRate)

#: Rows buffered per flush.
BATCH_ROWS = 50_000


class LedgerNotEmpty(Conflict):
    """The database already holds ledger data and ``replace`` was not asked for."""

    def __init__(self, counts: dict[str, int]) -> None:
        found = ", ".join(f"{n:,} {label}" for label, n in counts.items() if n)
        super().__init__(
            f"the database already has ledger data ({found}); demo data is only generated into an empty ledger. "
            "Use --replace to DELETE all customers, contacts, open items, payments, allocations and FX rates "
            "(and everything that refers to them) and generate a new portfolio, or point DATABASE_URL at "
            "an empty database.",
            code="ledger_not_empty",
        )
        self.counts = counts


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


@dataclass
class LoadResult:
    customers: int
    years: int
    seed: int
    as_of: dt.date
    counts: dict[str, int] = field(default_factory=dict)
    behaviours: dict[str, int] = field(default_factory=dict)
    totals: list[CurrencyTotals] = field(default_factory=list)
    deleted: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    vendor: str = ""


def _label(model: type[models.Model]) -> str:
    return str(model._meta.verbose_name_plural)


def ledger_counts(using: str = "default") -> dict[str, int]:
    """Rows per ledger table (see :data:`LEDGER_DATA`)."""
    return {_label(m): m._default_manager.using(using).count() for m in LEDGER_DATA}


def has_ledger_data(using: str = "default") -> bool:
    return any(m._default_manager.using(using).exists() for m in LEDGER_DATA)


# --------------------------------------------------------------------------- deletion


def dependent_models(roots: Iterable[type[models.Model]]) -> list[type[models.Model]]:
    """``roots`` and every model that refers to them (transitively), referring models first."""
    found: dict[type[models.Model], None] = {}
    queue: list[Any] = list(roots)
    while queue:
        model = queue.pop(0)._meta.concrete_model
        if model in found or not model._meta.managed:
            continue
        found[model] = None
        for rel in model._meta.related_objects:
            through = getattr(rel, "through", None)
            queue.append(through if rel.many_to_many and through is not None else rel.related_model)
        for m2m in model._meta.local_many_to_many:
            queue.append(m2m.remote_field.through)
    ordered: list[type[models.Model]] = []
    pending = list(found)
    while pending:  # a model goes after all the models that refer to it
        for model in pending:
            referrers = {r.related_model._meta.concrete_model for r in model._meta.related_objects} - {model}
            if not referrers & set(pending):
                break
        else:
            model = pending[0]  # a cycle: foreign keys are deferred, so any order works
        ordered.append(model)
        pending.remove(model)
    return ordered


def _delete(connection: Any, doomed: list[type[models.Model]]) -> dict[str, int]:
    qn = connection.ops.quote_name
    deleted: dict[str, int] = {}
    with connection.cursor() as cur:
        for model in doomed:
            cur.execute(f"SELECT COUNT(*) FROM {qn(model._meta.db_table)}")
            deleted[model._meta.label_lower] = cur.fetchone()[0]
        if connection.vendor == "postgresql":
            # No RESTART IDENTITY: new rows get new ids, so the audit trail's object ids stay unambiguous.
            cur.execute("TRUNCATE " + ", ".join(qn(m._meta.db_table) for m in doomed))
        else:
            for model in doomed:
                cur.execute(f"DELETE FROM {qn(model._meta.db_table)}")
    return deleted


def _id_base(connection: Any, model: type[models.Model]) -> int:
    """The highest id the table has used, so generated ids (1, 2, ...) can be shifted past it."""
    table = model._meta.db_table
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(f"SELECT MAX({qn('id')}) FROM {qn(table)}")
        base = int(cur.fetchone()[0] or 0)
        if connection.vendor == "sqlite":
            cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cur.fetchone()
            base = max(base, int(row[0]) if row else 0)
        elif connection.vendor == "postgresql":
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            seq = cur.fetchone()[0]
            if seq:
                cur.execute(f"SELECT last_value, is_called FROM {seq}")
                last, called = cur.fetchone()
                base = max(base, int(last) if called else int(last) - 1)
    return base


# --------------------------------------------------------------------------- writers


class _Writer:
    """Buffers converted rows per table and writes them in foreign-key order.

    ``start`` and ``finish`` bracket the load: the writers for PostgreSQL and SQLite drop
    the secondary indexes (and on PostgreSQL the foreign keys) of the tables being
    loaded — which are empty — and recreate them at the end, inside the same
    transaction; building an index once is much faster than updating it row by row, and
    re-adding a foreign key checks all rows in one join instead of one lookup per row.

    With ``threaded`` the batches are written by one background thread, in order, on the
    same database connection and transaction, while the caller generates the next batch
    (psycopg and sqlite3 release the GIL while the database works). The caller must not
    use the connection between ``start`` and ``finish``.
    """

    threaded = False

    def __init__(self, connection: Any, tables: list[str]) -> None:
        self.connection = connection
        self.tables = tables
        self.buffers: dict[str, tuple[Sequence[str], list[tuple[Any, ...]]]] = {}
        self.pending = 0
        self.restore: list[str] = []
        self._jobs: queue.Queue[tuple[str, Sequence[str], list[tuple[Any, ...]]] | None] = queue.Queue(maxsize=3)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def add(self, table: str, columns: Sequence[str], row: tuple[Any, ...]) -> None:
        buf = self.buffers.get(table)
        if buf is None:
            buf = self.buffers[table] = (columns, [])
        buf[1].append(row)
        self.pending += 1

    def maybe_flush(self) -> None:
        if self.pending >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        for table, (columns, rows) in list(self.buffers.items()):
            if rows:
                self.buffers[table] = (columns, [])
                self._submit(table, columns, rows)
        self.pending = 0

    def _submit(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if self._error is not None:
            raise self._error
        if not self.threaded:
            self.write(table, columns, rows)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="credere-demo-writer", daemon=True)
            self._thread.start()
        self._jobs.put((table, columns, rows))

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is None:  # after a failure, only drain the queue
                try:
                    self.write(*job)
                except BaseException as exc:  # re-raised in the caller's thread
                    self._error = exc

    def _stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    # Backend-specific value conversion.
    def date(self, value: dt.date) -> Any:
        return value

    def stamp(self, value: dt.date) -> Any:
        return dt.datetime(value.year, value.month, value.day, 6, 0, tzinfo=dt.UTC)

    def decimal(self, value: Decimal) -> Any:
        return value

    def start(self) -> None:
        pass

    def finish(self, loaded: list[type[models.Model]]) -> None:
        """Write what is buffered, wait for the writes, restore indexes and foreign keys."""
        self.flush()
        self._stop()
        if self._error is not None:
            raise self._error
        self._restore()
        self.after_load(loaded)

    def after_load(self, loaded: list[type[models.Model]]) -> None:
        pass

    def close(self) -> None:
        """Stop the writer thread and undo connection settings, whether the load succeeded or not."""
        self._stop()

    def _restore(self) -> None:
        with self.connection.cursor() as cur:
            for sql in self.restore:
                cur.execute(sql)
        self.restore = []


class _CopyWriter(_Writer):
    """PostgreSQL: binary ``COPY ... FROM STDIN`` through psycopg 3."""

    threaded = True

    def __init__(self, connection: Any, tables: list[str]) -> None:
        super().__init__(connection, tables)
        self.types: dict[str, dict[str, int]] = {}

    def start(self) -> None:
        with self.connection.cursor() as cur:
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for table in self.tables:  # column types for binary COPY, looked up here, in the caller's thread
                cur.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
                            "AND attnum > 0 AND NOT attisdropped", [table])
                self.types[table] = {name: int(oid) for name, oid in cur.fetchall()}
            cur.execute(
                "SELECT c.oid::regclass::text, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)", [self.tables])
            indexes = cur.fetchall()
            cur.execute(
                "SELECT k.conrelid::regclass::text, quote_ident(k.conname), pg_get_constraintdef(k.oid) "
                "FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid WHERE k.contype = 'f' "
                "AND t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace", [self.tables])
            foreign_keys = cur.fetchall()
            for table, name, _definition in foreign_keys:
                cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            for name, _definition in indexes:
                cur.execute(f"DROP INDEX {name}")
        self.restore = [d for _n, d in indexes] + [f"ALTER TABLE {t} ADD CONSTRAINT {n} {d}" for t, n, d in foreign_keys]

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        qn = self.connection.ops.quote_name
        sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN (FORMAT BINARY)"
        types = self.types[table]
        with self.connection.connection.cursor() as cur, cur.copy(sql) as copy:
            copy.set_types([types[c] for c in columns])
            for row in rows:
                copy.write_row(row)

    def after_load(self, loaded: list[type[models.Model]]) -> None:
        with self.connection.cursor() as cur:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), loaded):
                cur.execute(sql)
            for model in loaded:  # fresh planner statistics for the reports that follow
                cur.execute(f"ANALYZE {self.connection.ops.quote_name(model._meta.db_table)}")


class _SqliteWriter(_Writer):
    """SQLite: ``executemany`` on the raw connection, in large batches, with a big page cache."""

    threaded = True
    cache_size: int | None = None

    def date(self, value: dt.date) -> Any:
        return value.isoformat()

    def stamp(self, value: dt.date) -> Any:
        return f"{value.isoformat()} 06:00:00"

    def decimal(self, value: Decimal) -> Any:
        return str(value)

    def start(self) -> None:
        with self.connection.cursor() as cur:
            cur.execute("PRAGMA cache_size")
            self.cache_size = int(cur.fetchone()[0])
            cur.execute("PRAGMA cache_size = -262144")  # 256 MiB while loading
            placeholders = ", ".join(["%s"] * len(self.tables))
            cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                        f"AND tbl_name IN ({placeholders})", self.tables)
            indexes = cur.fetchall()
            for name, _sql in indexes:
                cur.execute(f'DROP INDEX "{name}"')
        self.restore = [sql for _n, sql in indexes]

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
        cur = self.connection.connection.cursor()
        try:
            cur.executemany(sql, rows)
        finally:
            cur.close()

    def close(self) -> None:
        super().close()
        if self.cache_size is None:
            return
        with contextlib.suppress(DatabaseError), self.connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {int(self.cache_size)}")


class _GenericWriter(_Writer):
    """Any other database: ``executemany`` through Django's cursor."""

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        qn = self.connection.ops.quote_name
        sql = f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        with self.connection.cursor() as cur:
            cur.executemany(sql, rows)

    def after_load(self, loaded: list[type[models.Model]]) -> None:
        with self.connection.cursor() as cur:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), loaded):
                cur.execute(sql)


def _writer(connection: Any, tables: list[str]) -> _Writer:
    if connection.vendor == "postgresql":
        return _CopyWriter(connection, tables)
    if connection.vendor == "sqlite":
        return _SqliteWriter(connection, tables)
    return _GenericWriter(connection, tables)


# --------------------------------------------------------------------------- load


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


class _Loader:
    """Converts generated rows to column values (shifted ids, storage integers) and writes them."""

    def __init__(self, gen: PortfolioGenerator, writer: _Writer, bases: dict[type[models.Model], int],
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
        for c in rows:
            created = stamp(c.created_on)
            add(_CUSTOMER, _CUSTOMER_COLS, (
                c.id + b, c.account_number, c.name, c.registration_id, c.tax_id, c.country, c.industry_code,
                c.language, c.status, created, created, c.parent_id + b if c.parent_id else None,
                terms[c.payment_terms_id]))
        self.counts["customers"] += len(rows)

    def contacts(self, rows: list[ContactRow]) -> None:
        b, bc, add = self.b[Contact], self.b[Customer], self.w.add
        for k in rows:
            add(_CONTACT, _CONTACT_COLS, (k.id + b, k.customer_id + bc, k.name, k.role, k.email, k.phone))
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
        for p in rows:
            amount, unapplied = to_storage(p.amount), to_storage(p.unapplied_amount)
            add(_PAYMENT, _PAYMENT_COLS, (
                p.id + b, company_pk[p.company_id], p.customer_id + bc if p.customer_id is not None else None,
                p.reference, date(p.received_on), p.currency, amount, unapplied, p.payer_name, p.payer_account,
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


def _upsert_master_data(gen: PortfolioGenerator, using: str) -> tuple[dict[int, Company], dict[int, int], list[str]]:
    """Create the companies and payment terms the portfolio uses, or reuse those with the same code.

    Equivalent to ``upsert_company``/``upsert_payment_terms`` for the system actor (which
    holds no role); the changes are listed in the generation's audit event.
    """
    changes: list[str] = []
    companies: dict[int, Company] = {}
    for c in gen.companies():
        company = Company.objects.using(using).filter(code=c.code).first()
        if company is None:
            company = Company.objects.using(using).create(code=c.code, name=c.name, base_currency=c.base_currency,
                                                         country=c.country)
            changes.append(f"company {c.code} created")
        elif company.base_currency != c.base_currency:
            raise Conflict(f"company {c.code} exists with base currency {company.base_currency}; the demo portfolio "
                           f"needs {c.base_currency}", code="company_currency")
        companies[c.id] = company
    terms: dict[int, int] = {}
    for t in gen.payment_terms():
        values = {"description": t.description, "net_days": t.net_days, "discount_days": t.discount_days,
                  "discount_rate": t.discount_rate}
        obj = PaymentTerms.objects.using(using).filter(code=t.code).first()
        if obj is None:
            obj = PaymentTerms.objects.using(using).create(code=t.code, **values)
            changes.append(f"payment terms {t.code} created")
        elif any(getattr(obj, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(obj, k, v)
            obj.save(using=using)
            changes.append(f"payment terms {t.code} updated")
        terms[t.id] = obj.pk
    return companies, terms, changes


def load(*, customers: int, years: int = 2, seed: int = 1, as_of: dt.date, replace: bool = False,
         progress: Callable[[int], object] | None = None, using: str = "default") -> LoadResult:
    """Generate a portfolio and bulk-load it; returns counts and totals.

    Refuses (:class:`LedgerNotEmpty`) when the ledger already has data, unless
    ``replace`` — which deletes it first, within the same transaction. ``progress`` is
    called with the number of customers written after each corporate group.
    """
    started = time.perf_counter()
    gen = PortfolioGenerator(customers=customers, years=years, seed=seed, as_of=as_of)
    connection = connections[using]
    result = LoadResult(customers=customers, years=years, seed=seed, as_of=as_of, vendor=connection.vendor)
    # SQLite checks foreign keys row by row and then cannot truncate a table; outside a
    # transaction the checks can be switched off, and all rows are checked at the end.
    unchecked = (connection.vendor == "sqlite" and not connection.in_atomic_block
                 and connection.disable_constraint_checking())
    try:
        _load(gen, connection, using, replace, progress, result, unchecked)
    finally:
        if unchecked:
            connection.enable_constraint_checking()
    result.seconds = time.perf_counter() - started
    return result


def _load(gen: PortfolioGenerator, connection: Any, using: str, replace: bool,
          progress: Callable[[int], object] | None, result: LoadResult, unchecked: bool) -> None:
    started = time.perf_counter()
    customers, years, seed, as_of = gen.customers, gen.years, gen.seed, gen.as_of
    with transaction.atomic(using=using):
        counts = ledger_counts(using)
        if any(counts.values()) and not replace:
            raise LedgerNotEmpty(counts)
        doomed = dependent_models(LEDGER_DATA)
        bases = {m: _id_base(connection, m) for m in LEDGER_DATA}
        writer = _writer(connection, [m._meta.db_table for m in LOADED])
        try:
            if any(counts.values()):  # with the indexes still there: SQLite looks up referring rows per row
                result.deleted = _delete(connection, doomed)
            writer.start()
            companies, terms, changes = _upsert_master_data(gen, using)
            loader = _Loader(gen, writer, bases, companies, terms)
            loader.run(progress)
            if unchecked:
                connection.check_constraints(table_names=sorted({m._meta.db_table for m in (*doomed, *LOADED)}))
        finally:
            writer.close()
        result.counts = dict(loader.counts)
        result.behaviours = dict(sorted(loader.behaviours.items()))
        result.totals = loader.currency_totals()
        result.seconds = time.perf_counter() - started
        record(
            actor=ACTOR, action="demo.portfolio_generated", object_type="ledger.portfolio", object_id=f"seed-{seed}",
            object_repr=f"Demo portfolio: {customers} customers, {years} years, seed {seed}, as of {as_of}",
            after={
                "customers": customers, "years": years, "seed": seed, "as_of": as_of.isoformat(),
                "counts": result.counts, "behaviours": result.behaviours,
                "id_offsets": {m._meta.label_lower: b for m, b in bases.items()},
                "master_data": changes, "deleted": result.deleted,
                "totals": [t.as_dict() for t in result.totals],
            },
            reason="replaced the existing ledger data" if result.deleted else "",
        )
