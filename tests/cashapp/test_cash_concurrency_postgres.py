"""Matching runs in several processes at once on PostgreSQL never apply the same money twice."""

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum

from credere.cashapp.models import MatchProposal
from credere.ledger.models import Allocation, OpenItem, Payment
from credere.ledger.services.documents import record_payment, upsert_item
from credere.ledger.services.master_data import upsert_customer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 4


def test_concurrent_matching_runs_apply_each_payment_once(admin, company):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the test command runs this suite again with DATABASE_URL)")
    day = dt.date(2026, 11, 2)
    customers = [upsert_customer(actor=admin, account_number=f"K{n}", name=f"Kunde {n} Handel GmbH")[0]
                 for n in range(10)]
    payments = []
    for n in range(60):
        customer = customers[n % 10]
        amount = Decimal(100 + n) + Decimal("0.25")
        upsert_item(actor=admin, company=company, customer=customer, document_type="invoice",
                    document_number=f"RE-{7000 + n}", document_date=dt.date(2026, 10, 1),
                    due_date=dt.date(2026, 10, 31), currency="EUR", amount=amount)
        # every third payment also quotes the next invoice: two payments compete for one item
        text = f"RE-{7000 + n}" + (f" RE-{7001 + n}" if n % 3 == 0 and n < 59 else "")
        payments.append(record_payment(actor=admin, company=company, reference=f"P{n}", received_on=day,
                                       currency="EUR", amount=amount, payer_name=customer.name,
                                       reference_text=text)[0])
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    env = {**os.environ, "DATABASE_URL": url}
    worker = Path(__file__).with_name("match_worker.py")
    procs = [subprocess.Popen([sys.executable, str(worker), "admin"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(WORKERS)]
    applied = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        applied.append(int(out.split()[-1]))
    assert sum(applied) == 60  # each payment applied by exactly one of the runs
    assert MatchProposal.objects.filter(status="applied").values("payment").distinct().count() == 60
    assert MatchProposal.objects.filter(status="applied").count() == 60
    for item in OpenItem.objects.all():
        active = item.allocations.filter(reversed_on__isnull=True).aggregate(s=Sum("amount"))["s"] or 0
        assert item.open_amount == item.amount - active == Decimal(0)
    for pay in Payment.objects.all():
        used = pay.allocations.aggregate(s=Sum("source_amount"))["s"] or Decimal(0)
        assert pay.unapplied_amount == pay.amount - used == Decimal(0)
    assert Allocation.objects.count() == 60
