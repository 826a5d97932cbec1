"""Who sees sensitive values in full: people whose role holds ``view_personal_data``; everyone else
sees them masked (:mod:`credere.domain.masking`). The API, the pages and the exports all ask here."""

from __future__ import annotations

from typing import Any

from credere.domain.masking import mask
from credere.identity.authz import can


def sees_personal_data(actor: Any) -> bool:
    return can(actor, "view_personal_data")


def shown(actor: Any, kind: str, value: str | None) -> str:
    """``value`` as ``actor`` may see it: in full, or masked as a ``kind`` (account, identifier, email, phone,
    name)."""
    text = value or ""
    return text if not text or sees_personal_data(actor) else mask(kind, text)
