from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users made by ``make_user`` get a password; hashing it properly costs ~0.5 s per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def terms(admin):
    from credere.ledger.services.master_data import upsert_payment_terms

    upsert_payment_terms(actor=admin, code="NET30", net_days=30)
    upsert_payment_terms(actor=admin, code="NET60", net_days=60)


@pytest.fixture
def ledger(admin, company, terms):
    """Company DE01, payment terms and the customers of docs/samples/customers.csv."""
    from credere.imports.services.files import import_file

    result = import_file(actor=admin, entity="customers", data=(SAMPLES / "customers.csv").read_bytes(),
                         file_name="customers.csv")
    assert result.status == "succeeded", result.errors
    return company


@pytest.fixture
def run_import(admin):
    """``run_import("items", "csv text", partial=True)`` -> ImportResult (as admin unless actor=...)."""
    from credere.imports.services.files import import_file

    def run(entity: str, content: str | bytes, *, actor=None, file_name: str | None = None, **kwargs):
        data = content.encode("utf-8") if isinstance(content, str) else content
        return import_file(actor=actor or admin, entity=entity, data=data,
                           file_name=file_name or f"{entity}.csv", **kwargs)

    return run


def db_state() -> str:
    """A digest of every row of the ledger, audit and import tables (to prove nothing changed)."""
    from django.apps import apps

    digest = hashlib.sha256()
    for label in ("ledger", "audit", "imports"):
        for model in apps.get_app_config(label).get_models():
            rows = list(model._default_manager.order_by("pk").values_list())
            digest.update(f"{model._meta.label}:{len(rows)}:{rows!r}".encode())
    return digest.hexdigest()


ITEMS_HEADER = ("company_code,account_number,document_type,document_number,document_date,due_date,currency,amount\n")
