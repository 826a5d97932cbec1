"""Load and fault: Credere served as in production, read by API clients and people while big files go in,
and its background worker killed once in the middle.

    .venv/bin/python benchmarks/load_and_fault.py                       # both databases, full size
    .venv/bin/python benchmarks/load_and_fault.py --rows 2000 --statement-mb 1 --database sqlite   # smoke run

For each database (the embedded SQLite file, and a PostgreSQL server the script starts itself as
``benchmarks/reporting.py`` does: Debian's binaries, ``initdb`` as the ``postgres`` user, 127.0.0.1
only, fsync off), in a fresh ``CREDERE_HOME``:

1. **Setup**, with Credere's own commands: ``credere migrate``, ``credere demo-data --customers N``
   (or, with ``--full-demo``, ``credere demo --no-serve``: credit control set up too, and the demo
   users with their ``demo-<name>`` passwords; about 5 minutes at 2,000 customers), ``credere user
   create`` for an uploader (credit manager), reader users (analyst, collector, auditor, sales) and
   web users with known passwords, ``credere user token`` for the uploader and each reader,
   ``credere export customers``. Then the input files: two open-item CSVs of ``--rows`` invoices of
   existing customers (one to preview, one to import; the import format of ``docs/file-formats.md``)
   and a camt.053 statement of about ``--statement-mb`` MB written with the demo statement's writer
   (``credere.demo.statement``): it pays the ledger's open DE01 invoices as ``credere demo-statement``
   does (exact and mistyped references, several invoices, discounts, unknown payers), then the
   invoices of the import file (exact references), which match once that import has committed.
2. **Serving**: ``credere serve`` (gunicorn, 2 workers x 4 threads, as production and ``credere
   demo`` serve) on 127.0.0.1 and a free port, and one ``credere worker``.
3. **Load**, bounded by ``--max-minutes``: ``--readers`` API threads GET a mix of endpoints with
   bearer tokens (aging by customer and by company, customers, one customer, open items of DE01 and
   of a customer, payments, matching runs, statement files, import runs); ``--web-users`` threads
   sign in through the real sign-in form (django-allauth, ``/accounts/login/``, with its CSRF token)
   and browse the dashboard, customers, items, aging, imports and statements pages. Meanwhile the
   uploader POSTs the preview (``/api/v1/imports/items?preview=true``), the import
   (``/api/v1/imports/items``) and the statement (``/api/v1/cash/statements?company=DE01``). Each
   may be answered at once (200/201 with the report) or in the background (202 with ``status_url``,
   then polled until finished); both are handled. Once the worker has run a matching run (or, with
   ``--kill-during upload``, a background preview, import or statement import; ``any``: the first of
   these) for ``--kill-after`` seconds, it is killed with SIGKILL and a new one is started
   ``--restart-pause`` seconds later, as a supervisor would (``credere demo`` waits 2 s); if it never
   does, an idle worker is killed once the files are in.
4. **End**: the load stops when every big job has answered, the worker has been killed and started
   again, and nothing is left queued, running or running for a dead worker; or, if work is left
   running for the killed worker (a task still ``RUNNING`` for it, a matching run still ``running``),
   after ``--recovery-wait`` seconds of nothing else to do (long enough for the worker leases of
   ``credere.core.leases`` to lapse); or at ``--max-minutes``.

Printed per database: requests by status class (2xx/3xx/4xx/5xx, and connection errors), API readers'
and web pages' latency p50/p95 (per endpoint too), the three big jobs' durations (from the POST to the
final answer or state) and outcomes, when the worker was killed and what it was running, the matching
runs and whether every one finished. The results are checked: the preview reports ``--rows`` items to
create and wrote nothing, the import created ``--rows`` items (its import run says so), the statement's
transactions and payments are all there, every matching run finished (none ``running``) and no task is
left queued or running. The command exits with status 1 on any 5xx, connection error, unexpected 4xx,
unfinished job or run, or wrong result; the work directory (server, worker and PostgreSQL logs) is then
kept and its path printed. The task queue and the worker leases are read from the database directly
(``django_tasks_database_dbtaskresult``, ``core_workerlease``, ``cashapp_matchrun``) to know what the
worker runs; everything else goes through HTTP.

The application is run from a snapshot of ``src/`` copied at the start (``--live-source`` runs the
working tree itself), so that edits made while it runs do not mix two versions.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import csv
import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import reporting  # noqa: E402  (the PostgreSQL server of the benchmarks)

RESULT = "BENCH-RESULT "
COMPANY = "DE01"
#: Roles of the reader users (their tokens are shared round-robin by the reader threads) and web users.
READER_ROLES = ["credit_analyst", "collector", "auditor", "sales"]
WEB_ROLES = ["credit_manager", "credit_analyst", "collector", "cash_clerk", "auditor"]
#: With --full-demo: the demo's users (password demo-<name>).
DEMO_READERS = ["analyst", "collector", "auditor", "sales"]
DEMO_WEB = ["manager", "analyst", "collector", "clerk", "auditor"]
WEB_PAGES = ["/dashboard/", "/customers/", "/items/", "/aging/", "/imports/", "/cash/statements/"]
#: Worker tasks the kill waits for (--kill-during), by the task's function name.
KILL_DURING = {"match": ("match_payments",), "upload": ("import_statement_upload", "process_upload"),
               "any": ("match_payments", "import_statement_upload", "process_upload")}
FINAL = {"preview": {"previewed", "done", "failed", "cancelled", "needs_mapping"},
         "import": {"done", "failed", "cancelled", "needs_mapping"},
         "statement": {"done", "failed"}}


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def _ms(values: list[float]) -> str:
    if not values:
        return "-"
    return f"p50 {statistics.median(values) * 1000:,.0f} ms, p95 {_pct(values, 0.95) * 1000:,.0f} ms"


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# =========================================================================== setup


@dataclass
class Setup:
    database: str
    here: Path
    env: dict[str, str]
    loader_token: str
    reader_tokens: list[str]
    web_logins: list[tuple[str, str]]
    accounts: list[str]
    statement: dict[str, Any]
    seconds: float = 0.0


def _credere(env: dict[str, str], *args: str) -> str:
    """Run a ``credere`` command in its own process, as an operator would; its standard output."""
    done = subprocess.run([sys.executable, "-m", "credere", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"credere {' '.join(args)} failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _users(env: dict[str, str], a: argparse.Namespace) -> tuple[str, list[str], list[tuple[str, str]]]:
    """The uploader's token, the readers' tokens and the web logins, made with ``credere user create`` and
    ``credere user token`` (with --full-demo the demo's users exist already)."""
    if a.full_demo:
        loader = "manager"
        readers = [DEMO_READERS[i % len(DEMO_READERS)] for i in range(a.reader_users)]
        web = [(DEMO_WEB[i % len(DEMO_WEB)], f"demo-{DEMO_WEB[i % len(DEMO_WEB)]}") for i in range(a.web_users)]
        users: list[tuple[str, str, str | None]] = []
    else:
        loader = "bench-loader"
        readers = [f"bench-reader-{i + 1}" for i in range(a.reader_users)]
        web = [(f"bench-web-{i + 1}", f"Tulip-orbit-{4471 + i}-lantern") for i in range(a.web_users)]
        users = [(loader, "credit_manager", None),
                 *[(user, READER_ROLES[i % len(READER_ROLES)], None) for i, user in enumerate(readers)],
                 *[(user, WEB_ROLES[i % len(WEB_ROLES)], password) for i, (user, password) in enumerate(web)]]

    def create(user: str, role: str, password: str | None) -> str:
        return _credere(env, "user", "create", user, "--role", role, "--operator",
                        *(["--password", password] if password else []))

    def token(user: str) -> str:
        return _credere(env, "user", "token", user, "--name", "load-and-fault", "--operator").strip().splitlines()[-1]

    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:  # each command starts Django: ~3 s
        list(pool.map(lambda u: create(*u), users))
        tokens = list(pool.map(token, [loader, *readers]))
    return tokens[0], tokens[1:], web


def _item_rows(accounts: list[str], rows: int, prefix: str, seed: int, today: dt.date) -> list[dict[str, str]]:
    rng = random.Random(seed)
    out = []
    for n in range(1, rows + 1):
        issued = today - dt.timedelta(days=rng.randrange(0, 60))
        out.append({"company_code": COMPANY, "account_number": rng.choice(accounts), "document_type": "invoice",
                    "document_number": f"{prefix}-{n:07d}", "document_date": issued.isoformat(),
                    "due_date": (issued + dt.timedelta(days=rng.choice((14, 30, 30, 45, 60)))).isoformat(),
                    "currency": "EUR", "amount": f"{rng.randrange(5_000, 2_500_000) / 100:.2f}",
                    "posting_date": issued.isoformat(),
                    "order_reference": f"SO-{prefix}-{n:07d}" if rng.random() < 0.5 else "",
                    "billing_reference": "", "customer_reference": f"PO {rng.randrange(1000, 99999)}"
                    if rng.random() < 0.3 else ""})
    return out


def _write_items(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def prepare(database: str, here: Path, a: argparse.Namespace, source: Path, server_url: str) -> Setup:
    started = time.perf_counter()
    home = here / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CREDERE_HOME": str(home), "PYTHONPATH": str(source), "DJANGO_SETTINGS_MODULE":
           "credere.settings", "CREDERE_SECRET_KEY": "benchmark-only", "CREDERE_PROGRESS": "0",
           "DATABASE_URL": server_url or f"sqlite:///{home / 'credere.sqlite3'}"}
    env.pop("CREDERE_USER", None)
    if a.full_demo:
        _log(f"{database}: credere demo --no-serve --customers {a.customers} (slow: credit control is set up)")
        _credere(env, "demo", "--no-serve", "--customers", str(a.customers),
                 *(["--allow-server-database"] if server_url else []))
    else:
        _log(f"{database}: credere migrate; credere demo-data --customers {a.customers} --seed {a.seed}")
        _credere(env, "migrate", "-v", "0")
        _credere(env, "demo-data", "--customers", str(a.customers), "--seed", str(a.seed))
    _log(f"{database}: users and API tokens (credere user create / token)")
    loader, readers, web = _users(env, a)
    _credere({**env, "CREDERE_USER": "manager" if a.full_demo else "bench-loader"}, "export", "customers",
             "--out", str(here / "customers.csv"))
    with (here / "customers.csv").open(encoding="utf-8") as f:
        accounts = [row["account_number"] for row in csv.DictReader(f)]
    today = dt.date.today()
    _log(f"{database}: input files: 2 x {a.rows:,} open items, a camt.053 of about {a.statement_mb:g} MB")
    _write_items(here / "items-preview.csv", _item_rows(accounts, a.rows, "LFP", a.seed, today))
    _write_items(here / "items-import.csv", _item_rows(accounts, a.rows, "LFI", a.seed + 1, today))
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", "statement", "--here", str(here),
                          "--statement-mb", str(a.statement_mb), "--seed", str(a.seed)],
                         env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"writing the statement failed:\n{out.stdout}\n{out.stderr}")
    statement = json.loads(next(x for x in out.stdout.splitlines() if x.startswith(RESULT))[len(RESULT):])
    return Setup(database, here, env, loader, readers, web, accounts, statement, time.perf_counter() - started)


