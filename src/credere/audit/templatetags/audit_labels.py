"""Audit events in words for the templates (see :mod:`credere.audit.labels`)."""

from __future__ import annotations

from typing import Any

from django import template

from credere.audit import labels
from credere.audit.models import AuditEvent

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return labels.action_label(action)


@register.filter
def type_label(object_type: str) -> str:
    return labels.type_label(object_type)


@register.filter
def record_label(event: AuditEvent) -> str:
    return labels.record_label(event)


@register.simple_tag
def change_rows(event: AuditEvent) -> list[labels.ChangeRow]:
    return labels.change_rows(event.object_type, event.before, event.after)


@register.filter
def change_summary(event: Any) -> str:
    return labels.change_summary(event)
