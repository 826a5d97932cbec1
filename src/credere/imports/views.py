"""Imports in the browser: upload, header mapping, preview, confirm, result; history of runs."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from credere.core import import_entities
from credere.core.errors import BusinessError
from credere.domain.masking import mask
from credere.identity.authz import can
from credere.identity.privacy import sees_personal_data
from credere.imports.exports import personal_columns
from credere.imports.models import ImportMapping, ImportRun, ImportUpload
from credere.imports.schema import PERMISSION, choice_values, columns, import_actions
from credere.imports.services import uploads as import_flow
from credere.web.access import page
from credere.web.datatable import DETAIL, PRIMARY, Col, DataTable, respond_export
from credere.web.forms import FormErrors
from credere.web.params import Params

#: Each importable entity's label, as registered (the ledger's records, credit control's orders).
ENTITY_LABELS = import_entities.View(lambda e: e.label)
if not apps.ready:  # the contexts register their entities in ready(); read the registry only after that
    raise ImproperlyConfigured("credere.imports.views was imported before the applications were ready")
#: Any one of these lets a user upload files (every context has registered its entities by now).
IMPORT_ACTIONS = import_actions()
RUN_TONES = {"succeeded": "ok", "partial": "warn", "rejected": "bad"}
OUTCOME_TONES = {"created": "ok", "updated": "info", "unchanged": "neutral"}


def _allowed_entities(user: Any) -> list[tuple[str, str]]:
    return [(e, ENTITY_LABELS[e]) for e, action in PERMISSION.items() if can(user, action)]


def _upload_or_404(request: HttpRequest, upload_id: Any) -> ImportUpload | HttpResponse:
    upload = import_flow.owned(upload_id, request.user)
    if upload is None:
        return render(request, "web/404.html", {"message": "There is no such upload of yours."}, status=404)
    return upload


@page("view_ledger")
def imports(request: HttpRequest) -> HttpResponse:
    p = Params(request)
    entity = p.choice("entity", list(ENTITY_LABELS))
    status = p.choice("status", ImportRun.Status.values)
    qs = ImportRun.objects.all()
    if entity:
        qs = qs.filter(entity=entity)
    if status:
        qs = qs.filter(status=status)
    table = DataTable(
        id="main", request=request, rows=qs, caption="Import runs", export_name="import-runs",
        empty="No file has been imported yet.",
        empty_hint="Import customers first, then open items, payments and FX rates." if any(
            can(request.user, a) for a in IMPORT_ACTIONS) else "",
        columns=[
            Col("id", "Run", "int", link=lambda r: reverse("web:import-run", args=[r.pk])),
            Col("started_at", "Started", "datetime"),
            Col("actor", "By", "code"),
            Col("entity", "What", display=lambda v: ENTITY_LABELS.get(v, v)),
            Col("file_name", "File"),
            Col("status", "Status", "badge", display=lambda v: dict(ImportRun.Status.choices).get(v, v),
                tone=lambda v: RUN_TONES.get(v, "neutral")),
            Col("total_rows", "Rows", "int"),
            Col("created", "Created", "int", priority=DETAIL),
            Col("updated", "Updated", "int", priority=DETAIL),
            Col("unchanged", "Unchanged", "int", priority=DETAIL),
            Col("rejected", "Rejected", "int", priority=PRIMARY),
        ],
    )
    exported = respond_export(request, [table])
    if exported is not None:
        return exported
    pending = ImportUpload.objects.filter(user_id=int(request.user.pk or 0)).exclude(
        state__in=[ImportUpload.State.DONE, ImportUpload.State.CANCELLED]).defer("data")[:10]
    return render(request, "imports/list.html", {
        "table": table, "errors": p.errors, "pending": pending, "entity": entity, "status": status,
        "entities": list(ENTITY_LABELS.items()), "statuses": ImportRun.Status.choices,
        "allowed": _allowed_entities(request.user),
    })


@page(*IMPORT_ACTIONS, any_of=True)
def import_new(request: HttpRequest) -> HttpResponse:
    allowed = _allowed_entities(request.user)
    errors = FormErrors(known=frozenset({"entity", "file", "mapping"}))
    entity = request.GET.get("entity") or (allowed[0][0] if allowed else "")
    mapping_name = ""
    if request.method == "POST":
        entity = request.POST.get("entity", "")
        mapping_name = (request.POST.get("mapping") or "").strip()[:60]
        upload_file = request.FILES.get("file")
        if upload_file is None:
            errors.add("file", "Choose a CSV, XLSX or ECB XML file to upload.")
        else:
            name = PurePath((upload_file.name or "upload").replace("\\", "/")).name[:255] or "upload"
            try:
                upload = import_flow.create_upload(actor=request.user, entity=entity, file_name=name,
                                                   data=upload_file.read(), mapping_name=mapping_name)
                import_flow.start(upload, "preview")
                return redirect("web:import-upload", upload_id=upload.pk)
            except BusinessError as exc:
                errors.add_error(exc)
    saved = [m for m in ImportMapping.objects.all() if m.entity in dict(allowed)]
    return render(request, "imports/new.html", {
        "allowed": allowed, "entity": entity, "errors": errors, "saved": saved, "mapping_name": mapping_name,
        "threshold_mb": import_flow.background_threshold() / (1024 * 1024),
    }, status=422 if errors else 200)


def _preview_tables(request: HttpRequest, data: dict[str, Any], name: str) -> tuple[DataTable, DataTable]:
    numbering = data.get("numbering", "row")
    order = _field_order(str(data.get("entity", "")))
    hidden = {} if sees_personal_data(request.user) else personal_columns(str(data.get("entity", "")))
    changes = DataTable(
        id="changes", request=request, rows=data.get("changes", []), per_page=50,
        caption="Records created or updated", export_name=f"{name}-changes",
        empty="Nothing would be created or updated." if data.get("preview") else "Nothing was created or updated.",
        columns=[
            Col("row", numbering.capitalize(), "int"),
            Col("key", "Record", "code"),
            Col("outcome", "Outcome", "badge", tone=lambda v: OUTCOME_TONES.get(v, "neutral")),
            Col("changes", "Changes", display=lambda v: _changes_text(_masked_changes(v, hidden), order)),
        ],
    )
    errors = DataTable(
        id="errors", request=request, rows=data.get("errors", []), per_page=50, caption="Rejected rows",
        export_name=f"{name}-rejected", empty="No row is rejected.",
        columns=[
            Col("row", numbering.capitalize(), "int"),
            Col("column", "Column", "code"),
            Col("field", "Field", "code"),
            Col("message", "Reason"),
        ],
    )
    return changes, errors


#: Record fields named after another column of the file (the rest carry the column's name).
_FIELD_OF_COLUMN = {"company_code": "company", "account_number": "customer"}


def _field_order(entity: str) -> dict[str, int]:
    """Fields in the order of the entity's file columns (stored JSON may come back in another order)."""
    names = [c.name for c in columns(entity)] if entity in ENTITY_LABELS else []
    return {_FIELD_OF_COLUMN.get(n, n) if entity != "customers" else n: i for i, n in enumerate(names)}