def child_statement(here: Path, megabytes: float, seed: int) -> dict[str, Any]:
    """(In a Django process.) The camt.053: the demo statement's payments of the ledger's open invoices, then
    payments of the import file's invoices, then payments of nothing, up to the size asked for."""
    import django

    django.setup()
    from decimal import Decimal

    from django.utils import timezone

    from credere.demo.statement import DemoEntry, _account_for, demo_entries, to_camt053
    from credere.ledger.models import Company

    company = Company.objects.get(code=COMPANY)
    on = timezone.localdate()
    target = int(megabytes * 1024 * 1024)
    ledger = [e for e in demo_entries(company, payments=10**6, seed=seed, on=on) if e.amount > 0]
    with (here / "customers.csv").open(encoding="utf-8") as f:
        customers = {row["account_number"]: row for row in csv.DictReader(f)}
    with (here / "items-import.csv").open(encoding="utf-8") as f:
        items = list(csv.DictReader(f))
    paying_import = [DemoEntry(Decimal(row["amount"]), "EUR", customers[row["account_number"]]["name"],
                               _account_for(row["account_number"], customers[row["account_number"]]["country"]),
                               f"Invoice {row['document_number']}", f"LFI{on:%y%m%d}{n:07d}")
                     for n, row in enumerate(items, 1)]
    rng = random.Random(seed)
    header = len(to_camt053(company, [], on))
    sample = (ledger + paying_import)[:400]
    per_entry = (len(to_camt053(company, sample, on)) - header) / max(1, len(sample))
    wanted = max(1, int((target - header) / per_entry))
    entries = (ledger + paying_import)[:wanted]
    n = 0
    while len(entries) < wanted:  # payments of nothing (a deposit, a refund request) to reach the size
        n += 1
        entries.append(DemoEntry(Decimal(rng.randrange(5000, 90000)) / 100, "EUR", "Unknown Trading",
                                 _account_for(f"NOONE{n}"), "Deposit", f"LFN{on:%y%m%d}{n:07d}"))
    fee = DemoEntry(Decimal("-12.50"), "EUR", "Bank fees", "", "Account maintenance fee", f"LFF{on:%y%m%d}0000001")
    data = to_camt053(company, [*entries, fee], on)
    (here / "statement.xml").write_bytes(data)
    from_ledger = min(len(ledger), len(entries))
    from_import = min(len(paying_import), max(0, len(entries) - len(ledger)))
    return {"bytes": len(data), "transactions": len(entries) + 1, "incoming": len(entries),
            "paying_ledger": from_ledger, "paying_import": from_import,
            "paying_nothing": len(entries) - from_ledger - from_import}


