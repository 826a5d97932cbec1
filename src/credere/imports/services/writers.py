"""Writing the rows of an import: customers one audited call each (parents first); open items,
payments and FX rates on the bulk path with the same ledger rules and audit events."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import timezone

from credere.audit.services import changes, snapshot
from credere.core import import_entities
from credere.core.bulk import chunks as _chunks
from credere.core.bulk import update_rows as _update_rows
from credere.core.errors import BusinessError
from credere.core.readonly import locked
from credere.imports.parsing import ParsedRow
from credere.imports.services.limits import BATCH
from credere.imports.services.results import ImportContext, created_values, readable_changes
from credere.ledger.models import Company, Customer, FxRate, OpenItem, Payment, PaymentTerms
from credere.ledger.services import validation
from credere.ledger.services.master_data import plan_customer, upsert_customer
from credere.ledger.services.validation import CUSTOMER_FIELDS

# --------------------------------------------------------------------------- helpers


def _by_key(model: type[models.Model], key: str, wanted: Iterable[str | None], *fields: str) -> dict[str, Any]:
    """Load rows by a unique text column in chunks (keeps SQL parameter counts small)."""
    found: dict[str, Any] = {}
    values = sorted({w for w in wanted if w})
    for chunk in _chunks(values):
        qs = model._default_manager.filter(**{f"{key}__in": chunk})
        if fields:
            qs = qs.only(*fields)
        for obj in qs:
            found[getattr(obj, key)] = obj
    return found


def _diff(before: dict[str, Any], obj: models.Model) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    return changes(before, snapshot(obj))


def _customer_names(*diffs: dict[str, Any] | None) -> dict[Any, str]:
    ids = {v for d in diffs if d for k, v in d.items() if k in ("customer_id", "parent_id") and v is not None}
    return dict(Customer.objects.filter(pk__in=ids).values_list("pk", "account_number")) if ids else {}


def _event(action: str, obj: models.Model, reason: str, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"action": action, "object_type": obj._meta.label_lower, "object_id": str(obj.pk),
            "object_repr": str(obj)[:300], "before": before, "after": after, "reason": reason}


def _bulk_write(ctx: ImportContext, model: type[models.Model], creates: list[models.Model], updates: list[models.Model],
                update_fields: list[str]) -> None:
    if ctx.preview:  # what would be written is reported; nothing is
        ctx.advance(len(creates) + len(updates))
        return
    for chunk in _chunks(creates, BATCH):
        model._default_manager.bulk_create(chunk)
        ctx.advance(len(chunk))
    for chunk in _chunks(updates, BATCH):
        _update_rows(model, chunk, update_fields)
        ctx.advance(len(chunk))


# --------------------------------------------------------------------------- customers


def _parent_order(ctx: ImportContext, rows: list[ParsedRow]) -> list[ParsedRow]:
    """Rows in an order where every parent in the file comes before its children."""
    first: dict[str, ParsedRow] = {}
    for row in rows:
        account = row.values["account_number"]
        if account in first:
            ctx.fail(row.number, "account_number", f"the same account as row {first[account].number}")
        else:
            first[account] = row
    ordered: list[ParsedRow] = []
    state: dict[int, int] = {}  # 1 visiting, 2 done

    for row in rows:
        if ctx.rejected(row.number) or state.get(row.number):
            continue
        path: list[ParsedRow] = []
        node: ParsedRow | None = row
        while node is not None and not state.get(node.number):
            state[node.number] = 1
            path.append(node)
            parent = first.get(node.values.get("parent_account") or "")
            if parent is not None and state.get(parent.number) == 1:
                cycle = path[path.index(parent):]
                rows_text = ", ".join(str(r.number) for r in cycle)
                for r in cycle:
                    ctx.fail(r.number, "parent_account", "is the customer itself" if len(cycle) == 1
                             else f"the parents in rows {rows_text} form a cycle")
                break
            node = parent
        for r in reversed(path):
            state[r.number] = 2
            ordered.append(r)
    return ordered


def _write_customers(ctx: ImportContext, rows: list[ParsedRow]) -> None:
    ordered = _parent_order(ctx, rows)
    existing = _by_key(Customer, "account_number", (r.values["account_number"] for r in rows))
    row_of: dict[str, ParsedRow] = {}
    for r in ctx.all_rows:
        row_of.setdefault(r.values.get("account_number") or "", r)
    terms = dict(PaymentTerms.objects.values_list("pk", "code"))
    pending: dict[str, Customer] = {}
    for row in ordered:
        ctx.advance(1)
        if ctx.rejected(row.number):
            continue
        v = row.values
        parent = v.get("parent_account") or ""
        if parent and parent in row_of and ctx.rejected(row_of[parent].number):
            ctx.fail(row.number, "parent_account", f"the parent '{parent}' (row {row_of[parent].number}) is rejected")
            continue
        kwargs: dict[str, Any] = {k: v[k] for k in CUSTOMER_FIELDS
                                  if k in v and k != "name" and not (k == "status" and not v[k])}
        for name in ("parent_account", "payment_terms"):
            if name in v:
                kwargs[name] = v[name]
        current = existing.get(v["account_number"])
        before = snapshot(current) if current is not None else None
        try:
            if ctx.preview:  # what the upsert would do, parents planned by earlier rows included
                obj, outcome, _before = plan_customer(account_number=v["account_number"], name=v["name"],
                                                      pending=pending, lock=False, **kwargs)
                pending[v["account_number"]] = obj
            else:
                obj, outcome = upsert_customer(actor=ctx.actor, account_number=v["account_number"], name=v["name"],
                                               reason=ctx.reason, **kwargs)
        except (BusinessError, DjangoValidationError) as exc:
            ctx.fail_exc(row.number, exc)
            continue
        diff: dict[str, dict[str, Any]] = {}
        if outcome == "updated" and before is not None:
            b, a = _diff(before, obj)
            diff = readable_changes(b, a, {"parent_id": _customer_names(b, a), "payment_terms_id": terms})
        elif outcome == "created":
            created = snapshot(obj)
            diff = created_values(created, {"parent_id": _customer_names(created), "payment_terms_id": terms})
        planned_parent = obj.parent if obj.parent_id is None else None
        if planned_parent is not None:  # a preview: the parent is a new customer of an earlier row, not yet written
            was = before.get("parent_id") if before else None
            diff["parent"] = {"before": _customer_names({"parent_id": was}).get(was) if was else None,
                              "after": planned_parent.account_number}
        ctx.done(row.number, v["account_number"], outcome, diff)


# --------------------------------------------------------------------------- bulk path


@dataclass
class _Plan:
    """What the bulk path will write: new records and changed ones (with their snapshot before)."""

    key: Callable[[dict[str, Any]], str]
    creates: list[tuple[ParsedRow, Any]] = field(default_factory=list)
    updates: list[tuple[ParsedRow, Any, dict[str, Any]]] = field(default_factory=list)

    def change(self, ctx: ImportContext, row: ParsedRow, obj: Any, apply: Callable[[], None]) -> None:
        """Apply new values to an existing record; plan an update if anything changed."""
        before = snapshot(obj)
        try:
            apply()
        except BusinessError as exc:
            ctx.fail_exc(row.number, exc)
            return
        if snapshot(obj) == before:
            ctx.done(row.number, self.key(row.values), "unchanged")
        else:
            self.updates.append((row, obj, before))

    def write(self, ctx: ImportContext, model: type[models.Model], update_fields: list[str], action: str) -> None:
        """Insert and update in batches, then queue the audit events the services would write."""
        _bulk_write(ctx, model, [o for _, o in self.creates], [o for _, o, _ in self.updates], update_fields)
        companies = dict(Company.objects.values_list("pk", "code")) if self.creates else {}
        created = [(row, obj, snapshot(obj)) for row, obj in self.creates]
        customers = _customer_names(*(after for _r, _o, after in created))
        for row, obj, after in created:
            ctx.events.append(_event(f"{action}.created", obj, ctx.reason, after=after))
            ctx.done(row.number, self.key(row.values), "created",
                     created_values(after, {"customer_id": customers, "company_id": companies}))
        diffs = [(row, obj, *_diff(before, obj)) for row, obj, before in self.updates]
        names = _customer_names(*(d for _, _, b, a in diffs for d in (b, a)))
        for row, obj, b, a in diffs:
            ctx.events.append(_event(f"{action}.updated", obj, ctx.reason, before=b, after=a))
            ctx.done(row.number, self.key(row.values), "updated", readable_changes(b, a, {"customer_id": names}))


def _first_of_key(ctx: ImportContext, seen: dict[tuple[Any, ...], int], key: tuple[Any, ...], row: ParsedRow,
                  field_name: str, what: str) -> bool:
    """True for the first row with ``key``; later rows with the same key are rejected."""
    if key in seen:
        ctx.fail(row.number, field_name, f"the same {what} as {ctx.numbering} {seen[key]}")
        return False
    seen[key] = row.number
    return True


def _companies(rows: list[ParsedRow]) -> dict[str, Company]:
    return _by_key(Company, "code", (r.values["company_code"] for r in rows))


def _customer_ids(rows: list[ParsedRow]) -> dict[str, Customer]:
    return _by_key(Customer, "account_number", (r.values.get("account_number") for r in rows), "id",
                   "account_number")


def _existing_by_company(model: type[models.Model], companies: dict[str, Company], rows: list[ParsedRow],
                         field_name: str, *, lock: bool = True) -> dict[tuple[Any, ...], Any]:
    """Records of ``model`` with the file's (company, ``field_name``) values, locked for the import (``lock``)."""
    wanted: dict[int, set[str]] = {}
    for r in rows:
        company = companies.get(r.values["company_code"])
        if company is not None:
            wanted.setdefault(company.pk, set()).add(r.values[field_name])
    found: dict[tuple[Any, ...], Any] = {}
    for company_id, values in wanted.items():
        for chunk in _chunks(sorted(values)):
            qs = locked(model._default_manager.filter(company_id=company_id, **{f"{field_name}__in": chunk}),
                        lock=lock)
            for obj in qs:
                found[(company_id, getattr(obj, field_name))] = obj
    return found


