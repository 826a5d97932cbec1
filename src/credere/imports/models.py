"""Saved header mappings per source system, and the record of every import run."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from credere.core import import_entities


def entity_choices() -> list[tuple[str, str]]:
    """What can be imported, as registered (the ledger's records, credit control's orders)."""
    return import_entities.choices()


class ImportMapping(models.Model):
    """How one source system names its columns for one kind of record (``KUNNR`` → account_number)."""

    source_system = models.CharField(max_length=60, help_text="e.g. SAP, Navision, Sage")
    entity = models.CharField(max_length=20, choices=entity_choices)
    #: ``{"columns": {"KUNNR": "account_number", "ZZ": "-"}, "values": {"document_type": {"RV": "invoice"}}}``
    mapping = models.JSONField(default=dict)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source_system", "entity"]
        constraints = [
            models.UniqueConstraint(Lower("source_system"), "entity", name="uniq_import_mapping"),
        ]

    def __str__(self) -> str:
        return f"{self.source_system} {self.entity}"


class ImportRun(models.Model):
    """One import of one file: who, when, what, and how it went (preview runs are not kept)."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Partly imported (bad rows skipped)"
        REJECTED = "rejected", "Rejected (nothing imported)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    actor = models.CharField(max_length=150)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    entity = models.CharField(max_length=20, choices=entity_choices)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    file_format = models.CharField(max_length=10)
    encoding = models.CharField(max_length=20, blank=True, default="")
    mapping_name = models.CharField(max_length=60, blank=True, default="")
    partial = models.BooleanField(default=False, help_text="Good rows written even though some were rejected")
    total_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices)
    #: ``[{"row", "column", "field", "message"}]``, every problem found
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["entity", "started_at"]), models.Index(fields=["sha256"])]

    def __str__(self) -> str:
        return f"import {self.pk} {self.entity} {self.file_name} ({self.status})"

# --------------------------------------------------------------------------- uploads from the web pages
# An uploaded import file waiting between upload, header mapping, preview and import.
# The file is kept in the database (not on a web server's disk) so that any web process
# and any background worker can read it; it is deleted once the import has run.


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
    #: how to read the file when the caller said so (API uploads): format, encoding, delimiter, sheet
    options = models.JSONField(default=dict, blank=True)
    #: "web" (the imports pages) or "api" (``POST /api/v1/imports/{entity}`` handed to the worker)
    source = models.CharField(max_length=10, default="web")
    state = models.CharField(max_length=20, choices=State.choices, default=State.UPLOADED)
    #: the preview's ImportResult.as_dict() (long change and error lists cut), then the import's
    preview = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    run_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "web_importupload"  # created by the web app before uploads moved here
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "created_at"], name="web_importu_user_id_70de54_idx")]

    def __str__(self) -> str:
        return f"{self.entity} upload {self.file_name} ({self.state})"

    @property
    def running(self) -> bool:
        return self.state in (self.State.PREVIEWING, self.State.IMPORTING)
