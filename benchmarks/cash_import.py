"""Benchmark cash application on the database: a statement imported, matched and applied.

    .venv/bin/python benchmarks/cash_import.py [--sizes 1000,3000,10000] [--customers 3000]
        [--database-url postgres://USER@HOST:PORT/ANY]

For each size N, a fresh database gets the seeded demo portfolio of ``--customers`` customers:
an embedded SQLite file by default (DATABASE_URL is ignored: every size needs an empty
ledger), or, with ``--database-url``, a database ``credere_bench_cash`` created anew on that
PostgreSQL server for each size (the user needs CREATEDB; the database is dropped at the end).
``credere demo-statement`` writes a camt.053 paying N of its open invoices the way customers
do; then, timed separately:

* import: parse, keep the file and every transaction, create the payments (``--no-match``);
* match and apply: ``credere cash run`` — the engine over every open item of the company,
  proposals stored, those above the policy applied through the ledger's allocation service
  (locks, audit events).

Printed per size: seconds, payments per second, share applied automatically, and the time
per 1,000 payments with its ratio to the smallest size (1.0 = linear in the statement's size).
The baseline in the same run is the import alone: matching and applying cost, as a multiple
of reading the file.
"""

from __future__ import annotations

import argparse
import os
import re
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


def _fresh_database(url: str) -> str:
    """Create the benchmark's database anew on the server of ``url``; its URL."""
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))


def _drop_database(url: str) -> None:
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")


def _check_ledger(env: dict[str, str]) -> str:
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
    return "ok"


def measure(size: int, customers: int, database_url: str = "") -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="credere-bench-") as home:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update({"CREDERE_HOME": home, "CREDERE_USER": "clerk", "PYTHONPATH": str(ROOT / "src")})
        if database_url:
            env["DATABASE_URL"] = _fresh_database(database_url)
        _run(["demo", "--no-serve", "--customers", str(customers),
              *(["--allow-server-database"] if database_url else [])], env)
        statement = Path(home) / "statement.xml"
        _s, out = _run(["demo-statement", "--company", "DE01", "--payments", str(size), "--seed", str(size),
                        "--out", str(statement)], env)
        imported_s, out = _run(["cash", "import", str(statement), "--company", "DE01", "--no-match"], env)
        payments = int(re.search(r"(\d+) payment\(s\) received", out).group(1))  # type: ignore[union-attr]
        matched_s, out = _run(["cash", "run"], env)
        found = re.search(r"(\d+) payment\(s\), (\d+) applied, (\d+) suggested, (\d+) unmatched", out)
        assert found is not None, out
        applied = int(found.group(2))
        _check_ledger(env)
        return {"payments": payments, "import": imported_s, "match": matched_s, "applied": applied}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,3000,10000", help="Payments per statement (comma-separated)")
    parser.add_argument("--customers", type=int, default=3000, help="Customers in the demo portfolio")
    parser.add_argument("--database-url", default="", help="A PostgreSQL server to measure on (postgres://…)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    where = "PostgreSQL" if args.database_url else "the embedded SQLite database"
    print(f"cash application on {where}, demo portfolio of {args.customers:,} customers\n")
    print(f"{'payments':>9} {'import s':>9} {'match+apply s':>14} {'payments/s':>11} {'applied':>8} "
          f"{'s/1k':>7} {'ratio':>6} {'match/import':>13}")
    first = None
    for size in sizes:
        r = measure(size, args.customers, args.database_url)
        total = r["import"] + r["match"]
        per_k = total / r["payments"] * 1000
        first = first or per_k
        print(f"{int(r['payments']):>9,} {r['import']:>9.1f} {r['match']:>14.1f} {r['payments'] / total:>11.0f} "
              f"{r['applied'] / r['payments']:>8.1%} {per_k:>7.2f} {per_k / first:>6.2f} "
              f"{r['match'] / r['import']:>13.1f}")
    if args.database_url:
        _drop_database(args.database_url)
    print("\nTimes include starting each command (about 1 s each). After each run the ledger was checked: every "
          "payment's unapplied amount is its amount less its allocations in force.")


if __name__ == "__main__":
    main()
