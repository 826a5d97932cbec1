"""What the notification area says about the user's own imports (finished, rejected, running)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from credere.imports.models import ImportRun, ImportUpload
from credere.web.notifications import Notification

_UPLOAD_TEXT = {"previewing": "Preview running", "importing": "Import running", "previewed": "Preview ready",
                "needs_mapping": "Columns to match", "failed": "Import failed", "uploaded": "Uploaded"}


def of_user(user: Any, since: dt.datetime) -> list[Notification]:
    out: list[Notification] = []
    for u in ImportUpload.objects.filter(user=user, updated_at__gte=since).exclude(
            state__in=[ImportUpload.State.DONE, ImportUpload.State.CANCELLED]).defer("data")[:5]:
        text = _UPLOAD_TEXT.get(u.state, u.get_state_display())
        out.append(Notification(f"{text}: {u.file_name}", reverse("web:import-upload", args=[u.pk]), u.updated_at,
                                "bad" if u.state == "failed" else "info"))
    for run in ImportRun.objects.filter(user=user, started_at__gte=since)[:5]:
        text = (f"Imported {run.file_name}: {run.created} created, {run.updated} updated"
                if run.status != ImportRun.Status.REJECTED else f"Rejected {run.file_name}: {run.rejected} bad rows")
        out.append(Notification(text, reverse("web:import-run", args=[run.pk]), run.finished_at or run.started_at,
                                {"succeeded": "ok", "partial": "warn"}.get(run.status, "bad")))
    return out
