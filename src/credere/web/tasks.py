"""Background work of the web application (run by ``credere worker``)."""

from __future__ import annotations

from django.tasks import task

from credere.identity.authz import NotAllowed
from credere.web.models import ImportUpload


@task()
def process_upload(upload_id: str, step: str) -> str:
    """Preview or import an uploaded file; idempotent: a finished step is not run again."""
    from credere.web import import_flow

    upload = ImportUpload.objects.select_related("user").filter(pk=upload_id).first()
    if upload is None:
        return "gone"
    expected = ImportUpload.State.PREVIEWING if step == "preview" else ImportUpload.State.IMPORTING
    if upload.state != expected:
        return f"skipped: {upload.state}"
    try:
        done = import_flow.run_preview(upload) if step == "preview" else import_flow.run_import(upload)
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
