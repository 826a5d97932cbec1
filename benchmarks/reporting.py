"""Benchmark the reporting engine: aging, DSO (simple and countback) and CEI at scale.

    .venv/bin/python benchmarks/reporting.py --customers 50000 --items 1000000 [--database sqlite|postgres|both]

Loads a portfolio with Credere's demo generator (``credere demo-data --customers N
--years Y --seed S --as-of D``, Y chosen so that about ``--items`` invoices result), adds the
reporting indexes of the ledger migrations if they are missing (:data:`PROPOSED_INDEXES`), runs ANALYZE, then times
the report services against SQLite and a PostgreSQL server it starts itself (Debian's
binaries, ``initdb --auth=trust`` into a temporary directory, 127.0.0.1 only, fsync off;
stopped at the end). The same figures are computed with pandas from in-memory DataFrames
of the same rows (loaded outside the timing, by the definition of an open amount as of a
date rather than the SQL shortcut) and fed to the same domain functions; the two reports
must be identical to the cent, or the command exits with status 1.

Each database runs in a child process of this script (Django reads DATABASE_URL once).
``--workdir DIR`` keeps the databases there and reuses them on the next run with the same
``--customers/--items/--seed/--as-of``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
RESULT_PREFIX = "BENCHMARK-RESULT "
#: Invoices per customer and year of the demo generator (read from it when it is there).
DEFAULT_INVOICES_PER_CUSTOMER_YEAR = 10
#: PostgreSQL settings of the benchmark server (a 2-core, 24 GiB machine).
PG_SETTINGS = {
    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "shared_buffers": "2GB",
    "work_mem": "64MB", "maintenance_work_mem": "1GB", "effective_cache_size": "12GB", "max_wal_size": "8GB",
    "jit": "off", "random_page_cost": "1.1",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--customers", type=int, default=50_000, help="Customers in the portfolio (default 50000)")
    p.add_argument("--items", type=int, default=1_000_000, help="About this many invoices (default 1000000)")
    p.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--runs", type=int, default=5, help="Timed runs per figure; the median is shown (default 5)")
    p.add_argument("--seed", type=int, default=1, help="Seed of the demo generator (default 1)")
    p.add_argument("--as-of", default="2026-03-31", help="Last day of the history and as-of date of the reports")
    p.add_argument("--workdir", help="Keep the databases in this directory and reuse them (default: a temp dir)")
    p.add_argument("--port", type=int, default=55432, help="Port of the PostgreSQL server (default 55432, "
                                                           "or a free one)")
    p.add_argument("--no-indexes", action="store_true", help="Measure without the proposed indexes")
    p.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    return p.parse_args(argv)


# =========================================================================== parent: orchestration


def _free_port(preferred: int) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])


class PostgresServer:
    """A throw-away PostgreSQL server run as the ``postgres`` user from Debian's binaries."""

    def __init__(self, datadir: Path, port: int) -> None:
        self.datadir, self.port = datadir, port

    def _as_postgres(self, *cmd: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, text=True,
                              capture_output=True, **kwargs)

    def start(self) -> None:
        if not (self.datadir / "PG_VERSION").exists():
            self.datadir.mkdir(parents=True, exist_ok=True)
            shutil.chown(self.datadir, "postgres", "postgres")
            self.datadir.chmod(0o700)
            self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.datadir), "--auth=trust", "-U", "postgres",
                              "-E", "UTF8", "--no-sync", "--locale=C.UTF-8")
        options = " ".join([f"-p {self.port}", "-c listen_addresses=127.0.0.1",
                            f"-c unix_socket_directories={self.datadir}",
                            *[f"-c {k}={v}" for k, v in PG_SETTINGS.items()]])
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.datadir / "server.log"),
                          "-w", "-o", options, "start")
        exists = self._as_postgres(str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                                   "-tAc", "SELECT 1 FROM pg_database WHERE datname = 'credere_bench'")
        if exists.stdout.strip() != "1":
            self._as_postgres(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                              "credere_bench")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/credere_bench"

    def stop(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m",
                        "fast", "-w", "stop"], check=False, capture_output=True)


def _credere(env: dict[str, str], *args: str) -> None:
    """Run a ``credere`` command in its own process (as a user would)."""
    subprocess.run([sys.executable, "-m", "credere", *args], env=env, cwd=ROOT, check=True)


