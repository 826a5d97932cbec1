"""Uploaded import files left waiting (never imported, cancelled, failed) are deleted after
``CREDERE_RETENTION_UPLOAD_DAYS``: what was imported lives on as its import run."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from credere.core.personal import Holder
from credere.imports.models import ImportUpload


def purge(now: dt.datetime) -> dict[str, int]:
    before = now - dt.timedelta(days=int(settings.CREDERE_RETENTION_UPLOAD_DAYS))
    running = (ImportUpload.State.PREVIEWING, ImportUpload.State.IMPORTING)
    deleted = ImportUpload.objects.filter(updated_at__lt=before).exclude(state__in=running).delete()[0]
    return {"import uploads deleted": deleted}


HOLDER = Holder(name="imports", purge=purge)
