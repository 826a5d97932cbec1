"""An uploaded import file waiting between upload, header mapping, preview and import.

The file is kept in the database (not on a web server's disk) so that any web process
and any background worker can read it; it is deleted once the import has run.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ImportUpload(models.Model):
    class State(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        NEEDS_MAPPING = "needs_mapping", "Needs a header mapping"
        PREVIEWING = "previewing", "Preview running"
        PREVIEWED = "previewed", "Previewed"
        IMPORTING = "importing", "Import running"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=20)
    file_name = models.CharField(max_length=255)
    data = models.BinaryField(default=b"")
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    #: a saved mapping (source system) and the column/value mapping chosen on the page
    mapping_name = models.CharField(max_length=60, blank=True, default="")
    mapping = models.JSONField(default=dict, blank=True)
    partial = models.BooleanField(default=False)
    background = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.UPLOADED)
    #: the preview's ImportResult.as_dict() (long change and error lists cut), then the import's
    preview = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    run_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.entity} upload {self.file_name} ({self.state})"

    @property
    def running(self) -> bool:
        return self.state in (self.State.PREVIEWING, self.State.IMPORTING)
