"""The notification area: what happened to the user's own work (imports finished, rejected, running).

Contexts register a source in their ``AppConfig.ready()``; a source returns the user's
notifications since a moment. The shell merges them, newest first, and counts the unseen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

SEEN_KEY = "credere_notifications_seen"
WINDOW = dt.timedelta(days=7)


@dataclass(frozen=True)
class Notification:
    text: str
    url: str
    when: dt.datetime
    tone: str


Source = Callable[[Any, dt.datetime], list[Notification]]

_SOURCES: list[Source] = []


def register(source: Source) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def for_user(user: Any, seen: str | None) -> tuple[list[Notification], int]:
    """The user's recent notifications (newest first) and how many are newer than ``seen``."""
    since = timezone.now() - WINDOW
    out = [n for source in _SOURCES for n in source(user, since)]
    out.sort(key=lambda n: n.when, reverse=True)
    seen_at = None
    if seen:
        try:
            seen_at = dt.datetime.fromisoformat(seen)
        except ValueError:
            seen_at = None
    unseen = sum(1 for n in out if seen_at is None or n.when > seen_at)
    return out[:8], unseen
