"""The audit viewer (search, before/after, export, chain verification) and user administration."""

import csv
import io
import json

import pytest

from credere.audit.models import AuditEvent
from support.audit import lift_audit_triggers

pytestmark = pytest.mark.django_db


def test_audit_log_search_and_filters(portfolio, client_for):
    c = client_for("auditor")
    r = c.get("/audit/?q=Solo&order=oldest")
    assert [e.action for e in r.context["table"].rows] == ["customer.created"]
    r = c.get(f"/audit/?object_type=ledger.openitem&object_id={portfolio.inv1.pk}")
    assert [e.action for e in r.context["table"].rows] == ["item.created"]
    r = c.get("/audit/?action=payment")
    assert [e.object_repr for e in r.context["table"].rows] == ["Payment P1"]
    assert c.get("/audit/?actor=nobody").context["table"].is_empty
    assert c.get("/audit/?actor=admin&since=2000-01-01&until=2999-12-31").context["table"].page.paginator.count == \
        AuditEvent.objects.filter(actor="admin").count()
    r = c.get("/audit/?since=yesterday")
    assert any("since" in e for e in r.context["errors"])


def test_audit_event_shows_before_and_after_and_links_the_object(portfolio, client_for):
    from credere.ledger.services.master_data import upsert_customer

    upsert_customer(actor=portfolio.admin, account_number="S1", name="Solo Logistics Limited", reason="renamed")
    event = AuditEvent.objects.get(action="customer.updated")
    c = client_for("auditor")
    r = c.get(f"/audit/{event.seq}/")
    assert r.status_code == 200
    assert r.context["object_url"] == f"/customers/{portfolio.s1.pk}/"
    html = r.content.decode()
    assert "Solo Logistics Ltd" in html and "Solo Logistics Limited" in html and "renamed" in html
    assert 'class="mono diff-old">Solo Logistics Ltd<' in html
    assert c.get("/audit/999999/").status_code == 404


def test_audit_export_has_the_hashes(portfolio, client_for):
    c = client_for("auditor")
    r = c.get("/audit/?action=item&export=csv")
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    assert rows[0] == ["seq", "occurred_at", "actor", "action", "object_type", "object_id", "object_repr", "before",
                       "after", "reason", "prev_hash", "hash"]
    assert [row[3] for row in rows[1:]] == ["item.created"] * 5
    assert rows[1][11] == AuditEvent.objects.get(seq=int(rows[1][0])).hash
    data = json.loads(c.get("/audit/?action=payment&export=json").content)
    assert [d["object_repr"] for d in data] == ["Payment P1"]
    assert c.get("/audit/?export=pdf").status_code == 400


def test_chain_verification_finds_tampering(portfolio, client_for):
    c = client_for("auditor")
    r = c.post("/audit/verify/")
    assert r.context["intact"] is True and r.context["count"] == AuditEvent.objects.count()
    assert "The audit chain is intact" in r.content.decode()
    victim = AuditEvent.objects.get(action="payment.created")
    lift_audit_triggers()
    AuditEvent.objects.filter(pk=victim.pk).update(after={"amount": "6.00"})
    r = c.post("/audit/verify/")
    assert r.context["intact"] is False
    assert [p.seq for p in r.context["problems"]] == [victim.seq]
    assert "The audit chain is broken" in r.content.decode()
    assert c.get("/audit/verify/").status_code == 405


