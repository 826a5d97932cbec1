"""Identity: API tokens (users and groups are Django's own)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from credere.identity.roles import ACTIONS


class Capability(models.Model):
    """Holds the permission codenames of :mod:`credere.identity.roles` (no rows)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = list(ACTIONS.items())


class ApiToken(models.Model):
    """A bearer token for an integration user. Only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
