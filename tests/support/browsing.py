"""What the real-browser tests share: Debian's Chromium under Playwright, the page fixture that
fails a test on any script error or failed request, signing in, and where screenshots go.

Test modules use it with ``from support.browsing import *`` (the fixtures must be in their namespace).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

__all__ = ["DESKTOP", "PASSWORD", "PHONE", "SHOTS", "browser", "console_errors", "login", "page", "passwords",
           "shoot"]

CHROMIUM = os.environ.get("CREDERE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "browser-test-password"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: apt-get install chromium (./dev test does it)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        # Playwright's sync API keeps an event loop in this thread while it runs; the tests' own
        # ORM calls (fixtures, assertions, the database flush between tests) are synchronous.
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield b
            b.close()


@pytest.fixture
def console_errors() -> list[str]:
    """Script errors and failed requests seen by the page (a test may clear the ones it provoked)."""
    return []


@pytest.fixture
def page(browser: Browser, live_server, console_errors: list[str]) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="en-US", base_url=live_server.url)
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.on("pageerror", lambda e: console_errors.append(str(e)))
    pg.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    yield pg
    context.close()
    assert console_errors == [], console_errors  # no script errors and no failed requests on any page


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("User name or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def passwords(role_users, settings):
    """The users of every role, able to sign in with :data:`PASSWORD` (a fast hasher for tests)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for user in role_users.values():
        user.set_password(PASSWORD)
        user.save()
    return role_users


def shoot(page: Page, name: str, prefix: str = "credit") -> None:
    """Screenshots of the whole page at 1366×900 and 390×844 (``desktop-<prefix>-<name>.png``, ``phone-…``)."""
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SHOTS / f"desktop-{prefix}-{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(150)
    page.screenshot(path=str(SHOTS / f"phone-{prefix}-{name}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
