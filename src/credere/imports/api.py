"""Import and export endpoints, mounted at /api/v1/imports.

* ``POST /imports/{entity}`` — upload a file (multipart field ``file``); ``?preview=true``
  shows what would change and writes nothing; ``?partial=true`` keeps the good rows.
  200 with counts and row errors; 422 with the project error body (the full report under
  ``error.report``) when rows are rejected and nothing was imported. A file larger than
  ``CREDERE_API_BACKGROUND_IMPORT_BYTES`` (default 2 MB), or any file with ``?background=true``,
  goes to the background worker like the web's big uploads: 202 with the upload's id and a
  ``status_url`` to follow.
* ``GET /imports/uploads/{id}`` — a background upload: state, progress, the preview or the result;
  ``POST /imports/uploads/{id}/import`` imports a previewed upload without sending the file again.
* ``GET/PUT /imports/mappings/{source_system}/{entity}``, ``GET /imports/mappings``
* ``GET /imports/runs``, ``GET /imports/runs/{id}``
* ``GET /imports/export/{entity}?format=csv|xlsx&company=CODE`` — a file download.
"""


import datetime as dt
import uuid
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Literal

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from credere.adapters import tables
from credere.core.api import Page
from credere.core.errors import BusinessError
from credere.identity.authz import authorize
from credere.imports.exports import export_table
from credere.imports.models import ImportMapping, ImportRun, ImportUpload
from credere.imports.schema import ENTITIES, export_entities
from credere.imports.services import uploads
from credere.imports.services.files import import_file
from credere.imports.services.limits import MAX_BYTES
from credere.imports.services.mappings import get_mapping, save_mapping

router = Router(tags=["imports"])

if not apps.ready:  # the contexts register their entities in ready(); the API is built after that
    raise ImproperlyConfigured("credere.imports.api was imported before the applications were ready")
if TYPE_CHECKING:
    ImportEntity = str
    ExportEntity = str
else:
    # The entities registered in credere.core.import_entities (the ledger's records, credit control's
    # orders), as enums in the OpenAPI document; an unknown entity is a 422 naming the path parameter.
    ImportEntity = Literal[tuple(ENTITIES)]
    ExportEntity = Literal[export_entities()]
#: How many row errors the 422 error body lists in ``fields`` (all of them are under ``import.errors``).
FIELDS_IN_ERROR_BODY = 100


class RowErrorOut(Schema):
    row: int = Field(description="Row as the user sees it (header = 1), or the line for ECB XML")
    column: str = Field(description="The column header as written in the file")
    field: str = Field(description="The Credere column")
    message: str


class ChangeOut(Schema):
    row: int
    key: str
    outcome: Literal["created", "updated", "unchanged"]
    changes: dict[str, dict[str, Any]] = Field(description="For updates: field -> {before, after} (amounts as strings)")


class ImportOut(Schema):
    run_id: int | None
    entity: str
    file_name: str
    sha256: str
    format: str
    encoding: str
    numbering: Literal["row", "line"]
    preview: bool
    partial: bool
    mapping: str
    status: Literal["succeeded", "partial", "rejected", "preview"]
    total_rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[RowErrorOut]
    changes: list[ChangeOut]
    warnings: list[str]
    summary: str


class ErrorField(Schema):
    field: str
    message: str


class RejectedBody(Schema):
    code: str
    message: str
    fields: list[ErrorField]
    report: ImportOut = Field(description="The full import report (nothing was written)")


class RejectedOut(Schema):
    error: RejectedBody


class MappingIn(Schema):
    columns: dict[str, str] = Field(default_factory=dict,
                                    description="File header -> Credere column, or '-' to ignore the column")
    values: dict[str, dict[str, str]] = Field(default_factory=dict,
                                              description="Credere column -> {value in the file: Credere value}")


class MappingOut(Schema):
    source_system: str
    entity: str
    mapping: dict[str, Any]
    updated_at: dt.datetime
    outcome: str | None = None


class RunOut(Schema):
    id: int
    actor: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    entity: str
    file_name: str
    sha256: str
    file_format: str
    mapping_name: str
    partial: bool
    status: str
    total_rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int


class RunDetailOut(RunOut):
    errors: list[RowErrorOut]


class RunFilters(Schema):
    entity: ImportEntity | None = None
    status: Literal["succeeded", "partial", "rejected"] | None = None


def _mapping_out(m: ImportMapping, outcome: str | None = None) -> dict[str, Any]:
    return {"source_system": m.source_system, "entity": m.entity, "mapping": m.mapping, "updated_at": m.updated_at,
            "outcome": outcome}


@router.get("/mappings", response=list[MappingOut])
def list_mappings(request: HttpRequest) -> list[dict[str, Any]]:
    authorize(request.auth, "view_ledger")  # type: ignore[attr-defined]
    return [_mapping_out(m) for m in ImportMapping.objects.all()]


