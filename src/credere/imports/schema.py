"""The import/export column format of each kind of record (what docs/file-formats.md documents).

Each column has a type that says how a cell is read (text, code, date, decimal), whether
it is required, and its maximum length, taken from the ledger model so that the limits
live in one place. What a value *means* (is the currency valid, is the due date after
the document date) is decided by the ledger services, not here.

The entities themselves are registered in :mod:`credere.core.import_entities` (the ledger's
records by ``ImportsConfig.ready()`` with the columns below; credit control adds its orders), and
everything here reads that registry.
"""

from __future__ import annotations

from django.db import models

from credere.core import import_entities
from credere.core.import_entities import Column, Kind
from credere.ledger.models import Company, Customer, FxRate, OpenItem, Payment, PaymentTerms

__all__ = ["COLUMNS", "ENTITIES", "LEDGER_EXPORTS", "PERMISSION", "Column", "Kind", "builtin_columns", "choice_values",
           "column_names", "columns", "export_entities", "import_actions"]

#: The entities that can be imported, as registered (the ledger's here, other contexts' in their
#: ``AppConfig.ready()``: credit control's orders) — live views of :mod:`credere.core.import_entities`.
ENTITIES = import_entities.Names()
#: The permission each import needs (the services check it again row by row).
PERMISSION = import_entities.View(lambda e: e.permission)
#: Each entity's columns, in file order.
COLUMNS = import_entities.View(lambda e: e.columns)
#: Exports of the ledger's records (allocations are exported, never imported); registered entities
#: with an exporter follow (:func:`export_entities`).
LEDGER_EXPORTS = ("customers", "items", "payments", "allocations", "fx-rates")


def export_entities() -> tuple[str, ...]:
    return LEDGER_EXPORTS + tuple(e.name for e in import_entities.all_entities()
                                  if e.export is not None and e.name not in LEDGER_EXPORTS)


def _len(model: type[models.Model], field: str) -> int | None:
    return model._meta.get_field(field).max_length  # type: ignore[union-attr]


def builtin_columns() -> dict[str, tuple[Column, ...]]:
    """The columns of the ledger's records (registered by ``ImportsConfig.ready()``)."""
    return {
        "customers": (
            Column("account_number", "text", True, "The customer's account number in the ERP (the key)", "C1000",
                   _len(Customer, "account_number")),
            Column("name", "text", True, "Legal name", "Northwind Logistics Ltd", _len(Customer, "name")),
            Column("parent_account", "text", False,
                   "Account number of the parent company in the corporate group: a customer that already "
                   "exists or another row of the same file (rows are put in order, parents first)", "C0100",
                   _len(Customer, "account_number")),
            Column("payment_terms", "text", False, "Code of existing payment terms", "NET30",
                   _len(PaymentTerms, "code")),
            Column("registration_id", "text", False, "Company registration number", "HRB 12345",
                   _len(Customer, "registration_id")),
            Column("tax_id", "text", False, "VAT or tax number", "GB123456789", _len(Customer, "tax_id")),
            Column("country", "code", False, "ISO 3166 two-letter country code", "GB"),
            Column("industry_code", "text", False, "Industry classification (e.g. NACE)", "H49.4",
                   _len(Customer, "industry_code")),
            Column("language", "text", False, "Correspondence language (BCP 47)", "en", _len(Customer, "language")),
            Column("status", "choice", False, ", ".join(Customer.Status.values[:-1]) + " or " + Customer.Status.values[-1],
                   Customer.Status.ACTIVE, values=tuple(Customer.Status.values)),
        ),
        "items": (
            Column("company_code", "text", True, "Code of our company that owns the receivable", "DE01",
                   _len(Company, "code")),
            Column("account_number", "text", True, "Account number of an existing customer", "C1000",
                   _len(Customer, "account_number")),
            Column("document_type", "choice", True, "invoice, credit_note or debit_note", "invoice",
                   values=tuple(OpenItem.Type.values)),
            Column("document_number", "text", True, "Document number, unique per company and type (the key "
                   "is company_code + document_type + document_number)", "INV-2026-0001",
                   _len(OpenItem, "document_number")),
            Column("document_date", "date", True, "Date of the document", "2026-01-15"),
            Column("due_date", "date", True, "Net due date (not before the document date)", "2026-02-14"),
            Column("currency", "code", True, "ISO 4217 currency code", "EUR"),
            Column("amount", "decimal", True,
                   "Gross amount with at most the currency's decimals; credit notes may be written "
                   "negative or positive (they are stored negative)", "1190.00"),
            Column("posting_date", "date", False, "Posting date (default: the document date)", "2026-01-15"),
            Column("order_reference", "text", False, "Sales order number", "SO-7781",
                   _len(OpenItem, "order_reference")),
            Column("billing_reference", "text", False, "Billing document or delivery reference", "DLV-5521",
                   _len(OpenItem, "billing_reference")),
            Column("customer_reference", "text", False, "The customer's purchase order or reference", "PO 4711",
                   _len(OpenItem, "customer_reference")),
            Column("open_amount", "decimal", False, "Exported for information; ignored on import", "1190.00",
                   read_only=True),
        ),
        "payments": (
            Column("company_code", "text", True, "Code of our company that received the money", "DE01",
                   _len(Company, "code")),
            Column("reference", "text", True, "Bank or ERP reference, unique per company (the key is "
                   "company_code + reference)", "BANK-2026-0001", _len(Payment, "reference")),
            Column("received_on", "date", True, "Value date", "2026-02-10"),
            Column("currency", "code", True, "ISO 4217 currency code", "EUR"),
            Column("amount", "decimal", True, "Amount received, greater than zero", "600.00"),
            Column("account_number", "text", False, "Account number of an existing customer, if known", "C1000",
                   _len(Customer, "account_number")),
            Column("payer_name", "text", False, "Name of the payer on the bank statement", "NORTHWIND LOG",
                   _len(Payment, "payer_name")),
            Column("payer_account", "text", False, "Payer's IBAN or account", "GB29NWBK60161331926819",
                   _len(Payment, "payer_account")),
            Column("reference_text", "text", False, "Remittance information", "INV-2026-0001 INV-2026-0002",
                   4000),
            Column("unapplied_amount", "decimal", False, "Exported for information; ignored on import", "0.00",
                   read_only=True),
        ),
        "fx-rates": (
            Column("rate_date", "date", True, "Date the rate applies to", "2026-01-02"),
            Column("base", "code", True, "ISO 4217 code of the base currency", "EUR"),
            Column("quote", "code", True, "ISO 4217 code of the quoted currency", "USD"),
            Column("rate", "decimal", True, "Units of quote per one unit of base, at most 10 decimals", "1.0321"),
            Column("source", "text", False, "Where the rate comes from", "ECB", _len(FxRate, "source")),
        ),
    }


def columns(entity: str) -> tuple[Column, ...]:
    return COLUMNS[entity]


def column_names(entity: str) -> list[str]:
    return [c.name for c in COLUMNS[entity]]


def choice_values(entity: str) -> dict[str, tuple[str, ...]]:
    """The values of the entity's choice columns (what a file's codes can be translated to)."""
    return {c.name: c.values for c in COLUMNS[entity] if c.values}


def import_actions() -> tuple[str, ...]:
    """Any one of these lets a user upload files on the imports page."""
    return tuple(sorted(set(PERMISSION.values())))
