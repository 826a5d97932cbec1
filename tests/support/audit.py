"""Tampering with the audit trail as someone holding the database owner's rights would."""

from __future__ import annotations


def lift_audit_triggers() -> None:
    """What someone with the database owner's rights does first to tamper with the trail: switch off the
    append-only triggers (inside the test's transaction, which puts them back)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")