# --------------------------------------------------------------------------- open items


def _item_key(v: dict[str, Any]) -> str:
    return f"{v['company_code']}/{v['document_type']}/{v['document_number']}"


def _write_items(ctx: ImportContext, rows: list[ParsedRow]) -> None:
    companies, customers = _companies(rows), _customer_ids(rows)
    existing: dict[tuple[Any, ...], OpenItem] = {}
    for (company_id, _number), item in _existing_by_company(OpenItem, companies, rows, "document_number",
                                                                  lock=not ctx.preview).items():
        existing[(company_id, item.document_type, item.document_number)] = item
    seen: dict[tuple[Any, ...], int] = {}
    plan = _Plan(key=_item_key)
    for row in rows:
        v = row.values
        if not _first_of_key(ctx, seen, (v["company_code"], v["document_type"], v["document_number"]), row,
                             "document_number", "document"):
            continue
        company, customer = companies.get(v["company_code"]), customers.get(v["account_number"])
        if company is None:
            ctx.fail(row.number, "company_code", f"no company with code '{v['company_code']}'")
        if customer is None:
            ctx.fail(row.number, "account_number", f"no customer with account number '{v['account_number']}'")
        try:
            values = validation.clean_item(
                document_type=v["document_type"], document_number=v["document_number"],
                document_date=v["document_date"], due_date=v["due_date"], currency=v["currency"],
                amount=v["amount"], posting_date=v.get("posting_date"),
                order_reference=v.get("order_reference", ""), billing_reference=v.get("billing_reference", ""),
                customer_reference=v.get("customer_reference", ""))
        except BusinessError as exc:
            ctx.fail_exc(row.number, exc)
            continue
        if company is None or customer is None:
            continue
        values["customer_id"] = customer.pk
        item = existing.get((company.pk, v["document_type"], v["document_number"]))
        if item is None:
            plan.creates.append((row, OpenItem(company=company, document_type=v["document_type"],
                                               document_number=v["document_number"], open_amount=values["amount"],
                                               **values)))
        else:
            plan.change(ctx, row, item, functools.partial(validation.apply_item_update, item, values))
    now = timezone.now()
    for _, item, _ in plan.updates:
        item.updated_at = now
    plan.write(ctx, OpenItem, ["customer", "document_date", "posting_date", "due_date", "currency", "amount",
                               "open_amount", "order_reference", "billing_reference", "customer_reference",
                               "updated_at"], "item")