def _masked_changes(changes: Any, hidden: dict[str, str]) -> Any:
    """A row's changes with the personal values in ``hidden`` (field -> kind) masked."""
    if not hidden or not isinstance(changes, dict):
        return changes

    def masked(kind: str, value: Any) -> Any:
        return mask(kind, value) if isinstance(value, str) and value else value

    return {k: ({side: masked(hidden[k], x) for side, x in v.items()} if k in hidden and isinstance(v, dict) else v)
            for k, v in changes.items()}


def _changes_text(changes: Any, order: dict[str, int] | None = None) -> str:
    """An update as ``field: before → after``; a new record as its values (``field value``)."""
    if not changes:
        return ""
    rank = order or {}
    shown = sorted(changes.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))[:8]
    more = " …" if len(changes) > 8 else ""
    if all(v.get("before") is None for _k, v in shown):
        return " · ".join(f"{k} {v.get('after', '')}" for k, v in shown) + more
    return "; ".join(f"{k}: {v.get('before', '')} → {v.get('after', '')}" for k, v in shown) + more


@page("view_ledger")
def import_upload(request: HttpRequest, upload_id: str) -> HttpResponse:
    found = _upload_or_404(request, upload_id)
    if isinstance(found, HttpResponse):
        return found
    upload = found
    if upload.state == ImportUpload.State.NEEDS_MAPPING:
        return redirect("web:import-mapping", upload_id=upload.pk)
    if upload.state == ImportUpload.State.DONE and upload.run_id:
        return redirect("web:import-run", run_id=upload.run_id)
    ctx: dict[str, Any] = {"u": upload, "label": ENTITY_LABELS.get(upload.entity, upload.entity)}
    if upload.running:
        ctx["progress"] = import_flow.progress_of(upload)
        return render(request, "imports/running.html", ctx)
    data = upload.preview or {}
    if upload.state == ImportUpload.State.FAILED and upload.result:
        data = upload.result
    changes, errors = _preview_tables(request, data, f"preview-{upload.entity}")
    exported = respond_export(request, [changes, errors])
    if exported is not None:
        return exported
    ctx.update({"p": data, "changes_table": changes, "errors_table": errors,
                "can_map": True, "can_save_mapping": can(request.user, "edit_mappings")})
    return render(request, "imports/preview.html", ctx)


