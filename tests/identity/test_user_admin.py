import pytest
from django.core.management import call_command
from django.test import Client

from credere.audit.models import AuditEvent
from credere.identity.services import IdentityError, issue_token, set_active

pytestmark = pytest.mark.django_db


def test_deactivated_user_cannot_use_tokens_and_it_is_audited(admin, make_user):
    bot = make_user("sales", username="bot")
    _, secret = issue_token(actor=admin, user=bot, name="erp")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/identity/me").status_code == 200
    assert set_active(actor=admin, user=bot, active=False, reason="left the company") is True
    assert client.get("/api/v1/identity/me").status_code == 401
    ev = AuditEvent.objects.get(action="user.deactivated")
    assert (ev.before, ev.after, ev.reason) == ({"is_active": True}, {"is_active": False}, "left the company")
    with pytest.raises(IdentityError, match="yourself"):
        set_active(actor=admin, user=admin, active=False)


def test_deactivate_from_the_cli_and_the_web_page(admin, make_user, client):
    make_user("collector", username="carol")
    call_command("user", "deactivate", "carol", "--user", "admin")
    from django.contrib.auth import get_user_model

    carol = get_user_model().objects.get(username="carol")
    assert carol.is_active is False
    client.force_login(admin)
    r = client.post(f"/users/{carol.pk}/active/", {"active": "1"})
    assert r.status_code == 302
    carol.refresh_from_db()
    assert carol.is_active is True


def test_a_non_administrator_cannot_deactivate(make_user, client):
    clerk = make_user("cash_clerk")
    victim = make_user("sales")
    client.force_login(clerk)
    assert client.post(f"/users/{victim.pk}/active/", {"active": "0"}).status_code == 403
    victim.refresh_from_db()
    assert victim.is_active is True
