"""Exporting records in the import column format (so an export can be edited and re-imported): the
ledger's here, other contexts' (credit control's orders) through the exporter they registered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import Q

from credere.audit.services import record
from credere.core import import_entities, personal
from credere.core.errors import BusinessError
from credere.domain.masking import mask
from credere.domain.money import quantize
from credere.identity.authz import authorize
from credere.identity.privacy import sees_personal_data
from credere.imports.schema import column_names, export_entities
from credere.ledger.models import Allocation, Company, Customer, FxRate, OpenItem, Payment

ALLOCATION_COLUMNS = [
    "company_code", "document_type", "document_number", "currency", "amount", "payment_reference",
    "credit_note_number", "source_currency", "source_amount", "applied_on", "reversed_on", "note",
]


def _customers(company: Company | None) -> Iterator[list[Any]]:
    qs = Customer.objects.select_related("parent", "payment_terms").order_by("account_number")
    if company is not None:
        qs = qs.filter(Q(items__company=company) | Q(payments__company=company)).distinct()
    for c in qs.iterator(chunk_size=2000):
        yield [c.account_number, c.name, c.parent.account_number if c.parent else "",
               c.payment_terms.code if c.payment_terms else "", c.registration_id, c.tax_id, c.country,
               c.industry_code, c.language, c.status]


def _items(company: Company | None) -> Iterator[list[Any]]:
    qs = OpenItem.objects.select_related("company", "customer").order_by("company__code", "document_type",
                                                                         "document_number")
    if company is not None:
        qs = qs.filter(company=company)
    for i in qs.iterator(chunk_size=2000):
        yield [i.company.code, i.customer.account_number, i.document_type, i.document_number, i.document_date,
               i.due_date, i.currency, quantize(i.amount, i.currency), i.posting_date, i.order_reference,
               i.billing_reference, i.customer_reference, quantize(i.open_amount, i.currency)]


def _payments(company: Company | None) -> Iterator[list[Any]]:
    qs = Payment.objects.select_related("company", "customer").order_by("company__code", "received_on", "reference")
    if company is not None:
        qs = qs.filter(company=company)
    for p in qs.iterator(chunk_size=2000):
        yield [p.company.code, p.reference, p.received_on, p.currency, quantize(p.amount, p.currency),
               p.customer.account_number if p.customer else "", p.payer_name, p.payer_account, p.reference_text,
               quantize(p.unapplied_amount, p.currency)]


def _allocations(company: Company | None) -> Iterator[list[Any]]:
    qs = Allocation.objects.select_related("target__company", "payment", "credit_note").order_by("applied_on", "id")
    if company is not None:
        qs = qs.filter(target__company=company)
    for a in qs.iterator(chunk_size=2000):
        source_currency = a.payment.currency if a.payment else a.credit_note.currency  # type: ignore[union-attr]
        yield [a.target.company.code, a.target.document_type, a.target.document_number, a.target.currency,
               quantize(a.amount, a.target.currency), a.payment.reference if a.payment else "",
               a.credit_note.document_number if a.credit_note else "", source_currency,
               quantize(a.source_amount, source_currency), a.applied_on, a.reversed_on, a.note]


def _fx_rates(company: Company | None) -> Iterator[list[Any]]:
    for f in FxRate.objects.order_by("rate_date", "base", "quote").iterator(chunk_size=5000):
        yield [f.rate_date, f.base, f.quote, f.rate, f.source]


#: The record type each entity's rows are (their personal columns: :mod:`credere.core.personal`).
RECORD_TYPES = {"customers": "ledger.customer", "items": "ledger.openitem", "payments": "ledger.payment"}


def personal_columns(entity: str) -> dict[str, str]:
    """The columns of ``entity`` that hold personal data, each with the kind of value (how it is masked)."""
    return personal.fields_of(RECORD_TYPES.get(entity, ""))


def masked_rows(actor: Any, entity: str, headers: list[str], rows: list[list[Any]]) -> list[list[Any]]:
    """``rows`` as ``actor`` may see them: personal columns masked unless ``actor`` may see personal data."""
    kinds = personal_columns(entity)
    wanted = {i: kinds[h] for i, h in enumerate(headers) if h in kinds}
    if not wanted or sees_personal_data(actor):
        return rows
    return [[mask(wanted[i], v) if i in wanted and isinstance(v, str) and v else v for i, v in enumerate(row)]
            for row in rows]


_ROWS = {"customers": _customers, "items": _items, "payments": _payments, "allocations": _allocations,
         "fx-rates": _fx_rates}


def export_table(*, actor: Any, entity: str, company_code: str | None = None) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of ``entity`` (amounts as ``Decimal``, dates as ``date``); audited as an export."""
    authorize(actor, "export_data")
    known = export_entities()
    if entity not in known:
        raise BusinessError(f"cannot export '{entity}'; choose from {', '.join(known)}",
                            code="unknown_entity",
                            fields=[{"field": "entity", "message": f"choose from {', '.join(known)}"}])
    company = None
    if company_code:
        if entity == "fx-rates":
            raise BusinessError("FX rates belong to no company; export them without a company",
                                fields=[{"field": "company", "message": "not for fx-rates"}])
        company = Company.objects.filter(code=company_code).first()
        if company is None:
            raise BusinessError(f"no company with code '{company_code}'", code="not_found",
                                fields=[{"field": "company", "message": "not found"}])
    headers = ALLOCATION_COLUMNS if entity == "allocations" else column_names(entity)
    registered = import_entities.get(entity)
    exporter = _ROWS.get(entity) or (registered.export if registered is not None else None)
    assert exporter is not None
    rows = list(exporter(company))
    with transaction.atomic():
        record(actor=actor, action="data.exported", object_type="export", object_id=entity,
               object_repr=f"{entity} export", after={"entity": entity, "company": company_code or "",
                                                      "rows": len(rows)})
    return list(headers), masked_rows(actor, entity, list(headers), rows)
