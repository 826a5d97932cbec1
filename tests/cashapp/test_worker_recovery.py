"""Work a stopped worker left behind: a matching run left ``running`` is recovered when a worker starts
(marked failed with the reason, its payments queued for a new run), the worker takes tasks again after a
database error, and the demo's supervisor starts a worker again when it stops."""

import datetime as dt
import sys
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cashapp.statements import Entry, camt053
from credere.audit.models import AuditEvent
from credere.cashapp.models import MatchRun
from credere.cashapp.services import runs, statements
from credere.demo.management.commands.demo import WorkerSupervisor
from credere.ledger.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(make_user, company):
    return make_user("cash_clerk", username="clerk")


def test_a_run_the_worker_left_running_is_recovered_and_its_payments_matched_again(clerk, company,
                                                                                   django_capture_on_commit_callbacks):
    result = statements.import_statement(actor=clerk, data=camt053([Entry("10.00", "Someone", "", "thanks", "B-1")]),
                                         filename="day.xml", match=False)
    stale = MatchRun.objects.create(trigger="import", actor="clerk", statement_file=result.file)
    MatchRun.objects.filter(pk=stale.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=20))
    alive = MatchRun.objects.create(trigger="manual", actor="clerk")
    runs.beat(alive)
    with django_capture_on_commit_callbacks(execute=True):
        recovered = runs.recover_stale_runs()
    assert [r.pk for r in recovered] == [stale.pk]
    stale.refresh_from_db()
    alive.refresh_from_db()
    assert stale.status == "failed" and "the worker stopped during the run" in stale.error
    assert alive.status == "running"
    task = DBTaskResult.objects.get(task_path__endswith="match_payments")
    payment = Payment.objects.get(bank_transaction__bank_reference="B-1")
    assert task.args_kwargs["args"][:2] == [[payment.pk], "clerk"]
    assert AuditEvent.objects.filter(action="matching.run_recovered", object_id=str(stale.pk)).count() == 1
    assert runs.recover_stale_runs() == []  # once


def test_a_run_writes_its_sign_of_life(clerk):
    run = runs.run_matching(actor=clerk)
    assert run.heartbeat_at is not None and run.status == "done"


def test_the_worker_takes_tasks_again_after_a_database_error(monkeypatch, capsys):
    from credere.core.management.commands import worker

    calls = []

    def db_worker(name, *argv):
        calls.append(argv)
        if len(calls) == 1:
            raise OperationalError("database is locked")

    monkeypatch.setattr(worker, "call_command", db_worker)
    monkeypatch.setattr(worker, "BACKOFF", (0.01,))
    call_command("worker", "--batch")
    assert len(calls) == 2
    assert "database is locked" in capsys.readouterr().err


def test_the_demo_supervisor_starts_a_worker_again_when_it_stops(tmp_path):
    said = []
    supervisor = WorkerSupervisor([sys.executable, "-c", "import time; time.sleep(60)"], said.append, pause=0.1)
    supervisor.start()
    first = supervisor.pid
    supervisor.process.kill()  # as kill -9 would
    deadline = time.monotonic() + 10
    while supervisor.restarts == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        assert supervisor.restarts == 1 and supervisor.pid != first
        assert "started again" in said[0]
    finally:
        supervisor.stop()
    assert supervisor.process.poll() is not None


def _running_task(started_minutes_ago, worker_id):
    from credere.cashapp.tasks import match_payments

    result = match_payments.enqueue([], "clerk")
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING", started_at=timezone.now() - dt.timedelta(minutes=started_minutes_ago),
        worker_ids=[worker_id] if worker_id else [])
    return result.id


def test_tasks_of_a_worker_whose_lease_lapsed_are_queued_again():
    from credere.core import leases
    from credere.core.models import WorkerLease

    WorkerLease.objects.create(worker_id="alive", seen_at=timezone.now())
    WorkerLease.objects.create(worker_id="gone", seen_at=timezone.now() - dt.timedelta(minutes=10))
    orphan = _running_task(10, "gone")
    unleased = _running_task(10, "")  # claimed before leases existed, long ago
    busy = _running_task(10, "alive")
    fresh = _running_task(0, "gone")  # just claimed: not yet
    said = leases.requeue_orphaned_tasks()
    status = {str(pk): value for pk, value in DBTaskResult.objects.values_list("pk", "status")}
    assert (status[orphan], status[unleased], status[busy], status[fresh]) == ("READY", "READY", "RUNNING", "RUNNING")
    assert len(said) == 2 and "queued again" in said[0]
    assert list(WorkerLease.objects.values_list("worker_id", flat=True)) == ["alive"]


def test_a_worker_holds_a_lease_while_it_runs_and_gives_it_back(monkeypatch):
    from credere.core.management.commands import worker
    from credere.core.models import WorkerLease

    seen = []

    def db_worker(name, *argv):
        seen.append((argv, list(WorkerLease.objects.values_list("worker_id", flat=True))))

    monkeypatch.setattr(worker, "call_command", db_worker)
    call_command("worker", "--batch")
    [(argv, held)] = seen
    assert argv[argv.index("--worker-id") + 1] == held[0]
    assert not WorkerLease.objects.exists()


def test_a_run_of_a_worker_that_died_is_recovered_once_its_lease_lapses_and_its_task_takes_it_up(
        clerk, django_capture_on_commit_callbacks):
    """A supervisor restarts a killed worker within seconds: the run it left is recovered ninety seconds later
    (not after five minutes), and only its task is queued again — no second run of the same payments."""
    from credere.core import leases
    from credere.core.models import WorkerLease

    WorkerLease.objects.create(worker_id="killed", seen_at=timezone.now() - dt.timedelta(minutes=2))
    WorkerLease.objects.create(worker_id="busy", seen_at=timezone.now())
    orphan_run = MatchRun.objects.create(trigger="import", actor="clerk", worker_id="killed")
    MatchRun.objects.filter(pk=orphan_run.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=2))
    busy_run = MatchRun.objects.create(trigger="import", actor="clerk", worker_id="busy")
    MatchRun.objects.filter(pk=busy_run.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=2))
    task = _running_task(2, "killed")
    with django_capture_on_commit_callbacks(execute=True):
        said = leases.requeue_orphaned_tasks()
        recovered = runs.recover_stale_runs()
    assert [r.pk for r in recovered] == [orphan_run.pk]
    assert DBTaskResult.objects.get(pk=task).status == "READY" and len(said) == 1
    assert DBTaskResult.objects.filter(task_path__endswith="match_payments").count() == 1  # no second run queued
    assert MatchRun.objects.get(pk=busy_run.pk).status == "running"  # its worker is alive: a long chunk
    event = AuditEvent.objects.get(action="matching.run_recovered")
    assert event.after["requeued"] == "its task"


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_looks_for_work_to_recover_at_each_renewal():
    from credere.core import leases

    calls = []
    renewer = leases.Renewer("w-1", every=dt.timedelta(milliseconds=20), recover=lambda: calls.append(1))
    leases.take("w-1")
    renewer.start()
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    renewer.stop()
    assert len(calls) >= 3


def test_a_run_started_by_a_worker_names_it(clerk):
    from credere.core import leases

    leases.working_as("w-42")
    try:
        run = runs.run_matching(actor=clerk)
    finally:
        leases.working_as("")
    assert run.worker_id == "w-42"
    assert runs.run_matching(actor=clerk).worker_id == ""
