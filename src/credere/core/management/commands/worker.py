"""``credere worker``: run background tasks from the database queue.

The worker keeps going when the database fails under it (a lock held too long, a restart, a dropped
connection): it says so, waits, and takes tasks again. When it starts, work a stopped worker left half done
is recovered, and again every 30 seconds while it runs — so that work of another worker that died is taken up
even when a supervisor restarted this one at once (the contexts register what to recover with
:func:`credere.core.background.on_worker_start`).
A worker killed outright is restarted by its supervisor (systemd ``Restart=always``, Compose
``restart: unless-stopped``, or ``credere demo``)."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, connections

from credere.core import background, leases

#: Seconds to wait after a database error before taking tasks again (doubling up to the last).
BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)


class Command(BaseCommand):
    help = "Run background tasks (imports, long reports) from the database queue; start as many as you like."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", default="default", help="Queue to take tasks from (default: default)")
        parser.add_argument("--batch", action="store_true", help="Exit when the queue is empty")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls (default 1)")

    def _recover(self) -> None:
        for recovered in [*leases.requeue_orphaned_tasks(), *background.worker_started()]:
            self.stdout.write(f"recovered: {recovered}")
            self.stdout.flush()

    def handle(self, *args: Any, queue: str, batch: bool, interval: float, **options: Any) -> None:
        worker_id = leases.new_worker_id()
        leases.working_as(worker_id)
        argv = ["--queue-name", queue, "--interval", str(interval), "--worker-id", worker_id]
        if batch:
            argv.append("--batch")
        renewer = leases.Renewer(worker_id, recover=self._recover)
        failures = 0
        try:
            while True:
                try:
                    if not renewer.started:
                        leases.take(worker_id)
                        renewer.start()
                    self._recover()
                    call_command("db_worker", *argv)
                    return
                except DatabaseError as exc:
                    wait = BACKOFF[min(failures, len(BACKOFF) - 1)]
                    failures += 1
                    self.stderr.write(f"the database failed under the worker ({exc}); taking tasks again in "
                                      f"{wait:g} s")
                    for connection in connections.all():
                        if not connection.in_atomic_block:  # a broken connection is opened afresh on next use
                            connection.close()
                    time.sleep(wait)
        finally:
            renewer.stop()
            with contextlib.suppress(DatabaseError):
                leases.release(worker_id)
