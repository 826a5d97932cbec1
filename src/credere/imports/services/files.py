"""Importing customers, open items, payments and FX rates from files, and saving header mappings.

One import is one transaction. Every row is read and validated, then written through the
ledger rules; if any row is bad nothing is kept (unless the caller asked for a *partial*
import, which keeps the good rows), so a process killed halfway leaves nothing behind. A *preview*
runs the same writers with :attr:`~credere.core.import_entities.Sink.preview` set: every row is
checked and its outcome worked out, nothing is written, and no transaction is opened — a preview of
40,000 rows holds no write lock, so other people keep working while it runs.

* Customers go through :func:`credere.ledger.services.upsert_customer`, one audited call
  per row (parents before children).
* Open items, payments and FX rates take a bulk path for speed: the same per-record rules
  (:mod:`credere.ledger.services`), one query per batch, and the same audit events
  written with :func:`credere.audit.services.record_many`.
* Other contexts' records (credit control's orders) are written by the writer their context
  registered in :mod:`credere.core.import_entities`, under the same rules.

Importing the same file twice changes nothing the second time: each row is compared with
the stored record and counted as created, updated (with the changed fields audited
before/after) or unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from credere.adapters.erpfiles.headers import Mapping
from credere.audit.services import record, record_many
from credere.core import import_entities
from credere.core.errors import BusinessError, Conflict
from credere.core.readonly import refusing_writes
from credere.domain.money import whole_written_with_decimals, whole_written_with_decimals_warning
from credere.identity.authz import authorize
from credere.imports.models import ImportRun
from credere.imports.parsing import ParsedFile, parse, read
from credere.imports.schema import ENTITIES
from credere.imports.services.limits import MAX_BYTES, MAX_ROWS, STORED_ERRORS
from credere.imports.services.mappings import effective_mapping
from credere.imports.services.results import ImportContext, ImportResult, actor_user
from credere.ledger import changes

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
    spec = import_entities.get(entity)
    if spec is None:
        raise BusinessError(f"cannot import '{entity}'; choose from {', '.join(ENTITIES)}", code="unknown_entity",
                            fields=[{"field": "entity", "message": f"choose from {', '.join(ENTITIES)}"}])
    authorize(actor, spec.permission)
    limit = int(getattr(settings, "CREDERE_IMPORT_MAX_BYTES", MAX_BYTES))
    if len(data) > limit:
        raise BusinessError(f"the file is larger than {limit // (1024 * 1024)} MB; split it", code="file_too_large",
                            fields=[{"field": "file", "message": "too large"}])
    digest = hashlib.sha256(data).hexdigest()
    if expected_sha256 and expected_sha256.lower() != digest:
        raise BusinessError("the file is not the one that was previewed (its SHA-256 differs)", code="file_changed",
                            fields=[{"field": "file", "message": "differs from the previewed file"}])
    effective = effective_mapping(entity, mapping_name, mapping)
    table = read(data, fmt=fmt, file_name=file_name, encoding=encoding, delimiter=delimiter, sheet=sheet,
                 max_rows=MAX_ROWS)
    if table.format == "ecb" and entity != "fx-rates":
        raise BusinessError("an ECB reference-rate file holds FX rates; import it as fx-rates", code="bad_file",
                            fields=[{"field": "file", "message": "ECB XML holds FX rates"}])
    parsed = parse(table, entity, effective)
    result = ImportResult(entity=entity, file_name=file_name, sha256=digest, format=table.format,
                          encoding=table.encoding, numbering=table.numbering, preview=preview, partial=partial,
                          mapping_name=mapping_name or "", total_rows=len(parsed.rows),
                          warnings=list(table.warnings) + _decimals_warnings(parsed, table.numbering))
    started = timezone.now()
    if preview:
        return _preview(spec, result, parsed, actor=actor, numbering=table.numbering, file_name=file_name,
                        progress=progress, on_write=on_write)
    try:
        with transaction.atomic():
            run = ImportRun.objects.create(
                user=actor_user(actor), actor=_actor_name(actor), started_at=started, entity=entity,
                file_name=file_name[:255], sha256=digest, file_format=table.format, encoding=table.encoding,
                mapping_name=(mapping_name or "")[:60], partial=partial, status=ImportRun.Status.SUCCEEDED)
            if on_write is not None:
                on_write(len(parsed.rows))
            ctx = _context(actor, f"import run {run.pk}: {file_name}", parsed, table.numbering, progress)
            spec.writer(ctx, [r for r in parsed.rows if not r.errors])
            record_many(actor=actor, events=ctx.events)
            ctx.advance(max(0, len(parsed.rows) - ctx.advanced))  # unchanged and rejected rows
            _tally(result, ctx)
            if result.errors and not partial:
                result.status = ImportRun.Status.REJECTED
                transaction.set_rollback(True)
            else:
                result.status = ImportRun.Status.PARTIAL if result.errors else ImportRun.Status.SUCCEEDED
                _finish_run(run, result, actor)
                if spec.changes_ledger and (result.created or result.updated):
                    changes.customers_changed(None)  # figures derived from the ledger are refreshed
    except IntegrityError:
        raise Conflict("someone else changed the same records while this file was being imported; nothing was "
                       "imported — try again", code="concurrent_change") from None
    if result.status == ImportRun.Status.REJECTED:
        result.created = result.updated = result.unchanged = 0
        result.changes = []
        with transaction.atomic():
            run = ImportRun.objects.create(
                user=actor_user(actor), actor=_actor_name(actor), started_at=started, entity=entity,
                file_name=file_name[:255], sha256=digest, file_format=table.format, encoding=table.encoding,
                mapping_name=(mapping_name or "")[:60], partial=partial, status=ImportRun.Status.REJECTED)
            _finish_run(run, result, actor)
    return result


def _context(actor: Any, reason: str, parsed: ParsedFile, numbering: str,
             progress: Callable[[int], None] | None, *, preview: bool = False) -> ImportContext:
    ctx = ImportContext(actor=actor, reason=reason[:300], header_of=parsed.header_of,
                        report_progress=progress or _no_progress, numbering=numbering, all_rows=parsed.rows,
                        preview=preview)
    for row in parsed.rows:
        if row.errors:
            ctx.errors[row.number] = list(row.errors)
    return ctx


def _preview(spec: import_entities.Entity, result: ImportResult, parsed: ParsedFile, *, actor: Any, numbering: str,
             file_name: str, progress: Callable[[int], None] | None,
             on_write: Callable[[int], None] | None) -> ImportResult:
    """The writer's outcomes with nothing written: outside any transaction (so no write lock is held
    while other people work) and with every write refused."""
    with refusing_writes():
        if on_write is not None:
            on_write(len(parsed.rows))
        ctx = _context(actor, f"import preview: {file_name}", parsed, numbering, progress, preview=True)
        spec.writer(ctx, [r for r in parsed.rows if not r.errors])
        ctx.advance(max(0, len(parsed.rows) - ctx.advanced))
        _tally(result, ctx)
    result.status = "preview"
    return result


def _decimals_warnings(parsed: ParsedFile, numbering: str) -> list[str]:
    """Rows whose amount of a currency without minor unit is written with zero decimals (``1234.00 JPY``, as SAP
    exports them): read as the whole number, and said so. Non-zero decimals are refused by the row's checks."""
    found: dict[str, tuple[list[int], Decimal]] = {}
    for row in parsed.rows:
        amount, currency = row.values.get("amount"), row.values.get("currency")
        if (not row.errors and isinstance(amount, Decimal) and isinstance(currency, str)
                and whole_written_with_decimals(amount, currency.strip().upper())):
            rows, _example = found.setdefault(currency.strip().upper(), ([], amount))
            rows.append(row.number)
    column = parsed.header_of.get("amount", "amount")
    return [whole_written_with_decimals_warning(column, currency, rows, example, numbering=numbering)
            for currency, (rows, example) in found.items()]


def preview_import(**kwargs: Any) -> ImportResult:
    """:func:`import_file` with ``preview=True``: what would be created, updated, unchanged, rejected."""
    return import_file(**{**kwargs, "preview": True})


def _tally(result: ImportResult, ctx: ImportContext) -> None:
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


def _actor_name(actor: Any) -> str:
    from credere.audit.services import actor_name

    return actor_name(actor)[:150]


