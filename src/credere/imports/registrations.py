"""The ledger's records that imports can read from files, registered at start-up
(``ImportsConfig.ready()``) in :mod:`credere.core.import_entities`, where other contexts add theirs."""

from __future__ import annotations

from credere.core import import_entities
from credere.core.import_entities import Entity
from credere.imports.schema import builtin_columns
from credere.imports.services.writers import BUILTIN_WRITERS

LABELS = {"customers": "Customers", "items": "Open items", "payments": "Payments", "fx-rates": "FX rates"}
PERMISSIONS = {"customers": "edit_customers", "items": "edit_items", "payments": "edit_payments", "fx-rates": "edit_fx"}


def register() -> None:
    columns = builtin_columns()
    for name, label in LABELS.items():
        import_entities.register(Entity(name=name, label=label, permission=PERMISSIONS[name], columns=columns[name],
                                        writer=BUILTIN_WRITERS[name], changes_ledger=True))
