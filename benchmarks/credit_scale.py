"""Benchmark credit control at scale: the order check, "over 90 % of the limit", the portfolio.

    .venv/bin/python benchmarks/credit_scale.py [--customers 2000] [--database sqlite|postgres|both]
    .venv/bin/python benchmarks/credit_scale.py --customers 5000,50000 --workdir /tmp/credere-scale   # the 50k run

For each size and database, a fresh database (embedded SQLite, or a PostgreSQL server this
script starts itself as ``benchmarks/reporting.py`` does: Debian's binaries, 127.0.0.1 only,
fsync off) gets the seeded demo portfolio (``credere demo-data --customers N --years 2``: about
20 invoices per customer, 1.1 million items at 50,000 customers, with payments and
allocations), then two open orders of 1,000 EUR per customer and a limit for every customer from
its exposure (8 % about 95 % used, 3 % over the limit, the rest at twice the exposure), and every
standing is computed (:func:`credere.credit.services.standing.refresh`). Then it measures:

* **reads**, the median of ``--runs`` runs after one warm-up: ``GET /api/v1/credit/standings
  ?min_utilisation=90`` (the first page and the count), the Limits and use page
  ``/credit/limits/?min_use=90``, the portfolio page ``/credit/portfolio/`` and ``GET
  /api/v1/credit/portfolio``, and a full ``standing.refresh()`` (median of ``--refresh-runs``).
  Baseline in the same run: the naive way, each customer's figures computed per request —
  :func:`credere.credit.selectors.picture` (what "over 90 %" needs: limit, exposure, cover, use)
  and the bare exposure sum (:func:`credere.credit.selectors.exposure`, what a portfolio total
  needs at least) — timed on a random sample of ``--naive-sample`` customers and extrapolated to
  all customers (labelled as such). The sample's use computed the naive way must equal the
  stored one, and the API's count the standings at or above 90 %, or the command fails.
* **checks**: ``POST /api/v1/credit/checks`` in process (bearer token, as
  ``benchmarks/credit_check.py``), ``--checks`` orders of random customers one after the other:
  p50 and p95; baseline the naive read of ``credit_check.py`` (the customer's open items and
  orders loaded and summed per request, no lock, nothing stored).
* **served**: the application served by ``credere serve`` (gunicorn, its default 2 workers × 4
  threads) on 127.0.0.1, driven by 1 client, then by ``--clients`` client threads (``requests``,
  one connection each) checking ``--served-checks`` orders in all: checks per second, p50 and
  p95 as the client sees them, and failures (any answer but 200, "database is locked" counted
  apart). The clients run on the same machine as the server.

``--workdir DIR`` keeps the seeded databases and reuses them (seeding 50,000 customers takes
minutes); without it everything is in a temporary directory removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULT = "BENCH-RESULT "


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def _median_of(fn: Any, runs: int) -> tuple[float, Any]:
    result = fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


# =========================================================================== child steps (Django)


def _setup() -> None:
    import django

    django.setup()
    import credere

    print(f"credere from {credere.__file__}", file=sys.stderr, flush=True)


def step_seed(workdir: Path) -> dict[str, Any]:
    """Orders, limits from exposure, the standings; a credit manager with a token."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from credere.credit.models import CreditLimit, CreditStanding, Order
    from credere.credit.services import standing
    from credere.credit.services.orders import record_states
    from credere.identity.services import create_user, issue_token
    from credere.ledger.models import Company, Customer

    started = time.perf_counter()
    rng = random.Random(11)
    today = timezone.localdate()
    de = Company.objects.order_by("pk").first()
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    orders = [Order(company=de, customer_id=pk, order_id=f"OPEN-{pk}-{n}", currency="EUR", amount=Decimal("1000"),
                    open_amount=Decimal("1000"), credit_status="released") for pk in ids for n in range(2)]
    Order.objects.bulk_create(orders, batch_size=5000)
    record_states(orders)
    standing.refresh()
    exposure = dict(CreditStanding.objects.filter(for_group=False, company__isnull=True)
                    .values_list("customer_id", "exposure"))
    limits = []
    for pk in ids:
        e = max(exposure.get(pk, Decimal(0)), Decimal(1000))
        roll = rng.random()
        amount = e / Decimal("0.95") if roll < 0.08 else e / Decimal("1.10") if roll < 0.11 else e * 2
        limits.append(CreditLimit(customer_id=pk, currency="EUR", amount=amount.quantize(Decimal("1")),
                                  valid_from=today - dt.timedelta(days=30), approved_by="bench"))
    CreditLimit.objects.bulk_create(limits, batch_size=5000)
    refreshed = standing.refresh()
    manager = create_user(actor=None, username="bench-manager", roles=["credit_manager"])
    _token, secret = issue_token(actor=None, user=manager, name="bench")
    accounts = list(Customer.objects.order_by("pk").values_list("account_number", flat=True))
    (workdir / "token").write_text(secret)
    (workdir / "accounts.json").write_text(json.dumps(accounts))
    return {"prepare_seconds": time.perf_counter() - started, "first_refresh_seconds": refreshed.seconds,
            "standings": refreshed.rows}


