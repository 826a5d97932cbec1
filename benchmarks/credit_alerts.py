"""Benchmark the alert run: every rule over the whole portfolio, first run and a second run.

    .venv/bin/python benchmarks/credit_alerts.py [--customers 5000,50000] [--years 1]

For each size, a fresh embedded SQLite database gets the seeded demo portfolio (``credere
demo-data``, about 10 invoices per customer and year, with payments and allocations), then:

* the standings are computed once without limits, and every customer gets a limit from its
  exposure: 8 % of them about 95 % used, 3 % over the limit, the rest at twice the exposure;
  6 % of the limits expire within 20 days; 5 % of the customers have credit insurance expiring within
  15 days; 2 % have an order held 30 hours ago (past the 24-hour SLA);
* the standings are refreshed (timed: "refresh"), the alert run is timed on its first run over
  everyone (every condition raised: "run 1") and on a second run (nothing new: "run 2"); then what
  a ledger change of one customer costs once it commits (its standings refreshed and its alert rules
  evaluated, :func:`credere.credit.services.standing.after_ledger_change`), the mean of 5 customers.

The figures are checked, so that no time is printed for a wrong answer: the second run raises
nothing; the utilisation alerts are exactly the standings at or above 90 %; the limit-expiry alerts
exactly the limits expiring within 30 days; the hold alerts exactly the held orders.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(customers: int) -> None:
    import datetime as dt
    import random
    from decimal import Decimal

    import django

    django.setup()
    from django.utils import timezone

    from credere.credit.models import Alert, Cover, CreditCheck, CreditLimit, CreditStanding, Order
    from credere.credit.services import alerts, standing
    from credere.ledger.models import Company, Customer, OpenItem

    rng = random.Random(11)
    today = timezone.localdate()
    now = timezone.now()
    standing.refresh()
    exposure = dict(CreditStanding.objects.filter(for_group=False).values_list("customer_id", "exposure"))
    limits, covers, orders = [], [], []
    de = Company.objects.order_by("pk").first()
    for pk in Customer.objects.order_by("pk").values_list("pk", flat=True):
        e = max(exposure.get(pk, Decimal(0)), Decimal(1000))
        roll = rng.random()
        amount = (e / Decimal("0.95") if roll < 0.08 else e / Decimal("1.10") if roll < 0.11 else e * 2)
        expires = today + dt.timedelta(days=rng.randint(1, 20)) if rng.random() < 0.06 else None
        limits.append(CreditLimit(customer_id=pk, currency="EUR", amount=amount.quantize(Decimal("0.01")),
                                  valid_from=today, expires_on=expires, approved_by="bench"))
        if rng.random() < 0.05:
            covers.append(Cover(customer_id=pk, kind="insurance", provider="Allianz Trade", currency="EUR",
                                amount=Decimal("10000"), coverage_pct=Decimal(90), valid_from=today,
                                expires_on=today + dt.timedelta(days=rng.randint(1, 15)), note="bench",
                                recorded_by="bench"))
        if rng.random() < 0.02:
            orders.append(Order(company=de, customer_id=pk, order_id=f"HELD-{pk}", currency="EUR",
                                amount=Decimal("5000"), open_amount=Decimal("5000"), credit_status="held"))
    CreditLimit.objects.bulk_create(limits, batch_size=2000)
    Cover.objects.bulk_create(covers, batch_size=2000)
    Order.objects.bulk_create(orders, batch_size=2000)
    CreditCheck.objects.bulk_create([CreditCheck(order=o, order_version=1, outcome="held", status="held",
                                                 amount=o.amount, currency="EUR", checked_by="bench",
                                                 reasons=[{"code": "OVER_LIMIT", "text": "bench"}])
                                     for o in orders], batch_size=2000)
    CreditCheck.objects.update(checked_at=now - dt.timedelta(hours=30))
    refreshed = standing.refresh()
    first = alerts.run()
    second = alerts.run()
    some = list(Customer.objects.order_by("?").values_list("pk", flat=True)[:5])
    started = time.perf_counter()
    for pk in some:  # what a ledger change of one customer costs after its commit
        standing.after_ledger_change([pk])
    one = (time.perf_counter() - started) / len(some)
    live = Alert.objects.filter(cleared_at__isnull=True)
    assert second.raised == 0 and second.cleared == 0 and second.still_true == first.raised, (first, second)
    over = set(CreditStanding.objects.filter(utilisation__gte=90, problem="").values_list("key", flat=True))
    assert {k.split(":", 1)[1] for k in live.filter(kind="utilisation").values_list("condition_key", flat=True)} == over
    expiring = set(CreditLimit.objects.filter(expires_on__lte=today + dt.timedelta(days=30))
                   .values_list("pk", flat=True))
    assert {int(k.split(":")[1]) for k in live.filter(kind="limit_expiry").values_list("condition_key", flat=True)} \
        == expiring
    assert live.filter(kind="hold_sla").count() == len(orders)
    by_kind = {k: live.filter(kind=k).count() for k in alerts.CREDIT_KINDS}
    print(f"RESULT {customers} {OpenItem.objects.count()} {refreshed.rows} {refreshed.seconds:.2f} "
          f"{first.seconds:.2f} {first.raised} {second.seconds:.2f} {one * 1000:.0f} "
          + " ".join(f"{k}={v}" for k, v in by_kind.items()))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--customers", default="5000,50000")
    p.add_argument("--years", type=int, default=1, help="Years of demo history (default 1: faster to seed)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        child(int(a.customers))
        return
    print(f"{'customers':>10} {'items':>10} {'standings':>9} {'refresh s':>9} | {'run 1 s':>8} {'raised':>7} "
          f"{'run 2 s':>8} {'1 cust ms':>9} | alerts by kind")
    for size in [int(s) for s in a.customers.split(",")]:
        with tempfile.TemporaryDirectory(prefix="credere-bench-") as home:
            env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
            env.update({"CREDERE_HOME": home, "PYTHONPATH": str(ROOT / "src"),
                        "DJANGO_SETTINGS_MODULE": "credere.settings"})
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "credere", "migrate", "-v", "0"], env=env, check=True)
            subprocess.run([sys.executable, "-m", "credere", "demo-data", "--customers", str(size), "--years",
                            str(a.years)], env=env, check=True, capture_output=True)
            seeded = time.perf_counter() - started
            out = subprocess.run([sys.executable, __file__, "--child", "--customers", str(size)],
                                 env=env, check=True, capture_output=True, text=True).stdout
            line = next(x for x in out.splitlines() if x.startswith("RESULT")).split()[1:]
            c, items, rows, refresh, run1, raised, run2, one, *kinds = line
            print(f"{int(c):>10,} {int(items):>10,} {int(rows):>9,} {float(refresh):>9.2f} | {float(run1):>8.2f} "
                  f"{int(raised):>7,} {float(run2):>8.2f} {int(one):>9} | {' '.join(kinds)}  (seeded in {seeded:.0f} s)",
                  flush=True)


if __name__ == "__main__":
    main()
