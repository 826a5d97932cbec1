"""Saved header mappings per source system, and the record of every import run."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class EntityChoices(models.TextChoices):
    CUSTOMERS = "customers", "Customers"
    ITEMS = "items", "Open items"
    PAYMENTS = "payments", "Payments"
    FX_RATES = "fx-rates", "FX rates"


class ImportMapping(models.Model):
    """How one source system names its columns for one kind of record (``KUNNR`` → account_number)."""

    source_system = models.CharField(max_length=60, help_text="e.g. SAP, Navision, Sage")
    entity = models.CharField(max_length=20, choices=EntityChoices.choices)
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
    entity = models.CharField(max_length=20, choices=EntityChoices.choices)
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