def _counts() -> dict[str, int]:
    from credere.credit.models import CreditLimit, CreditStanding, Order
    from credere.ledger.models import Customer, OpenItem

    return {"customers": Customer.objects.count(), "items": OpenItem.objects.count(),
            "open_items": OpenItem.objects.exclude(open_amount=0).count(),
            "open_orders": Order.objects.filter(status="open").count(), "limits": CreditLimit.objects.count(),
            "over_90": CreditStanding.objects.filter(limit_amount__isnull=False, utilisation__gte=90).count()}


def step_reads(workdir: Path, runs: int, refresh_runs: int, sample: int) -> dict[str, Any]:
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from credere.credit import selectors
    from credere.credit.models import CreditStanding
    from credere.credit.policy import policy_in_force
    from credere.credit.services import standing
    from credere.ledger.models import Customer

    secret = (workdir / "token").read_text()
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="127.0.0.1")
    web = Client(HTTP_HOST="127.0.0.1")
    web.force_login(get_user_model().objects.get(username="bench-manager"))
    counts = _counts()

    def get(client: Client, url: str) -> Any:
        def fn() -> Any:
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code, r.content[:300])
            return r
        return fn

    timings: dict[str, float] = {}
    timings["api_over_90"], r = _median_of(get(api, "/api/v1/credit/standings?min_utilisation=90"), runs)
    page = r.json()
    assert page["count"] == counts["over_90"], (page["count"], counts["over_90"])
    assert len(page["items"]) == min(50, counts["over_90"])
    timings["page_over_90"], r = _median_of(get(web, "/credit/limits/?min_use=90"), runs)
    timings["page_portfolio"], r = _median_of(get(web, "/credit/portfolio/"), runs)
    timings["api_portfolio"], r = _median_of(get(api, "/api/v1/credit/portfolio"), runs)
    portfolio = r.json()
    assert portfolio["customers"] == counts["customers"] - portfolio["not_computed"], portfolio["customers"]
    # a past day's figures, computed from history (nothing stored): a week ago
    week_ago = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    timings["api_over_90_as_of"], r = _median_of(
        get(api, f"/api/v1/credit/standings?min_utilisation=90&as_of={week_ago}"), runs)
    timings["api_totals_as_of"], r = _median_of(get(api, f"/api/v1/credit/totals?as_of={week_ago}"), runs)
    timings["api_portfolio_as_of"], r = _median_of(get(api, f"/api/v1/credit/portfolio?as_of={week_ago}"), runs)
    assert r.json()["as_of"] == week_ago
    refreshes = []
    for _ in range(refresh_runs):
        refreshes.append(standing.refresh().seconds)
    timings["refresh"] = statistics.median(refreshes)

    # the naive way: each customer's figures computed per request, on a sample, extrapolated
    policy = policy_in_force()
    today = timezone.localdate()
    kinds = policy.settings["cover_counts"]
    counted = policy.settings["commitment_counts"]
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    chosen = random.Random(5).sample(ids, min(sample, len(ids)))
    customers = Customer.objects.in_bulk(chosen)
    stored = dict(CreditStanding.objects.filter(customer_id__in=chosen, for_group=False, company__isnull=True)
                  .values_list("customer_id", "utilisation"))
    default_class = str(policy.settings["default_risk_class"])
    for pk in chosen[:20]:  # warm-up
        selectors.picture(customers[pk], today, policy_currency=policy.currency, default_class=default_class,
                          cover_kinds=kinds, commitment_kinds=counted)
    started = time.perf_counter()
    naive_over = 0
    for pk in chosen:
        p = selectors.picture(customers[pk], today, policy_currency=policy.currency, default_class=default_class,
                              cover_kinds=kinds, commitment_kinds=counted)
        assert p.utilisation == stored[pk], (pk, p.utilisation, stored[pk])
        naive_over += p.utilisation is not None and p.utilisation >= 90
    picture_each = (time.perf_counter() - started) / len(chosen)
    started = time.perf_counter()
    for pk in chosen:
        selectors.exposure([pk], "EUR", today, cover_kinds=kinds, commitment_kinds=counted)
    exposure_each = (time.perf_counter() - started) / len(chosen)
    return {"counts": counts, "timings": timings, "refreshes": refreshes, "naive_sample": len(chosen),
            "naive_over_90_in_sample": naive_over, "picture_each": picture_each, "exposure_each": exposure_each,
            "naive_over_90_all": picture_each * counts["customers"],
            "naive_portfolio_all": exposure_each * counts["customers"], "vendor": connection.vendor,
            "server": connection.Database.sqlite_version if connection.vendor == "sqlite"
            else f"PostgreSQL {connection.pg_version // 10000}"}


