"""Every sample in docs/samples imports, and docs/file-formats.md documents every column, so the docs never go stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imports.conftest import SAMPLES

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "file-formats.md"


def test_every_sample_imports_in_order(ledger, run_import):
    """customers.csv is imported by the ``ledger`` fixture; the rest follow as a user would."""
    from credere.imports.services.mappings import save_mapping

    save_mapping(actor=_admin(), source_system="SAP", entity="items",
                 mapping=json.loads((SAMPLES / "sap-open-items.mapping.json").read_text()))
    expected = [
        ("items", "open-items.csv", {}, 5), ("items", "open-items.xlsx", {}, 4),
        ("items", "sap-open-items.csv", {"mapping_name": "SAP"}, 3), ("payments", "payments.csv", {}, 3),
        ("fx-rates", "fx-rates.csv", {}, 4), ("fx-rates", "ecb-rates.xml", {}, 12), ("orders", "orders.csv", {}, 4),
    ]
    for entity, name, options, created in expected:
        result = run_import(entity, (SAMPLES / name).read_bytes(), file_name=name, **options)
        assert (result.status, result.created, result.errors) == ("succeeded", created, []), name
        again = run_import(entity, (SAMPLES / name).read_bytes(), file_name=name, **options)
        assert (again.created, again.updated, again.unchanged) == (0, 0, created), name
    listed = {p.name for p in SAMPLES.iterdir()}
    assert listed == {"customers.csv", "sap-open-items.mapping.json", *(n for _, n, _, _ in expected)}


def _admin():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="admin")


def test_the_document_describes_every_column_and_sample():
    from credere.imports.exports import ALLOCATION_COLUMNS
    from credere.imports.schema import COLUMNS

    text = DOC.read_text(encoding="utf-8")
    for entity, columns in COLUMNS.items():
        section = text.split(f"<!-- columns:{entity} -->")[1].split("<!-- /columns -->")[0]
        for col in columns:
            assert f"| `{col.name}` |" in section, (entity, col.name)
    for name in ALLOCATION_COLUMNS:
        assert f"`{name}`" in text
    for sample in SAMPLES.iterdir():
        assert f"samples/{sample.name}" in text, sample.name
