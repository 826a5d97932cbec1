"""The notification area: what happened to the user's own imports (finished, rejected, running)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from credere.imports.models import ImportRun
from credere.web.models import ImportUpload

SEEN_KEY = "credere_notifications_seen"
WINDOW = dt.timedelta(days=7)


@dataclass(frozen=True)
class Notification:
    text: str
    url: str
    when: dt.datetime
    tone: str


def for_user(user: Any, seen: str | None) -> tuple[list[Notification], int]:
    """The user's recent notifications (newest first) and how many are newer than ``seen``."""
    since = timezone.now() - WINDOW
    out: list[Notification] = []
    for u in ImportUpload.objects.filter(user=user, updated_at__gte=since).exclude(
            state__in=[ImportUpload.State.DONE, ImportUpload.State.CANCELLED]).defer("data")[:5]:
        text = {"previewing": "Preview running", "importing": "Import running", "previewed": "Preview ready",
                "needs_mapping": "Columns to match", "failed": "Import failed", "uploaded": "Uploaded"}.get(
            u.state, u.get_state_display())
        out.append(Notification(f"{text}: {u.file_name}", reverse("web:import-upload", args=[u.pk]), u.updated_at,
                                "bad" if u.state == "failed" else "info"))
    for run in ImportRun.objects.filter(user=user, started_at__gte=since)[:5]:
        text = (f"Imported {run.file_name}: {run.created} created, {run.updated} updated"
                if run.status != ImportRun.Status.REJECTED else f"Rejected {run.file_name}: {run.rejected} bad rows")
        out.append(Notification(text, reverse("web:import-run", args=[run.pk]), run.finished_at or run.started_at,
                                {"succeeded": "ok", "partial": "warn"}.get(run.status, "bad")))
    out.sort(key=lambda n: n.when, reverse=True)
    seen_at = None
    if seen:
        try:
            seen_at = dt.datetime.fromisoformat(seen)
        except ValueError:
            seen_at = None
    unseen = sum(1 for n in out if seen_at is None or n.when > seen_at)
    return out[:8], unseen
