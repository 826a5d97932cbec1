"""The audit trail: append-only, hash-chained events written explicitly by services."""

from __future__ import annotations

from django.db import models

from credere.core.fields import EncryptedTextField


class AuditChainHead(models.Model):
    """A single row locked while an event is appended, so the chain stays linear."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    actor = models.CharField(max_length=150, help_text="Username, or 'system:<process>'")
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=80)
    object_repr = models.CharField(max_length=300, blank=True, default="")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor"]),
            models.Index(fields=["occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id} by {self.actor}"


class PersonalValue(models.Model):
    """A personal value (a bank account, a tax id, a contact's name or e-mail) that an audit event refers
    to instead of holding it: the event's sealed entry keeps ``{"personal_data": <id>}``, so that erasing
    the value here (``erased_at``) leaves every seal intact. Encrypted at rest like the value it copies."""

    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=80)
    #: the customer the value belongs to (when the object names one), to find it for export and erasure
    customer_id = models.BigIntegerField(null=True, blank=True)
    field = models.CharField(max_length=80)
    kind = models.CharField(max_length=20)
    value = EncryptedTextField(blank=True, default="", kind="identifier")
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"]), models.Index(fields=["customer_id"])]

    def __str__(self) -> str:
        return f"personal value {self.pk} ({self.object_type}.{self.field})"
