"""The API documentation works with no network: Swagger UI comes from Credere's own static files,
and the user menu links to it for users who may use the API."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from support.browsing import *  # noqa: F403 - the shared browser fixtures
from support.browsing import PASSWORD, SHOTS, login

pytestmark = [pytest.mark.sqlite_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def users(transactional_db, settings):
    from credere.identity.services import create_user

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return {name: create_user(actor=None, username=name, roles=roles, password=PASSWORD)
            for name, roles in (("analyst", ["credit_analyst"]), ("norole", []))}


def test_api_docs_render_offline_and_the_menu_links_them(users, page: Page, live_server):
    outside: list[str] = []

    def only_this_server(route: Route) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:  # no internet: anything else (a CDN) fails as it would offline
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    login(page, "analyst")
    page.locator(".user-menu > summary").click()
    page.get_by_role("link", name="API documentation").click()
    expect(page).to_have_url(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Credere API")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/reports/customers/{account_number}/history")
           ).to_have_count(1)
    assert outside == []
    page.screenshot(path=str(SHOTS / "desktop-api-docs.png"))


def test_a_user_without_a_role_has_no_api_link(users, page: Page, console_errors: list[str]):
    login(page, "norole")
    page.goto("/")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    console_errors.clear()  # the start page refuses a user without a role (403): expected
    page.locator(".user-menu > summary").click()
    expect(page.get_by_role("link", name="API documentation")).to_have_count(0)
