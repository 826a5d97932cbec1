"""Signing in as an attacker would try it: guessable passwords refused, no password oracle for deactivated
users, throttling that slows an attacker without locking the real user out (also behind a proxy), tokens that
stay revoked, reads that do not write, and every sign-in in the audit trail."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from credere.audit.models import AuditEvent
from credere.identity.models import ApiToken
from credere.identity.services import IdentityError, create_user, issue_token, set_active, user_for_token

pytestmark = pytest.mark.django_db

GOOD = "a good password 9"
REFUSED = "The username and/or password you specified are not correct"  # words of the sign-in page's refusal


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


def _sign_in(login, password, address="10.0.0.1", **headers):
    client = Client(REMOTE_ADDR=address, **headers)
    return client, client.post("/accounts/login/", {"login": login, "password": password})


@pytest.mark.parametrize(("password", "reason"), [
    ("password", "too short"), ("12345678", "too short"), ("aaaaaaaa", "too short"),
    ("123456789012", "entirely numeric"), ("password1234", "too common"), ("dana.schmidt1", "too similar"),
])
def test_guessable_passwords_are_refused_everywhere(admin, password, reason):
    with pytest.raises(IdentityError, match=reason) as refused:
        create_user(actor=None, username="dana.schmidt", roles=["collector"], email="dana@example.com",
                    password=password)
    assert refused.value.field == "password"
    _, secret = issue_token(actor=None, user=admin, name="erp")
    r = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").post(
        "/api/v1/identity/users", json.dumps({"username": "dana.schmidt", "email": "dana@example.com",
                                              "roles": ["collector"], "password": password}),
        content_type="application/json")
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "password"
    with pytest.raises(CommandError, match="password"):
        call_command("user", "create", "dana.schmidt", "--role", "collector", "--password", password,
                     "--email", "dana@example.com", "--operator")
    assert not AuditEvent.objects.filter(action="user.created", object_repr="dana.schmidt").exists()


def test_a_deactivated_user_with_the_right_password_is_told_nothing_more(admin):
    dana = create_user(actor=None, username="dana", roles=["collector"], password=GOOD)
    set_active(actor=admin, user=dana, active=False)
    _, right = _sign_in("dana", GOOD)
    _, wrong = _sign_in("dana", "not the password", address="10.0.0.9")
    assert right.status_code == wrong.status_code == 200
    assert REFUSED in right.content.decode() and REFUSED in wrong.content.decode()
    assert "inactive" not in right.content.decode().lower()
    assert AuditEvent.objects.filter(action="user.sign_in_failed").count() == 2


def test_failures_from_one_address_do_not_lock_the_user_out_of_another(admin):
    create_user(actor=None, username="dana", roles=["collector"], password=GOOD)
    for _ in range(5):
        _, r = _sign_in("dana", "guess", address="203.0.113.66")
        assert REFUSED in r.content.decode()
    _, r = _sign_in("dana", GOOD, address="203.0.113.66")  # the attacker's address is held back, even when right
    assert r.status_code in (200, 429) and "/dashboard/" not in r.get("Location", "")
    client, r = _sign_in("dana", GOOD, address="198.51.100.7")  # the real user, at their desk
    assert r.status_code == 302 and r["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_behind_the_proxy_each_client_is_throttled_on_its_own_address(admin, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    create_user(actor=None, username="dana", roles=["collector"], password=GOOD)
    for _ in range(6):
        _sign_in("dana", "guess", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.66")
    client, r = _sign_in("dana", GOOD, address="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert r.status_code == 302, "the proxy's address is shared: the client's decides"
    signed_in = AuditEvent.objects.get(action="user.signed_in")
    assert signed_in.after["address"] == "198.51.100.7"
    failed = AuditEvent.objects.filter(action="user.sign_in_failed").first()
    assert failed is not None and failed.after["address"] == "203.0.113.66" and failed.after["login"] == "dana"


def test_sign_in_and_out_are_audited_with_the_address(admin):
    create_user(actor=None, username="dana", roles=["collector"], password=GOOD)
    client, r = _sign_in("dana", GOOD, address="198.51.100.7", HTTP_USER_AGENT="Firefox/140")
    assert r.status_code == 302
    client.post("/accounts/logout/")
    events = list(AuditEvent.objects.filter(action__startswith="user.sign").order_by("seq"))
    assert [(e.action, e.actor, e.after["address"]) for e in events] == [
        ("user.signed_in", "dana", "198.51.100.7"), ("user.signed_out", "dana", "198.51.100.7")]
    assert events[0].after["agent"] == "Firefox/140" and "password" not in json.dumps(events[0].after)


def test_reactivating_a_user_does_not_bring_their_tokens_back(admin):
    robot = create_user(actor=None, username="robot", roles=["sales"])
    _, secret = issue_token(actor=None, user=robot, name="erp")
    assert user_for_token(secret) == robot
    set_active(actor=admin, user=robot, active=False)
    set_active(actor=admin, user=robot, active=True)
    assert user_for_token(secret) is None
    assert ApiToken.objects.get(user=robot).revoked_at is not None
    assert AuditEvent.objects.filter(action="token.revoked", reason="the user was deactivated").count() == 1
    _, fresh = issue_token(actor=None, user=robot, name="erp again")
    assert user_for_token(fresh) == robot


def test_a_token_s_use_is_written_at_most_once_a_minute(admin, django_assert_num_queries):
    _, secret = issue_token(actor=None, user=admin, name="erp")
    assert user_for_token(secret) == admin
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # the token read, and no write
        assert user_for_token(secret) == admin
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    user_for_token(secret)
    assert ApiToken.objects.get().last_used_at > first


@pytest.mark.django_db(transaction=True)
def test_a_token_s_use_does_not_wait_for_a_lock_another_write_holds(admin):
    """A long write (a big statement import) holding the lock must not hold up reads with a token: the use is
    a note that a later request makes as well, so it gives up after a tenth of a second."""
    import time

    from django.db import connection

    _, secret = issue_token(actor=None, user=admin, name="erp")
    ApiToken.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    before = ApiToken.objects.get().last_used_at
    if connection.vendor == "postgresql":
        import psycopg

        params = connection.get_connection_params()
        other = psycopg.connect(**{k: v for k, v in params.items() if k in ("host", "port", "user", "dbname",
                                                                           "password")})
        other.execute("SELECT 1 FROM identity_apitoken FOR UPDATE")  # the row is locked until other commits
    else:
        import sqlite3

        name = connection.settings_dict["NAME"]
        if "memory" in str(name):
            pytest.skip("needs a database file a second connection can lock")
        other = sqlite3.connect(name)
        other.execute("BEGIN IMMEDIATE")  # the database's one write lock
    try:
        started = time.monotonic()
        assert user_for_token(secret) == admin
        assert time.monotonic() - started < 5  # (it would wait 30 s for the lock)
    finally:
        other.rollback()
        other.close()
    assert ApiToken.objects.get().last_used_at == before  # skipped, not waited for
    user_for_token(secret)
    assert ApiToken.objects.get().last_used_at > before  # the next request notes it