@router.get("/mappings/{source_system}/{entity}", response=MappingOut)
def read_mapping(request: HttpRequest, source_system: str, entity: ImportEntity) -> dict[str, Any]:
    authorize(request.auth, "view_ledger")  # type: ignore[attr-defined]
    mapping = get_mapping(source_system=source_system, entity=entity)
    if mapping is None:
        raise BusinessError(f"no mapping '{source_system}' for {entity}", code="not_found", status=404)
    return _mapping_out(mapping)


@router.put("/mappings/{source_system}/{entity}", response=MappingOut)
def put_mapping(request: HttpRequest, source_system: str, entity: ImportEntity, payload: MappingIn) -> dict[str, Any]:
    mapping, outcome = save_mapping(actor=request.auth, source_system=source_system,  # type: ignore[attr-defined]
                                    entity=entity, mapping=payload.dict())
    return _mapping_out(mapping, outcome)


@router.get("/runs", response=list[RunOut])
@paginate(Page)
def list_runs(request: HttpRequest, filters: Query[RunFilters]) -> QuerySet[ImportRun]:
    authorize(request.auth, "view_ledger")  # type: ignore[attr-defined]
    qs = ImportRun.objects.all()
    if filters.entity:
        qs = qs.filter(entity=filters.entity)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs


@router.get("/runs/{run_id}", response=RunDetailOut)
def read_run(request: HttpRequest, run_id: int) -> ImportRun:
    authorize(request.auth, "view_ledger")  # type: ignore[attr-defined]
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None:
        raise BusinessError(f"no import run {run_id}", code="not_found", status=404)
    return run


_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class ExportOptions(Schema):
    format: Literal["csv", "xlsx"] = "csv"
    company: str | None = Field(None, max_length=20, description="Only this company's records")


@router.get("/export/{entity}")
def export(request: HttpRequest, entity: ExportEntity, options: Query[ExportOptions]) -> HttpResponse:
    """Download customers, items, payments, allocations, FX rates or orders in the import column format."""
    headers, rows = export_table(actor=request.auth, entity=entity,  # type: ignore[attr-defined]
                                 company_code=options.company)
    response = HttpResponse(tables.render(options.format, headers, rows, entity), content_type=_TYPES[options.format])
    response["Content-Disposition"] = f'attachment; filename="{entity}.{options.format}"'
    return response


class UploadOptions(Schema):
    preview: bool = Field(False, description="Show what would change; write nothing")
    partial: bool = Field(False, description="Import the good rows even if some are rejected")
    mapping: str | None = Field(None, max_length=60, description="Saved header mapping (source system) to use")
    format: Literal["csv", "xlsx", "ecb"] | None = Field(None, description="Default: recognised from the content")
    encoding: str | None = Field(None, max_length=40, description="CSV text encoding (default: UTF-8, else "
                                                                  "Windows-1252)")
    delimiter: str | None = Field(None, min_length=1, max_length=1, description="CSV delimiter (default: "
                                                                                "recognised)")
    sheet: str | None = Field(None, max_length=31, description="XLSX worksheet (default: the first)")
    sha256: str | None = Field(None, pattern=r"^[0-9a-fA-F]{64}$",
                               description="SHA-256 of the previewed file: refuse a different file")
    background: bool = Field(False, description="Hand the file to the background worker even if it is small "
                                                "(202 and a status_url)")


class QueuedOut(Schema):
    upload_id: str
    state: str = Field(description="previewing or importing (see GET status_url)")
    status_url: str


class ProgressOut(Schema):
    done: int
    total: int
    percent: int
    phase: str


class UploadStateOut(Schema):
    upload_id: str
    entity: str
    file_name: str
    size: int
    sha256: str
    state: Literal["uploaded", "needs_mapping", "previewing", "previewed", "importing", "done", "failed",
                   "cancelled"]
    state_label: str
    finished: bool = Field(description="True once nothing more will happen without you (previewed, done, failed, "
                                       "cancelled, needs_mapping)")
    progress: ProgressOut
    preview: dict[str, Any] | None = Field(description="The preview's report (change and error lists cut at 1,000; "
                                                       "the counts are complete)")
    result: dict[str, Any] | None = Field(description="The import's report, once imported")
    error: str
    run_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ConfirmOptions(Schema):
    partial: bool = Field(False, description="Import the good rows even if some are rejected")


def api_background_threshold() -> int:
    from django.conf import settings

    return int(getattr(settings, "CREDERE_API_BACKGROUND_IMPORT_BYTES", uploads.background_threshold()))


def _status_url(upload: ImportUpload) -> str:
    return f"/api/v1/imports/uploads/{upload.pk}"


_FINISHED = {"previewed", "done", "failed", "cancelled", "needs_mapping"}


