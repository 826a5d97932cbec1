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

This module holds the transaction, the emptiness check, the deletion and the master
data; :mod:`credere.demo.row_mapping` turns generated rows into table rows and
:mod:`credere.demo.writers` writes them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, models, transaction

from credere.audit.services import record
from credere.core.errors import Conflict
from credere.demo.generator.portfolio import PortfolioGenerator
from credere.demo.row_mapping import LOADED, CurrencyTotals, RowMapper
from credere.demo.writers import writer_for
from credere.ledger.models import Allocation, Company, Contact, Customer, FxRate, OpenItem, Payment, PaymentTerms

ACTOR = "system:demo-data"

#: Ledger tables whose rows count as "ledger data" (and are deleted by ``replace=True``,
#: with every row of other apps that refers to them). Companies and payment terms are
#: master data: they are kept and reused by code.
LEDGER_DATA: tuple[type[models.Model], ...] = (Customer, Contact, OpenItem, Payment, Allocation, FxRate)


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
        for rel in _referrers(model):
            through = getattr(rel, "through", None)
            queue.append(through if rel.many_to_many and through is not None else rel.related_model)
        for m2m in model._meta.local_many_to_many:
            queue.append(m2m.remote_field.through)
    ordered: list[type[models.Model]] = []
    pending = list(found)
    while pending:  # a model goes after all the models that refer to it
        for model in pending:
            referrers = {r.related_model._meta.concrete_model for r in _referrers(model)} - {model}
            if not referrers & set(pending):
                break
        else:
            model = pending[0]  # a cycle: foreign keys are deferred, so any order works
        ordered.append(model)
        pending.remove(model)
    return ordered


def _referrers(model: type[models.Model]) -> list[Any]:
    """Every relation pointing at ``model``, those declared with ``related_name="+"`` included."""
    return [f for f in model._meta.get_fields(include_hidden=True)
            if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one or f.many_to_many)]


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
        writer = writer_for(connection, [m._meta.db_table for m in LOADED])
        try:
            if any(counts.values()):  # with the indexes still there: SQLite looks up referring rows per row
                result.deleted = _delete(connection, doomed)
            writer.start()
            companies, terms, changes = _upsert_master_data(gen, using)
            mapper = RowMapper(gen, writer, bases, companies, terms)
            mapper.run(progress)
            if unchecked:
                connection.check_constraints(table_names=sorted({m._meta.db_table for m in (*doomed, *LOADED)}))
        finally:
            writer.close()
        result.counts = dict(mapper.counts)
        result.behaviours = dict(sorted(mapper.behaviours.items()))
        result.totals = mapper.currency_totals()
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