def _load(args: argparse.Namespace, database: str, env: dict[str, str], workdir: Path) -> float | None:
    """Migrate, then generate the portfolio with ``credere demo-data`` unless the same one is loaded already."""
    try:
        from credere.demo.generator.reference import INVOICES_PER_CUSTOMER_YEAR as per_year
    except ImportError:
        per_year = DEFAULT_INVOICES_PER_CUSTOMER_YEAR
    years = max(1, round(args.items / (args.customers * per_year)))
    _credere(env, "migrate", "--verbosity", "0", "--skip-checks")
    marker = workdir / f"{database}.loaded.json"
    wanted = {"customers": args.customers, "years": years, "seed": args.seed, "as_of": args.as_of}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return None
    _log(f"{database}: generating and loading {args.customers:,} customers, {years} year(s) with "
         f"'credere demo-data' (seed {args.seed})")
    started = time.perf_counter()
    _credere(env, "demo-data", "--customers", str(args.customers), "--years", str(years), "--seed", str(args.seed),
             "--as-of", args.as_of, "--replace", "--skip-checks")
    marker.write_text(json.dumps(wanted))
    return time.perf_counter() - started


def _run_child(args: argparse.Namespace, database: str, env: dict[str, str]) -> dict[str, Any] | None:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", database, "--customers", str(args.customers),
           "--items", str(args.items), "--runs", str(args.runs), "--seed", str(args.seed), "--as-of", args.as_of,
           *(["--no-indexes"] if args.no_indexes else [])]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    result = None
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX):])
        else:
            print(line, end="", flush=True)
    if proc.wait() != 0:
        print(f"{database}: the benchmark process failed (exit {proc.returncode})", file=sys.stderr)
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child(args)
    workdir = Path(args.workdir).resolve() if args.workdir else Path(tempfile.mkdtemp(prefix="credere-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o755)  # the postgres user must reach its data directory
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results: dict[str, dict[str, Any] | None] = {}
    server: PostgresServer | None = None
    try:
        for database in databases:
            env = {**os.environ, "BENCH_WORKDIR": str(workdir), "CREDERE_HOME": str(workdir / "home"),
                   "CREDERE_SECRET_KEY": "benchmark-only", "CREDERE_PROGRESS": "0"}
            if database == "postgres":
                server = PostgresServer(workdir / "pgdata", _free_port(args.port))
                print(f"starting PostgreSQL on 127.0.0.1:{server.port} (data in {server.datadir})", flush=True)
                server.start()
                env["DATABASE_URL"] = server.url
            else:
                env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
            try:
                load_seconds = _load(args, database, env, workdir)
            except subprocess.CalledProcessError:
                print(f"{database}: 'credere migrate' or 'credere demo-data' failed (see above)", file=sys.stderr)
                results[database] = None
            else:
                results[database] = _run_child(args, database, env)
                if results[database] is not None:
                    results[database]["load_seconds"] = load_seconds
            if server is not None:
                server.stop()
                server = None
    except subprocess.CalledProcessError as exc:
        print(f"command failed: {' '.join(map(str, exc.cmd))}\n{exc.stderr}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.stop()
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return summarise(args, results)


def summarise(args: argparse.Namespace, results: dict[str, dict[str, Any] | None]) -> int:
    ok = all(r is not None and r["agree"] for r in results.values())
    print()
    print(f"Reporting benchmark: {args.customers:,} customers, ~{args.items:,} invoices, as of {args.as_of}, "
          f"median of {args.runs} runs, {os.cpu_count()} cores")
    for database, r in results.items():
        if r is None:
            print(f"  {database}: FAILED")
            continue
        c = r["counts"]
        print(f"\n  {database} ({r['server']}): {c['items']:,} items ({c['open_items']:,} open now), "
              f"{c['allocations']:,} allocations, {c['customers']:,} customers"
              + (f"; loaded in {r['load_seconds']:.0f} s" if r.get("load_seconds") else ""))
        print(f"    {'figure':<34} {'SQL (s)':>9} {'pandas (s)':>11} {'ratio':>7}")
        for name, t in r["timings"].items():
            ratio = t["sql"] / t["pandas"] if t["pandas"] else float("nan")
            print(f"    {name:<34} {t['sql']:>9.3f} {t['pandas']:>11.3f} {ratio:>6.2f}x")
        for name, t in r["sql only"].items():
            print(f"    {name:<34} {t:>9.3f}")
        print(f"    figures: {r['figures']}")
        print(f"    SQL and pandas agree to the cent: {'yes' if r['agree'] else 'NO: ' + '; '.join(r['differences'])}")
    return 0 if ok else 1


# =========================================================================== child: one database


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _median(fn: Any, runs: int) -> tuple[float, Any]:
    result = fn()  # warm-up (caches, plans)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _proposed_indexes() -> list[tuple[Any, Any]]:
    from django.db import models
    from django.db.models import Q

    from credere.ledger.models import OpenItem

    return [
        # Open items only (a small part of the ledger): every aging and receivables query.
        (OpenItem, models.Index(fields=["company", "posting_date", "customer", "currency", "due_date", "open_amount",
                                        "id"], condition=~Q(open_amount=0), name="item_open_aging")),
        # Net credit sales per posting day: an index-only range scan.
        (OpenItem, models.Index(fields=["posting_date", "company", "currency", "amount"], name="item_sales")),
    ]


def child(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credere.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connection

    from credere.identity.services import create_user
    from credere.ledger.models import Allocation, Customer, OpenItem

    database = args.child
    as_of = dt.date.fromisoformat(args.as_of)
    _prepare(connection, add_indexes=not args.no_indexes)
    user = create_user(actor=None, username=f"bench-{time.time_ns()}", roles=["administrator"])
    counts = {
        "items": OpenItem.objects.count(), "open_items": OpenItem.objects.exclude(open_amount=0).count(),
        "allocations": Allocation.objects.count(), "customers": Customer.objects.count(),
    }
    _log(f"{database}: {counts}")
    result = run(connection, user, as_of, args.runs)
    result.update(counts=counts, server=_server(connection))
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


def _server(connection: Any) -> str:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SHOW server_version")
            return f"PostgreSQL {cur.fetchone()[0]}"
        cur.execute("SELECT sqlite_version()")
        return f"SQLite {cur.fetchone()[0]}"


def _prepare(connection: Any, *, add_indexes: bool) -> None:
    """Add the proposed indexes (if missing) and refresh the planner statistics."""
    started = time.perf_counter()
    with connection.cursor() as cur:
        for model, index in _proposed_indexes():
            existing = connection.introspection.get_constraints(cur, model._meta.db_table)
            if add_indexes and index.name not in existing:
                with connection.schema_editor() as editor:
                    editor.add_index(model, index)
            elif not add_indexes and index.name in existing:
                with connection.schema_editor() as editor:
                    editor.remove_index(model, index)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        old = connection.connection.autocommit
        connection.connection.autocommit = True
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        connection.connection.autocommit = old
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    _log(f"indexes and ANALYZE: {time.perf_counter() - started:.1f} s")


# --------------------------------------------------------------------------- the measured work


def run(connection: Any, user: Any, as_of: dt.date, runs: int) -> dict[str, Any]:
    from credere.reporting import services

    def sql_aging() -> Any:
        return services.aging_report(actor=user, as_of=as_of, by="customer")

    def sql_aging_company() -> Any:
        return services.aging_report(actor=user, as_of=as_of, by="company")

    def sql_metrics() -> Any:
        return services.metrics_report(actor=user, as_of=as_of)

    _log("timing SQL")
    t_aging, sql_report = _median(sql_aging, runs)
    t_aging_company, sql_company = _median(sql_aging_company, runs)
    t_metrics, sql_m = _median(sql_metrics, runs)
    t_top, _ = _median(lambda: services.top_overdue(actor=user, as_of=as_of, limit=20), runs)
    started = time.perf_counter()
    services.metrics_series(actor=user, as_of=as_of)
    t_series = time.perf_counter() - started

    _log("loading DataFrames (not timed)")
    frames = Frames.load(connection)
    _log(f"timing pandas ({len(frames.items):,} item rows, {len(frames.allocs):,} allocation rows in memory)")
    p_aging, pd_report = _median(lambda: frames.aging_report(as_of, "customer"), runs)
    p_aging_company, pd_company = _median(lambda: frames.aging_report(as_of, "company"), runs)
    p_metrics, pd_m = _median(lambda: frames.metrics(as_of), runs)

    differences = []
    if sql_report != pd_report:
        differences.append(_diff("aging by customer", sql_report, pd_report))
    if sql_company != pd_company:
        differences.append(_diff("aging by company", sql_company, pd_company))
    if sql_m != pd_m:
        differences.append(f"metrics: SQL {sql_m} != pandas {pd_m}")
    return {
        "timings": {
            "aging by customer": {"sql": t_aging, "pandas": p_aging},
            "aging by company": {"sql": t_aging_company, "pandas": p_aging_company},
            "DSO simple+countback, BPDSO, CEI": {"sql": t_metrics, "pandas": p_metrics},
            "aging by customer + DSO + CEI": {"sql": t_aging + t_metrics, "pandas": p_aging + p_metrics},
        },
        "sql only": {"largest overdue customers (top 20)": t_top, "monthly series, 12 month-ends (1 run)": t_series},
        "figures": {
            "receivables": str(sql_m.receivables), "aging lines": len(sql_report.lines),
            "aging total": str(sql_report.total), "DSO simple": str(sql_m.dso_simple),
            "DSO countback": str(sql_m.dso_countback), "BPDSO": str(sql_m.best_possible_dso),
            "CEI": str(sql_m.cei), "overdue share": str(sql_m.overdue_share),
        },
        "agree": not differences,
        "differences": differences,
    }


def _diff(name: str, a: Any, b: Any) -> str:
    if a.total != b.total or a.totals != b.totals:
        return f"{name}: totals SQL {a.total} {a.totals} != pandas {b.total} {b.totals}"
    for la, lb in zip(a.lines, b.lines, strict=False):
        if la != lb:
            return f"{name}: first different line SQL {la} != pandas {lb}"
    return f"{name}: {len(a.lines)} lines in SQL, {len(b.lines)} in pandas"


class Frames:
    """The ledger's rows in memory, and the reports computed from them with pandas."""

    def __init__(self, items: Any, allocs: Any, customers: Any, companies: Any, rates: list[Any]) -> None:
        self.items, self.allocs, self.customers, self.companies, self.rates = (
            items, allocs, customers, companies, rates)
        import numpy as np

        self.base = int(items["id"].min())
        self.size = int(items["id"].max()) - self.base + 1
        self.np = np

    @classmethod
    def load(cls, connection: Any) -> Frames:
        import numpy as np
        import pandas as pd

        def frame(sql: str, columns: list[str]) -> Any:
            with connection.cursor() as cur:
                cur.execute(sql)
                return pd.DataFrame.from_records(cur.fetchall(), columns=columns)

        def days(series: Any) -> Any:  # dates as datetime64[s] (NaT for NULL)
            return pd.to_datetime(series.map(lambda d: None if d is None else str(d))).astype("datetime64[s]")

        items = frame("SELECT id, company_id, customer_id, currency, posting_date, due_date, amount FROM "
                      "ledger_openitem", ["id", "company_id", "customer_id", "currency", "posting_date",
                                          "due_date", "amount"])
        for col in ("posting_date", "due_date"):
            items[col] = days(items[col])
        items["currency"] = items["currency"].astype("category")
        items["amount"] = items["amount"].astype(np.int64)
        allocs = frame("SELECT target_id, COALESCE(credit_note_id, 0), amount, source_amount, applied_on, "
                       "reversed_on FROM ledger_allocation",
                       ["target_id", "credit_note_id", "amount", "source_amount", "applied_on", "reversed_on"])
        for col in ("applied_on", "reversed_on"):
            allocs[col] = days(allocs[col])
        for col in ("target_id", "credit_note_id", "amount", "source_amount"):
            allocs[col] = allocs[col].astype(np.int64)
        customers = frame("SELECT id, parent_id, account_number, name FROM ledger_customer",
                          ["id", "parent_id", "account_number", "name"]).set_index("id")
        companies = frame("SELECT id, code, name FROM ledger_company", ["id", "code", "name"]).set_index("id")
        from credere.ledger.models import FxRate

        # through the ORM: SQLite keeps decimals as REAL, Django's converter turns them back into Decimals
        rates = list(FxRate.objects.values_list("base", "quote", "rate_date", "rate"))
        return cls(items, allocs, customers, companies, rates)

    # ------------------------------------------------------------------ open amounts by the definition

    def open_as_of(self, on: dt.date) -> tuple[Any, Any]:
        """(items posted by ``on``, their open amount as of ``on``) — amount minus active allocations."""
        np = self.np
        day = np.datetime64(on, "s")
        a = self.allocs
        active = (a["applied_on"].to_numpy() <= day) & ~(a["reversed_on"].to_numpy() <= day)  # NaT compares False
        used = np.zeros(self.size, dtype=np.int64)
        act = a[active]
        by_target = act.groupby("target_id")["amount"].sum()
        used[by_target.index.to_numpy() - self.base] = by_target.to_numpy()
        credit = act[act["credit_note_id"] > 0]
        by_credit = credit.groupby("credit_note_id")["source_amount"].sum()
        used[by_credit.index.to_numpy() - self.base] -= by_credit.to_numpy()  # a credit note moves towards zero
        items = self.items
        posted = items[items["posting_date"].to_numpy() <= day]
        open_amount = posted["amount"].to_numpy() - used[posted["id"].to_numpy() - self.base]
        keep = open_amount != 0
        return posted[keep], open_amount[keep]

    def rows(self, on: dt.date, boundaries: Any, by: str) -> tuple[list[Any], dict[str, str]]:
        import pandas as pd

        from credere.domain.aging import AgingRow
        from credere.domain.money import from_storage

        np = self.np
        items, amount = self.open_as_of(on)
        due = items["due_date"].to_numpy()
        n = len(boundaries) + 1
        bucket = np.zeros(len(items), dtype=np.int64)
        for b in boundaries:  # boundaries decrease: the bucket is the number of boundaries the due date is before
            bucket += due < np.datetime64(b, "s")
        if by == "customer":
            key, labels, key_col = items["customer_id"].to_numpy(), self.customers, "account_number"
        elif by == "company":
            key, labels, key_col = items["company_id"].to_numpy(), self.companies, "code"
        else:
            raise ValueError(by)
        # One row per cell (customer, company, currency), the unit the domain converts and rounds.
        df = pd.DataFrame({"key": key, "customer": items["customer_id"].to_numpy(),
                           "company": items["company_id"].to_numpy(), "currency": items["currency"].to_numpy(),
                           "bucket": bucket, "amount": amount,
                           "oldest": np.where(amount > 0, due, np.datetime64("NaT", "s"))})
        cell = ["key", "customer", "company", "currency"]
        sums = (df.groupby([*cell, "bucket"], observed=True)["amount"].sum()
                .unstack("bucket", fill_value=0).reindex(columns=range(n), fill_value=0))
        other = df.groupby(cell, observed=True).agg(n=("amount", "size"), oldest=("oldest", "min"))
        g = sums.join(other).reset_index()
        keys = labels[key_col].reindex(g["key"]).to_numpy()
        names = labels["name"].reindex(g["key"]).to_numpy()
        oldest = [None if pd.isna(o) else o.date() for o in g["oldest"]]
        columns = [g[i].to_numpy() for i in range(n)]
        rows = [AgingRow(k, str(c), tuple(from_storage(int(col[j])) for col in columns), int(cnt), o)
                for j, (k, c, cnt, o) in enumerate(zip(keys, g["currency"], g["n"], oldest, strict=True))]
        return rows, dict(zip(keys, names, strict=True))

    def rate_table(self) -> Any:
        from credere.domain.fx import RateTable

        return RateTable.from_rows(self.rates)

    def aging_report(self, on: dt.date, by: str) -> Any:
        from django.conf import settings

        from credere.domain import aging

        buckets = aging.make_buckets()
        rows, names = self.rows(on, aging.due_boundaries(buckets, on), by)
        return aging.assemble_aging(rows, as_of=on, by=by, buckets=buckets,  # type: ignore[arg-type]
                                    reporting_currency=settings.CREDERE_REPORTING_CURRENCY,
                                    rates=self.rate_table(), names=names)

    def receivables(self, on: dt.date) -> Any:
        from credere.domain import aging
        from credere.domain.metrics import Receivables

        rows, _ = self.rows(on, aging.due_boundaries(aging.make_buckets(), on), "customer")
        return Receivables.from_rows(on, rows)

    def sales(self, start: dt.date, end: dt.date) -> Any:
        from credere.domain.metrics import SalesLedger
        from credere.domain.money import from_storage

        np = self.np
        items = self.items
        posted = items["posting_date"].to_numpy()
        window = items[(posted > np.datetime64(start, "s")) & (posted <= np.datetime64(end, "s"))]
        g = window.groupby(["posting_date", "currency"], observed=True)["amount"].sum()
        daily: dict[dt.date, dict[str, Any]] = {}
        for (day, currency), value in g.items():
            daily.setdefault(day.date(), {})[str(currency)] = from_storage(int(value))
        return SalesLedger(start, end, daily)

    def metrics(self, on: dt.date) -> Any:
        from django.conf import settings

        from credere.domain import metrics

        plan = metrics.plan_metrics(on)
        closing = self.receivables(on)
        opening = self.receivables(plan.cei_period.start)
        sales = self.sales(plan.sales_start(), on)
        return metrics.compute_metrics(plan, closing=closing, opening=opening, sales=sales,
                                       reporting_currency=settings.CREDERE_REPORTING_CURRENCY,
                                       rates=self.rate_table())


if __name__ == "__main__":
    sys.exit(main())
