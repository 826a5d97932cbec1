"""Bulk writers for the demo loader: rows buffered per table and written in batches of
:data:`BATCH_ROWS` — PostgreSQL binary ``COPY`` and SQLite ``executemany`` by a background
thread while the next batch is generated, any other database through Django's cursor — with
the loaded tables' secondary indexes (and PostgreSQL's foreign keys) dropped during the
load and rebuilt at the end, in the same transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import threading
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import DatabaseError, models

#: Rows buffered per flush.
BATCH_ROWS = 50_000


class Writer:
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


class CopyWriter(Writer):
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


class SqliteWriter(Writer):
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


class GenericWriter(Writer):
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


def writer_for(connection: Any, tables: list[str]) -> Writer:
    """The fastest writer for the connection's database."""
    if connection.vendor == "postgresql":
        return CopyWriter(connection, tables)
    if connection.vendor == "sqlite":
        return SqliteWriter(connection, tables)
    return GenericWriter(connection, tables)
