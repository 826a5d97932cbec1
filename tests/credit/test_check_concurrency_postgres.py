"""Four processes check orders for the same customer at once on PostgreSQL: the orders released never
add up to more than the limit (the check locks the customer, so each sees the ones before it), and
the standing the last check leaves is what a refresh computes."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum

from credere.credit.models import CreditCheck, CreditLimit, CreditStanding, Order
from credere.credit.services import standing

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_checks_never_over_commit(make_user, company, customer):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the test command runs this suite again with DATABASE_URL)")
    make_user("credit_manager", username="manager")
    CreditLimit.objects.create(customer=customer, currency="EUR", amount=Decimal("1000.00"),
                               valid_from="2020-01-01", approved_by="test")
    s = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"}
    worker = Path(__file__).with_name("check_worker.py")
    procs = [subprocess.Popen([sys.executable, str(worker), f"P{n}", "15", "30.00"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for n in range(4)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        results.append(tuple(int(x) for x in out.split()))
    released = sum(r for r, _ in results)
    # 60 orders of 30.00 against a limit of 1,000.00 and no receivables: exactly 33 fit (990.00)
    assert released == 33 and sum(h for _, h in results) == 27
    total = Order.objects.filter(credit_status="released").aggregate(s=Sum("open_amount"))["s"]
    assert total == Decimal("990.00") and CreditCheck.objects.count() == 60
    fields = [f for f in standing._FIELDS if f != "refreshed_at"]
    left = list(CreditStanding.objects.filter(customer=customer).values(*fields))
    assert left[0]["orders"] == Decimal("990.00")
    standing.refresh([customer.pk], on=left[0]["as_of"])  # the workers' day (this test's clock stands still)
    assert left == list(CreditStanding.objects.filter(customer=customer).values(*fields))