# =========================================================================== processes and the database


class Peek:
    """Read-only looks at the worker's tables: the task queue, the worker leases, the matching runs."""

    def __init__(self, url: str) -> None:
        self.url = url

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            if self.url.startswith("sqlite:///"):
                with contextlib.closing(sqlite3.connect(self.url[len("sqlite:///"):], timeout=30)) as conn:
                    return conn.execute(sql, params).fetchall()
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()
        except Exception as exc:  # noqa: BLE001 - a table of another revision may be missing: say so, go on
            return [("error", str(exc))]

    def tasks(self) -> list[dict[str, Any]]:
        """Tasks queued or running: id, task, status, last worker id, started."""
        out = []
        for row in self.rows("SELECT id, task_path, status, worker_ids, started_at FROM "
                             "django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')"):
            if row[0] == "error":
                continue
            workers = json.loads(row[3]) if isinstance(row[3], str) else (row[3] or [])
            out.append({"id": str(row[0]), "task": str(row[1]).rsplit(".", 1)[-1], "status": row[2],
                        "worker": workers[-1] if workers else None, "started_at": str(row[4])})
        return out

    def worker_id(self, pid: int) -> str | None:
        rows = self.rows("SELECT worker_id FROM core_workerlease WHERE pid = ?", (pid,))
        return rows[0][0] if rows and rows[0][0] != "error" else None

    def running_runs(self) -> list[tuple[Any, ...]]:
        return [r for r in self.rows("SELECT id, started_at, heartbeat_at FROM cashapp_matchrun "
                                     "WHERE status = 'running' ORDER BY id") if r[0] != "error"]


