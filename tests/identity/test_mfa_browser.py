"""Two-factor authentication in a real browser: a credit manager whose role requires it signs in, is taken
to set it up, confirms the password, scans (here: reads) the authenticator secret, enters the app's code,
sees the recovery codes, and uses Credere."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from support.browsing import *  # noqa: F403 - the shared browser fixtures
from support.browsing import PASSWORD, login, shoot

pytestmark = [pytest.mark.sqlite_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager(transactional_db, settings):
    from django.core.cache import cache

    from credere.identity.services import create_user
    from credere.ledger.services.master_data import upsert_company

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CREDERE_MFA_REQUIRED_ROLES = ["administrator", "credit_manager"]
    cache.clear()
    user = create_user(actor=None, username="maria", roles=["credit_manager"], password=PASSWORD)
    upsert_company(actor=user, code="DE01", name="Credere Demo GmbH", base_currency="EUR", country="DE")
    return user


def _code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_a_manager_sets_up_two_factor_authentication_on_first_sign_in(manager, page: Page):
    login(page, "maria")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))
    expect(page.get_by_text("requires two-factor authentication")).to_be_visible()
    shoot(page, "mfa-index", prefix="identity")
    page.get_by_role("link", name="Activate").first.click()
    page.get_by_label("Password").fill(PASSWORD)  # allauth asks for the password again first
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    shoot(page, "mfa-totp", prefix="identity")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Authenticator app activated")).to_be_visible()
    page.goto("/accounts/2fa/recovery-codes/")
    shoot(page, "mfa-recovery-codes", prefix="identity")
    page.goto("/dashboard/")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
