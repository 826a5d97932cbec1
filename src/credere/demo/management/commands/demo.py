"""``credere demo``: the embedded database with demo users and a demo portfolio, served.

Safe to run again: it migrates, creates only the users that are missing, generates the
portfolio only into an empty ledger, and serves.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from credere.core.cli import progress
from credere.demo.credit import seed_credit
from credere.demo.loader import has_ledger_data, load
from credere.demo.onboarding import seed_onboarding
from credere.identity.roles import ROLES
from credere.identity.services import create_user

#: Demo login per role; any role added later gets its key as username.
DEMO_USERNAMES: dict[str, str] = {
    "administrator": "admin",
    "credit_manager": "manager",
    "credit_analyst": "analyst",
    "collector": "collector",
    "cash_clerk": "clerk",
    "sales": "sales",
    "auditor": "auditor",
}
DEMO_SEED = 1
DEMO_YEARS = 2


def demo_password(username: str) -> str:
    return f"demo-{username}"


class WorkerSupervisor:
    """Keeps one worker process running: started again (after a pause) whenever it exits."""

    def __init__(self, command: list[str], say: Any, pause: float = 2.0) -> None:
        self.command, self.say, self.pause = command, say, pause
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="credere-worker-supervisor", daemon=True)

    @property
    def pid(self) -> int:
        return self.process.pid if self.process is not None else 0

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stopping.wait(0.5):
            if self.process is not None and self.process.poll() is not None:
                code = self.process.returncode
                if self._stopping.wait(self.pause):
                    return
                self.process = subprocess.Popen(self.command)
                self.restarts += 1
                self.say(f"The background worker stopped (exit code {code}); started again (process {self.pid}).")

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def demo_users() -> list[tuple[str, str, str]]:
    """(role, username, password) for every role."""
    return [(role, DEMO_USERNAMES.get(role, role), demo_password(DEMO_USERNAMES.get(role, role))) for role in ROLES]


class Command(BaseCommand):
    help = ("Set up the embedded database for a demo: migrate, create one user per role (password demo-<username>), "
            "generate a demo portfolio if the ledger is empty, and serve. Running it again changes nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to serve on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="Port (default 8000)")
        parser.add_argument("--customers", type=int, default=300,
                            help="Customers in the demo portfolio, if one is generated (default 300)")
        parser.add_argument("--no-serve", action="store_true", help="Set up, print the logins, and stop")
        parser.add_argument(
            "--allow-server-database", action="store_true",
            help="Run even though DATABASE_URL points at a database server rather than the embedded SQLite file. "
                 "The demo users' passwords are published: never use this on a real database.",
        )

    def handle(self, *args: Any, host: str, port: int, customers: int, no_serve: bool,
               allow_server_database: bool, **options: Any) -> None:
        if connection.vendor != "sqlite" and not allow_server_database:
            raise CommandError(
                f"'credere demo' sets up the embedded SQLite database, but DATABASE_URL points at a "
                f"{connection.vendor} server. Its demo users have published passwords, so it refuses to add them "
                "there; unset DATABASE_URL, or pass --allow-server-database if this server is a throwaway.")
        if customers < 1:
            raise CommandError("--customers must be at least 1")
        self.stdout.write("Preparing the database schema...")
        call_command("migrate", interactive=False, verbosity=0)
        logins = self._users()
        self._portfolio(customers)
        self.stdout.write("")
        shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, f"[{host}]" if ":" in host else host)
        self.stdout.write(self.style.SUCCESS(f"Credere demo: http://{shown}:{port}/"))
        width = max(len(ROLES[r][0]) for r, _u, _p in logins)
        for role, username, password in logins:
            self.stdout.write(f"  {ROLES[role][0].ljust(width)}  {username:<10}  {password}")
        if host not in ("127.0.0.1", "localhost", "::1"):
            self.stdout.write(self.style.WARNING(
                f"Warning: serving on {host}, reachable from other machines, with published demo passwords."))
        if no_serve:
            return
        self.stdout.write("")
        # Background work (statement matching, large imports) needs a worker: the demo runs one beside the server,
        # and starts it again if it stops (a worker that starts recovers what a stopped one left half done).
        supervisor = WorkerSupervisor([sys.executable, "-m", "credere", "worker"], self.stdout.write)
        supervisor.start()
        self.stdout.write(f"A background worker runs beside the server (process {supervisor.pid}).")
        try:
            call_command("serve", host=host, port=port)
        finally:
            supervisor.stop()

    def _users(self) -> list[tuple[str, str, str]]:
        User = get_user_model()
        logins = []
        for role, username, password in demo_users():
            user = User.objects.filter(username=username).first()
            if user is not None:
                shown = password if user.check_password(password) else "(existing user: password unchanged)"
                logins.append((role, username, shown))
                continue
            # the demo's published logins (demo-<username>) are for a local demo, not the password policy
            create_user(actor=None, username=username, roles=[role], password=password, password_policy=False)
            logins.append((role, username, password))
        return logins

    def _portfolio(self, customers: int) -> None:
        if has_ledger_data():
            self.stdout.write("The ledger already has data: no demo portfolio generated.")
            return
        as_of = timezone.localdate()
        self.stdout.write(f"Generating a demo portfolio: {customers} customers, {DEMO_YEARS} years up to {as_of}...")
        with progress("Generating customers", customers) as advance:
            result = load(customers=customers, years=DEMO_YEARS, seed=DEMO_SEED, as_of=as_of, progress=advance)
        c = result.counts
        self.stdout.write(f"  {c.get('customers', 0):,} customers, {c.get('invoices', 0):,} invoices, "
                          f"{c.get('payments', 0):,} payments in {result.seconds:.1f} s")
        User = get_user_model()
        analyst = User.objects.filter(username=DEMO_USERNAMES.get("credit_analyst", "credit_analyst")).first()
        manager = User.objects.filter(username=DEMO_USERNAMES.get("credit_manager", "credit_manager")).first()
        admin = User.objects.filter(username=DEMO_USERNAMES.get("administrator", "administrator")).first()
        if analyst is not None and manager is not None and admin is not None:
            self.stdout.write("Setting up credit control: risk classes, limits, cover, owners, a few order checks...")
            credit = seed_credit(analyst=analyst, manager=manager, administrator=admin, seed=DEMO_SEED, as_of=as_of)
            self.stdout.write(f"  {credit.limits:,} limits (approved through the approval matrix), {credit.covers} "
                              f"insured, {credit.checks} orders checked ({credit.held} held), {credit.alerts} alerts, "
                              f"{credit.reviews} reviews due")
            self.stdout.write("Credit applications: prospects applying, decided automatically or referred...")
            from django.test.utils import override_settings

            # the demo's prospects have invented addresses: their e-mails go nowhere (the history says "sent")
            # and their invented VAT numbers and names are not sent to VIES or GLEIF
            with override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}},
                                   CREDERE_VIES_URL="", CREDERE_GLEIF_URL="", CREDERE_BUREAUS=[]):
                onboarding = seed_onboarding(analyst=analyst, seed=DEMO_SEED, year=as_of.year)
            self.stdout.write(f"  {onboarding.applications} applications: {onboarding.approved} approved, "
                              f"{onboarding.referred} referred, {onboarding.declined} declined, one draft")
