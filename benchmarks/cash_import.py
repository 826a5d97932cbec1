"""Benchmark cash application on the database: a statement imported, matched and applied.

    .venv/bin/python benchmarks/cash_import.py [--sizes 1000,3000,10000] [--customers 8000] [--full-demo]
        [--database-url postgres://USER@HOST:PORT/ANY] [--portfolio DATABASE]

The seeded demo ledger of ``--customers`` customers (``credere demo-data``: companies, customers
in groups, two years of invoices, credit notes, payments; with ``--full-demo``, ``credere demo``:
credit control set up too — limits, owners, alerts — much slower to make) is made once; each
size N starts from a copy of it: an embedded SQLite file by default (DATABASE_URL is ignored),
or, with ``--database-url``, a database ``credere_bench_cash`` created on that PostgreSQL server
from the portfolio's database as a template (the user needs CREATEDB; the copies are dropped at
the end, the portfolio's database ``credere_bench_cash_base`` too unless ``--portfolio`` names
one to reuse). A 10,000-payment statement needs about 8,000 customers (the generator pays open
invoices of the first company, a few per payment). ``credere demo-statement`` writes a camt.053
paying N of the portfolio's open invoices the way customers do; then, each
timed as the command a clerk or the worker runs:

* import: parse, keep the file and every transaction, create the payments (``--no-match``);
* match and apply: ``credere cash run`` — the engine over every open item of the company for
  every unapplied payment (the statement's and those the demo ledger left unapplied), proposals
  stored, those above the policy applied through the ledger (locks, audit events), new payers'
  accounts learned;
* credit standings: ``credere worker --batch`` — credit control's refresh of the standings and
  alert rules of every customer paid, which a large run leaves to the background worker.

Printed per size: seconds per step, payments per second end to end (import + match and apply),
share applied automatically, and the time per 1,000 payments with its ratio to the smallest size
(1.0 = linear in the statement's size). After each run the ledger is checked (every payment's
unapplied amount is its amount less its allocations in force), or the command exits with 1.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
CREDERE = [sys.executable, "-m", "credere"]


def _run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([*CREDERE, *args], env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"credere {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


BENCH_DATABASE = "credere_bench_cash"
PORTFOLIO_DATABASE = "credere_bench_cash_base"


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _server(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def _exists(url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _environment(home: str, database_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"CREDERE_HOME": home, "CREDERE_USER": "clerk", "PYTHONPATH": str(ROOT / "src")})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _portfolio(workdir: Path, customers: int, database_url: str, name: str, full: bool) -> None:
    """The demo portfolio: ``workdir/base/credere.sqlite3``, or the database ``name`` on the server."""
    if database_url and _exists(database_url, name):
        print(f"(reusing the portfolio in database {name})")
        return
    if database_url:
        _server(database_url, f"CREATE DATABASE {name}")
    home = workdir / "base"
    home.mkdir()
    env = _environment(str(home), _with_database(database_url, name) if database_url else "")
    if full:
        _run(["demo", "--no-serve", "--customers", str(customers),
              *(["--allow-server-database"] if database_url else [])], env)
        return
    _run(["migrate", "--verbosity", "0"], env)
    _run(["demo-data", "--customers", str(customers), "--seed", "1"], env)
    _run(["user", "create", "clerk", "--role", "cash_clerk", "--password", "bench-clerk-password", "--operator"], env)


def _check_ledger(env: dict[str, str]) -> None:
    """Every payment's unapplied amount is its amount less its allocations in force; else exit 1."""
    script = ("import django; django.setup()\n"
              "from decimal import Decimal\n"
              "from django.db.models import Sum, Q\n"
              "from credere.ledger.models import Payment\n"
              "bad = [p.pk for p in Payment.objects.annotate(used=Sum('allocations__source_amount', "
              "filter=Q(allocations__reversed_on__isnull=True))) "
              "if p.amount - (p.used or Decimal(0)) != p.unapplied_amount]\n"
              "print(len(bad))\n")
    done = subprocess.run([sys.executable, "-c", script], env={**env, "DJANGO_SETTINGS_MODULE": "credere.settings"},
                          capture_output=True, text=True, check=False)
    if done.returncode != 0 or done.stdout.strip() != "0":
        raise SystemExit(f"the ledger does not add up after the run: {done.stdout}{done.stderr}")


