"""What the shell itself keeps: the leases of running workers."""

from __future__ import annotations

from django.db import models


class WorkerLease(models.Model):
    """A running ``credere worker``: it renews ``seen_at`` while it lives. A task claimed by a worker whose
    lease has lapsed was stopped with it, and is queued again."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255, blank=True, default="")
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"worker {self.worker_id} ({self.host}, process {self.pid})"
