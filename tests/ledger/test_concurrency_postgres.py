"""Several processes allocate against the same items at once on PostgreSQL: nothing is over-allocated."""

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum

from credere.ledger.models import Allocation, OpenItem, Payment
from credere.ledger.services.documents import record_payment, upsert_item

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_allocations_never_over_allocate(admin, company, customer):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the test command runs this suite again with DATABASE_URL)")
    day = dt.date(2026, 4, 1)
    targets = [upsert_item(actor=admin, company=company, customer=customer, document_type="invoice",
                           document_number=f"C{i}", document_date=day, due_date=day, currency="EUR",
                           amount=Decimal("15.00"))[0] for i in range(2)]
    payments = [record_payment(actor=admin, company=company, customer=customer, reference=f"CP{i}", received_on=day,
                               currency="EUR", amount=Decimal("12.00"))[0] for i in range(4)]
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    worker = Path(__file__).with_name("allocate_worker.py")
    env = {**os.environ, "DATABASE_URL": url}
    procs = [subprocess.Popen([sys.executable, str(worker), str(p.pk), ",".join(str(t.pk) for t in targets), "20"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for p in payments]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(tuple(int(x) for x in out.split()))
    succeeded = sum(ok for ok, _ in results)
    assert succeeded == 30  # two invoices of 15.00, each allocation 1.00; 48.00 of cash offered
    for item in OpenItem.objects.filter(pk__in=[t.pk for t in targets]):
        active = item.allocations.filter(reversed_on__isnull=True).aggregate(s=Sum("amount"))["s"]
        assert item.open_amount == Decimal("0.00") and active == item.amount
    for pay in Payment.objects.filter(pk__in=[p.pk for p in payments]):
        used = pay.allocations.aggregate(s=Sum("source_amount"))["s"] or Decimal(0)
        assert pay.unapplied_amount == pay.amount - used >= 0
    assert Allocation.objects.count() == 30