@page("view_ledger")
def import_progress(request: HttpRequest, upload_id: str) -> HttpResponse:
    found = _upload_or_404(request, upload_id)
    if isinstance(found, HttpResponse):
        return found
    if not found.running:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("web:import-upload", args=[found.pk])
        return response
    return render(request, "imports/_progress.html", {"u": found, "progress": import_flow.progress_of(found)})


@page(*IMPORT_ACTIONS, any_of=True)
def import_mapping(request: HttpRequest, upload_id: str) -> HttpResponse:
    found = _upload_or_404(request, upload_id)
    if isinstance(found, HttpResponse):
        return found
    upload = found
    if upload.state not in (ImportUpload.State.NEEDS_MAPPING, ImportUpload.State.PREVIEWED,
                            ImportUpload.State.FAILED, ImportUpload.State.UPLOADED):
        return redirect("web:import-upload", upload_id=upload.pk)
    errors: list[str] = []
    if request.method == "POST":
        targets = {int(k[4:]): str(request.POST.get(k, "")) for k in request.POST
                   if k.startswith("map_") and k[4:].isdigit()}
        translations: dict[str, dict[str, str]] = {}
        for k in request.POST:
            parts = k.split("__", 2)
            if len(parts) == 3 and parts[0] == "val" and parts[1]:
                translations.setdefault(parts[1], {})[parts[2]] = str(request.POST.get(k, ""))
        save_as = (request.POST.get("save_as") or "").strip() if request.POST.get("save") else ""
        try:
            import_flow.apply_mapping(upload, targets=targets, translations=translations, save_as=save_as,
                                      actor=request.user)
            if save_as:
                messages.success(request, f"Mapping '{save_as}' saved for {ENTITY_LABELS[upload.entity].lower()}.")
            import_flow.start(upload, "preview")
            return redirect("web:import-upload", upload_id=upload.pk)
        except BusinessError as exc:
            errors.append(str(exc))
    form = import_flow.mapping_form(upload)
    return render(request, "imports/mapping.html", {
        "u": upload, "form": form, "errors": errors + ([form.error] if form.error else []),
        "problem": upload.error if upload.state == ImportUpload.State.NEEDS_MAPPING else "",
        "label": ENTITY_LABELS.get(upload.entity, upload.entity),
        "can_save_mapping": can(request.user, "edit_mappings"), "choices": choice_values(upload.entity),
    })


@require_POST
@page(*IMPORT_ACTIONS, any_of=True)
def import_confirm(request: HttpRequest, upload_id: str) -> HttpResponse:
    found = _upload_or_404(request, upload_id)
    if isinstance(found, HttpResponse):
        return found
    try:
        upload = import_flow.confirm(found, partial=request.POST.get("partial") == "1")
    except BusinessError as exc:
        messages.error(request, str(exc))
        return redirect("web:import-upload", upload_id=found.pk)
    if upload.state == ImportUpload.State.DONE and upload.run_id:
        return redirect("web:import-run", run_id=upload.run_id)  # the run's page says what was imported
    return redirect("web:import-upload", upload_id=upload.pk)


@require_POST
@page(*IMPORT_ACTIONS, any_of=True)
def import_cancel(request: HttpRequest, upload_id: str) -> HttpResponse:
    found = _upload_or_404(request, upload_id)
    if isinstance(found, HttpResponse):
        return found
    try:
        import_flow.cancel(found)
        messages.info(request, f"The upload of {found.file_name} was cancelled; nothing was imported.")
    except BusinessError as exc:
        messages.error(request, str(exc))
    return redirect("web:imports")


@page("view_ledger")
def import_run(request: HttpRequest, run_id: int) -> HttpResponse:
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None:
        return render(request, "web/404.html", {"message": f"There is no import run {run_id}."}, status=404)
    upload = ImportUpload.objects.filter(run_id=run.pk).defer("data").first()
    data: dict[str, Any] = dict(upload.result) if upload is not None and upload.result else {}
    data.setdefault("errors", run.errors)
    data.setdefault("changes", [])
    data["preview"] = False
    changes, errors = _preview_tables(request, data, f"import-run-{run.pk}")
    exported = respond_export(request, [changes, errors])
    if exported is not None:
        return exported
    return render(request, "imports/run.html", {
        "run": run, "label": ENTITY_LABELS.get(run.entity, run.entity), "changes_table": changes,
        "errors_table": errors, "tone": RUN_TONES.get(run.status, "neutral"), "has_changes": bool(data["changes"]),
        "summary": data.get("summary", ""),
    })