def step_checks(workdir: Path, checks: int) -> dict[str, Any]:

    from django.test import Client
    from django.utils import timezone

    from credere.ledger.models import Customer

    secret = (workdir / "token").read_text()
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="127.0.0.1")
    rng = random.Random(int(time.time()))
    run = f"S{int(time.time())}"
    accounts = dict(Customer.objects.values_list("pk", "account_number"))
    ids = list(accounts)
    today = timezone.localdate()
    sample = [rng.choice(ids) for _ in range(checks)]
    for n, pk in enumerate(sample[:5]):  # warm up: the policy, the FX table, the first queries
        api.post("/api/v1/credit/checks", {"company": "DE01", "customer_account": accounts[pk],
                                            "order_id": f"{run}-W-{n}", "amount": "1.00", "currency": "EUR"},
                 content_type="application/json")
    timings, outcomes = [], {}
    for n, pk in enumerate(sample):
        body = {"company": "DE01", "customer_account": accounts[pk], "order_id": f"{run}-{n}", "amount": "500.00",
                "currency": "EUR"}
        started = time.perf_counter()
        r = api.post("/api/v1/credit/checks", body, content_type="application/json")
        timings.append(time.perf_counter() - started)
        assert r.status_code == 200, r.content
        outcome = r.json()["decision"]
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    from credit_check import naive_check  # the same baseline as benchmarks/credit_check.py

    naive = []
    for pk in sample:
        started = time.perf_counter()
        naive_check(pk, today)
        naive.append(time.perf_counter() - started)
    return {"p50": statistics.median(timings), "p95": _pct(timings, 0.95), "naive_p50": statistics.median(naive),
            "naive_p95": _pct(naive, 0.95), "outcomes": outcomes, "checks": checks}


def child(args: argparse.Namespace) -> None:
    _setup()
    workdir = Path(args.here)
    if args.child == "seed":
        out = step_seed(workdir)
    elif args.child == "reads":
        out = step_reads(workdir, args.runs, args.refresh_runs, args.naive_sample)
    else:
        out = step_checks(workdir, args.checks)
    print(RESULT + json.dumps(out, default=str), flush=True)


