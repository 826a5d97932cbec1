"""A small hand-computed portfolio and one user per role, for the page, API and browser tests.

The fixtures are registered for every test by ``tests/conftest.py``.

As of 2026-03-31, with EUR/USD 1.25 (1 USD = 0.80 EUR):

==========  ========  ===============  ============  =================  ==========================
customer    item      amount           due           open on 31 March   bucket (days past due)
==========  ========  ===============  ============  =================  ==========================
H1A         INV-1     1,000.00 EUR     2026-02-04    400.00 (P1 600)    31–60 (55 days)
H1          INV-2       500.00 EUR     2026-03-31    500.00             not due (due that day)
S1          INV-3       300.00 EUR     2026-04-14    300.00             not due
S1          CN-1       -100.00 EUR     2026-03-20   -100.00             1–30 (11 days)
S1          INV-U1      800.00 USD     2025-11-30    800.00 = 640 EUR   over 120 (121 days)
==========  ========  ===============  ============  =================  ==========================

Receivables 1,740.00 EUR; overdue 940.00 EUR (54.02 %); not due 800.00; 1–30 −100.00;
31–60 400.00; over 120 640.00. Corporate group H1 > H1A: 900.00 EUR, 400.00 overdue.
Largest overdue: S1 540.00, H1A 400.00.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from types import SimpleNamespace

import pytest

D = Decimal
AS_OF = dt.date(2026, 3, 31)
ROLE_USERS = {
    "administrator": "admin", "credit_manager": "manager", "credit_analyst": "analyst", "collector": "collector",
    "cash_clerk": "clerk", "sales": "sales", "auditor": "auditor",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and import progress live in the cache: start every test with an empty one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def role_users(db):
    """One user per role, without a password (tests log in with ``force_login``)."""
    from credere.identity.services import create_user

    return {role: create_user(actor=None, username=name, roles=[role], email=f"{name}@example.com")
            for role, name in ROLE_USERS.items()}


@pytest.fixture
def client_for(role_users):
    from django.test import Client

    def make(role: str, **headers) -> Client:
        c = Client(**headers)
        c.force_login(role_users[role])
        return c

    return make


@pytest.fixture
def portfolio(role_users):
    from credere.ledger.services.allocations import allocate
    from credere.ledger.services.documents import record_payment, upsert_item
    from credere.ledger.services.fx import upsert_fx_rate
    from credere.ledger.services.master_data import upsert_company, upsert_customer

    admin = role_users["administrator"]
    de = upsert_company(actor=admin, code="DE01", name="Credere GmbH", base_currency="EUR", country="DE")[0]
    us = upsert_company(actor=admin, code="US01", name="Credere Inc", base_currency="USD", country="US")[0]
    h1 = upsert_customer(actor=admin, account_number="H1", name="Helios Holding AG", country="DE",
                         industry_code="K64.2")[0]
    h1a = upsert_customer(actor=admin, account_number="H1A", name="Helios Trading GmbH", parent_account="H1",
                          country="DE", industry_code="G46.1")[0]
    s1 = upsert_customer(actor=admin, account_number="S1", name="Solo Logistics Ltd", country="GB",
                         industry_code="H49.4")[0]
    for day in month_ends():
        upsert_fx_rate(actor=admin, rate_date=day, base="EUR", quote="USD", rate="1.25", source="test")

    def item(company, customer, kind, number, doc, due, currency, amount):
        return upsert_item(actor=admin, company=company, customer=customer, document_type=kind,
                           document_number=number, document_date=doc, due_date=due, currency=currency,
                           amount=D(amount))[0]

    inv1 = item(de, h1a, "invoice", "INV-1", dt.date(2026, 1, 5), dt.date(2026, 2, 4), "EUR", "1000.00")
    inv2 = item(de, h1, "invoice", "INV-2", dt.date(2026, 3, 1), dt.date(2026, 3, 31), "EUR", "500.00")
    inv3 = item(de, s1, "invoice", "INV-3", dt.date(2026, 3, 15), dt.date(2026, 4, 14), "EUR", "300.00")
    cn1 = item(de, s1, "credit_note", "CN-1", dt.date(2026, 3, 20), dt.date(2026, 3, 20), "EUR", "-100.00")
    inv_u1 = item(us, s1, "invoice", "INV-U1", dt.date(2025, 10, 31), dt.date(2025, 11, 30), "USD", "800.00")
    p1 = record_payment(actor=admin, company=de, customer=h1a, reference="P1", received_on=dt.date(2026, 3, 10),
                        currency="EUR", amount=D("600.00"))[0]
    a1 = allocate(actor=admin, target_id=inv1.pk, payment_id=p1.pk, amount=D("600.00"),
                  applied_on=dt.date(2026, 3, 10))
    return SimpleNamespace(de=de, us=us, h1=h1, h1a=h1a, s1=s1, inv1=inv1, inv2=inv2, inv3=inv3, cn1=cn1,
                           inv_u1=inv_u1, p1=p1, a1=a1, admin=admin)


def month_ends() -> list[dt.date]:
    """The month-ends of the year to 31 March 2026 (the dashboard's 12-month series needs their rates)."""
    from credere.domain.metrics import month_ends as ends

    return [*ends(dt.date(2025, 3, 31), 1), *ends(AS_OF, 12)]


def db_state() -> str:
    """A digest of every row of the ledger, audit, identity, import and web tables (nothing changed?)."""
    from django.apps import apps

    digest = hashlib.sha256()
    for label in ("ledger", "audit", "imports", "identity", "web", "auth"):
        for model in apps.get_app_config(label).get_models():
            if model._meta.managed is False:
                continue
            rows = list(model._default_manager.order_by("pk").values_list())
            digest.update(f"{model._meta.label}:{len(rows)}:{rows!r}".encode())
    return digest.hexdigest()
