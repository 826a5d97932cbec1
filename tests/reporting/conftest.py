"""A small hand-computed portfolio for the reporting tests (expected figures in the tests).

Two companies (DE01 in EUR, US01 in USD), a corporate group G1 > G1A > G1A1 and a standalone
customer S1, EUR/USD 1.25 (so 1 USD = 0.80 EUR) at the end of February and March 2026, and
allocations applied or reversed before and after the as-of date 2026-03-31.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

D = Decimal
AS_OF = dt.date(2026, 3, 31)


@pytest.fixture
def reporter(db):
    """An administrator without a password (hashing one would slow every test down)."""
    from credere.identity.services import create_user

    return create_user(actor=None, username="reporter", roles=["administrator"])


@pytest.fixture
def make_role_user(db):
    from credere.identity.services import create_user

    def make(*roles: str, username: str):
        return create_user(actor=None, username=username, roles=list(roles))

    return make


def _add_item(company, customer, kind, number, posted, due, currency, amount):
    from credere.ledger.models import OpenItem

    return OpenItem.objects.create(
        company=company, customer=customer, document_type=kind, document_number=number, document_date=posted,
        posting_date=posted, due_date=due, currency=currency, amount=D(amount), open_amount=D(amount))


@pytest.fixture
def add_item():
    """``add_item(company, customer, kind, number, posted, due, currency, amount)`` without allocations."""
    return _add_item


@pytest.fixture
def book(reporter):
    from credere.ledger.models import Company, Customer, FxRate
    from credere.ledger.services.allocations import allocate, reverse_allocation
    from credere.ledger.services.documents import record_payment

    de = Company.objects.create(code="DE01", name="Credere GmbH", base_currency="EUR")
    us = Company.objects.create(code="US01", name="Credere Inc", base_currency="USD")
    g1 = Customer.objects.create(account_number="G1", name="Globex Holding")
    g1a = Customer.objects.create(account_number="G1A", name="Globex Trading", parent=g1)
    g1a1 = Customer.objects.create(account_number="G1A1", name="Globex Retail", parent=g1a)
    s1 = Customer.objects.create(account_number="S1", name="Solo Ltd")
    for day, rate in ((dt.date(2026, 1, 31), "1.20"), (dt.date(2026, 2, 28), "1.25"), (dt.date(2026, 3, 31), "1.25")):
        FxRate.objects.create(rate_date=day, base="EUR", quote="USD", rate=D(rate))

    inv1 = _add_item(de, g1a, "invoice", "INV-1", dt.date(2026, 1, 5), dt.date(2026, 2, 4), "EUR", "1000.00")
    inv2 = _add_item(de, g1a1, "invoice", "INV-2", dt.date(2026, 2, 10), dt.date(2026, 3, 12), "EUR", "500.00")
    inv3 = _add_item(de, s1, "invoice", "INV-3", dt.date(2026, 3, 20), dt.date(2026, 4, 19), "EUR", "300.00")
    cn1 = _add_item(de, s1, "credit_note", "CN-1", dt.date(2026, 3, 5), dt.date(2026, 3, 5), "EUR", "-100.00")
    inv4 = _add_item(de, g1, "invoice", "INV-4", dt.date(2025, 10, 1), dt.date(2025, 10, 31), "EUR", "200.00")
    inv_u1 = _add_item(us, s1, "invoice", "INV-U1", dt.date(2026, 2, 15), dt.date(2026, 3, 17), "USD", "800.00")
    dn_u1 = _add_item(us, g1, "debit_note", "DN-U1", dt.date(2026, 3, 30), dt.date(2026, 4, 29), "USD", "50.00")
    inv5 = _add_item(de, g1a, "invoice", "INV-5", dt.date(2026, 4, 10), dt.date(2026, 5, 10), "EUR", "999.00")

    def pay(company, customer, ref, day, ccy, amount):
        return record_payment(actor=reporter, company=company, customer=customer, reference=ref, received_on=day,
                              currency=ccy, amount=D(amount))[0]

    p1 = pay(de, g1a, "P1", dt.date(2026, 3, 10), "EUR", "600.00")
    allocate(actor=reporter, target_id=inv1.pk, payment_id=p1.pk, amount=D("600.00"), applied_on=dt.date(2026, 3, 10))
    p2 = pay(de, g1, "P2", dt.date(2026, 4, 5), "EUR", "200.00")
    allocate(actor=reporter, target_id=inv4.pk, payment_id=p2.pk, amount=D("200.00"), applied_on=dt.date(2026, 4, 5))
    p3 = pay(de, g1a1, "P3", dt.date(2026, 3, 1), "EUR", "500.00")
    a3 = allocate(actor=reporter, target_id=inv2.pk, payment_id=p3.pk, amount=D("500.00"),
                  applied_on=dt.date(2026, 3, 1))
    reverse_allocation(actor=reporter, allocation_id=a3.pk, reversed_on=dt.date(2026, 4, 2), reason="bounced")
    allocate(actor=reporter, target_id=inv3.pk, credit_note_id=cn1.pk, amount=D("100.00"),
             applied_on=dt.date(2026, 4, 3))
    p4 = pay(us, s1, "P4", dt.date(2026, 3, 20), "USD", "300.00")
    a4 = allocate(actor=reporter, target_id=inv_u1.pk, payment_id=p4.pk, amount=D("300.00"),
                  applied_on=dt.date(2026, 3, 20))
    reverse_allocation(actor=reporter, allocation_id=a4.pk, reversed_on=dt.date(2026, 3, 25), reason="wrong item")
    return SimpleNamespace(de=de, us=us, g1=g1, g1a=g1a, g1a1=g1a1, s1=s1, inv1=inv1, inv2=inv2, inv3=inv3,
                           cn1=cn1, inv4=inv4, inv_u1=inv_u1, dn_u1=dn_u1, inv5=inv5, actor=reporter)
