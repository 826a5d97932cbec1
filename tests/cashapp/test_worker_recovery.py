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
