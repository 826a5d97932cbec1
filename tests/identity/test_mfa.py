"""Two-factor authentication: required by role (CREDERE_MFA_REQUIRED_ROLES), set up with an authenticator app,
asked for at every sign-in, with recovery codes, and audited."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core.cache import cache
from django.test import Client

from credere.audit.models import AuditEvent
from credere.identity.services import create_user, issue_token

pytestmark = pytest.mark.django_db

PASSWORD = "a good password 9"


@pytest.fixture(autouse=True)
def _required(settings):
    settings.CREDERE_MFA_REQUIRED_ROLES = ["administrator", "credit_manager"]
    cache.clear()


def _code(secret):
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _sign_in(username):
    client = Client(REMOTE_ADDR="198.51.100.7")
    response = client.post("/accounts/login/", {"login": username, "password": PASSWORD})
    return client, response


def test_a_manager_sets_up_an_authenticator_app_before_anything_else_then_signs_in_with_it(
        company, django_capture_on_commit_callbacks):
    create_user(actor=None, username="maria", roles=["credit_manager"], password=PASSWORD)
    client, response = _sign_in("maria")
    assert response.status_code == 302
    page = client.get("/dashboard/")
    assert page.status_code == 302 and page["Location"] == "/accounts/2fa/"
    assert client.get("/customers/").status_code == 302  # every page, not only the dashboard
    assert client.get("/api/v1/customers").json()["error"]["code"] == "mfa_required"
    index = client.get("/accounts/2fa/", follow=True)
    assert index.status_code == 200 and "requires two-factor authentication" in index.content.decode()

    activate = client.get("/accounts/2fa/totp/activate/")
    assert activate.status_code == 302 and activate["Location"].startswith("/accounts/reauthenticate/")
    confirmed = client.post(activate["Location"], {"password": PASSWORD})  # the password again, first
    assert confirmed.status_code == 302 and confirmed["Location"] == "/accounts/2fa/totp/activate/"
    activate = client.get("/accounts/2fa/totp/activate/")
    assert activate.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    assert client.post("/accounts/2fa/totp/activate/", {"code": "000000"}).status_code == 200  # wrong: refused
    assert not Authenticator.objects.filter(user__username="maria", type="totp").exists()
    with django_capture_on_commit_callbacks(execute=True):  # allauth tells of it once the change is committed
        done = client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user__username="maria", type="totp").exists()
    assert client.get("/dashboard/").status_code == 200
    added = AuditEvent.objects.filter(action="user.mfa_added", actor="maria")
    assert {e.after["kind"] for e in added} >= {"totp"}

    # the next sign-in asks for the second factor; a recovery code works once
    codes = RecoveryCodes(Authenticator.objects.get(user__username="maria", type="recovery_codes")).get_unused_codes()
    assert len(codes) >= 8
    client.post("/accounts/logout/")
    client, response = _sign_in("maria")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/dashboard/").status_code == 302  # not signed in until the second factor is given
    assert client.post("/accounts/2fa/authenticate/", {"code": "12345678"}).status_code == 200
    second = client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert second.status_code == 302 and second["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    assert AuditEvent.objects.filter(action="user.signed_in", actor="maria").count() == 2


def test_roles_without_the_requirement_and_api_tokens_are_not_held(company):
    create_user(actor=None, username="colin", roles=["collector"], password=PASSWORD)
    client, _response = _sign_in("colin")
    assert client.get("/dashboard/").status_code == 200
    admin = create_user(actor=None, username="root", roles=["administrator"], password=PASSWORD)
    _token, secret = issue_token(actor=None, user=admin, name="erp")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/customers").status_code == 200


def test_without_the_setting_nobody_is_held(company, settings):
    settings.CREDERE_MFA_REQUIRED_ROLES = []
    create_user(actor=None, username="maria", roles=["credit_manager"], password=PASSWORD)
    client, _response = _sign_in("maria")
    assert client.get("/dashboard/").status_code == 200
    assert "Two-factor authentication" in client.get("/dashboard/").content.decode()  # offered in the user menu