class Processes:
    """``credere serve`` and the ``credere worker`` processes of one database, with their logs."""

    def __init__(self, setup: Setup) -> None:
        self.setup, self.port = setup, _free_port()
        self.server: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self._files: list[Any] = []

    def _open(self, name: str) -> Any:
        f = (self.setup.here / name).open("wb")
        self._files.append(f)
        return f

    def start_server(self) -> None:
        self.server = subprocess.Popen(
            [sys.executable, "-m", "credere", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.setup.env, cwd=ROOT, stdout=self._open("serve-access.log"), stderr=self._open("serve.log"))
        deadline = time.time() + 90
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/health", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.time() > deadline or self.server.poll() is not None:
                raise SystemExit(f"credere serve did not start; see {self.setup.here / 'serve.log'}")
            time.sleep(0.5)

    def start_worker(self) -> subprocess.Popen[bytes]:
        n = len(self.workers) + 1
        proc = subprocess.Popen([sys.executable, "-m", "credere", "worker"], cwd=ROOT,
                                env={**self.setup.env, "PYTHONUNBUFFERED": "1"},  # its log as it goes
                                stdout=self._open(f"worker-{n}.log"), stderr=subprocess.STDOUT)
        self.workers.append(proc)
        return proc

    def stop(self) -> None:
        for proc in [*self.workers, *([self.server] if self.server else [])]:
            if proc.poll() is None:
                proc.terminate()
        for proc in [*self.workers, *([self.server] if self.server else [])]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for f in self._files:
            f.close()


# =========================================================================== the load


@dataclass
class Job:
    """One big upload: posted, then (if answered 202) followed through its status_url."""

    name: str
    path: Path
    url: str
    content_type: str
    started: float = 0.0
    finished: float | None = None
    mode: str = ""  # "answered at once" or "background"
    http_status: int | None = None
    state: str = "not sent"
    states: list[tuple[float, str]] = field(default_factory=list)
    body: dict[str, Any] | None = None
    error: str = ""

    @property
    def done(self) -> bool:
        return self.finished is not None


class Load:
    def __init__(self, setup: Setup, procs: Processes, a: argparse.Namespace) -> None:
        self.setup, self.procs, self.a = setup, procs, a
        self.base = f"http://127.0.0.1:{procs.port}"
        self.peek = Peek(setup.env["DATABASE_URL"])
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        #: (group, label, status or None, seconds, at)
        self.calls: list[tuple[str, str, int | None, float, float]] = []
        self.problems: list[str] = []  # 5xx, connection errors, unexpected answers: what, where, a bit of the body
        self.lags: list[float] = []  # how late the client's own 50 ms sleeps wake up (its CPU starvation)
        self.resets: list[str] = []  # GETs sent again once after the connection was reset (not counted as errors)
        self.kill: dict[str, Any] = {}
        self.base_run = 0  # the last matching run before the load
        self.elapsed = 0.0
        self.today = dt.date.today().isoformat()
        self.jobs = [
            Job("preview", setup.here / "items-preview.csv", "/api/v1/imports/items?preview=true", "text/csv"),
            Job("import", setup.here / "items-import.csv", "/api/v1/imports/items", "text/csv"),
            Job("statement", setup.here / "statement.xml", f"/api/v1/cash/statements?company={COMPANY}",
                "application/xml"),
        ]

    def now(self) -> float:
        return time.monotonic() - self.t0

    def classes(self) -> list[str]:
        """Each request's answer: 2xx, 3xx, 4xx, 5xx, or errors (no answer)."""
        return ["errors" if status is None else f"{status // 100}xx" for _g, _l, status, _s, _a in self.calls]

    # ------------------------------------------------------------------ one HTTP exchange, counted

    def call(self, session: requests.Session, group: str, method: str, path: str, label: str = "",
             expect: tuple[int, ...] = (200,), **kwargs: Any) -> requests.Response | None:
        started = time.perf_counter()
        at = self.now()
        timeout = kwargs.pop("timeout", 300)
        for attempt in (1, 2):
            try:
                r = session.request(method, self.base + path, timeout=timeout, allow_redirects=False, **kwargs)
                break
            except requests.RequestException as exc:
                reset = isinstance(exc, requests.ConnectionError) and re.search(r"reset|aborted|closed", str(exc))
                if method == "GET" and attempt == 1 and reset and "timed out" not in str(exc):
                    # a kept-alive connection the server closed as it was reused: a browser sends the GET again
                    with self.lock:
                        self.resets.append(f"{at:7.1f} s  {method} {path}: {exc}")
                    continue
                with self.lock:
                    self.calls.append((group, label or path, None, time.perf_counter() - started, at))
                    self.problems.append(f"{at:7.1f} s  {method} {path}: {type(exc).__name__}: {exc}")
                return None
        seconds = time.perf_counter() - started
        with self.lock:
            self.calls.append((group, label or path.split("?")[0], r.status_code, seconds, at))
            if r.status_code >= 500 or r.status_code not in expect:
                self.problems.append(f"{at:7.1f} s  {method} {path}: HTTP {r.status_code} "
                                     f"(expected {'/'.join(map(str, expect))}): {r.text[:300]!r}")
        return r

    # ------------------------------------------------------------------ API readers

    def reader(self, n: int) -> None:
        rng = random.Random(self.a.seed * 1000 + n)
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {self.setup.reader_tokens[n % len(self.setup.reader_tokens)]}"
        accounts = self.setup.accounts
        endpoints = [
            ("aging by customer", lambda: f"/api/v1/reports/aging?as_of={self.today}"),
            ("aging by company", lambda: f"/api/v1/reports/aging?as_of={self.today}&by=company"),
            ("customers", lambda: f"/api/v1/customers?limit=50&offset={rng.randrange(max(1, len(accounts) - 50))}"),
            ("one customer", lambda: f"/api/v1/customers/{rng.choice(accounts)}"),
            ("open items DE01", lambda: f"/api/v1/items?company={COMPANY}&status=open&limit=50"),
            ("items of a customer", lambda: f"/api/v1/items?customer_account={rng.choice(accounts)}"),
            ("payments", lambda: f"/api/v1/payments?limit=50&offset={rng.randrange(1000)}"),
            ("cash runs", lambda: "/api/v1/cash/runs"),
            ("statement files", lambda: "/api/v1/cash/statements"),
            ("import runs", lambda: "/api/v1/imports/runs"),
        ]
        while not self.stop.is_set():
            label, url = rng.choice(endpoints)
            self.call(s, "reader", "GET", url(), label=label)
            self.stop.wait(self.a.reader_pause)

    # ------------------------------------------------------------------ people on the web pages

    def sign_in(self, s: requests.Session, username: str, password: str) -> bool:
        r = self.call(s, "login", "GET", "/accounts/login/", label="sign-in form")
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text) if r is not None else None
        if found is None:
            return False
        r = self.call(s, "login", "POST", "/accounts/login/", label="sign in", expect=(302,),
                      data={"login": username, "password": password, "csrfmiddlewaretoken": found.group(1)},
                      headers={"Referer": f"{self.base}/accounts/login/"})
        return r is not None and r.status_code == 302 and "/accounts/" not in r.headers.get("Location", "")

    def web_user(self, n: int) -> None:
        rng = random.Random(self.a.seed * 2000 + n)
        username, password = self.setup.web_logins[n]
        s = requests.Session()
        signed_in = False
        while not self.stop.is_set():
            if not signed_in:
                signed_in = self.sign_in(s, username, password)
                if not signed_in:
                    with self.lock:
                        self.problems.append(f"{self.now():7.1f} s  {username} could not sign in")
                    self.stop.wait(5)
                    continue
            page = rng.choice(WEB_PAGES)
            r = self.call(s, "web", "GET", page)
            if r is not None and r.status_code == 302 and "/accounts/login" in r.headers.get("Location", ""):
                signed_in = False  # signed out under the load: counted (not 200) and signed in again
            self.stop.wait(self.a.web_pause)

    # ------------------------------------------------------------------ the big uploads

    def run_job(self, job: Job, delay: float) -> None:
        if self.stop.wait(delay):
            return
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {self.setup.loader_token}"
        job.started = self.now()
        job.state = "posting"
        with job.path.open("rb") as f:
            r = self.call(s, "upload", "POST", job.url, label=f"POST {job.name}", expect=(200, 201, 202),
                          files={"file": (job.path.name, f, job.content_type)}, timeout=(600, 3600))
        if r is None or r.status_code not in (200, 201, 202):
            job.finished, job.http_status, job.state = self.now(), r.status_code if r is not None else None, "refused"
            job.error = r.text[:500] if r is not None else "no answer"
            return
        job.http_status = r.status_code
        if r.status_code in (200, 201):
            job.mode, job.body, job.state, job.finished = "answered at once", r.json(), "answered", self.now()
            return
        job.mode = "background"
        queued = r.json()
        status_url = queued.get("status_url", "")
        job.state = str(queued.get("state", "queued"))
        job.states.append((self.now(), job.state))
        while not self.stop.wait(self.a.poll):
            p = self.call(s, "poll", "GET", status_url, label=f"status of {job.name}")
            if p is None or p.status_code != 200:
                continue
            body = p.json()
            state = str(body.get("state"))
            if state != job.state:
                job.state = state
                job.states.append((self.now(), state))
            if body.get("finished") or state in FINAL[job.name]:
                job.body, job.finished = body, self.now()
                return

    # ------------------------------------------------------------------ the fault: the worker killed once

    def fault(self) -> None:
        """Kill the worker once it has run a task of --kill-during for --kill-after seconds (or, if it never does,
        once the uploads are in and it is idle), and start a new one --restart-pause seconds later."""
        first_seen: dict[str, float] = {}
        while not self.stop.wait(0.5) and not self.kill:
            worker = self.procs.workers[-1]
            running = [t for t in self.peek.tasks()
                       if t["status"] == "RUNNING" and t["task"] in KILL_DURING[self.a.kill_during]]
            for t in running:
                first_seen.setdefault(t["id"], self.now())
            ripe = [t for t in running if self.now() - first_seen[t["id"]] >= self.a.kill_after]
            idle = all(j.done for j in self.jobs) and not self.peek.tasks()
            if not ripe and not idle:
                continue
            worker_id = self.peek.worker_id(worker.pid)
            doing = (", ".join(f"task {t['task']} ({t['id'][:8]}, running for "
                               f"{self.now() - first_seen[t['id']]:.0f} s)" for t in ripe)
                     or f"nothing (idle: no {'/'.join(KILL_DURING[self.a.kill_during])} task was seen running "
                        f"{self.a.kill_after:g} s)")
            runs = self.peek.running_runs()
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            killed_at = self.now()
            self.kill = {"at": killed_at, "pid": worker.pid, "worker_id": worker_id, "doing": doing,
                         "runs_running": [r[0] for r in runs],
                         "jobs": {j.name: j.state for j in self.jobs}}
            _log(f"worker {worker.pid} killed (SIGKILL) at {killed_at:.1f} s, running {doing}; "
                 f"uploads {self.kill['jobs']}")
            time.sleep(self.a.restart_pause)
            new = self.procs.start_worker()
            self.kill["restarted_at"] = self.now()
            self.kill["new_pid"] = new.pid
            _log(f"new worker {new.pid} started at {self.kill['restarted_at']:.1f} s")

    def lag(self) -> None:
        """The client shares the 2 cores with the server: how late a 50 ms sleep of its own wakes up."""
        while not self.stop.is_set():
            started = time.perf_counter()
            time.sleep(0.05)
            self.lags.append(time.perf_counter() - started - 0.05)

    # ------------------------------------------------------------------ the run

    def orphans(self, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The tasks still RUNNING for the killed worker."""
        dead = self.kill.get("worker_id")
        return [t for t in tasks if t["status"] == "RUNNING" and dead and t["worker"] == dead]

    def runs(self, session: requests.Session) -> list[dict[str, Any]]:
        r = self.call(session, "check", "GET", "/api/v1/cash/runs?limit=1000", label="cash runs (check)")
        return r.json()["items"] if r is not None and r.status_code == 200 else []

    def run(self) -> str:
        """The load until the end condition; why it ended."""
        threads = [threading.Thread(target=self.reader, args=(n,), daemon=True) for n in range(self.a.readers)]
        threads += [threading.Thread(target=self.web_user, args=(n,), daemon=True) for n in range(self.a.web_users)]
        jobs = [threading.Thread(target=self.run_job, args=(job, i * self.a.stagger), daemon=True)
                for i, job in enumerate(self.jobs)]
        fault = threading.Thread(target=self.fault, daemon=True)
        for t in [*threads, *jobs, fault, threading.Thread(target=self.lag, daemon=True)]:
            t.start()
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {self.setup.loader_token}"
        deadline = self.a.max_minutes * 60
        stalled_since: float | None = None
        reason = f"the time limit (--max-minutes {self.a.max_minutes:g})"
        while self.now() < deadline:
            time.sleep(2)
            if not self.kill.get("restarted_at"):
                continue
            tasks = self.peek.tasks()
            orphans = self.orphans(tasks)
            if (all(j.done for j in self.jobs) and not tasks
                    and not any(r["status"] == "running" for r in self.runs(s))):
                reason = "every upload answered, the worker restarted, nothing queued or running"
                break
            # nothing left to do but work still RUNNING for the killed worker (an upload still waiting on it)
            if orphans and len(orphans) == len(tasks) and all(j.done or j.mode == "background" for j in self.jobs):
                stalled_since = self.now() if stalled_since is None else stalled_since
                if self.now() - stalled_since >= self.a.recovery_wait:
                    reason = (f"work left running for the killed worker and nothing else to do for "
                              f"{self.a.recovery_wait:g} s (--recovery-wait)")
                    break
            else:
                stalled_since = None
        self.stop.set()
        for t in [*threads, *jobs, fault]:
            t.join(timeout=60)
        return reason


# =========================================================================== checks and the report


def _report_of(job: Job) -> dict[str, Any]:
    """The import's or preview's report, whichever way it was answered."""
    body = job.body or {}
    for key in ("result", "preview", "report"):
        if isinstance(body.get(key), dict) and ("created" in body[key] or "new_transactions" in body[key]):
            return body[key]
    return body


def _check_files(load: Load, a: argparse.Namespace, s: requests.Session) -> list[str]:
    """The three uploads: each finished, with the right report, and the ledger agrees."""
    wrong: list[str] = []
    jobs = {j.name: j for j in load.jobs}
    for job in load.jobs:
        if not job.done:
            wrong.append(f"{job.name}: not finished (state {job.state!r} when the load stopped)")
        elif job.state in ("refused", "failed", "cancelled", "needs_mapping"):
            wrong.append(f"{job.name}: {job.state} (HTTP {job.http_status}): "
                         f"{job.error or (job.body or {}).get('error')}")
    preview, imported, st = (_report_of(jobs[name]) for name in ("preview", "import", "statement"))
    if jobs["preview"].body is not None:
        if preview.get("status") != "preview" or preview.get("created") != a.rows or preview.get("rejected"):
            wrong.append(f"preview: status {preview.get('status')!r}, {preview.get('created')} to create, "
                         f"{preview.get('rejected')} rejected (expected 'preview', {a.rows}, 0)")
        r = load.call(s, "check", "GET", f"/api/v1/items?company={COMPANY}&document_number=LFP-0000001",
                      label="items (check)")
        if r is not None and r.status_code == 200 and r.json()["count"] != 0:
            wrong.append("preview: an item of the previewed file is in the ledger (a preview must write nothing)")
    if jobs["import"].body is not None:
        if imported.get("status") != "succeeded" or imported.get("created") != a.rows:
            wrong.append(f"import: status {imported.get('status')!r}, {imported.get('created')} created "
                         f"(expected 'succeeded', {a.rows})")
        run_id = imported.get("run_id") or (jobs["import"].body or {}).get("run_id")
        r = load.call(s, "check", "GET", f"/api/v1/imports/runs/{run_id}", label="import run (check)")
        if r is None or r.status_code != 200 or r.json()["status"] != "succeeded" or r.json()["created"] != a.rows:
            wrong.append(f"import: run {run_id} does not say {a.rows} created: {r.text[:200] if r else 'no answer'}")
        last = f"LFI-{a.rows:07d}"
        r = load.call(s, "check", "GET", f"/api/v1/items?company={COMPANY}&document_number={last}",
                      label="items (check)")
        if r is None or r.status_code != 200 or r.json()["count"] != 1:
            wrong.append(f"import: item {last} is not in the ledger")
    expected = load.setup.statement
    if jobs["statement"].body is not None:
        payments = st.get("payments")
        count = len(payments) if isinstance(payments, list) else payments
        if st.get("new_transactions") != expected["transactions"] or count != expected["incoming"]:
            wrong.append(f"statement: {st.get('new_transactions')} new transactions and {count} payments "
                         f"(expected {expected['transactions']} and {expected['incoming']})")
        file_id = st.get("file_id") or (jobs["statement"].body or {}).get("file_id")
        r = load.call(s, "check", "GET", f"/api/v1/cash/statements/{file_id}", label="statement file (check)")
        if r is None or r.status_code != 200 or r.json().get("transactions_new") != expected["transactions"]:
            wrong.append(f"statement: file {file_id} does not hold its {expected['transactions']} transactions")
    return wrong


def _check_work(load: Load, s: requests.Session, figures: dict[str, Any]) -> list[str]:
    """The matching runs and the task queue: everything finished."""
    wrong: list[str] = []
    runs = load.runs(s)
    figures["runs"] = [r for r in runs if r["id"] > load.base_run]
    still = [r for r in runs if r["status"] == "running"]
    if still:
        wrong.append("matching runs still running: " + ", ".join(
            f"run {r['id']} (started {r['started_at']}, {r['payments']} payments)" for r in still))
    statement = _report_of(load.jobs[2])
    if statement.get("matching") == "queued" and not any(r["status"] == "done" for r in figures["runs"]):
        wrong.append("statement: its matching was queued, but no matching run finished")
    tasks = load.peek.tasks()
    figures["tasks_left"] = tasks
    if tasks:
        dead = load.kill.get("worker_id")
        wrong.append("tasks left in the queue: " + ", ".join(
            f"{t['task']} {t['status']}{' for the killed worker' if dead and t['worker'] == dead else ''}"
            f" (started {t['started_at']})" for t in tasks))
    figures["runs_in_db"] = load.peek.running_runs()
    if not load.kill:
        wrong.append("the worker was never killed")
    return wrong


def check(load: Load, a: argparse.Namespace) -> tuple[list[str], dict[str, Any]]:
    """What is wrong (empty: nothing) and the figures to print."""
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {load.setup.loader_token}"
    figures: dict[str, Any] = {}
    wrong = _check_files(load, a, s) + _check_work(load, s, figures)
    counts = Counter(load.classes())
    if counts.get("5xx"):
        wrong.append(f"{counts['5xx']} answers 5xx")
    if counts.get("errors"):
        wrong.append(f"{counts['errors']} requests without an answer (connection errors, timeouts)")
    unexpected = [p for p in load.problems if not re.search(r"HTTP 5\d\d|Error|Timeout", p)]
    if unexpected:
        wrong.append(f"{len(unexpected)} other unexpected answers (4xx, a redirect to sign in, a failed sign-in)")
    return wrong, figures


def _server_errors(here: Path, limit: int = 60) -> list[str]:
    """Tracebacks and errors from the server's and workers' logs (the last ``limit`` such lines)."""
    lines: list[str] = []
    for name in ["serve.log", *sorted(p.name for p in here.glob("worker-*.log"))]:
        path = here / name
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            if re.search(r"Error|Traceback|Exception|locked|CRITICAL|WORKER TIMEOUT|failed", line):
                lines.append(f"{name}: {line[:300]}")
    return lines[-limit:]


def report(load: Load, reason: str, wrong: list[str], figures: dict[str, Any], a: argparse.Namespace) -> None:
    st = load.setup.statement
    print(f"\n== {load.setup.database}: {a.customers:,} customers, {a.rows:,}-row files, statement "
          f"{st['bytes'] / 1024 / 1024:.1f} MB ({st['transactions']:,} transactions: {st['paying_ledger']:,} paying "
          f"the ledger's invoices, {st['paying_import']:,} the import's, {st['paying_nothing']:,} nothing), "
          f"{a.readers} API readers, {a.web_users} web users")
    print(f"   setup {load.setup.seconds:.0f} s; load {load.elapsed:.0f} s, ended by {reason}")
    classes = Counter(load.classes())
    print(f"   requests: {len(load.calls):,} ({len(load.calls) / max(load.elapsed, 1):.1f}/s): "
          + ", ".join(f"{k} {classes.get(k, 0):,}" for k in ("2xx", "3xx", "4xx", "5xx", "errors")))
    readers = [sec for g, _l, status, sec, _a in load.calls if g == "reader" and status == 200]
    web = [sec for g, _l, status, sec, _a in load.calls if g == "web" and status == 200]
    logins = [sec for g, label, status, sec, _a in load.calls if g == "login" and label == "sign in"]
    print(f"   API readers: {len(readers):,} answers 200, {_ms(readers)}")
    print(f"   web pages:   {len(web):,} answers 200, {_ms(web)}; sign-ins {len(logins)}, {_ms(logins)}")
    if load.lags:
        print(f"   the client's own lag (a 50 ms sleep woke late by): {_ms(load.lags)}, max "
              f"{max(load.lags) * 1000:,.0f} ms")
    by_label: dict[str, list[float]] = {}
    for g, label, status, sec, _a in load.calls:
        if g in ("reader", "web") and status == 200:
            by_label.setdefault(f"{'API' if g == 'reader' else 'page'} {label}", []).append(sec)
    for label, values in sorted(by_label.items()):
        print(f"      {label:<28} {len(values):>6,}  {_ms(values)}")
    slowest = sorted((c for c in load.calls if c[0] in ("reader", "web", "login")), key=lambda c: -c[3])[:5]
    print("   slowest: " + "; ".join(f"{label} {sec:.1f} s (sent at {at:.0f} s)" for _g, label, _s, sec, at in slowest))
    for job in load.jobs:
        rep = _report_of(job)
        took = f"{job.finished - job.started:.1f} s" if job.done else "not finished"
        how = job.mode or job.state
        if job.mode == "background":
            how += " (" + " -> ".join(f"{state} at {at:.0f} s" for at, state in job.states) + ")"
        if job.name == "statement":
            payments = rep.get("payments")
            what = (f"{rep.get('new_transactions')} new transactions, "
                    f"{len(payments) if isinstance(payments, list) else payments} payments, matching {rep.get('matching')}")
        else:
            what = f"status {rep.get('status')}, created {rep.get('created')}, rejected {rep.get('rejected')}"
        print(f"   {job.name:<9} posted at {job.started:5.1f} s, took {took}: HTTP {job.http_status}, {how}; {what}")
    k = load.kill
    if k:
        print(f"   worker {k['pid']} killed (SIGKILL) at {k['at']:.1f} s while running {k['doing']}; matching runs "
              f"running then: {k['runs_running'] or 'none'}; new worker {k.get('new_pid')} at "
              f"{k.get('restarted_at', 0):.1f} s")
        log = load.setup.here / f"worker-{len(load.procs.workers)}.log"
        recovered = [line for line in (log.read_text(errors="replace").splitlines() if log.exists() else [])
                     if line.startswith("recovered:")]
        print("   the new worker recovered on starting: " + ("; ".join(recovered) or "nothing"))
    runs = figures.get("runs", [])
    print(f"   matching runs of the load: {len(runs)}" + "".join(
        f"\n      run {r['id']}: {r['status']}, {r['payments']:,} payments, {r['applied']:,} applied, "
        f"{r['suggested']:,} suggested, {r['unmatched']:,} unmatched, started {r['started_at'][11:19]}, "
        f"finished {(r['finished_at'] or '-')[11:19]}" for r in runs))
    every = not any(r["status"] == "running" for r in runs) and not figures.get("runs_in_db")
    print(f"   every matching run finished: {'yes' if every else 'NO'}; tasks left in the queue: "
          f"{len(figures.get('tasks_left', []))}")
    if load.resets:
        print(f"   GETs sent again after a connection reset: {len(load.resets)} (the first: {load.resets[0].strip()})")
    if load.problems:
        print(f"   problems ({len(load.problems)}), the first 15:")
        for p in load.problems[:15]:
            print(f"      {p}")
    print("   result: " + ("OK" if not wrong else "FAILED\n      - " + "\n      - ".join(wrong)))
    if wrong:
        errors = _server_errors(load.setup.here)
        if errors:
            print(f"   from the server and worker logs ({load.setup.here}):")
            for line in errors:
                print(f"      {line}")


# =========================================================================== main


def measure(database: str, base: Path, a: argparse.Namespace, source: Path) -> bool:
    here = base / database
    here.mkdir(parents=True, exist_ok=True)
    here.chmod(0o755)
    server = None
    if database == "postgres":
        reporting.PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        server = reporting.PostgresServer(here / "pgdata", reporting._free_port(a.port))
        _log(f"postgres: starting PostgreSQL on 127.0.0.1:{server.port}")
        server.start()
    procs = None
    try:
        setup = prepare(database, here, a, source, server.url if server else "")
        _log(f"{database}: setup done in {setup.seconds:.0f} s; starting credere serve and credere worker")
        procs = Processes(setup)
        procs.start_server()
        procs.start_worker()
        load = Load(setup, procs, a)
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {setup.loader_token}"
        load.base_run = max([r["id"] for r in load.runs(s)] or [0])
        load.calls.clear()
        load.t0 = time.monotonic()
        _log(f"{database}: load started on http://127.0.0.1:{procs.port}/ "
             f"({a.readers} readers, {a.web_users} web users, 3 uploads)")
        reason = load.run()
        load.elapsed = load.now()
        _log(f"{database}: load ended after {load.elapsed:.0f} s: {reason}; checking")
        wrong, figures = check(load, a)
        report(load, reason, wrong, figures, a)
        return not wrong
    finally:
        if procs is not None:
            procs.stop()
        if server is not None:
            server.stop()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both",
                   help="Which database (default both, one after the other)")
    p.add_argument("--customers", type=int, default=2000, help="Customers of the demo portfolio (default 2000)")
    p.add_argument("--rows", type=int, default=40_000, help="Open items in each of the two CSV files (default 40000)")
    p.add_argument("--statement-mb", type=float, default=20.0, help="Size of the camt.053 statement in MB (default 20)")
    p.add_argument("--readers", type=int, default=20, help="API reader threads (default 20)")
    p.add_argument("--reader-users", type=int, default=3,
                   help="Reader users, each with its own token, shared by the reader threads (default 3)")
    p.add_argument("--web-users", type=int, default=5, help="Web users signing in and browsing (default 5)")
    p.add_argument("--reader-pause", type=float, default=0.1, help="Seconds between a reader's requests (0.1)")
    p.add_argument("--web-pause", type=float, default=0.5, help="Seconds between a web user's pages (0.5)")
    p.add_argument("--stagger", type=float, default=2.0,
                   help="Seconds between the three uploads: preview, import, statement (default 2)")
    p.add_argument("--kill-during", choices=sorted(KILL_DURING), default="match",
                   help="What the worker must be running when it is killed: a matching run (match, the default), "
                        "a background preview, import or statement import (upload), or the first of these (any)")
    p.add_argument("--kill-after", type=float, default=3.0,
                   help="Kill the worker once it has run that task this many seconds (default 3)")
    p.add_argument("--restart-pause", type=float, default=2.0,
                   help="Seconds before the new worker starts, as credere demo's supervisor waits (default 2)")
    p.add_argument("--recovery-wait", type=float, default=150.0,
                   help="How long work left running for the killed worker may stay so, when nothing else is left, "
                        "before the load stops (default 150 s: past the 2-minute lapse of a worker lease)")
    p.add_argument("--max-minutes", type=float, default=12.0,
                   help="Longest load, in minutes (default 12: at full size the single worker previews, imports, "
                        "imports the statement and matches it one after the other, about 9 minutes on 2 cores)")
    p.add_argument("--poll", type=float, default=1.0, help="Seconds between status polls of a background upload (1)")
    p.add_argument("--full-demo", action="store_true",
                   help="Set up with 'credere demo --no-serve' (credit control, the demo users and passwords) "
                        "instead of 'credere demo-data' and users of its own: much slower")
    p.add_argument("--seed", type=int, default=1, help="Seed of the portfolio, files and clients (default 1)")
    p.add_argument("--port", type=int, default=55434, help="PostgreSQL port (default 55434, or a free one)")
    p.add_argument("--workdir", help="Work here and keep everything (default: a temporary directory, removed "
                                     "unless the run failed)")
    p.add_argument("--live-source", action="store_true",
                   help="Run the working tree's src/ itself rather than a snapshot copied at the start")
    p.add_argument("--child", choices=["statement"], help=argparse.SUPPRESS)
    p.add_argument("--here", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _source(base: Path, live: bool) -> tuple[Path, str]:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    changed = subprocess.run(["git", "status", "--short", "src"], cwd=ROOT, capture_output=True, text=True).stdout
    what = f"revision {head.strip()}" + (f" with {len(changed.splitlines())} changed file(s) under src/"
                                         if changed.strip() else "")
    if live:
        return ROOT / "src", what + " (the working tree)"
    shutil.copytree(ROOT / "src", base / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # compiled once here: every credere process would compile it again (PYTHONDONTWRITEBYTECODE may be set)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(base / "src")], check=False, capture_output=True)
    return base / "src", what + " (a snapshot)"


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    if a.child == "statement":
        print(RESULT + json.dumps(child_statement(Path(a.here), a.statement_mb, a.seed)), flush=True)
        return 0
    base = Path(a.workdir).resolve() if a.workdir else Path(tempfile.mkdtemp(prefix="credere-load-"))
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)  # the postgres user must reach its data directory
    source, what = _source(base, a.live_source)
    _log(f"Credere {what}; work directory {base}")
    databases = ["sqlite", "postgres"] if a.database == "both" else [a.database]
    ok = True
    for database in databases:  # one at a time: the machine has 2 cores
        ok = measure(database, base, a, source) and ok
    print(f"\n{os.cpu_count()} cores; times from the clients' side (they run on the same machine as the server)")
    if not a.workdir:
        if ok:
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"work directory kept (logs): {base}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
