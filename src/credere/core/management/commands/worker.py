"""``credere worker``: run background tasks from the database queue."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run background tasks (imports, long reports) from the database queue; start as many as you like."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", default="default", help="Queue to take tasks from (default: default)")
        parser.add_argument("--batch", action="store_true", help="Exit when the queue is empty")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls (default 1)")

    def handle(self, *args: Any, queue: str, batch: bool, interval: float, **options: Any) -> None:
        argv = ["--queue-name", queue, "--interval", str(interval)]
        if batch:
            argv.append("--batch")
        call_command("db_worker", *argv)
