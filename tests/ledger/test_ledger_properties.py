"""Hypothesis against the real services and database: stored amounts always reconcile."""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credere.core.errors import BusinessError
from credere.ledger.models import Allocation, OpenItem, Payment
from credere.ledger.services.allocations import allocate, reverse_allocation
from credere.ledger.services.documents import record_payment, upsert_item

cents = st.integers(min_value=1, max_value=500_00).map(lambda c: Decimal(c).scaleb(-2))


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(cents, min_size=1, max_size=3), pays=st.lists(cents, min_size=1, max_size=3),
       ops=st.lists(st.tuples(st.booleans(), st.integers(0, 2), st.integers(0, 2), cents), max_size=12))
def test_open_amounts_always_equal_amount_minus_active_allocations(admin, company, customer, items, pays, ops):
    Allocation.objects.all().delete()
    OpenItem.objects.all().delete()
    Payment.objects.all().delete()
    day = dt.date(2026, 3, 1)
    its = [upsert_item(actor=admin, company=company, customer=customer, document_type="invoice",
                       document_number=f"I{i}", document_date=day, due_date=day, currency="EUR", amount=a)[0]
           for i, a in enumerate(items)]
    ps = [record_payment(actor=admin, company=company, customer=customer, reference=f"P{i}", received_on=day,
                         currency="EUR", amount=a)[0] for i, a in enumerate(pays)]
    made = []
    for is_reverse, ti, pi, amount in ops:
        if is_reverse and made:
            reverse_allocation(actor=admin, allocation_id=made.pop().pk, reversed_on=day, reason="test")
            continue
        with contextlib.suppress(BusinessError):
            made.append(allocate(actor=admin, target_id=its[ti % len(its)].pk, payment_id=ps[pi % len(ps)].pk,
                                 amount=amount, applied_on=day))
    for item in OpenItem.objects.all():
        active = item.allocations.filter(reversed_on__isnull=True).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        assert item.open_amount == item.amount - active
        assert Decimal(0) <= item.open_amount <= item.amount
    for p in Payment.objects.all():
        used = p.allocations.filter(reversed_on__isnull=True).aggregate(s=Sum("source_amount"))["s"] or Decimal(0)
        assert p.unapplied_amount == p.amount - used
        assert Decimal(0) <= p.unapplied_amount <= p.amount
