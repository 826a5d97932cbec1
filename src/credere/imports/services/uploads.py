"""The steps of an import in the web application: upload, header mapping, preview, import.

Every check and every write is :func:`credere.imports.services.files.import_file` (and
:func:`~credere.imports.services.mappings.save_mapping`); this module keeps the uploaded file
between the steps (:class:`~credere.web.models.ImportUpload`), runs big files on the
background worker, and reports their progress.

Progress is kept in the cache, not the database: the import runs in one transaction, so a
progress row it wrote would be invisible until the end (and a preview never commits).
Configure a cache shared by the web processes and the workers (the default is a file
cache under ``CREDERE_HOME``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from credere.adapters.erpfiles.headers import IGNORE, Mapping, normalise
from credere.core import background
from credere.core.errors import BusinessError
from credere.identity.authz import NotAllowed, authorize
from credere.imports.models import ImportUpload
from credere.imports.parsing import read
from credere.imports.schema import PERMISSION, Column, choice_values, columns
from credere.imports.services import files, limits, mappings, results

#: How many changes and errors a stored preview or result keeps (the counts are complete).
KEEP_ROWS = 1000
#: Distinct values offered for translation per choice column on the mapping page.
MAX_DISTINCT = 30


def background_threshold() -> int:
    return int(getattr(settings, "CREDERE_WEB_BACKGROUND_IMPORT_BYTES", 2 * 1024 * 1024))


# --------------------------------------------------------------------------- the upload


def create_upload(*, actor: Any, entity: str, file_name: str, data: bytes, mapping_name: str = "",
                  options: dict[str, Any] | None = None, source: str = "web", partial: bool = False) -> ImportUpload:
    """Keep an uploaded file for the next steps; the user must be allowed to import ``entity``.

    ``options`` (``fmt``, ``encoding``, ``delimiter``, ``sheet``) say how to read the file when the caller knows."""
    if entity not in PERMISSION:
        raise BusinessError(f"entity: choose from {', '.join(PERMISSION)}", code="unknown_entity",
                            fields=[{"field": "entity", "message": "unknown"}])
    authorize(actor, PERMISSION[entity])
    if not data:
        raise BusinessError("file: the file is empty", code="bad_file", fields=[{"field": "file", "message": "empty"}])
    limit = int(getattr(settings, "CREDERE_IMPORT_MAX_BYTES", limits.MAX_BYTES))
    if len(data) > limit:
        raise BusinessError(f"file: larger than {limit // (1024 * 1024)} MB; split it", code="file_too_large",
                            fields=[{"field": "file", "message": "too large"}])
    if mapping_name and mappings.get_mapping(source_system=mapping_name, entity=entity) is None:
        raise BusinessError(f"mapping: no saved mapping '{mapping_name}' for {entity}", code="unknown_mapping",
                            fields=[{"field": "mapping", "message": "unknown"}])
    return ImportUpload.objects.create(
        user=actor, entity=entity, file_name=file_name[:255] or "upload", data=data, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), mapping_name=mapping_name, partial=partial, source=source,
        options={k: v for k, v in (options or {}).items() if k in READ_OPTIONS and v},
        background=len(data) > background_threshold())


def owned(upload_id: Any, actor: Any) -> ImportUpload | None:
    """The user's own upload (another user's upload is not found)."""
    try:
        return ImportUpload.objects.filter(pk=upload_id, user=actor).first()
    except (ValueError, TypeError):
        return None


def _mapping_arg(upload: ImportUpload) -> dict[str, Any] | None:
    return upload.mapping or None


#: The reading options an upload may carry (``import_file``'s arguments).
READ_OPTIONS = ("fmt", "encoding", "delimiter", "sheet")


def _read_options(upload: ImportUpload) -> dict[str, Any]:
    return {k: upload.options.get(k) for k in READ_OPTIONS}


def _trim(result: results.ImportResult) -> dict[str, Any]:
    data = result.as_dict()
    data["errors_total"] = len(data["errors"])
    data["changes_total"] = len(data["changes"])
    data["errors"] = data["errors"][:KEEP_ROWS]
    data["changes"] = data["changes"][:KEEP_ROWS]
    return data


# --------------------------------------------------------------------------- progress


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    phase: str

    @property
    def percent(self) -> int:
        return min(100, int(self.done * 100 / self.total)) if self.total else 0


def _progress_key(upload: ImportUpload) -> str:
    return f"credere:import-progress:{upload.pk}"


def progress_of(upload: ImportUpload) -> Progress:
    raw = cache.get(_progress_key(upload)) or {}
    return Progress(int(raw.get("done", 0)), int(raw.get("total", 0)), str(raw.get("phase", "")))


def _reporter(upload: ImportUpload, phase: str) -> tuple[Callable[[int], None], Callable[[int], None]]:
    state = {"done": 0, "total": 0, "at": 0.0}

    def publish(force: bool = False) -> None:
        now = time.monotonic()
        if force or now - state["at"] > 0.3:
            state["at"] = now
            cache.set(_progress_key(upload), {"done": state["done"], "total": state["total"], "phase": phase}, 3600)

    def on_write(total: int) -> None:
        state["total"] = total
        publish(force=True)

    def advance(n: int = 1) -> None:
        state["done"] += n
        publish()

    return advance, on_write


# --------------------------------------------------------------------------- steps


def run_preview(upload: ImportUpload) -> ImportUpload:
    """Preview the upload (nothing is written to the ledger); store what would happen."""
    advance, on_write = _reporter(upload, "preview")
    try:
        result = files.preview_import(
            actor=upload.user, entity=upload.entity, data=bytes(upload.data), file_name=upload.file_name,
            mapping_name=upload.mapping_name or None, mapping=_mapping_arg(upload), progress=advance,
            on_write=on_write, **_read_options(upload))
    except NotAllowed:
        raise
    except BusinessError as exc:
        mapping = exc.code in ("bad_columns", "bad_mapping")
        upload.state = ImportUpload.State.NEEDS_MAPPING if mapping else ImportUpload.State.FAILED
        upload.error = column_problems(exc) if exc.code == "bad_columns" else str(exc)
        upload.save(update_fields=["state", "error", "updated_at"])
        return upload
    upload.preview = _trim(result)
    upload.state = ImportUpload.State.PREVIEWED
    upload.error = ""
    upload.save(update_fields=["preview", "state", "error", "updated_at"])
    return upload


def _listing(names: list[str], limit: int = 6) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def column_problems(exc: BusinessError) -> str:
    """The header problems of a file in a sentence for the mapping page (the CLI's wording names its options)."""
    unknown = [f["field"] for f in exc.fields if "not a known column" in f.get("message", "")]
    missing = [f["field"] for f in exc.fields if "required column" in f.get("message", "")]
    other = [f"{f['field']}: {f['message']}" for f in exc.fields
             if f["field"] not in unknown and f["field"] not in missing]
    parts = []
    if unknown:
        parts.append(f"{len(unknown)} column{'s are' if len(unknown) > 1 else ' is'} not known "
                     f"({_listing(unknown)})")
    if missing:
        parts.append(f"{len(missing)} required column{'s are' if len(missing) > 1 else ' is'} missing "
                     f"({_listing(missing)})")
    text = "The columns of this file do not match: " + " and ".join(parts) + "." if parts else ""
    if other:
        text = (text + " " if text else "") + "; ".join(other) + "."
    return text + " Choose below which Credere column each column fills, or ignore it."


def run_import(upload: ImportUpload) -> ImportUpload:
    """Import the previewed file (the same bytes: its SHA-256 is checked) and keep the result."""
    advance, on_write = _reporter(upload, "import")
    try:
        result = files.import_file(
            actor=upload.user, entity=upload.entity, data=bytes(upload.data), file_name=upload.file_name,
            mapping_name=upload.mapping_name or None, mapping=_mapping_arg(upload), partial=upload.partial,
            expected_sha256=upload.sha256, progress=advance, on_write=on_write, **_read_options(upload))
    except NotAllowed:
        raise
    except BusinessError as exc:
        upload.state = ImportUpload.State.FAILED
        upload.error = str(exc)
        upload.save(update_fields=["state", "error", "updated_at"])
        return upload
    upload.result = _trim(result)
    upload.run_id = result.run_id
    upload.state = ImportUpload.State.DONE if result.written else ImportUpload.State.FAILED
    upload.error = "" if result.written else result.summary()
    upload.data = b""  # the file is not needed any more
    upload.save(update_fields=["result", "run_id", "state", "error", "data", "updated_at"])
    return upload


def start(upload: ImportUpload, step: str) -> ImportUpload:
    """Run ``step`` ("preview" or "import") now, or queue it for the worker when the file is big."""
    if step not in ("preview", "import"):
        raise ValueError(step)
    if step == "import":
        authorize(upload.user, PERMISSION[upload.entity])
    if not upload.background:
        return run_preview(upload) if step == "preview" else run_import(upload)
    upload.state = ImportUpload.State.PREVIEWING if step == "preview" else ImportUpload.State.IMPORTING
    upload.error = ""
    upload.save(update_fields=["state", "error", "updated_at"])
    cache.set(_progress_key(upload), {"done": 0, "total": 0, "phase": step}, 3600)
    upload_id = str(upload.pk)
    background.enqueue_on_commit("imports.process_upload", upload_id, step)
    return upload


def confirm(upload: ImportUpload, *, partial: bool) -> ImportUpload:
    if upload.state != ImportUpload.State.PREVIEWED:
        raise BusinessError("this file has not been previewed yet (or was imported already)", code="not_previewed")
    upload.partial = partial
    upload.save(update_fields=["partial", "updated_at"])
    return start(upload, "import")


def cancel(upload: ImportUpload) -> None:
    if upload.running:
        raise BusinessError("the file is being processed; wait for it to finish", code="running")
    upload.state = ImportUpload.State.CANCELLED
    upload.data = b""
    upload.save(update_fields=["state", "data", "updated_at"])


# --------------------------------------------------------------------------- header mapping


@dataclass
class HeaderChoice:
    index: int
    header: str
    samples: list[str]
    target: str
    #: for code columns: the distinct values in the file and what each is translated to
    values: list[tuple[str, str]]


@dataclass
class MappingForm:
    columns: tuple[Column, ...]
    headers: list[HeaderChoice]
    saved_values: dict[str, dict[str, str]]
    error: str = ""


def mapping_form(upload: ImportUpload) -> MappingForm:
    """The file's headers with sample values and the column each one fills now."""
    spec = columns(upload.entity)
    known = {c.name for c in spec}
    choices = choice_values(upload.entity)
    base = Mapping()
    if upload.mapping_name:
        saved = mappings.get_mapping(source_system=upload.mapping_name, entity=upload.entity)
        if saved is not None:
            base = Mapping.from_json(saved.mapping)
    if upload.mapping:
        base = base.merged(Mapping.from_json(upload.mapping))
    try:
        table = read(bytes(upload.data), fmt=None, file_name=upload.file_name, encoding=None, delimiter=None,
                     sheet=None, max_rows=limits.MAX_ROWS)
    except BusinessError as exc:
        return MappingForm(spec, [], {}, str(exc))
    out = []
    for i, header in enumerate(table.headers):
        mapped = base.target(header)
        target = mapped if mapped is not None else (normalise(header) if normalise(header) in known else "")
        samples: list[str] = []
        distinct: dict[str, None] = {}
        for row in table.rows:
            cell = row.cells[i] if i < len(row.cells) else None
            text = "" if cell is None else str(cell).strip()
            if text and len(samples) < 3:
                samples.append(text[:40])
            if text and len(distinct) < MAX_DISTINCT:
                distinct[text] = None
        values: list[tuple[str, str]] = []
        if target in choices:
            translations = base.values.get(target, {})
            values = [(v, translations.get(v, v if v in choices[target] else "")) for v in distinct]
        out.append(HeaderChoice(i, header, samples, target or "", values))
    return MappingForm(spec, out, base.values)


def apply_mapping(upload: ImportUpload, *, targets: dict[int, str], translations: dict[str, dict[str, str]],
                  save_as: str = "", actor: Any = None) -> ImportUpload:
    """Use the chosen header targets (``-`` ignores a column) and code translations for this upload.

    With ``save_as``, the mapping is also saved for that source system (``edit_mappings``).
    """
    form = mapping_form(upload)
    known = {c.name for c in form.columns}
    chosen: dict[str, str] = {}
    for h in form.headers:
        target = targets.get(h.index, "")
        if target and target != IGNORE and target not in known:
            raise BusinessError(f"column '{h.header}': '{target}' is not a column of {upload.entity}",
                                code="bad_mapping", fields=[{"field": h.header, "message": "unknown column"}])
        chosen[h.header] = target or IGNORE
    values = {col: {k: v for k, v in table.items() if v} for col, table in translations.items() if col in known}
    values = {k: v for k, v in values.items() if v}
    data = {"columns": chosen, "values": values}
    if save_as:
        mapping, _outcome = mappings.save_mapping(actor=actor, source_system=save_as, entity=upload.entity,
                                                 mapping=data)
        upload.mapping_name = mapping.source_system
        upload.mapping = {}
    else:
        upload.mapping = Mapping.from_json(data).to_json()
    upload.state = ImportUpload.State.UPLOADED
    upload.error = ""
    upload.save(update_fields=["mapping", "mapping_name", "state", "error", "updated_at"])
    return upload