# =========================================================================== served: gunicorn + clients


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _drive(port: int, secret: str, accounts: list[str], total: int, clients: int, run: str) -> dict[str, Any]:
    import requests

    rng = random.Random(int(time.time()))
    todo = [(f"{run}-{n}", rng.choice(accounts)) for n in range(total)]
    lock = threading.Lock()
    latencies: list[float] = []
    failures: dict[str, int] = {}
    ids: set[int] = set()

    def worker(part: list[tuple[str, str]]) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {secret}"
        for order_id, account in part:
            body = {"company": "DE01", "customer_account": account, "order_id": order_id, "amount": "500.00",
                    "currency": "EUR"}
            started = time.perf_counter()
            try:
                r = session.post(f"http://127.0.0.1:{port}/api/v1/credit/checks", json=body, timeout=120)
                elapsed = time.perf_counter() - started
                kind = ("ok" if r.status_code == 200 else "database is locked" if "locked" in r.text
                        else f"HTTP {r.status_code}")
                check_id = r.json()["id"] if r.status_code == 200 else None
            except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the run
                elapsed, kind, check_id = time.perf_counter() - started, type(exc).__name__, None
            with lock:
                if kind == "ok":
                    latencies.append(elapsed)
                    ids.add(check_id)
                else:
                    failures[kind] = failures.get(kind, 0) + 1

    threads = [threading.Thread(target=worker, args=(todo[i::clients],)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    assert len(ids) == len(latencies), "two answers with the same check"
    return {"clients": clients, "checks": total, "ok": len(latencies), "failures": failures, "seconds": wall,
            "per_second": len(latencies) / wall, "p50": statistics.median(latencies) if latencies else None,
            "p95": _pct(latencies, 0.95) if latencies else None}


def served(env: dict[str, str], workdir: Path, total: int, clients: int) -> list[dict[str, Any]]:
    port = _free_port()
    log = (workdir / "serve.log").open("w")  # gunicorn's error log (the access log is not kept)
    server = subprocess.Popen([sys.executable, "-m", "credere", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("credere serve did not start") from None
                time.sleep(0.3)
        secret = (workdir / "token").read_text()
        accounts = json.loads((workdir / "accounts.json").read_text())
        run = f"H{int(time.time())}"
        _drive(port, secret, accounts, 16, clients, run + "W")  # warm up every worker and thread
        one = _drive(port, secret, accounts, max(50, total // 4), 1, run + "A")
        many = _drive(port, secret, accounts, total, clients, run + "B")
        return [one, many]
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


# =========================================================================== parent


def _child(env: dict[str, str], here: Path, step: str, a: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", step, "--here", str(here), "--runs", str(a.runs),
           "--refresh-runs", str(a.refresh_runs), "--naive-sample", str(a.naive_sample), "--checks", str(a.checks)]
    out = subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    for line in out.stderr.splitlines():
        if line.startswith("credere from"):
            print(f"    ({line})", flush=True)
    return json.loads(next(x for x in out.stdout.splitlines() if x.startswith(RESULT))[len(RESULT):])


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def measure(a: argparse.Namespace, database: str, size: int, base: Path) -> dict[str, Any]:
    here = base / f"{database}-{size}"
    here.mkdir(parents=True, exist_ok=True)
    here.chmod(0o755)
    env = {**os.environ, "CREDERE_HOME": str(here / "home"), "PYTHONPATH": str(ROOT / "src"),
           "DJANGO_SETTINGS_MODULE": "credere.settings", "CREDERE_SECRET_KEY": "benchmark-only",
           "CREDERE_PROGRESS": "0"}
    server = None
    if database == "postgres":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import reporting

        reporting.PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        server = reporting.PostgresServer(here / "pgdata", reporting._free_port(a.port))
        server.start()
        env["DATABASE_URL"] = server.url
    else:
        env["DATABASE_URL"] = f"sqlite:///{here / 'bench.sqlite3'}"
    try:
        marker = here / "seeded.json"
        wanted = {"customers": size, "years": a.years}
        seeded = json.loads(marker.read_text()) if marker.exists() else {}
        if {k: seeded.get(k) for k in wanted} != wanted:
            _log(f"{database} {size:,}: seeding (credere demo-data --customers {size} --years {a.years})")
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "credere", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
            subprocess.run([sys.executable, "-m", "credere", "demo-data", "--customers", str(size), "--years",
                            str(a.years), "--replace"], env=env, cwd=ROOT, check=True, capture_output=True)
            demo = time.perf_counter() - started
            _log(f"{database} {size:,}: demo data in {demo:.0f} s; orders, limits, standings")
            seeded = {**wanted, "demo_seconds": demo, **_child(env, here, "seed", a)}
            marker.write_text(json.dumps(seeded))
        else:  # a database seeded by an earlier revision gets this one's migrations
            subprocess.run([sys.executable, "-m", "credere", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
        result: dict[str, Any] = {"database": database, "size": size, "seeded": seeded}
        if "reads" in a.parts:
            _log(f"{database} {size:,}: reads")
            result["reads"] = _child(env, here, "reads", a)
        if "checks" in a.parts:
            _log(f"{database} {size:,}: checks in process")
            result["checks"] = _child(env, here, "checks", a)
        if "served" in a.parts:
            _log(f"{database} {size:,}: checks served by gunicorn, 1 and {a.clients} clients")
            result["served"] = served(env, here, a.served_checks, a.clients)
        return result
    finally:
        if server is not None:
            server.stop()


def report(r: dict[str, Any]) -> None:
    s = r["seeded"]
    head = f"\n== {r['database']}, {r['size']:,} customers"
    if "reads" in r:
        c = r["reads"]["counts"]
        head += (f" ({r['reads']['server']}): {c['items']:,} items ({c['open_items']:,} open), "
                 f"{c['open_orders']:,} open orders, {c['limits']:,} limits, {c['over_90']:,} over 90 %")
    print(head)
    print(f"   seeded: demo data {s['demo_seconds']:.0f} s, orders + limits + standings {s['prepare_seconds']:.0f} s")
    if "reads" in r:
        rd = r["reads"]
        t = rd["timings"]
        print(f"   {'figure':<42} {'seconds':>9} | naive (per customer, extrapolated)")
        over, port = rd["naive_over_90_all"], rd["naive_portfolio_all"]
        for key, label, naive in [("api_over_90", "API standings min_utilisation=90 (+count)", over),
                                  ("page_over_90", "page Limits and use, min_use=90", over),
                                  ("page_portfolio", "page Portfolio", port),
                                  ("api_portfolio", "API portfolio", port)]:
            print(f"   {label:<42} {t[key]:>9.3f} | {naive:>9.1f} s  ({naive / t[key]:,.0f}x)")
        for key, label in [("api_over_90_as_of", "API standings min_utilisation=90, a week ago"),
                           ("api_totals_as_of", "API totals, a week ago"),
                           ("api_portfolio_as_of", "API portfolio, a week ago")]:
            if key in t:
                print(f"   {label:<42} {t[key]:>9.3f} | computed from history (ratio to today's stored "
                      f"{t[key] / t['api_over_90' if 'over' in key else 'api_portfolio']:,.0f}x)")
        print(f"   {'standing.refresh() (everyone)':<42} {t['refresh']:>9.2f} | runs "
              + ", ".join(f"{x:.1f}" for x in rd["refreshes"]))
        print(f"   naive on {rd['naive_sample']} customers: picture() {rd['picture_each'] * 1000:.1f} ms each, "
              f"exposure sum {rd['exposure_each'] * 1000:.1f} ms each; the sample's use agreed with the stored one")
    if "checks" in r:
        ch = r["checks"]
        print(f"   check in process ({ch['checks']} checks): p50 {ch['p50'] * 1000:.1f} ms, p95 {ch['p95'] * 1000:.1f} ms"
              f" | naive p50 {ch['naive_p50'] * 1000:.1f} ms, p95 {ch['naive_p95'] * 1000:.1f} ms"
              f" (ratio p50 {ch['p50'] / ch['naive_p50']:.1f}x)  outcomes {ch['outcomes']}")
    for sv in r.get("served", []):
        p50 = f"{sv['p50'] * 1000:.1f}" if sv["p50"] else "-"
        p95 = f"{sv['p95'] * 1000:.1f}" if sv["p95"] else "-"
        print(f"   served, {sv['clients']} client(s): {sv['ok']}/{sv['checks']} ok in {sv['seconds']:.1f} s = "
              f"{sv['per_second']:.1f} checks/s, p50 {p50} ms, p95 {p95} ms, failures {sv['failures'] or 'none'}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--customers", default="2000", help="Sizes, comma-separated (default 2000)")
    p.add_argument("--years", type=int, default=2, help="Years of demo history (default 2: ~22 items per customer)")
    p.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--parts", default="reads,checks,served", help="What to measure (default reads,checks,served)")
    p.add_argument("--runs", type=int, default=5, help="Timed runs of each read; the median (default 5)")
    p.add_argument("--refresh-runs", type=int, default=3, help="Timed full refreshes; the median (default 3)")
    p.add_argument("--naive-sample", type=int, default=500, help="Customers timed the naive way (default 500)")
    p.add_argument("--checks", type=int, default=300, help="Sequential checks in process (default 300)")
    p.add_argument("--served-checks", type=int, default=400, help="Checks by the concurrent clients (default 400)")
    p.add_argument("--clients", type=int, default=8, help="Concurrent clients (default 8)")
    p.add_argument("--port", type=int, default=55433, help="PostgreSQL port (default 55433, or a free one)")
    p.add_argument("--workdir", help="Keep the seeded databases here and reuse them (default: a temp dir)")
    p.add_argument("--child", choices=["seed", "reads", "checks"], help=argparse.SUPPRESS)
    p.add_argument("--here", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        child(a)
        return 0
    base = Path(a.workdir).resolve() if a.workdir else Path(tempfile.mkdtemp(prefix="credere-scale-"))
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)  # the postgres user must reach its data directory
    databases = ["sqlite", "postgres"] if a.database == "both" else [a.database]
    results = []
    try:
        for size in [int(x) for x in a.customers.split(",")]:
            for database in databases:  # one at a time: the machine has 2 cores
                results.append(measure(a, database, size, base))
                (base / "results.json").write_text(json.dumps(results, indent=1, default=str))
                report(results[-1])
    finally:
        if not a.workdir:
            shutil.rmtree(base, ignore_errors=True)
    print(f"\n{os.cpu_count()} cores; seconds unless said otherwise")
    return 0


if __name__ == "__main__":
    sys.exit(main())
