"""``credere demo``: migrate, demo users, a portfolio once, then serve."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from credere.audit.models import AuditEvent
from credere.demo.loader import ledger_counts
from credere.demo.management.commands import demo as demo_command
from credere.demo.management.commands.demo import demo_users
from credere.identity.roles import ROLES
from credere.identity.services import create_user, roles_of

pytestmark = pytest.mark.django_db
ARGS = ("--no-serve", "--customers", "15", "--allow-server-database")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_demo_sets_up_once_and_a_second_run_changes_nothing(capsys):
    call_command("demo", *ARGS)
    out = capsys.readouterr().out
    User = get_user_model()
    assert [r for r, _u, _p in demo_users()] == list(ROLES)
    for role, username, password in demo_users():
        user = User.objects.get(username=username)
        assert user.check_password(password) and roles_of(user) == [role]
        assert f"{username}" in out and password in out
    assert "http://127.0.0.1:8000/" in out
    counts, users, events = ledger_counts(), User.objects.count(), AuditEvent.objects.count()
    # the generated portfolio, and the prospects whose credit applications were approved
    from credere.onboarding.models import CreditApplication

    approved = CreditApplication.objects.filter(status="approved").count()
    assert counts["customers"] == 15 + approved and CreditApplication.objects.count() == 10
    assert "applications:" in out
    # credit control is set up through its services: classes, limits approved, standings, checks
    from credere.credit.models import CreditCheck, CreditLimit, CreditStanding, RiskClassAssignment

    assert RiskClassAssignment.objects.count() == 15 + approved and CreditLimit.objects.exists()
    approved_limits = CreditLimit.objects.filter(approval_id__isnull=False).count()
    assert AuditEvent.objects.filter(action="approval.approved").count() == approved_limits
    assert CreditStanding.objects.filter(limit_amount__isnull=False).count() == CreditLimit.objects.count()
    assert CreditCheck.objects.count() == 12 and "limits (approved through the approval matrix)" in out

    call_command("demo", *ARGS)
    out = capsys.readouterr().out
    assert "already has data" in out
    assert ledger_counts() == counts and User.objects.count() == users
    assert AuditEvent.objects.count() == events
    assert AuditEvent.objects.filter(action="demo.portfolio_generated").count() == 1
    assert "demo-admin" in out


def test_an_existing_user_keeps_its_password(capsys):
    create_user(actor=None, username="admin", roles=["administrator"], password="a real secret")
    call_command("demo", *ARGS)
    out = capsys.readouterr().out
    assert "password unchanged" in out and "demo-admin" not in out
    assert get_user_model().objects.get(username="admin").check_password("a real secret")


def test_demo_serves_with_the_given_address(monkeypatch, capsys):
    calls = []
    real = demo_command.call_command

    def fake(name, *args, **kwargs):
        if name == "serve":
            calls.append(kwargs)
            return None
        return real(name, *args, **kwargs)

    class FakeWorker:
        pid = 4242
        started: list = []
        stopped = False

        def __init__(self, argv):
            FakeWorker.started.append(argv)

        def poll(self):  # running until the demo stops it
            return 0 if FakeWorker.stopped else None

        def terminate(self):
            FakeWorker.stopped = True

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(demo_command, "call_command", fake)
    monkeypatch.setattr(demo_command.subprocess, "Popen", FakeWorker)
    call_command("demo", "--customers", "3", "--host", "0.0.0.0", "--port", "8123", "--allow-server-database")
    assert calls == [{"host": "0.0.0.0", "port": 8123}]
    assert FakeWorker.started[0][-2:] == ["credere", "worker"] and FakeWorker.stopped
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8123/" in out and "reachable from other machines" in out


def test_demo_refuses_a_database_server_without_the_flag(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "postgresql")
    with pytest.raises(CommandError, match="--allow-server-database"):
        call_command("demo", "--no-serve")
    assert not get_user_model().objects.exists()