def _upload_out(upload: ImportUpload) -> dict[str, Any]:
    progress = uploads.progress_of(upload)
    return {"upload_id": str(upload.pk), "entity": upload.entity, "file_name": upload.file_name, "size": upload.size,
            "sha256": upload.sha256, "state": upload.state, "state_label": upload.get_state_display(),
            "finished": upload.state in _FINISHED,
            "progress": {"done": progress.done, "total": progress.total, "percent": progress.percent,
                         "phase": progress.phase},
            "preview": upload.preview, "result": upload.result, "error": upload.error, "run_id": upload.run_id,
            "created_at": upload.created_at, "updated_at": upload.updated_at}


def _own_upload(request: HttpRequest, upload_id: uuid.UUID) -> ImportUpload:
    upload = uploads.owned(upload_id, request.auth)  # type: ignore[attr-defined]
    if upload is None:
        raise BusinessError(f"no upload {upload_id} of yours", code="not_found", status=404)
    return upload


@router.get("/uploads/{upload_id}", response=UploadStateOut)
def read_upload(request: HttpRequest, upload_id: uuid.UUID) -> dict[str, Any]:
    """A file handed to the background worker: its state, progress, and the preview or result when ready.
    Only the user who sent it sees it."""
    return _upload_out(_own_upload(request, upload_id))


@router.post("/uploads/{upload_id}/import", response={202: QueuedOut, 200: UploadStateOut})
def import_upload(request: HttpRequest, upload_id: uuid.UUID, options: Query[ConfirmOptions]) -> Any:
    """Import a previewed background upload (the same bytes that were previewed), without sending it again."""
    upload = uploads.confirm(_own_upload(request, upload_id), partial=options.partial)
    if upload.running:
        return Status(202, {"upload_id": str(upload.pk), "state": upload.state, "status_url": _status_url(upload)})
    return Status(200, _upload_out(upload))


@router.post("/{entity}", response={200: ImportOut, 202: QueuedOut, 422: RejectedOut})
def upload(request: HttpRequest, entity: ImportEntity, file: File[UploadedFile],
           options: Query[UploadOptions]) -> Any:
    """Import a CSV, XLSX or ECB XML file (multipart field ``file``).

    A big file (over ``CREDERE_API_BACKGROUND_IMPORT_BYTES``, default 2 MB) or ``background=true``
    is handed to the background worker: the answer is 202 with ``status_url``; GET it until
    ``finished`` is true (the preview's or the import's report is then in ``preview`` or ``result``)."""
    from django.conf import settings

    limit = int(getattr(settings, "CREDERE_IMPORT_MAX_BYTES", MAX_BYTES))
    if file.size is not None and file.size > limit:
        raise BusinessError(f"the file is larger than {limit // (1024 * 1024)} MB; split it", code="file_too_large",
                            fields=[{"field": "file", "message": "too large"}])
    data = file.read(limit + 1)
    name = PurePath((file.name or "upload").replace("\\", "/")).name[:255] or "upload"
    if options.background or len(data) > api_background_threshold():
        return _in_background(request, entity, name, data, options)
    result = import_file(actor=request.auth, entity=entity, data=data, file_name=name,  # type: ignore[attr-defined]
                         fmt=options.format, mapping_name=options.mapping, partial=options.partial,
                         preview=options.preview, encoding=options.encoding, delimiter=options.delimiter,
                         sheet=options.sheet, expected_sha256=options.sha256)
    body = result.as_dict()
    if result.status == "rejected":
        fields = [{"field": f"{result.numbering} {e.row}" + (f", {e.column}" if e.column else ""),
                   "message": e.message} for e in result.errors[:FIELDS_IN_ERROR_BODY]]
        message = (f"{result.rejected} rows rejected; nothing was imported. Fix them, or import the good rows "
                   "with partial=true.")
        return Status(422, {"error": {"code": "import_rejected", "message": message, "fields": fields,
                                      "report": body}})
    return Status(200, body)


def _in_background(request: HttpRequest, entity: str, name: str, data: bytes, options: UploadOptions) -> Any:
    """Keep the file and queue its preview or import for the worker; 202 with where to follow it."""
    import hashlib

    if options.sha256 and options.sha256.lower() != hashlib.sha256(data).hexdigest():
        raise BusinessError("the file is not the one that was previewed (its SHA-256 differs)", code="file_changed",
                            fields=[{"field": "file", "message": "differs from the previewed file"}])
    upload = uploads.create_upload(
        actor=request.auth, entity=entity, file_name=name, data=data,  # type: ignore[attr-defined]
        mapping_name=options.mapping or "", source="api", partial=options.partial,
        options={"fmt": options.format, "encoding": options.encoding, "delimiter": options.delimiter,
                 "sheet": options.sheet})
    upload.background = True
    upload.save(update_fields=["background"])
    upload = uploads.start(upload, "preview" if options.preview else "import")
    return Status(202, {"upload_id": str(upload.pk), "state": upload.state, "status_url": _status_url(upload)})
