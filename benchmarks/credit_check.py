"""Benchmark the order credit check: latency per check as the portfolio grows.

    .venv/bin/python benchmarks/credit_check.py [--customers 2000,10000] [--checks 300] [--orders-per-customer 2]

For each size, a fresh embedded SQLite database gets the seeded demo portfolio (about 20
invoices per customer and year, two years), a credit limit for every customer, and open
orders; then ``--checks`` orders of random customers are checked one after the other through the
API (``POST /api/v1/credit/checks``, in process, with a bearer token), and the median (p50) and
p95 latency are printed. The baseline in the same run is a naive check of the same orders: it
loads the customer's open items and open orders into Python and sums them per request, then
applies the limit — reads only, no lock, no stored decision, no audit event. Ratio = Credere's
p50 / the naive p50; what matters is how both grow with the portfolio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def naive_check(customer_id: int, today: Any, amount: Any = "500", limit: Any = "250000") -> bool:
    """The baseline: load the customer's open items and open orders into Python, convert and sum them,
    compare with the limit — reads only, no lock, no stored decision, no audit event."""
    from decimal import Decimal

    from credere.credit.models import Order
    from credere.ledger.models import OpenItem
    from credere.ledger.services.fx import rate_table

    items = list(OpenItem.objects.filter(customer_id=customer_id).exclude(open_amount=0)
                 .values_list("currency", "open_amount"))
    orders = list(Order.objects.filter(customer_id=customer_id, status="open").values_list("currency", "open_amount"))
    table = rate_table(today, {c for c, _a in items + orders} | {"EUR"})
    exposure = sum((table.convert(a, c, "EUR", today) for c, a in items + orders), Decimal(0))
    return exposure + Decimal(amount) <= Decimal(limit)


def child(customers: int, checks: int, per_customer: int) -> None:
    import random
    from decimal import Decimal

    import django

    django.setup()
    from django.test import Client
    from django.utils import timezone

    from credere.credit.models import CreditLimit, Order
    from credere.identity.services import create_user, issue_token
    from credere.ledger.models import Company, Customer, OpenItem

    manager = create_user(actor=None, username="bench-manager", roles=["credit_manager"])
    _t, secret = issue_token(actor=None, user=manager, name="bench")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="127.0.0.1")
    de = Company.objects.get(code="DE01")
    ids = list(Customer.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    CreditLimit.objects.bulk_create([CreditLimit(customer_id=pk, currency="EUR", amount=Decimal("250000"),
                                                 valid_from=today, approved_by="bench") for pk in ids])
    rng = random.Random(7)
    Order.objects.bulk_create([Order(company=de, customer_id=pk, order_id=f"OPEN-{pk}-{n}", currency="EUR",
                                     amount=Decimal("1000"), open_amount=Decimal("1000"), credit_status="released")
                               for pk in ids for n in range(per_customer)])
    accounts = dict(Customer.objects.values_list("pk", "account_number"))
    sample = [rng.choice(ids) for _ in range(checks)]
    for n, pk in enumerate(sample[:5]):  # warm up: the policy, the FX table, the first queries
        api.post("/api/v1/credit/checks", {"company": "DE01", "customer_account": accounts[pk],
                                            "order_id": f"W-{n}", "amount": "1.00", "currency": "EUR"},
                 content_type="application/json")
    timings = []
    for n, pk in enumerate(sample):
        body = {"company": "DE01", "customer_account": accounts[pk], "order_id": f"B-{n}", "amount": "500.00",
                "currency": "EUR"}
        start = time.perf_counter()
        r = api.post("/api/v1/credit/checks", body, content_type="application/json")
        timings.append(time.perf_counter() - start)
        assert r.status_code == 200, r.content
    naive = []
    for pk in sample:
        start = time.perf_counter()
        naive_check(pk, today)
        naive.append(time.perf_counter() - start)
    def pct(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000
    items = OpenItem.objects.count()
    print(f"RESULT {customers} {items} {Order.objects.count()} {statistics.median(timings) * 1000:.1f} "
          f"{pct(timings, 0.95):.1f} {statistics.median(naive) * 1000:.1f} {pct(naive, 0.95):.1f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--customers", default="2000,10000")
    p.add_argument("--checks", type=int, default=300)
    p.add_argument("--orders-per-customer", type=int, default=2)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        child(int(a.customers), a.checks, a.orders_per_customer)
        return
    print(f"{'customers':>10} {'items':>10} {'orders':>8} {'p50 ms':>8} {'p95 ms':>8} | {'naive p50':>9} "
          f"{'naive p95':>9} {'ratio':>6}")
    for size in [int(s) for s in a.customers.split(",")]:
        with tempfile.TemporaryDirectory(prefix="credere-bench-") as home:
            env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
            env.update({"CREDERE_HOME": home, "PYTHONPATH": str(ROOT / "src"),
                        "DJANGO_SETTINGS_MODULE": "credere.settings"})
            # the demo portfolio without the demo's credit set-up: the benchmark sets its own limits
            subprocess.run([sys.executable, "-m", "credere", "migrate", "-v", "0"], env=env, check=True,
                           capture_output=True)
            subprocess.run([sys.executable, "-m", "credere", "demo-data", "--customers", str(size), "--years", "2"],
                           env=env, check=True, capture_output=True)
            out = subprocess.run([sys.executable, __file__, "--child", "--customers", str(size), "--checks",
                                  str(a.checks), "--orders-per-customer", str(a.orders_per_customer)],
                                 env=env, check=True, capture_output=True, text=True).stdout
            line = next(x for x in out.splitlines() if x.startswith("RESULT")).split()[1:]
            c, items, orders, p50, p95, n50, n95 = line
            print(f"{int(c):>10,} {int(items):>10,} {int(orders):>8,} {float(p50):>8.1f} {float(p95):>8.1f} | "
                  f"{float(n50):>9.1f} {float(n95):>9.1f} {float(p50) / float(n50):>6.2f}")


if __name__ == "__main__":
    main()
