"""One customer's monthly history: the API and the CLI give the customer page's figures exactly."""

from __future__ import annotations

import csv
import io

from django.core.management import CommandError, call_command

from credere.audit.models import AuditEvent
from credere.reporting.layout import METRIC_FIELDS
from support.portfolio import AS_OF, db_state


def _page_points(client, customer):
    return client.get(f"/customers/{customer.pk}/?as_of={AS_OF.isoformat()}").context["history"].points


def test_api_history_is_the_customer_pages_history(portfolio, client_for):
    c = client_for("credit_analyst")
    points = _page_points(c, portfolio.s1)
    body = c.get(f"/api/v1/reports/customers/S1/history?as_of={AS_OF.isoformat()}").json()
    assert body["account_number"] == "S1" and body["name"] == "Solo Logistics Ltd"
    assert body["reporting_currency"] == "EUR" and body["as_of"] == "2026-03-31"
    assert len(points) == len(body["points"]) == 12
    assert [p["as_of"] for p in body["points"]] == [m.as_of.isoformat() for m in points]
    assert body["points"][-1]["as_of"] == "2026-03-31"
    for api_point, page_point in zip(body["points"], points, strict=True):
        for name, _label, _unit in METRIC_FIELDS:
            value = getattr(page_point, name)
            assert api_point[name] == (None if value is None else str(value)), name
    # S1 owes 540.00 EUR overdue of 840.00 EUR open on 31 March (CN-1 −100, INV-3 300 not due, INV-U1 640)
    assert body["points"][-1]["overdue_share"] == str(points[-1].overdue_share)
    assert points[-1].overdue_share is not None


def test_api_history_months_currency_and_refusals(portfolio, client_for):
    c = client_for("credit_analyst")
    six = c.get("/api/v1/reports/customers/H1A/history?as_of=2026-03-31&months=6&currency=USD").json()
    assert [p["as_of"] for p in six["points"]] == ["2025-10-31", "2025-11-30", "2025-12-31", "2026-01-31",
                                                    "2026-02-28", "2026-03-31"]
    assert six["reporting_currency"] == "USD" and {p["reporting_currency"] for p in six["points"]} == {"USD"}
    missing = c.get("/api/v1/reports/customers/NOPE/history?as_of=2026-03-31")
    assert missing.status_code == 404 and missing.json()["error"]["fields"] == [
        {"field": "customer", "message": "not found"}]
    bad = c.get("/api/v1/reports/customers/S1/history?as_of=2026-02-30")
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "as_of"
    no_rate = c.get("/api/v1/reports/customers/S1/history?as_of=2026-03-31&currency=CHF")
    assert no_rate.status_code == 422 and no_rate.json()["error"]["code"] == "missing_rates"


def test_history_needs_the_ledger_right_and_writes_nothing(portfolio, client_for, role_users):
    from credere.identity.services import create_user

    nobody = create_user(actor=None, username="norole", roles=[])
    from django.test import Client

    c = Client()
    c.force_login(nobody)
    sales = client_for("sales")
    before, events = db_state(), AuditEvent.objects.count()
    assert c.get("/api/v1/reports/customers/S1/history").status_code == 403
    assert sales.get("/api/v1/reports/customers/S1/history?as_of=2026-03-31").status_code == 200
    assert db_state() == before and AuditEvent.objects.count() == events


def test_cli_history_matches_the_api(portfolio, client_for, tmp_path, capsys):
    api = client_for("credit_analyst").get("/api/v1/reports/customers/H1A/history?as_of=2026-03-31&months=3").json()
    out = tmp_path / "h.csv"
    call_command("report", "customer", "H1A", "--as-of", "2026-03-31", "--months", "3", "--format", "csv",
                 "--out", str(out), "--user", "analyst")
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert [r[0] for r in rows[1:]] == [p["as_of"] for p in api["points"]]
    dso_col = rows[0].index(next(label for name, label, _u in METRIC_FIELDS if name == "dso_simple"))
    assert [r[dso_col] for r in rows[1:]] == [p["dso_simple"] or "" for p in api["points"]]
    try:
        call_command("report", "customer", "NOPE", "--user", "analyst")
    except CommandError as exc:
        assert "no customer with account number 'NOPE'" in str(exc)
    else:
        raise AssertionError("an unknown customer must be refused")
