"""Importing customers, open items, payments and FX rates from files, and saving header mappings.

One import is one transaction. Every row is read and validated, then written through the
ledger rules; if any row is bad nothing is kept (unless the caller asked for a *partial*
import, which keeps the good rows), and a *preview* always rolls back — so a preview shows
exactly what the import would do, and a process killed halfway leaves nothing behind.

* Customers go through :func:`credere.ledger.services.upsert_customer`, one audited call
  per row (parents before children).
* Open items, payments and FX rates take a bulk path for speed: the same per-record rules
  (:mod:`credere.ledger.services`), one query per batch, and the same audit events
  written with :func:`credere.audit.services.record_many`.

Importing the same file twice changes nothing the second time: each row is compared with
the stored record and counted as created, updated (with the changed fields audited
before/after) or unchanged.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connections, models, transaction
from django.utils import timezone

from credere.adapters.erpfiles.headers import IGNORE, Mapping
from credere.audit.services import changes, record, record_many, snapshot
from credere.core.errors import BusinessError, Conflict
from credere.identity.authz import authorize
from credere.imports.models import ImportMapping, ImportRun
from credere.imports.parsing import ParsedRow, RowError, parse, read
from credere.imports.schema import ENTITIES, PERMISSION, column_names
from credere.ledger import services as ledger_rules
from credere.ledger.models import Company, Customer, FxRate, OpenItem, Payment, PaymentTerms
from credere.ledger.services import CUSTOMER_FIELDS, Outcome, upsert_customer

#: Largest file accepted (bytes); ``CREDERE_IMPORT_MAX_BYTES`` in settings overrides it.
MAX_BYTES = 100 * 1024 * 1024
MAX_ROWS = 1_000_000
#: Rows per INSERT/UPDATE statement and per progress step on the bulk path.
BATCH = 1000
#: An import run keeps at most this many error rows (the result returned has them all).
STORED_ERRORS = 10_000

#: Fields the services name in errors that are columns under another name in the file.
_FIELD_ALIASES = {"parent": "parent_account", "customer": "account_number", "company": "company_code"}

# --------------------------------------------------------------------------- results


@dataclass
class RowChange:
    """What an import did (or, in a preview, would do) to one record."""

    row: int
    key: str
    outcome: Outcome
    #: for updates: field -> {"before": ..., "after": ...} (JSON-safe; amounts as strings)
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "key": self.key, "outcome": self.outcome, "changes": self.changes}


@dataclass
class ImportResult:
    entity: str
    file_name: str
    sha256: str
    format: str
    encoding: str
    numbering: str
    preview: bool
    partial: bool
    mapping_name: str
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    #: "succeeded", "partial" (bad rows skipped), "rejected" (nothing written) or "preview"
    status: str = "succeeded"
    errors: list[RowError] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    run_id: int | None = None

    @property
    def written(self) -> bool:
        return not self.preview and self.status in ("succeeded", "partial")

    def summary(self) -> str:
        verb = "would be" if self.preview else ""
        counts = ", ".join(f"{n} {verb} {label}".replace("  ", " ") for n, label in (
            (self.created, "created"), (self.updated, "updated"), (self.unchanged, "unchanged"),
            (self.rejected, "rejected")))
        head = {"preview": "Preview (nothing written)", "succeeded": "Imported", "partial": "Partly imported",
                "rejected": "Rejected, nothing imported"}[self.status]
        return f"{head}: {self.total_rows} rows of {self.entity} from {self.file_name}: {counts}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "entity": self.entity, "file_name": self.file_name, "sha256": self.sha256,
            "format": self.format, "encoding": self.encoding, "numbering": self.numbering, "preview": self.preview,
            "partial": self.partial, "mapping": self.mapping_name, "status": self.status,
            "total_rows": self.total_rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "rejected": self.rejected,
            "errors": [e.as_dict() for e in self.errors], "changes": [c.as_dict() for c in self.changes],
            "warnings": list(self.warnings), "summary": self.summary(),
        }


@dataclass
class _Context:
    actor: Any
    reason: str
    header_of: dict[str, str]
    report_progress: Callable[[int], None]
    numbering: str = "row"
    #: every row of the file, including those that already failed to parse
    all_rows: list[ParsedRow] = field(default_factory=list)
    errors: dict[int, list[RowError]] = field(default_factory=dict)
    results: list[RowChange] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    advanced: int = 0

    def fail(self, row: int, field_name: str, message: str) -> None:
        name = _FIELD_ALIASES.get(field_name, field_name)
        column = self.header_of.get(name, "")
        self.errors.setdefault(row, []).append(RowError(row, column, name if column else field_name, message))

    def fail_exc(self, row: int, exc: Exception) -> None:
        if isinstance(exc, DjangoValidationError) and hasattr(exc, "error_dict"):
            for name, errs in exc.error_dict.items():
                self.fail(row, name, "; ".join(m for e in errs for m in e.messages))
            return
        fields = getattr(exc, "fields", None) or []
        if fields:
            # The services name one field; say the whole reason when it carries more (conflicts).
            message = fields[0].get("message", "") if isinstance(exc, BusinessError) and not isinstance(
                exc, Conflict) else str(exc)
            self.fail(row, fields[0].get("field", ""), message)
        else:
            messages = getattr(exc, "messages", None)
            self.fail(row, "", "; ".join(messages) if messages else str(exc))

    def advance(self, n: int = 1) -> None:
        self.advanced += n
        self.report_progress(n)

    def rejected(self, row: int) -> bool:
        return row in self.errors

    def done(self, row: int, key: str, outcome: Outcome, diff: dict[str, dict[str, Any]] | None = None) -> None:
        self.results.append(RowChange(row, key, outcome, diff or {}))


# --------------------------------------------------------------------------- the import


def import_file(*, actor: Any, entity: str, data: bytes, file_name: str, fmt: str | None = None,
                mapping_name: str | None = None, mapping: Mapping | dict[str, Any] | None = None,
                partial: bool = False, preview: bool = False, encoding: str | None = None,
                delimiter: str | None = None, sheet: str | None = None, expected_sha256: str | None = None,
                progress: Callable[[int], None] | None = None,
                on_write: Callable[[int], None] | None = None) -> ImportResult:
    """Validate every row of a file and import it in one transaction.

    ``mapping_name`` loads a saved :class:`ImportMapping` (source system) for ``entity``;
    ``mapping`` adds to or overrides it for this import only. With ``preview`` nothing is
    written (not even the run record or audit events). Without ``partial`` one bad row
    rejects the whole file. ``expected_sha256`` (from a preview) makes sure the file
    confirmed is the file previewed. ``progress(n)`` is called as rows are written and
    ``on_write(rows)`` once the write transaction has started.

    Raises :class:`BusinessError` for a file that cannot be read at all (format, encoding,
    unknown or missing columns) and :class:`~credere.identity.authz.NotAllowed`; row
    problems are returned in :attr:`ImportResult.errors`.
    """
    if entity not in ENTITIES:
        raise BusinessError(f"cannot import '{entity}'; choose from {', '.join(ENTITIES)}", code="unknown_entity",
                            fields=[{"field": "entity", "message": f"choose from {', '.join(ENTITIES)}"}])
    authorize(actor, PERMISSION[entity])
    limit = int(getattr(settings, "CREDERE_IMPORT_MAX_BYTES", MAX_BYTES))
    if len(data) > limit:
        raise BusinessError(f"the file is larger than {limit // (1024 * 1024)} MB; split it", code="file_too_large",
                            fields=[{"field": "file", "message": "too large"}])
    digest = hashlib.sha256(data).hexdigest()
    if expected_sha256 and expected_sha256.lower() != digest:
        raise BusinessError("the file is not the one that was previewed (its SHA-256 differs)", code="file_changed",
                            fields=[{"field": "file", "message": "differs from the previewed file"}])
    effective = _effective_mapping(entity, mapping_name, mapping)
    table = read(data, fmt=fmt, file_name=file_name, encoding=encoding, delimiter=delimiter, sheet=sheet,
                 max_rows=MAX_ROWS)
    if table.format == "ecb" and entity != "fx-rates":
        raise BusinessError("an ECB reference-rate file holds FX rates; import it as fx-rates", code="bad_file",
                            fields=[{"field": "file", "message": "ECB XML holds FX rates"}])
    parsed = parse(table, entity, effective)
    result = ImportResult(entity=entity, file_name=file_name, sha256=digest, format=table.format,
                          encoding=table.encoding, numbering=table.numbering, preview=preview, partial=partial,
                          mapping_name=mapping_name or "", total_rows=len(parsed.rows),
                          warnings=list(table.warnings))
    started = timezone.now()
    try:
        with transaction.atomic():
            run = None if preview else ImportRun.objects.create(
                user=_user(actor), actor=_actor_name(actor), started_at=started, entity=entity,
                file_name=file_name[:255], sha256=digest, file_format=table.format, encoding=table.encoding,
                mapping_name=(mapping_name or "")[:60], partial=partial, status=ImportRun.Status.SUCCEEDED)
            reason = f"import run {run.pk}: {file_name}" if run else f"import preview: {file_name}"
            if on_write is not None:
                on_write(len(parsed.rows))
            ctx = _Context(actor=actor, reason=reason[:300], header_of=parsed.header_of,
                           report_progress=progress or _no_progress, numbering=table.numbering,
                           all_rows=parsed.rows)
            for row in parsed.rows:
                if row.errors:
                    ctx.errors[row.number] = list(row.errors)
            _WRITERS[entity](ctx, [r for r in parsed.rows if not r.errors])
            record_many(actor=actor, events=ctx.events)
            ctx.advance(max(0, len(parsed.rows) - ctx.advanced))  # unchanged and rejected rows
            _tally(result, ctx)
            if preview:
                result.status = "preview"
                transaction.set_rollback(True)
            elif result.errors and not partial:
                result.status = ImportRun.Status.REJECTED
                transaction.set_rollback(True)
            else:
                assert run is not None
                result.status = ImportRun.Status.PARTIAL if result.errors else ImportRun.Status.SUCCEEDED
                _finish_run(run, result, actor)
    except IntegrityError:
        raise Conflict("someone else changed the same records while this file was being imported; nothing was "
                       "imported — try again", code="concurrent_change") from None
    if result.status == ImportRun.Status.REJECTED:
        result.created = result.updated = result.unchanged = 0
        result.changes = []
        with transaction.atomic():
            run = ImportRun.objects.create(
                user=_user(actor), actor=_actor_name(actor), started_at=started, entity=entity,
                file_name=file_name[:255], sha256=digest, file_format=table.format, encoding=table.encoding,
                mapping_name=(mapping_name or "")[:60], partial=partial, status=ImportRun.Status.REJECTED)
            _finish_run(run, result, actor)
    return result


def preview_import(**kwargs: Any) -> ImportResult:
    """:func:`import_file` with ``preview=True``: what would be created, updated, unchanged, rejected."""
    return import_file(**{**kwargs, "preview": True})


def _tally(result: ImportResult, ctx: _Context) -> None:
    result.errors = sorted((e for errs in ctx.errors.values() for e in errs), key=lambda e: e.row)
    result.rejected = len(ctx.errors)
    result.changes = sorted((c for c in ctx.results if c.outcome != "unchanged"), key=lambda c: c.row)
    for c in ctx.results:
        setattr(result, c.outcome, getattr(result, c.outcome) + 1)


def _finish_run(run: ImportRun, result: ImportResult, actor: Any) -> None:
    run.finished_at = timezone.now()
    run.status = result.status
    run.total_rows, run.created, run.updated = result.total_rows, result.created, result.updated
    run.unchanged, run.rejected = result.unchanged, result.rejected
    run.errors = [e.as_dict() for e in result.errors[:STORED_ERRORS]]
    run.save()
    result.run_id = run.pk
    action = "import.rejected" if result.status == ImportRun.Status.REJECTED else "import.completed"
    record(actor=actor, action=action, obj=run, after={
        "entity": run.entity, "file_name": run.file_name, "sha256": run.sha256, "format": run.file_format,
        "mapping": run.mapping_name, "partial": run.partial, "status": run.status, "total_rows": run.total_rows,
        "created": run.created, "updated": run.updated, "unchanged": run.unchanged, "rejected": run.rejected,
    })


def _no_progress(n: int = 1) -> None:
    pass


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) is not None and getattr(actor, "is_authenticated", False) else None


def _actor_name(actor: Any) -> str:
    from credere.audit.services import actor_name

    return actor_name(actor)[:150]


# --------------------------------------------------------------------------- helpers


def _chunks[T](items: Sequence[T], size: int = 900) -> Iterable[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


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


def _readable(b: dict[str, Any] | None, a: dict[str, Any] | None,
              names: dict[str, dict[Any, str]] | None = None) -> dict[str, dict[str, Any]]:
    """Changed fields as {field: {before, after}}, with foreign keys shown by their codes."""
    names = names or {}
    out: dict[str, dict[str, Any]] = {}
    for k, after in (a or {}).items():
        before = (b or {}).get(k)
        label = names.get(k)
        if label is not None:
            out[k.removesuffix("_id")] = {"before": label.get(before, before), "after": label.get(after, after)}
        else:
            out[k] = {"before": before, "after": after}
    return out


def _customer_names(*diffs: dict[str, Any] | None) -> dict[Any, str]:
    ids = {v for d in diffs if d for k, v in d.items() if k in ("customer_id", "parent_id") and v is not None}
    return dict(Customer.objects.filter(pk__in=ids).values_list("pk", "account_number")) if ids else {}


def _event(action: str, obj: models.Model, reason: str, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"action": action, "object_type": obj._meta.label_lower, "object_id": str(obj.pk),
            "object_repr": str(obj)[:300], "before": before, "after": after, "reason": reason}


def _bulk_write(ctx: _Context, model: type[models.Model], creates: list[models.Model], updates: list[models.Model],
                update_fields: list[str]) -> None:
    for chunk in _chunks(creates, BATCH):
        model._default_manager.bulk_create(chunk)
        ctx.advance(len(chunk))
    for chunk in _chunks(updates, BATCH):
        _update_rows(model, chunk, update_fields)
        ctx.advance(len(chunk))


def _update_rows(model: type[models.Model], objs: Sequence[models.Model], names: list[str]) -> None:
    """``UPDATE ... WHERE pk = %s`` for each object, as one ``executemany``.

    ``QuerySet.bulk_update`` builds a ``CASE WHEN`` expression per field and row, which
    costs about 2 ms a row in the ORM alone; this writes the same values (prepared by the
    fields themselves, so amounts become scaled integers exactly as in ``save()``).
    """
    if not objs:
        return
    connection = connections[model._default_manager.db]
    quote = connection.ops.quote_name
    fields = [f for f in (model._meta.get_field(n) for n in names) if isinstance(f, models.Field)]
    assert len(fields) == len(names), "only concrete fields can be updated"
    pk = model._meta.pk
    assert pk is not None
    sets = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(str(pk.column))} = %s"
    params = [[f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields]
              + [pk.get_db_prep_save(o.pk, connection)] for o in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


# --------------------------------------------------------------------------- customers


def _parent_order(ctx: _Context, rows: list[ParsedRow]) -> list[ParsedRow]:
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


def _write_customers(ctx: _Context, rows: list[ParsedRow]) -> None:
    ordered = _parent_order(ctx, rows)
    existing = _by_key(Customer, "account_number", (r.values["account_number"] for r in rows))
    row_of: dict[str, ParsedRow] = {}
    for r in ctx.all_rows:
        row_of.setdefault(r.values.get("account_number") or "", r)
    terms = dict(PaymentTerms.objects.values_list("pk", "code"))
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
            obj, outcome = upsert_customer(actor=ctx.actor, account_number=v["account_number"], name=v["name"],
                                           reason=ctx.reason, **kwargs)
        except (BusinessError, DjangoValidationError) as exc:
            ctx.fail_exc(row.number, exc)
            continue
        diff: dict[str, dict[str, Any]] = {}
        if outcome == "updated" and before is not None:
            b, a = _diff(before, obj)
            diff = _readable(b, a, {"parent_id": _customer_names(b, a), "payment_terms_id": terms})
        ctx.done(row.number, v["account_number"], outcome, diff)


# --------------------------------------------------------------------------- bulk path


@dataclass
class _Plan:
    """What the bulk path will write: new records and changed ones (with their snapshot before)."""

    key: Callable[[dict[str, Any]], str]
    creates: list[tuple[ParsedRow, Any]] = field(default_factory=list)
    updates: list[tuple[ParsedRow, Any, dict[str, Any]]] = field(default_factory=list)

    def change(self, ctx: _Context, row: ParsedRow, obj: Any, apply: Callable[[], None]) -> None:
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

    def write(self, ctx: _Context, model: type[models.Model], update_fields: list[str], action: str) -> None:
        """Insert and update in batches, then queue the audit events the services would write."""
        _bulk_write(ctx, model, [o for _, o in self.creates], [o for _, o, _ in self.updates], update_fields)
        for row, obj in self.creates:
            ctx.events.append(_event(f"{action}.created", obj, ctx.reason, after=snapshot(obj)))
            ctx.done(row.number, self.key(row.values), "created")
        diffs = [(row, obj, *_diff(before, obj)) for row, obj, before in self.updates]
        names = _customer_names(*(d for _, _, b, a in diffs for d in (b, a)))
        for row, obj, b, a in diffs:
            ctx.events.append(_event(f"{action}.updated", obj, ctx.reason, before=b, after=a))
            ctx.done(row.number, self.key(row.values), "updated", _readable(b, a, {"customer_id": names}))


def _first_of_key(ctx: _Context, seen: dict[tuple[Any, ...], int], key: tuple[Any, ...], row: ParsedRow,
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
                         field_name: str) -> dict[tuple[Any, ...], Any]:
    """Records of ``model`` with the file's (company, ``field_name``) values, locked for the import."""
    wanted: dict[int, set[str]] = {}
    for r in rows:
        company = companies.get(r.values["company_code"])
        if company is not None:
            wanted.setdefault(company.pk, set()).add(r.values[field_name])
    found: dict[tuple[Any, ...], Any] = {}
    for company_id, values in wanted.items():
        for chunk in _chunks(sorted(values)):
            qs = model._default_manager.select_for_update().filter(company_id=company_id,
                                                                    **{f"{field_name}__in": chunk})
            for obj in qs:
                found[(company_id, getattr(obj, field_name))] = obj
    return found


