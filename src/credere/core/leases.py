"""Worker leases: each ``credere worker`` renews its lease every 30 seconds while it runs, and — when it
starts and then at each renewal — queues again the tasks claimed by a worker whose lease lapsed (killed,
its machine gone) and runs the contexts' recoveries (:func:`credere.core.background.on_worker_start`).
Credere's tasks are idempotent (imports upsert on natural keys, matching takes only unapplied payments,
the daily run does nothing twice), so no task is left ``RUNNING`` forever: a worker killed and restarted
at once by its supervisor has its task taken up again about ninety seconds later."""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import uuid
from collections.abc import Callable

from django.db import close_old_connections, connection
from django.utils import timezone

from credere.core.models import WorkerLease

#: How often a worker renews its lease (and looks for work to recover), and how long a lease lasts without
#: renewal (three renewals missed).
RENEW_EVERY = dt.timedelta(seconds=30)
LAPSES_AFTER = dt.timedelta(seconds=90)

_current = {"worker_id": ""}


def working_as(worker_id: str) -> None:
    """This process is the worker ``worker_id`` (work it starts names it: see :func:`current_worker_id`)."""
    _current["worker_id"] = worker_id


def current_worker_id() -> str:
    """The worker this process is ("" in a web process or a command): long work records it, so that a
    recovery knows the work died with its worker."""
    return _current["worker_id"]


def alive(worker_ids: list[str], *, lapses_after: dt.timedelta = LAPSES_AFTER) -> set[str]:
    """Which of ``worker_ids`` hold a lease renewed within ``lapses_after``."""
    limit = timezone.now() - lapses_after
    return set(WorkerLease.objects.filter(worker_id__in=worker_ids, seen_at__gte=limit)
               .values_list("worker_id", flat=True))


def new_worker_id() -> str:
    return uuid.uuid4().hex


def take(worker_id: str) -> WorkerLease:
    lease, _ = WorkerLease.objects.update_or_create(
        worker_id=worker_id, defaults={"host": socket.gethostname()[:255], "pid": os.getpid(), "seen_at": timezone.now()})
    return lease


def renew(worker_id: str) -> None:
    WorkerLease.objects.filter(worker_id=worker_id).update(seen_at=timezone.now())


def release(worker_id: str) -> None:
    WorkerLease.objects.filter(worker_id=worker_id).delete()


class Renewer:
    """Renews a lease from a thread of its own (its own database connection) until stopped, and after each
    renewal calls ``recover()`` (the worker's recoveries: tasks and runs of workers that died meanwhile)."""

    def __init__(self, worker_id: str, every: dt.timedelta = RENEW_EVERY,
                 recover: Callable[[], None] | None = None) -> None:
        self.worker_id, self.every, self.recover = worker_id, every, recover
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="credere-lease", daemon=True)

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every.total_seconds()):
                try:
                    renew(self.worker_id)
                    if self.recover is not None:
                        self.recover()
                except Exception:  # a database that fails for a moment: the next renewal will do
                    close_old_connections()
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


def requeue_orphaned_tasks(*, lapses_after: dt.timedelta = LAPSES_AFTER) -> list[str]:
    """Tasks ``RUNNING`` for a worker whose lease lapsed, or that has none, queued again; what was done."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    limit = timezone.now() - lapses_after
    alive = set(WorkerLease.objects.filter(seen_at__gte=limit).values_list("worker_id", flat=True))
    done = []
    for task in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=limit).order_by(
            "started_at"):
        if task.worker_ids and task.worker_ids[-1] in alive:
            continue
        if DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY):
            done.append(f"task {task.task_name} ({task.pk}) queued again: its worker stopped while running it")
    WorkerLease.objects.filter(seen_at__lt=limit).delete()
    return done