def measure(size: int, workdir: Path, database_url: str, portfolio: str) -> dict[str, float]:
    home = workdir / f"size-{size}"
    shutil.rmtree(home, ignore_errors=True)
    if database_url:
        _server(database_url, f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)",
                f"CREATE DATABASE {BENCH_DATABASE} TEMPLATE {portfolio}")
        shutil.copytree(workdir / "base", home) if (workdir / "base").exists() else home.mkdir()
        env = _environment(str(home), _with_database(database_url, BENCH_DATABASE))
    else:
        shutil.copytree(workdir / "base", home)
        env = _environment(str(home))
    statement = home / "statement.xml"
    _run(["demo-statement", "--company", "DE01", "--payments", str(size), "--seed", str(size),
          "--out", str(statement)], env)
    imported_s, out = _run(["cash", "import", str(statement), "--company", "DE01", "--no-match"], env)
    payments = int(re.search(r"(\d+) payment\(s\) received", out).group(1))  # type: ignore[union-attr]
    matched_s, out = _run(["cash", "run"], env)
    found = re.search(r"(\d+) payment\(s\), (\d+) applied, (\d+) suggested, (\d+) unmatched", out)
    assert found is not None, out
    standings_s, _out = _run(["worker", "--batch", "--interval", "0.1"], env)
    _check_ledger(env)
    shutil.rmtree(home, ignore_errors=True)
    return {"payments": payments, "run": int(found.group(1)), "import": imported_s, "match": matched_s,
            "standings": standings_s, "applied": int(found.group(2))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,3000,10000", help="Payments per statement (comma-separated)")
    parser.add_argument("--customers", type=int, default=8000, help="Customers in the demo portfolio")
    parser.add_argument("--full-demo", action="store_true",
                        help="The portfolio of 'credere demo' (with credit control set up: limits, owners, alerts), "
                             "not only the ledger of 'credere demo-data'; slow to make")
    parser.add_argument("--database-url", default="", help="A PostgreSQL server to measure on (postgres://…)")
    parser.add_argument("--portfolio", default="",
                        help="PostgreSQL: a database holding the demo portfolio already (kept), else one is made")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    where = "PostgreSQL" if args.database_url else "the embedded SQLite database"
    print(f"cash application on {where}, demo portfolio of {args.customers:,} customers\n")
    portfolio = args.portfolio or PORTFOLIO_DATABASE
    with tempfile.TemporaryDirectory(prefix="credere-bench-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)
        started = time.perf_counter()
        _portfolio(workdir, args.customers, args.database_url, portfolio, args.full_demo)
        print(f"portfolio ready in {time.perf_counter() - started:.0f} s\n")
        print(f"{'payments':>9} {'in run':>7} {'import s':>9} {'match+apply s':>14} {'standings s':>12} "
              f"{'payments/s':>11} {'applied':>8} {'s/1k':>7} {'ratio':>6}")
        first = None
        try:
            for size in sizes:
                r = measure(size, workdir, args.database_url, portfolio)
                total = r["import"] + r["match"]
                per_k = total / r["payments"] * 1000
                first = first or per_k
                print(f"{int(r['payments']):>9,} {int(r['run']):>7,} {r['import']:>9.1f} {r['match']:>14.1f} "
                      f"{r['standings']:>12.1f} {r['payments'] / total:>11.0f} {r['applied'] / r['run']:>8.1%} "
                      f"{per_k:>7.2f} {per_k / first:>6.2f}", flush=True)
        finally:
            if args.database_url:
                _server(args.database_url, f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)",
                        *([] if args.portfolio else [f"DROP DATABASE IF EXISTS {PORTFOLIO_DATABASE} WITH (FORCE)"]))
    print("\nTimes are whole commands, starting Credere included (about 1.5 s each). 'in run': the payments the "
          "matching run took (the statement's and those the demo ledger had left unapplied); 'applied': the share of "
          "them applied automatically. payments/s: the statement's payments over import + match and apply.")


if __name__ == "__main__":
    main()
