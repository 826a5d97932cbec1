"""The single authorisation check used by services, the API, the CLI and the web pages."""

from __future__ import annotations

from typing import Any

from credere.identity.roles import ACTIONS


class NotAllowed(PermissionError):
    def __init__(self, actor: Any, action: str) -> None:
        who = getattr(actor, "username", None) or "anonymous"
        super().__init__(f"{who} may not {ACTIONS.get(action, action).lower()} ({action})")
        self.action = action


def can(actor: Any, action: str) -> bool:
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action}")
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return bool(actor.has_perm(f"identity.{action}"))


def authorize(actor: Any, action: str) -> None:
    """Raise :class:`NotAllowed` unless ``actor`` holds ``action`` through a role."""
    if not can(actor, action):
        raise NotAllowed(actor, action)
