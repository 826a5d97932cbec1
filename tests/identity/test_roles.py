"""Every role against every kind of action, through the services, the API and the CLI."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from credere.audit.models import AuditEvent
from credere.identity.authz import NotAllowed
from credere.identity.roles import ROLES
from credere.identity.services import create_user, issue_token
from credere.ledger.models import Allocation, Customer, FxRate, OpenItem, Payment
from credere.ledger.services.allocations import allocate
from credere.ledger.services.documents import record_payment, upsert_item
from credere.ledger.services.fx import upsert_fx_rate
from credere.ledger.services.master_data import upsert_customer

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 1)


def _state():
    return (Customer.objects.count(), OpenItem.objects.count(), Payment.objects.count(), Allocation.objects.count(),
            FxRate.objects.count(), AuditEvent.objects.count())


ACTIONS = {
    "edit_customers": lambda u, ctx: upsert_customer(actor=u, account_number="NEW", name="New Co"),
    "edit_items": lambda u, ctx: upsert_item(actor=u, company=ctx["company"], customer=ctx["customer"],
                                             document_type="invoice", document_number="NEW", document_date=DAY,
                                             due_date=DAY, currency="EUR", amount=Decimal("10")),
    "edit_payments": lambda u, ctx: record_payment(actor=u, company=ctx["company"], reference="NEW",
                                                   received_on=DAY, currency="EUR", amount=Decimal("10")),
    "allocate": lambda u, ctx: allocate(actor=u, target_id=ctx["invoice"].pk, payment_id=ctx["payment"].pk,
                                        amount=Decimal("1.00"), applied_on=DAY),
    "edit_fx": lambda u, ctx: upsert_fx_rate(actor=u, rate_date=DAY, base="EUR", quote="USD", rate="1.1"),
    "manage_users": lambda u, ctx: create_user(actor=u, username="someone-new", roles=["sales"]),
}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_against_service_action(role, action, make_user, company, customer, invoice, payment):
    user = make_user(role)
    ctx = {"company": company, "customer": customer, "invoice": invoice, "payment": payment}
    allowed = action in ROLES[role][1]
    before = _state()
    if allowed:
        ACTIONS[action](user, ctx)
        assert _state() != before
    else:
        with pytest.raises(NotAllowed):
            ACTIONS[action](user, ctx)
        assert _state() == before


@pytest.mark.parametrize("role", list(ROLES))
def test_role_against_api(role, make_user, company, customer):
    user = make_user(role)
    _, secret = issue_token(actor=None, user=user, name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    actions = ROLES[role][1]
    assert client.get("/api/v1/customers").status_code == (200 if "view_ledger" in actions else 403)
    before = _state()
    r = client.post("/api/v1/customers", json.dumps({"account_number": "API1", "name": "Api Co"}),
                    content_type="application/json")
    if "edit_customers" in actions:
        assert r.status_code == 201
    else:
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
        assert _state() == before
    assert client.get("/api/v1/audit/events").status_code == (200 if "view_audit" in actions else 403)
    assert client.post("/api/v1/audit/verify").status_code == (200 if "verify_audit" in actions else 403)
    assert client.get("/api/v1/identity/users").status_code == (200 if "manage_users" in actions else 403)


@pytest.mark.parametrize("role", list(ROLES))
def test_role_against_cli(role, make_user, capsys):
    user = make_user(role)
    actions = ROLES[role][1]
    if "verify_audit" in actions:
        call_command("audit", "verify", "--user", user.username)
        assert "intact" in capsys.readouterr().out
    else:
        with pytest.raises(CommandError, match="may not"):
            call_command("audit", "verify", "--user", user.username)
    before = _state()
    if "manage_users" in actions:
        call_command("user", "create", "cli-made", "--role", "sales", "--password", "long enough pw", "--user",
                     user.username)
    else:
        with pytest.raises(CommandError, match="may not"):
            call_command("user", "create", "cli-made", "--role", "sales", "--password", "long enough pw",
                         "--user", user.username)
        assert _state() == before


def test_anonymous_api_gets_401_with_error_body(db):
    r = Client().get("/api/v1/customers")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"
    r = Client(HTTP_AUTHORIZATION="Bearer crd_forged-token-value").get("/api/v1/customers")
    assert r.status_code == 401