# --------------------------------------------------------------------------- payments


def _payment_key(v: dict[str, Any]) -> str:
    return f"{v['company_code']}/{v['reference']}"


def _write_payments(ctx: ImportContext, rows: list[ParsedRow]) -> None:
    companies, customers = _companies(rows), _customer_ids(rows)
    existing = _existing_by_company(Payment, companies, rows, "reference", lock=not ctx.preview)
    seen: dict[tuple[Any, ...], int] = {}
    plan = _Plan(key=_payment_key)
    for row in rows:
        v = row.values
        if not _first_of_key(ctx, seen, (v["company_code"], v["reference"]), row, "reference", "payment"):
            continue
        company = companies.get(v["company_code"])
        account = v.get("account_number") or ""
        customer = customers.get(account) if account else None
        if company is None:
            ctx.fail(row.number, "company_code", f"no company with code '{v['company_code']}'")
        if account and customer is None:
            ctx.fail(row.number, "account_number", f"no customer with account number '{account}'")
        try:
            values = validation.clean_payment(
                reference=v["reference"], received_on=v["received_on"], currency=v["currency"], amount=v["amount"],
                customer=customer, payer_name=v.get("payer_name", ""), payer_account=v.get("payer_account", ""),
                reference_text=v.get("reference_text", ""))
        except BusinessError as exc:
            ctx.fail_exc(row.number, exc)
            continue
        if company is None or ctx.rejected(row.number):
            continue
        payment = existing.get((company.pk, v["reference"]))
        if payment is None:
            plan.creates.append((row, Payment(company=company, reference=v["reference"],
                                              unapplied_amount=values["amount"], **values)))
        else:
            plan.change(ctx, row, payment, functools.partial(validation.apply_payment_update, payment, values))
    plan.write(ctx, Payment, ["customer", "received_on", "currency", "amount", "unapplied_amount", "payer_name",
                              "payer_account", "reference_text"], "payment")


