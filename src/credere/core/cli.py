"""What every ``credere`` subcommand shares: the acting user, errors, progress bars."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser


def add_actor_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--user", dest="acting_user", default=os.environ.get("CREDERE_USER"),
        help="Act as this Credere user (their roles decide what is allowed; default: $CREDERE_USER)",
    )


def resolve_actor(options: dict[str, Any]) -> Any:
    username = options.get("acting_user")
    if not username:
        raise CommandError("say who is acting: --user USERNAME (or set CREDERE_USER)")
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user '{username}'")
    return user


@contextmanager
def progress(description: str, total: int | None) -> Iterator[Any]:
    """A rich progress bar on stderr; yields ``advance(n)``."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False, disable=not console.is_terminal and os.environ.get("CREDERE_PROGRESS") != "1") as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
