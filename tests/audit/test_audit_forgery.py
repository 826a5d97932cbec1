"""Forging the audit trail as someone who can write the database would: the append-only triggers refuse
plain edits; with the triggers switched off, rewriting an entry, recomputing every hash after it and the
chain head is caught because entries are sealed with a key held outside the database; rewriting the whole
trail, or cutting its tail, is caught by the signed checkpoints written outside it."""

import datetime as dt
import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from credere.audit.checkpoints import write_checkpoint
from credere.audit.models import AuditChainHead, AuditEvent
from credere.audit.services import verify_chain
from credere.domain import audit_chain
from credere.ledger.services.master_data import upsert_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(admin):
    for i in range(6):
        upsert_customer(actor=admin, account_number=f"A{i}", name=f"Customer {i}", country="DE")
    return list(AuditEvent.objects.order_by("seq"))


def _entry(row):
    return {"seq": row[0], "occurred_at": row[1].astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": row[2], "action": row[3], "object_type": row[4], "object_id": row[5], "object_repr": row[6],
            "before": row[7], "after": row[8], "reason": row[9]}


def _rewrite_from(seq, change, key=None):
    """Change the entry ``seq``, then recompute (plain SHA-256, or with ``key``) every hash from it on and
    the chain head — all an attacker who knows the algorithm can do with SQL."""
    fields = ["seq", "occurred_at", "actor", "action", "object_type", "object_id", "object_repr", "before",
              "after", "reason"]
    rows = list(AuditEvent.objects.order_by("seq").values_list(*fields, "prev_hash", "pk"))
    prev = next(r[10] for r in rows if r[0] == seq)
    with connection.cursor() as cursor:
        for row in rows:
            if row[0] < seq:
                continue
            entry = _entry(row)
            if row[0] == seq:
                entry.update(change)
            digest = audit_chain.seal(prev, entry, key)
            cursor.execute("UPDATE audit_auditevent SET after = %s, actor = %s, prev_hash = %s, hash = %s WHERE id = %s",
                           [json.dumps(entry["after"]), entry["actor"], prev, digest, row[11]])
            prev = digest
        cursor.execute("UPDATE audit_auditchainhead SET last_hash = %s WHERE id = 1", [prev])


def test_the_database_refuses_to_change_or_delete_an_event(trail):
    victim = trail[2]
    for statement in ("UPDATE audit_auditevent SET actor = 'mallory' WHERE id = %s",
                      "DELETE FROM audit_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
            c.execute(statement, [victim.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=victim.pk).delete()
    assert AuditEvent.objects.get(pk=victim.pk).actor == victim.actor
    assert verify_chain()[1] == []


def test_entries_are_sealed_with_the_key_not_a_bare_hash(trail, settings):
    first = AuditEvent.objects.order_by("seq").values_list(
        "seq", "occurred_at", "actor", "action", "object_type", "object_id", "object_repr", "before", "after",
        "reason", "prev_hash", "hash").first()
    entry = _entry(first)
    assert first[11] == audit_chain.seal(first[10], entry, settings.CREDERE_AUDIT_KEY.encode())
    assert first[11] != audit_chain.seal(first[10], entry)
    settings.CREDERE_AUDIT_KEY = "another key"  # a trail checked with the wrong key does not verify
    assert {p.code for p in verify_chain()[1]} == {"edited"}


def test_a_forged_entry_with_every_hash_and_the_head_recomputed_is_caught(trail, tamperer, admin, capsys):
    victim = trail[3]
    _rewrite_from(victim.seq, {"actor": "mallory", "after": {"name": "Shell Company Ltd"}})
    count, problems = verify_chain()
    assert count == len(trail)
    assert {(p.seq, p.code) for p in problems} == {(e.seq, "forged") for e in trail[3:]}
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("audit", "verify", "--user", "admin")
    assert "is not sealed with the audit key" in capsys.readouterr().err


def test_a_trail_rewritten_from_its_first_entry_is_caught_by_the_checkpoint(trail, tamperer, admin, capsys):
    _checkpoint, path = write_checkpoint(actor=admin)
    assert path.exists() and json.loads(path.read_text())["seq"] == len(trail)
    assert verify_chain()[1] == []
    _rewrite_from(1, {"actor": "mallory"})  # every entry re-hashed without a key, as a trail before keys
    assert {(p.seq, p.code) for p in verify_chain()[1]} == {(len(trail), "checkpoint_mismatch")}


def test_a_tail_cut_with_the_head_moved_back_is_caught_by_the_checkpoint(trail, tamperer, admin):
    write_checkpoint(actor=admin)
    last = AuditEvent.objects.order_by("-seq").first()
    before_last = AuditEvent.objects.get(seq=last.seq - 1)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq >= %s", [last.seq - 1])
    AuditChainHead.objects.filter(pk=1).update(last_seq=before_last.seq - 1, last_hash=before_last.prev_hash)
    assert [p.code for p in verify_chain()[1]] == ["checkpoint_missing"]


def test_a_checkpoint_not_signed_with_the_key_is_reported(trail, admin, settings):
    _checkpoint, path = write_checkpoint(actor=admin)
    forged = json.loads(path.read_text())
    forged["hash"] = hashlib.sha256(b"what mallory wants").hexdigest()
    path.write_text(json.dumps(forged))
    assert [p.code for p in verify_chain()[1]] == ["checkpoint_forged"]


def test_checkpoint_command_writes_a_file_and_mails_the_auditor(trail, admin, smtp, settings, capsys):
    settings.CREDERE_AUDIT_CHECKPOINT_EMAIL = ["auditor@example.com"]
    call_command("audit", "checkpoint", "--user", "admin")
    out = capsys.readouterr().out
    assert "checkpoint of entry #" in out
    [(to, message)] = smtp.messages
    assert to == ["auditor@example.com"] and "audit checkpoint" in message["Subject"]
    attachment = next(part for part in message.walk() if part.get_filename())
    assert json.loads(attachment.get_payload(decode=True))["seq"] == len(trail)
    assert AuditEvent.objects.filter(action="audit.checkpoint_written").count() == 1
    call_command("audit", "verify", "--user", "admin")
    assert "1 checkpoint(s)" in capsys.readouterr().out