# --------------------------------------------------------------------------- FX rates


def _fx_key(v: dict[str, Any]) -> str:
    return f"{v['rate_date'].isoformat()} {v['base']}/{v['quote']}"


def _write_fx_rates(ctx: ImportContext, rows: list[ParsedRow]) -> None:
    existing: dict[tuple[Any, str, str], FxRate] = {}
    dates = sorted({r.values["rate_date"] for r in rows})
    for chunk in _chunks(dates, 500):
        for fx in locked(FxRate.objects.filter(rate_date__in=chunk), lock=not ctx.preview):
            existing[(fx.rate_date, fx.base, fx.quote)] = fx
    seen: dict[tuple[Any, ...], int] = {}
    plan = _Plan(key=_fx_key)
    for row in rows:
        v = row.values
        if not _first_of_key(ctx, seen, (v["rate_date"], v["base"], v["quote"]), row, "quote",
                             "date and currency pair"):
            continue
        try:
            base, quote, rate = validation.clean_fx_rate(base=v["base"], quote=v["quote"], rate=v["rate"])
        except BusinessError as exc:
            ctx.fail_exc(row.number, exc)
            continue
        source = v.get("source", "") or ""
        current = existing.get((v["rate_date"], base, quote))
        if current is None:
            plan.creates.append((row, FxRate(rate_date=v["rate_date"], base=base, quote=quote, rate=rate,
                                             source=source)))
        elif current.rate == rate:  # as upsert_fx_rate: the same rate is unchanged whatever the source
            ctx.done(row.number, _fx_key(v), "unchanged")
        else:
            plan.change(ctx, row, current, functools.partial(_set_rate, current, rate, source))
    plan.write(ctx, FxRate, ["rate", "source"], "fx")


def _set_rate(fx: FxRate, rate: Any, source: str) -> None:
    fx.rate, fx.source = rate, source or fx.source


#: The writers of the ledger's records (registered by ``ImportsConfig.ready()``).
BUILTIN_WRITERS: dict[str, Callable[[ImportContext, list[ParsedRow]], None]] = {
    "customers": _write_customers, "items": _write_items, "payments": _write_payments, "fx-rates": _write_fx_rates,
}
#: Every registered entity's writer (the ledger's above, other contexts' as they registered them).
WRITERS = import_entities.View(lambda e: e.writer)


