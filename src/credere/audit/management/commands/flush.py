"""``flush`` (every table emptied: a test database reset, an operator starting over) lifts the audit table's
append-only triggers for its own statements only. On PostgreSQL it empties tables with TRUNCATE, which row
triggers do not stop; on SQLite it deletes rows, so the DELETE trigger is dropped for the flush and made again
right after, whatever happens."""

from __future__ import annotations

import importlib
from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

_migration = importlib.import_module("credere.audit.migrations.0002_append_only")


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            super().handle(**options)
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_event_no_delete'")
            armed = cursor.fetchone() is not None
            if armed:
                cursor.execute("DROP TRIGGER audit_event_no_delete")
        try:
            super().handle(**options)
        finally:
            if armed:
                with connection.cursor() as cursor:
                    cursor.execute(_migration.SQLITE[1])
