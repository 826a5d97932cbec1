"""Background work of imports (run by ``credere worker``): previews and imports of big uploads."""

from __future__ import annotations

from django.tasks import task

from credere.core import background
from credere.identity.authz import NotAllowed
from credere.imports.models import ImportUpload
from credere.imports.services import uploads


@task()
def process_upload(upload_id: str, step: str) -> str:
    """Preview or import an uploaded file; idempotent: a finished step is not run again."""
    upload = ImportUpload.objects.select_related("user").filter(pk=upload_id).first()
    if upload is None:
        return "gone"
    expected = ImportUpload.State.PREVIEWING if step == "preview" else ImportUpload.State.IMPORTING
    if upload.state != expected:
        return f"skipped: {upload.state}"
    try:
        done = uploads.run_preview(upload) if step == "preview" else uploads.run_import(upload)
    except NotAllowed as exc:
        upload.state = ImportUpload.State.FAILED
        upload.error = str(exc)
        upload.save(update_fields=["state", "error", "updated_at"])
        return "not allowed"
    except Exception as exc:  # the page must not wait for ever: record the failure
        upload.state = ImportUpload.State.FAILED
        upload.error = f"the {step} failed: {exc}"
        upload.save(update_fields=["state", "error", "updated_at"])
        raise
    return str(done.state)


background.register("imports.process_upload", process_upload)
