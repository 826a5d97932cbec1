from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from support.audit import lift_audit_triggers
from support.mail import smtp  # noqa: F401 (fixtures for every test)
from support.portfolio import _fresh_cache, client_for, portfolio, role_users  # noqa: F401 (fixtures for every test)
from support.recorded import recorded_services  # noqa: F401 (fixtures for every test)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings, tmp_path):
    """Real hashing costs ~0.5 s per user on a small machine; tests do not need its strength. Each test has
    its own audit checkpoint directory (a checkpoint vouches for one database's trail). Outside services
    (VIES, GLEIF, bureaus) are off."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CREDERE_AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"
    # no test reaches the internet: outside services are off unless a test serves recorded answers itself
    settings.CREDERE_VIES_URL = settings.CREDERE_GLEIF_URL = ""
    settings.CREDERE_BUREAUS = []


@pytest.fixture
def tamperer(db):
    lift_audit_triggers()


@pytest.fixture
def make_user(db):
    """Create a user holding the given roles: ``make_user("cash_clerk")``."""
    from credere.identity.services import create_user

    counter = {"n": 0}

    def make(*roles: str, username: str | None = None):
        counter["n"] += 1
        return create_user(actor=None, username=username or f"{'-'.join(roles) or 'norole'}-{counter['n']}",
                           roles=list(roles), password="correct horse battery staple")

    return make


@pytest.fixture
def admin(make_user):
    return make_user("administrator", username="admin")


@pytest.fixture
def company(admin):
    from credere.ledger.services.master_data import upsert_company

    return upsert_company(actor=admin, code="DE01", name="Credere Demo GmbH", base_currency="EUR", country="DE")[0]


@pytest.fixture
def customer(admin):
    from credere.ledger.services.master_data import upsert_customer

    return upsert_customer(actor=admin, account_number="C1000", name="Northwind Logistics Ltd", country="GB")[0]


@pytest.fixture
def invoice(admin, company, customer):
    from credere.ledger.services.documents import upsert_item

    return upsert_item(actor=admin, company=company, customer=customer, document_type="invoice",
                       document_number="INV-1", document_date=dt.date(2026, 1, 1), due_date=dt.date(2026, 1, 31),
                       currency="EUR", amount=Decimal("1000.00"))[0]


@pytest.fixture
def payment(admin, company, customer):
    from credere.ledger.services.documents import record_payment

    return record_payment(actor=admin, company=company, customer=customer, reference="BANK-1",
                          received_on=dt.date(2026, 2, 5), currency="EUR", amount=Decimal("600.00"))[0]


@pytest.fixture
def commit(db):
    """Run what waits for the test's transaction to commit (it never does), as a commit would:
    ``commit()`` after a service call makes its on-commit work (standings, refreshes) happen."""
    from django.db import connection

    def run() -> None:
        while connection.run_on_commit:
            pending = list(connection.run_on_commit)
            connection.run_on_commit.clear()
            for _sids, callback, _robust in pending:
                callback()

    return run
