"""Work that must not write: a guard that refuses any statement changing the database.

A preview (of an import) runs outside any transaction so that it holds no write lock — on the
embedded database one writer at a time holds it, and a preview of 40,000 rows holding it would stall
every other user's sign-in and save. Nothing rolls back outside a transaction, so the guard makes sure
a preview cannot write by mistake: a statement that would change something raises
:class:`WriteRefused` before it reaches the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.models import QuerySet

#: Statements that change the database (the first word, upper case).
_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "TRUNCATE", "COPY",
                     "MERGE", "UPSERT"})


class WriteRefused(RuntimeError):
    """Something tried to write inside :func:`refusing_writes`."""


def _first_word(sql: str) -> str:
    text = sql.lstrip(" \t\r\n(")
    end = 0
    while end < len(text) and (text[end].isalpha() or text[end] == "_"):
        end += 1
    return text[:end].upper()


def _refuse(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    word = _first_word(sql)
    if word in _WRITES or (word == "SELECT" and " FOR UPDATE" in sql.upper()):
        raise WriteRefused(f"this work must not write to the database, but it tried: {sql[:80]}")
    return execute(sql, params, many, context)


@contextmanager
def refusing_writes() -> Iterator[None]:
    """Refuse (raise :class:`WriteRefused`) any statement that writes or locks rows, inside the block."""
    with connection.execute_wrapper(_refuse):
        yield


def locked[Q: QuerySet[Any]](queryset: Q, *, lock: bool) -> Q:
    """``queryset.select_for_update()`` when ``lock`` (an import), the plain queryset otherwise (a preview)."""
    return queryset.select_for_update() if lock else queryset


@contextmanager
def without_waiting(milliseconds: int = 100) -> Iterator[None]:
    """An optional write (a note that the next request can make as well) that gives up instead of waiting
    for a lock another transaction holds: on the embedded database the one write lock (a 20 MB statement
    import holds it for a minute), on PostgreSQL the row's lock. Raises ``DatabaseError`` when it gives up;
    the caller suppresses it. Opens its own transaction."""
    from django.db import transaction

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
        try:
            with transaction.atomic():
                yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 30000")  # the setting's (settings.DATABASES init_command)
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{int(milliseconds)}ms'")
        yield