# --------------------------------------------------------------------------- open items


def _item_key(v: dict[str, Any]) -> str:
    return f"{v['company_code']}/{v['document_type']}/{v['document_number']}"


def _write_items(ctx: _Context, rows: list[ParsedRow]) -> None:
    companies, customers = _companies(rows), _customer_ids(rows)
    existing: dict[tuple[Any, ...], OpenItem] = {}
    for (company_id, _number), item in _existing_by_company(OpenItem, companies, rows, "document_number").items():
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
            values = ledger_rules.clean_item(
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
            plan.change(ctx, row, item, functools.partial(ledger_rules.apply_item_update, item, values))
    now = timezone.now()
    for _, item, _ in plan.updates:
        item.updated_at = now
    plan.write(ctx, OpenItem, ["customer", "document_date", "posting_date", "due_date", "currency", "amount",
                               "open_amount", "order_reference", "billing_reference", "customer_reference",
                               "updated_at"], "item")


# --------------------------------------------------------------------------- payments


def _payment_key(v: dict[str, Any]) -> str:
    return f"{v['company_code']}/{v['reference']}"


def _write_payments(ctx: _Context, rows: list[ParsedRow]) -> None:
    companies, customers = _companies(rows), _customer_ids(rows)
    existing = _existing_by_company(Payment, companies, rows, "reference")
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
            values = ledger_rules.clean_payment(
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
            plan.change(ctx, row, payment, functools.partial(ledger_rules.apply_payment_update, payment, values))
    plan.write(ctx, Payment, ["customer", "received_on", "currency", "amount", "unapplied_amount", "payer_name",
                              "payer_account", "reference_text"], "payment")


# --------------------------------------------------------------------------- FX rates


def _fx_key(v: dict[str, Any]) -> str:
    return f"{v['rate_date'].isoformat()} {v['base']}/{v['quote']}"


def _write_fx_rates(ctx: _Context, rows: list[ParsedRow]) -> None:
    existing: dict[tuple[Any, str, str], FxRate] = {}
    dates = sorted({r.values["rate_date"] for r in rows})
    for chunk in _chunks(dates, 500):
        for fx in FxRate.objects.select_for_update().filter(rate_date__in=chunk):
            existing[(fx.rate_date, fx.base, fx.quote)] = fx
    seen: dict[tuple[Any, ...], int] = {}
    plan = _Plan(key=_fx_key)
    for row in rows:
        v = row.values
        if not _first_of_key(ctx, seen, (v["rate_date"], v["base"], v["quote"]), row, "quote",
                             "date and currency pair"):
            continue
        try:
            base, quote, rate = ledger_rules.clean_fx_rate(base=v["base"], quote=v["quote"], rate=v["rate"])
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


_WRITERS: dict[str, Callable[[_Context, list[ParsedRow]], None]] = {
    "customers": _write_customers, "items": _write_items, "payments": _write_payments, "fx-rates": _write_fx_rates,
}


# --------------------------------------------------------------------------- mappings


def _effective_mapping(entity: str, name: str | None, extra: Mapping | dict[str, Any] | None) -> Mapping:
    base = Mapping()
    if name:
        saved = get_mapping(source_system=name, entity=entity)
        if saved is None:
            raise BusinessError(f"no saved mapping '{name}' for {entity}", code="unknown_mapping",
                                fields=[{"field": "mapping", "message": f"no mapping '{name}' for {entity}"}])
        base = Mapping.from_json(saved.mapping)
    if extra is None:
        return base
    return base.merged(extra if isinstance(extra, Mapping) else _mapping_from(extra, entity))


def _mapping_from(data: Any, entity: str) -> Mapping:
    try:
        mapping = data if isinstance(data, Mapping) else Mapping.from_json(data)
    except ValueError as exc:
        raise BusinessError(f"mapping: {exc}", fields=[{"field": "mapping", "message": str(exc)}]) from None
    known = set(column_names(entity))
    bad = [f"{s}={t}" for s, t in mapping.columns.items() if t != IGNORE and t not in known]
    bad += [f"values.{c}" for c in mapping.values if c not in known]
    if bad:
        message = f"not columns of {entity}: {', '.join(bad)} (columns: {', '.join(column_names(entity))}, or '-')"
        raise BusinessError(f"mapping: {message}", code="bad_mapping",
                            fields=[{"field": "mapping", "message": message}])
    return mapping


def get_mapping(*, source_system: str, entity: str) -> ImportMapping | None:
    return ImportMapping.objects.filter(source_system__iexact=(source_system or "").strip(), entity=entity).first()


def save_mapping(*, actor: Any, source_system: str, entity: str,
                 mapping: Mapping | dict[str, Any]) -> tuple[ImportMapping, Outcome]:
    """Create or replace the header mapping of ``source_system`` for ``entity`` (audited)."""
    authorize(actor, "edit_mappings")
    name = (source_system or "").strip()
    if not name or len(name) > 60:
        raise BusinessError("source_system: give a name of 1 to 60 characters", code="invalid",
                            fields=[{"field": "source_system", "message": "1 to 60 characters"}])
    if entity not in ENTITIES:
        raise BusinessError(f"entity: choose from {', '.join(ENTITIES)}", code="unknown_entity",
                            fields=[{"field": "entity", "message": f"choose from {', '.join(ENTITIES)}"}])
    data = _mapping_from(mapping, entity).to_json()
    with transaction.atomic():
        current = (ImportMapping.objects.select_for_update()
                   .filter(source_system__iexact=name, entity=entity).first())
        if current is None:
            current = ImportMapping.objects.create(source_system=name, entity=entity, mapping=data,
                                                   updated_by=_user(actor))
            record(actor=actor, action="import_mapping.created", obj=current,
                   after={"source_system": name, "entity": entity, "mapping": data})
            return current, "created"
        if current.mapping == data:
            return current, "unchanged"
        before = {"mapping": current.mapping}
        current.mapping, current.updated_by = data, _user(actor)
        current.save()
        record(actor=actor, action="import_mapping.updated", obj=current, before=before, after={"mapping": data})
        return current, "updated"


__all__ = ["ImportResult", "RowChange", "RowError", "get_mapping", "import_file", "preview_import", "save_mapping"]
