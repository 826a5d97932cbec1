"""Each role sees only the pages and actions it may use; a forged request is refused and changes nothing."""

import pytest
from django.test import Client

from credere.identity.models import ApiToken
from credere.identity.roles import ROLES
from support.portfolio import AS_OF, db_state

pytestmark = pytest.mark.django_db

ALL = set(ROLES)
IMPORTERS = {"administrator", "credit_manager", "credit_analyst", "cash_clerk"}
AUDIT = {"administrator", "auditor"}
ADMIN = {"administrator"}
EXPORTERS = ALL - {"sales"}
CREDIT = ALL - {"cash_clerk"}


def _pages(p):
    return {
        "/dashboard/": ALL, f"/dashboard/?as_of={AS_OF}": ALL, "/dashboard/figures/dso_countback/": ALL,
        "/aging/": ALL, "/customers/": ALL, f"/customers/{p.h1.pk}/": ALL, "/items/": ALL,
        f"/items/{p.inv1.pk}/": ALL, "/payments/": ALL, f"/payments/{p.p1.pk}/": ALL, "/search/?q=helios": ALL,
        "/search/suggest/?q=helios": ALL, "/imports/": ALL, "/imports/new/": IMPORTERS,
        "/audit/": AUDIT, "/audit/1/": AUDIT, "/users/": ADMIN, "/users/new/": ADMIN,
        f"/users/{p.admin.pk}/": ADMIN, "/credit/holds/": CREDIT, "/credit/alerts/": CREDIT, "/credit/limits/": CREDIT, "/approvals/": CREDIT,
        "/personal-data/": ADMIN, f"/customers/{p.h1.pk}/personal-data/": ADMIN,
    }


@pytest.mark.parametrize("role", sorted(ROLES))
def test_pages_open_only_for_the_roles_that_may_use_them(role, portfolio, client_for):
    c = client_for(role)
    for url, roles in _pages(portfolio).items():
        status = c.get(url).status_code
        assert status == (200 if role in roles else 403), (role, url, status)


NAV = {
    "Dashboard": ALL, "Aging": ALL, "Customers": ALL, "Open items": ALL, "Payments": ALL, "Imports": ALL,
    "Applications": CREDIT, "Onboarding policy": CREDIT,
    "Limits and use": CREDIT, "Portfolio": CREDIT, "Held orders": CREDIT, "Reviews": CREDIT, "Alerts": CREDIT,
    "Approvals": CREDIT, "Credit policy": CREDIT,
    "Statements": ALL, "Workbench": ALL, "Matching policy": ALL, "Audit log": AUDIT, "Users and tokens": ADMIN,
    "Personal data": ADMIN,
}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_navigation_and_buttons_show_only_what_the_role_may_use(role, portfolio, client_for):
    c = client_for(role)
    r = c.get(f"/dashboard/?as_of={AS_OF}")
    labels = {item["label"] for section in r.context["nav"] for item in section["items"]}
    assert labels == {label for label, roles in NAV.items() if role in roles}
    html = r.content.decode()
    assert ("Export</span>" in html) == (role in EXPORTERS)
    imports = c.get("/imports/").content.decode()
    assert ("Import a file" in imports) == (role in IMPORTERS)
    if role in AUDIT:
        audit = c.get("/audit/").content.decode()
        assert ('data-testid="verify-chain"' in audit) == (role in AUDIT)
    if role in IMPORTERS:
        allowed = {k for k, _ in c.get("/imports/new/").context["allowed"]}
        expected = {"administrator": {"customers", "items", "payments", "fx-rates", "orders"},
                    "credit_manager": {"customers", "items", "fx-rates", "orders"},
                    "credit_analyst": {"customers", "orders"},
                    "cash_clerk": {"payments", "fx-rates"}}[role]
        assert allowed == expected


def test_anonymous_visitors_are_sent_to_the_login_page(portfolio):
    c = Client()
    for url in _pages(portfolio):
        r = c.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next="), url
    assert Client().get("/")["Location"].startswith("/accounts/login/")


def test_sales_cannot_export_even_with_a_forged_link(portfolio, client_for):
    c = client_for("sales")
    for url in (f"/items/?as_of={AS_OF}&export=csv", f"/dashboard/?as_of={AS_OF}&export=xlsx&table=top",
                f"/customers/{portfolio.s1.pk}/?export=csv&table=items"):
        r = c.get(url)
        assert r.status_code == 403 and r["Content-Type"].startswith("text/html"), url


def _upload(c, entity="customers", content=b"account_number,name\nNEW1,New Co\n", name="c.csv", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return c.post("/imports/new/", {"entity": entity, "file": SimpleUploadedFile(name, content, "text/csv"), **extra})


@pytest.mark.parametrize("role,entity", [("collector", "customers"), ("sales", "items"), ("auditor", "fx-rates"),
                                         ("credit_analyst", "items"), ("cash_clerk", "customers"),
                                         ("credit_manager", "payments")])
def test_a_forged_import_is_refused_and_changes_nothing(role, entity, portfolio, client_for):
    c = client_for(role)
    before = db_state()
    r = _upload(c, entity=entity)
    assert r.status_code == 403
    assert db_state() == before


def test_saving_a_mapping_needs_its_right(portfolio, client_for):
    from credere.imports.models import ImportMapping

    c = client_for("credit_analyst")
    r = _upload(c, content=b"KUNNR,NAME1\nNEW1,New Co\n")
    upload_url = r["Location"]
    assert c.get(upload_url).status_code == 302  # needs a mapping
    before = db_state()
    r = c.post(upload_url + "mapping/", {"map_0": "account_number", "map_1": "name", "save": "1", "save_as": "SAP"})
    assert r.status_code == 403
    assert db_state() == before and not ImportMapping.objects.exists()


def test_another_users_upload_is_not_found(portfolio, client_for):
    c = client_for("credit_manager")
    upload_url = _upload(c)["Location"]
    other = client_for("administrator")
    before = db_state()
    assert other.get(upload_url).status_code == 404
    assert other.post(upload_url + "confirm/").status_code == 404
    assert other.post(upload_url + "cancel/").status_code == 404
    assert db_state() == before


@pytest.mark.parametrize("role", sorted(ALL - ADMIN))
def test_forged_user_administration_is_refused_and_changes_nothing(role, portfolio, client_for, role_users):
    c = client_for(role)
    target = role_users["sales"]
    token, _secret = __import__("credere.identity.services", fromlist=["issue_token"]).issue_token(
        actor=None, user=target, name="erp")
    before = db_state()
    assert c.post("/users/new/", {"username": "intruder", "password": "long enough pw 1",
                                  "roles": ["administrator"]}).status_code == 403
    assert c.post(f"/users/{target.pk}/", {"roles": ["administrator"]}).status_code == 403
    assert c.post(f"/users/{target.pk}/tokens/", {"name": "stolen"}).status_code == 403
    assert c.post(f"/tokens/{token.pk}/revoke/").status_code == 403
    assert db_state() == before
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


@pytest.mark.parametrize("role", sorted(ALL - AUDIT))
def test_forged_audit_verification_and_export_are_refused(role, portfolio, client_for):
    c = client_for(role)
    assert c.post("/audit/verify/").status_code == 403
    assert c.get("/audit/?export=csv").status_code == 403


def test_posts_need_the_csrf_token(portfolio, role_users):
    c = Client(enforce_csrf_checks=True)
    c.force_login(role_users["administrator"])
    before = db_state()
    assert c.post("/users/new/", {"username": "x", "password": "long enough pw 1",
                                  "roles": ["sales"]}).status_code == 403
    assert db_state() == before
