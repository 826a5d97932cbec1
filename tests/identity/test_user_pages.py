"""The audit viewer (search, before/after, export, chain verification) and user administration."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from credere.audit.models import AuditEvent
from credere.identity.models import ApiToken
from credere.identity.services import roles_of

pytestmark = pytest.mark.django_db


def test_administrator_creates_a_user_sets_roles_and_manages_tokens(portfolio, client_for):
    c = client_for("administrator")
    r = c.post("/users/new/", {"username": "newbie", "email": "newbie@example.com", "password": "short",
                               "roles": ["collector"]})
    # a bad form answers 422 with the message at its field, the field marked, and one line in the alert
    assert r.status_code == 422 and r.context["errors"].of("password")
    assert list(r.context["errors"]) == ["Check the field marked below."]
    assert 'name="password" required autocomplete="new-password" minlength="12" aria-invalid="true"' in (
        r.content.decode())
    assert not get_user_model().objects.filter(username="newbie").exists()
    r = c.post("/users/new/", {"username": "newbie", "email": "newbie@example.com",
                               "password": "a long password 1", "roles": ["collector"]})
    user = get_user_model().objects.get(username="newbie")
    assert r["Location"] == f"/users/{user.pk}/"
    assert roles_of(user) == ["collector"] and user.check_password("a long password 1")
    assert AuditEvent.objects.filter(action="user.created", object_id=str(user.pk), actor="admin").exists()
    r = c.post("/users/new/", {"username": "newbie", "password": "a long password 1", "roles": ["sales"]})
    assert list(r.context["errors"]) == ["user 'newbie' already exists"]

    c.post(f"/users/{user.pk}/", {"roles": ["collector", "cash_clerk"]})
    assert roles_of(user) == ["cash_clerk", "collector"]
    assert AuditEvent.objects.filter(action="user.roles_changed", object_id=str(user.pk)).count() == 1

    r = c.post(f"/users/{user.pk}/tokens/", {"name": "ERP"})
    secret = r.context["new_secret"]["secret"]
    assert secret.startswith("crd_") and secret in r.content.decode()
    assert r["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=user)
    assert secret not in json.dumps(list(ApiToken.objects.values()), default=str)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/identity/me").json()["username"] == "newbie"
    # shown once: the user page does not show it again
    assert secret not in c.get(f"/users/{user.pk}/").content.decode()
    c.post(f"/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/v1/identity/me").status_code == 401
    listing = c.get("/users/").context["table"].rows
    assert [row["username"] for row in listing][:3] == ["admin", "analyst", "auditor"]


def test_login_logout_and_password_reset(portfolio, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from credere.identity.services import create_user

    create_user(actor=None, username="dana", roles=["credit_manager"], email="dana@example.com",
                password="a good password 9")
    c = Client()
    r = c.get("/accounts/login/")
    assert r.status_code == 200 and 'autocomplete="current-password"' in r.content.decode()
    r = c.post("/accounts/login/", {"login": "dana", "password": "wrong"})
    assert r.status_code == 200 and "/dashboard/" not in r.get("Location", "")
    r = c.post("/accounts/login/", {"login": "dana", "password": "a good password 9"})
    assert r.status_code == 302 and r["Location"] == "/dashboard/"
    assert c.get("/dashboard/").status_code == 200
    assert c.get("/").url == "/dashboard/"
    r = c.post("/accounts/logout/")
    assert r.status_code == 302
    assert c.get("/dashboard/").status_code == 302
    # no self sign-up
    assert "closed" in Client().get("/accounts/signup/").content.decode().lower()
    # password reset by email
    r = Client().post("/accounts/password/reset/", {"email": "dana@example.com"})
    assert r.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dana@example.com"]
    link = next(word for word in mail.outbox[0].body.split() if "/accounts/password/reset/key/" in word)
    path = link.split("://", 1)[1].split("/", 1)[1]
    reset = Client()
    r = reset.get("/" + path, follow=True)
    form_url = r.redirect_chain[-1][0] if r.redirect_chain else "/" + path
    r = reset.post(form_url, {"password1": "a new password 77", "password2": "a new password 77"})
    assert r.status_code == 302
    assert get_user_model().objects.get(username="dana").check_password("a new password 77")
