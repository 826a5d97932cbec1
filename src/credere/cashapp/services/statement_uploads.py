"""Big statement files imported by the background worker.

A statement file of several megabytes (tens of thousands of transactions) takes seconds to import,
and an import writes in one transaction: on the embedded database that holds the write lock, and a
web request holding it would keep everyone else's saves waiting. Over a threshold
(``CREDERE_BACKGROUND_STATEMENT_BYTES``, default 2 MB) the page and the API therefore keep the file
(:class:`~credere.cashapp.models.StatementUpload`) and the worker imports it — the same
:func:`~credere.cashapp.services.statements.import_statement`, so the same rules: a bad file writes
nothing and the upload says why; the same file twice adds nothing.

A worker killed during the import leaves nothing half-written (the import is one transaction) and
the task is run again by the next worker (:mod:`credere.core.leases`); an import that committed
just before its worker died is found by its file's SHA-256 and not repeated.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings

from credere.adapters.bankfiles import StatementError
from credere.cashapp.models import StatementFile, StatementUpload
from credere.cashapp.services import statements
from credere.core import background
from credere.core.errors import BusinessError
from credere.identity.authz import NotAllowed, authorize
from credere.ledger.models import Company

#: The task that imports an upload (registered by ``credere.cashapp.tasks``).
TASK = "cashapp.import_statement_upload"


def background_threshold() -> int:
    """Statement files larger than this (bytes) are imported by the background worker."""
    return int(getattr(settings, "CREDERE_BACKGROUND_STATEMENT_BYTES", 2 * 1024 * 1024))


def queue(*, actor: Any, data: bytes, filename: str, company: Company | None = None, match: bool = True,
          strict: bool = False, source: str = "web") -> StatementUpload:
    """Keep the file and queue its import for the worker (after the caller's transaction commits)."""
    authorize(actor, "import_statements")
    if not data:
        raise BusinessError("file: the file is empty", code="bad_file", fields=[{"field": "file", "message": "empty"}])
    if len(data) > statements.MAX_STATEMENT_BYTES:
        raise BusinessError(f"the file is larger than {statements.MAX_STATEMENT_BYTES:,} bytes", code="too_large",
                            status=413, fields=[{"field": "file", "message": "too large"}])
    upload = StatementUpload.objects.create(
        user=actor, filename=filename[:255], data=data, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        company=company, match=match, strict=strict, source=source)
    background.enqueue_on_commit(TASK, str(upload.pk))
    return upload


def result_of(result: statements.ImportResult, *, match: bool) -> dict[str, Any]:
    """What an import found, as the API answers it (``POST /cash/statements``)."""
    state = "off" if not match else ("queued" if result.payments else "nothing to match")
    return {"file_id": result.file.pk, "file_name": result.file.filename, "format": result.file.format,
            "statements": result.statements, "new_transactions": result.new, "known_transactions": result.known,
            "payments": result.payments, "matching": state, "flagged_statements": [row.pk for row in result.flagged]}


def _already_imported(upload: StatementUpload) -> StatementFile | None:
    """The file this upload became, if its import committed before the worker could say so."""
    return (StatementFile.objects.filter(sha256=upload.sha256, uploaded_by=upload.user,
                                         uploaded_at__gte=upload.created_at).order_by("uploaded_at").first())


def run(upload_id: str) -> str:
    """Import a queued upload (the worker's task); idempotent."""
    upload = StatementUpload.objects.select_related("user", "company").filter(pk=upload_id).first()
    if upload is None:
        return "gone"
    if upload.state in (StatementUpload.State.DONE, StatementUpload.State.FAILED):
        return f"skipped: {upload.state}"
    if upload.state == StatementUpload.State.IMPORTING and (done := _already_imported(upload)) is not None:
        return _finish(upload, done, {"file_id": done.pk, "file_name": done.filename, "format": done.format,
                                      "statements": done.statements, "new_transactions": done.transactions_new,
                                      "known_transactions": done.transactions_known})
    upload.state = StatementUpload.State.IMPORTING
    upload.save(update_fields=["state", "updated_at"])
    try:
        result = statements.import_statement(actor=upload.user, data=bytes(upload.data), filename=upload.filename,
                                             company=upload.company, match=upload.match, background=True,
                                             strict=upload.strict)
    except (BusinessError, StatementError, NotAllowed) as exc:
        upload.state = StatementUpload.State.FAILED
        upload.error = str(exc)  # the bytes are kept: the file the user gave is not lost
        upload.save(update_fields=["state", "error", "updated_at"])
        return f"refused: {exc}"
    return _finish(upload, result.file, result_of(result, match=upload.match))


def _finish(upload: StatementUpload, file: StatementFile, result: dict[str, Any]) -> str:
    upload.state = StatementUpload.State.DONE
    upload.file = file
    upload.result = result
    upload.data = b""  # the statement file keeps the bytes
    upload.save(update_fields=["state", "file", "result", "data", "updated_at"])
    return f"imported as statement file {file.pk}"


def owned(upload_id: Any, actor: Any) -> StatementUpload | None:
    """The user's own upload (another user's is not found)."""
    try:
        return StatementUpload.objects.filter(pk=upload_id, user=actor).select_related("file").first()
    except (ValueError, TypeError):
        return None


def recent(actor: Any, limit: int = 10) -> list[StatementUpload]:
    """The user's latest uploads that are waiting, running or were refused (done ones are statement files)."""
    return list(StatementUpload.objects.filter(user=actor).exclude(state=StatementUpload.State.DONE)
                .order_by("-created_at")[:limit])
