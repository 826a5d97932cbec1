"""The stored trail: tampering with rows in the database is detected by ``credere audit verify``."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from credere.audit.models import AuditEvent
from credere.audit.services import verify_chain
from credere.identity.services import issue_token
from credere.ledger.services.master_data import upsert_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(admin):
    for i in range(5):
        upsert_customer(actor=admin, account_number=f"A{i}", name=f"Customer {i}", country="DE")
    upsert_customer(actor=admin, account_number="A1", name="Customer One Renamed", reason="legal name change")
    return AuditEvent.objects.order_by("seq")


def test_intact_trail_verifies(trail, admin, capsys):
    count, problems = verify_chain()
    assert problems == [] and count == trail.count()
    call_command("audit", "verify", "--user", "admin")
    assert f"intact: {count} entries" in capsys.readouterr().out


def test_update_records_before_after_and_reason(trail):
    ev = AuditEvent.objects.get(action="customer.updated")
    assert ev.before == {"name": "Customer 1"} and ev.after == {"name": "Customer One Renamed"}
    assert ev.reason == "legal name change" and ev.actor == "admin"


def test_edited_row_is_reported(trail, admin, tamperer):
    target = trail.get(action="customer.updated")
    with connection.cursor() as c:
        c.execute("UPDATE audit_auditevent SET after = %s WHERE id = %s",
                  [json.dumps({"name": "Someone Else"}), target.pk])
    _, problems = verify_chain()
    assert [(p.seq, p.code) for p in problems] == [(target.seq, "edited")]
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("audit", "verify", "--user", "admin")


def test_deleted_row_is_reported(trail, tamperer):
    middle = trail[3]
    with connection.cursor() as c:
        c.execute("DELETE FROM audit_auditevent WHERE id = %s", [middle.pk])
    _, problems = verify_chain()
    assert {p.code for p in problems} >= {"sequence_gap", "inserted_or_deleted"}


def test_deleted_tail_is_reported(trail, tamperer):
    last = trail.last()
    with connection.cursor() as c:
        c.execute("DELETE FROM audit_auditevent WHERE id = %s", [last.pk])
    _, problems = verify_chain()
    assert [p.code for p in problems] == ["head_mismatch"]


def test_inserted_row_is_reported(trail, tamperer):
    first = trail.first()
    with connection.cursor() as c:
        c.execute("UPDATE audit_auditevent SET seq = seq + 1000 WHERE seq >= 3")
        c.execute("UPDATE audit_auditevent SET seq = seq - 999 WHERE seq >= 1000")
    AuditEvent.objects.create(seq=3, occurred_at=first.occurred_at, actor="mallory", action="customer.updated",
                              object_type="ledger.customer", object_id="1", prev_hash=trail[1].hash,
                              hash="f" * 64)
    _, problems = verify_chain()
    assert any(p.seq == 3 and p.code == "edited" for p in problems)
    assert any(p.seq == 4 and p.code == "inserted_or_deleted" for p in problems)


def test_query_and_export_per_object(trail, make_user, tmp_path, capsys):
    auditor = make_user("auditor")
    customer_id = AuditEvent.objects.get(action="customer.updated").object_id
    out = tmp_path / "trail.csv"
    call_command("audit", "export", "--object", f"ledger.customer:{customer_id}", "--format", "csv",
                 "--out", str(out), "--user", auditor.username)
    lines = out.read_text().splitlines()
    assert lines[0].startswith("seq,occurred_at,actor,action")
    assert [line.split(",")[3] for line in lines[1:]] == ["customer.created", "customer.updated"]
    _, secret = issue_token(actor=None, user=auditor, name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    r = client.get("/api/v1/audit/events", {"object_type": "ledger.customer", "object_id": customer_id})
    assert r.status_code == 200
    assert [e["action"] for e in r.json()["items"]] == ["customer.created", "customer.updated"]
    first = AuditEvent.objects.order_by("seq").first()
    since = timezone.localtime(first.occurred_at).date().isoformat()  # the day the events were written
    r = client.get("/api/v1/audit/events/export", {"format": "xlsx", "since": since})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    r = client.post("/api/v1/audit/verify")
    assert r.json()["intact"] is True
