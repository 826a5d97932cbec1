"""Background work that a service asks for, without importing the task that does it.

A context's ``tasks.py`` (the worker's entry point) registers each task under a name;
services ask for it by that name once their transaction commits::

    # tasks.py
    @task()
    def process_upload(upload_id: str, step: str) -> str: ...
    background.register("imports.process_upload", process_upload)

    # services
    background.enqueue_on_commit("imports.process_upload", str(upload.pk), "preview")

So services never import an entry point, and the task can call the services.
Each context's ``AppConfig.ready()`` imports its tasks module so the names are known.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

_TASKS: dict[str, Any] = {}


def register(name: str, task: Any) -> None:
    _TASKS[name] = task


_ON_WORKER_START: list[Any] = []


def on_worker_start(recover: Any) -> None:
    """Register ``recover()`` (returns what it recovered, as text) to run when a worker starts and every
    30 seconds while it runs (it must be cheap when there is nothing to recover)."""
    _ON_WORKER_START.append(recover)


def worker_started() -> list[str]:
    """Run every registered recovery; what each recovered."""
    return [line for recover in _ON_WORKER_START for line in recover()]


def enqueue_on_commit(name: str, *args: Any, **kwargs: Any) -> None:
    """Queue the task ``name`` with its arguments when the current transaction commits (now if none)."""
    task = _TASKS[name]  # KeyError: the context's AppConfig.ready() did not import its tasks module
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))
