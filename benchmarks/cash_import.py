"""Benchmark cash application on the database: a statement imported, matched and applied.

    .venv/bin/python benchmarks/cash_import.py [--sizes 500,2000,5000] [--customers 3000]

For each size N, a fresh embedded SQLite database (DATABASE_URL is ignored: every size needs
an empty ledger) gets the seeded demo portfolio of ``--customers`` customers; ``credere demo-statement`` writes a camt.053 paying N of its open
invoices the way customers do; then, timed separately:

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

ROOT = Path(__file__).resolve().parents[1]
CREDERE = [sys.executable, "-m", "credere"]


def _run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([*CREDERE, *args], env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"credere {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def measure(size: int, customers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="credere-bench-") as home:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update({"CREDERE_HOME": home, "CREDERE_USER": "clerk", "PYTHONPATH": str(ROOT / "src")})
        _run(["demo", "--no-serve", "--customers", str(customers)], env)
        statement = Path(home) / "statement.xml"
        _s, out = _run(["demo-statement", "--company", "DE01", "--payments", str(size), "--seed", str(size),
                        "--out", str(statement)], env)
        imported_s, out = _run(["cash", "import", str(statement), "--company", "DE01", "--no-match"], env)
        payments = int(re.search(r"(\d+) payment\(s\) received", out).group(1))  # type: ignore[union-attr]
        matched_s, out = _run(["cash", "run"], env)
        found = re.search(r"(\d+) payment\(s\), (\d+) applied, (\d+) suggested, (\d+) unmatched", out)
        assert found is not None, out
        applied = int(found.group(2))
        return {"payments": payments, "import": imported_s, "match": matched_s, "applied": applied}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="500,2000,5000", help="Payments per statement (comma-separated)")
    parser.add_argument("--customers", type=int, default=3000, help="Customers in the demo portfolio")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"cash application on the embedded SQLite database, demo portfolio of {args.customers:,} customers\n")
    print(f"{'payments':>9} {'import s':>9} {'match+apply s':>14} {'payments/s':>11} {'applied':>8} "
          f"{'s/1k':>7} {'ratio':>6} {'match/import':>13}")
    first = None
    for size in sizes:
        r = measure(size, args.customers)
        total = r["import"] + r["match"]
        per_k = total / r["payments"] * 1000
        first = first or per_k
        print(f"{int(r['payments']):>9,} {r['import']:>9.1f} {r['match']:>14.1f} {r['payments'] / total:>11.0f} "
              f"{r['applied'] / r['payments']:>8.1%} {per_k:>7.2f} {per_k / first:>6.2f} "
              f"{r['match'] / r['import']:>13.1f}")
    print("\nTimes include starting the command (about 1 s each): the smallest size is dominated by it.")


if __name__ == "__main__":
    main()
