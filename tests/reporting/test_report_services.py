"""Selectors and services against the database: as-of logic, exact figures, reconciliation, rights."""

import datetime as dt
import random
from decimal import Decimal

import pytest

from credere.audit.models import AuditEvent
from credere.core.errors import BusinessError
from credere.domain.aging import AllocationHistory, bucket_of, due_boundaries, make_buckets, open_as_of
from credere.identity.authz import NotAllowed
from credere.ledger.models import Allocation, Company, Customer, FxRate, OpenItem, Payment
from credere.reporting import services
from credere.reporting.selectors import portfolio as selectors

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 3, 31)
D = Decimal
Z = D("0.00")


def _lines(report):
    return [(line.key, line.currency, line.amounts, line.total, line.converted_total) for line in report.lines]


def test_aging_by_customer_as_of_a_past_date(book):
    report = services.aging_report(actor=book.actor, as_of=AS_OF, by="customer")
    assert _lines(report) == [
        ("G1", "EUR", (Z, Z, Z, Z, Z, D("200.00")), D("200.00"), D("200.00")),  # paid only on 5 April
        ("G1", "USD", (D("50.00"), Z, Z, Z, Z, Z), D("50.00"), D("40.00")),
        ("G1A", "EUR", (Z, Z, D("400.00"), Z, Z, Z), D("400.00"), D("400.00")),
        # G1A1: INV-2 was paid on 1 March and that payment reversed only on 2 April
        ("S1", "EUR", (D("300.00"), D("-100.00"), Z, Z, Z, Z), D("200.00"), D("200.00")),
        ("S1", "USD", (Z, D("800.00"), Z, Z, Z, Z), D("800.00"), D("640.00")),
    ]
    assert [line.name for line in report.lines][:1] == ["Globex Holding"]
    assert report.totals == (D("340.00"), D("540.00"), D("400.00"), Z, Z, D("200.00"))
    assert report.total == D("1480.00") and report.items == 6


def test_aging_by_group_company_and_currency(book):
    by_group = services.aging_report(actor=book.actor, as_of=AS_OF, by="group")
    assert [(line.key, line.name, line.currency, line.total) for line in by_group.lines] == [
        ("G1", "Globex Holding", "EUR", D("600.00")), ("G1", "Globex Holding", "USD", D("50.00")),
        ("S1", "Solo Ltd", "EUR", D("200.00")), ("S1", "Solo Ltd", "USD", D("800.00"))]
    by_company = services.aging_report(actor=book.actor, as_of=AS_OF, by="company")
    assert [(line.key, line.name, line.currency, line.total) for line in by_company.lines] == [
        ("DE01", "Credere GmbH", "EUR", D("800.00")), ("US01", "Credere Inc", "USD", D("850.00"))]
    by_currency = services.aging_report(actor=book.actor, as_of=AS_OF, by="currency")
    assert [(line.key, line.total, line.converted_total) for line in by_currency.lines] == [
        ("EUR", D("800.00"), D("800.00")), ("USD", D("850.00"), D("680.00"))]
    assert by_group.total == by_company.total == by_currency.total == D("1480.00")


def test_aging_today_uses_the_current_open_amounts(book):
    """After every allocation date the report equals the denormalised open amounts."""
    today = dt.date(2026, 6, 30)
    FxRate.objects.create(rate_date=today, base="EUR", quote="USD", rate=D("1.25"))
    report = services.aging_report(actor=book.actor, as_of=today, by="currency")
    expected = {}
    for item in OpenItem.objects.all():
        expected[item.currency] = expected.get(item.currency, Z) + item.open_amount
    assert {t.currency: t.total for t in report.currency_totals} == expected == {
        "EUR": D("400.00") + D("500.00") + D("200.00") + D("999.00"), "USD": D("850.00")}


def test_aging_for_one_company_custom_buckets_and_usd(book):
    report = services.aging_report(actor=book.actor, as_of=AS_OF, company=book.de, currency="USD", by="customer",
                                   limits=(0, 60))
    assert [b.label for b in report.buckets] == ["Not due", "1–60", "Over 60"]
    assert [(line.key, line.amounts, line.converted_total) for line in report.lines] == [
        ("G1", (Z, Z, D("200.00")), D("250.00")),
        ("G1A", (Z, D("400.00"), Z), D("500.00")),
        ("S1", (D("300.00"), D("-100.00"), Z), D("250.00")),
    ]
    assert report.total == D("1000.00") and report.reporting_currency == "USD"


def test_cycle_in_the_group_tree_is_not_dropped(book):
    """Customers that do not reach a root (a cycle) are their own group: never silently lost."""
    Customer.objects.filter(pk=book.g1.pk).update(parent=book.g1a1)
    report = services.aging_report(actor=book.actor, as_of=AS_OF, by="group")
    assert report.total == D("1480.00")
    assert {line.key for line in report.lines} == {"G1", "G1A", "S1"}


def test_metrics_hand_computed(book):
    m = services.metrics_report(actor=book.actor, as_of=AS_OF)
    assert (m.receivables, m.current, m.overdue, m.credit_sales) == (
        D("1480.00"), D("340.00"), D("1140.00"), D("2380.00"))
    assert (m.dso_simple, m.dso_countback, m.best_possible_dso, m.average_days_delinquent) == (
        D("55.97"), D("62.10"), D("12.86"), D("43.11"))
    assert (m.cei_opening, m.cei_credit_sales, m.cei, m.overdue_share) == (
        D("2340.00"), D("240.00"), D("49.11"), D("77.03"))


def test_metrics_for_one_company(book):
    m = services.metrics_report(actor=book.actor, as_of=AS_OF, company=book.us, currency="USD", dso_days=30)
    # US01: INV-U1 800 (due 17 March), DN-U1 50 (not due); sales in the last 30 days: DN-U1 only
    assert (m.receivables, m.current, m.credit_sales) == (D("850.00"), D("50.00"), D("50.00"))
    assert m.dso_simple == D("510.00") and m.best_possible_dso == D("30.00")
    assert m.dso_countback == D("59.00")  # March: 50 of 850 (31 days), then all of February's 800 (28 days)
    assert m.cei == D("0.00")  # opening 800 + sales 50 - closing 850 = 0


def test_countback_loads_older_sales_when_needed(book):
    """INV-4 (October) is still open in January: the countback walks back past the first three months."""
    m = services.metrics_report(actor=book.actor, as_of=dt.date(2026, 1, 31), company=book.de)
    assert m.receivables == D("1200.00")
    assert m.dso_countback == D("123.00")  # January 1000, December 0, November 0, October 200 of 200


def test_series_month_ends(book):
    points = services.metrics_series(actor=book.actor, as_of=dt.date(2026, 4, 15), months=3)
    assert [p.as_of for p in points] == [dt.date(2026, 1, 31), dt.date(2026, 2, 28), AS_OF]
    assert [p.receivables for p in points] == [D("1200.00"), D("2340.00"), D("1480.00")]
    assert [p.dso_countback for p in points] == [D("123.00"), D("151.00"), D("62.10")]
    assert [p.cei for p in points] == [D("0.00"), D("0.00"), D("49.11")]
    assert points[-1] == services.metrics_report(actor=book.actor, as_of=AS_OF)


def test_top_overdue(book):
    top = services.top_overdue(actor=book.actor, as_of=AS_OF, limit=2)
    assert [(t.rank, t.key, t.name, t.overdue, t.receivables, t.share_of_overdue, t.days_past_due)
            for t in top] == [
        (1, "S1", "Solo Ltd", D("540.00"), D("840.00"), D("47.37"), 14),
        (2, "G1A", "Globex Trading", D("400.00"), D("400.00"), D("35.09"), 55),
    ]


def test_missing_fx_rate_is_a_clear_4xx(book, add_item):
    gb = Company.objects.create(code="GB01", name="Credere Ltd", base_currency="GBP")
    add_item(gb, book.s1, "invoice", "GB-1", dt.date(2026, 3, 1), dt.date(2026, 3, 31), "GBP", "10.00")
    for call in (services.aging_report, services.metrics_report, services.top_overdue, services.metrics_series):
        with pytest.raises(BusinessError) as exc:
            call(actor=book.actor, as_of=AS_OF)
        assert exc.value.code == "no_fx_rate" and "GBP" in str(exc.value) and exc.value.status == 422


def test_bad_requests_are_business_errors(book):
    with pytest.raises(BusinessError) as exc:
        services.aging_report(actor=book.actor, as_of=AS_OF, limits=(30, 0))
    assert exc.value.fields[0]["field"] == "buckets"
    with pytest.raises(BusinessError) as exc:
        services.aging_report(actor=book.actor, as_of=AS_OF, by="planet")  # type: ignore[arg-type]
    assert exc.value.fields[0]["field"] == "by"
    with pytest.raises(BusinessError) as exc:
        services.metrics_report(actor=book.actor, as_of=AS_OF, dso_days=0)
    assert exc.value.fields[0]["field"] == "days"


def _state():
    return (OpenItem.objects.count(), Allocation.objects.count(), Payment.objects.count(), FxRate.objects.count(),
            AuditEvent.objects.count())


def test_a_user_without_roles_gets_nothing(book, make_role_user):
    nobody = make_role_user(username="nobody")
    before = _state()
    for call in (services.aging_report, services.metrics_report, services.top_overdue, services.metrics_series):
        with pytest.raises(NotAllowed):
            call(actor=nobody, as_of=AS_OF)
    with pytest.raises(NotAllowed):
        services.authorize_export(nobody, "json")
    assert _state() == before


def test_export_needs_export_data(make_role_user):
    sales = make_role_user("sales", username="salesperson")
    services.authorize_export(sales, "json")
    services.authorize_export(sales, "table")
    for fmt, to_file in (("csv", False), ("xlsx", True), ("json", True)):
        with pytest.raises(NotAllowed):
            services.authorize_export(sales, fmt, to_file=to_file)


# --------------------------------------------------------------------------- reconciliation


def _random_ledger(seed: int):
    """A random ledger with allocations applied and reversed all over 2025, open amounts kept consistent."""
    rng = random.Random(seed)
    company = Company.objects.create(code=f"R{seed}", name="Random", base_currency="EUR")
    customers = [Customer.objects.create(account_number=f"R{seed}-{i}", name=f"C{i}") for i in range(5)]
    start = dt.date(2025, 1, 1)
    items = []
    for n in range(60):
        kind = rng.choice(["invoice", "invoice", "invoice", "debit_note", "credit_note"])
        amount = D(rng.randint(1, 500_000)).scaleb(-2)
        posted = start + dt.timedelta(days=rng.randint(0, 300))
        items.append(OpenItem(
            company=company, customer=rng.choice(customers), document_type=kind, document_number=f"D{n}",
            document_date=posted, posting_date=posted, due_date=posted + dt.timedelta(days=rng.choice([0, 14, 30, 60])),
            currency=rng.choice(["EUR", "USD"]), amount=-amount if kind == "credit_note" else amount,
            open_amount=-amount if kind == "credit_note" else amount))
    OpenItem.objects.bulk_create(items)
    items = list(OpenItem.objects.filter(company=company))
    payment = Payment.objects.create(company=company, reference=f"P{seed}", received_on=start, currency="EUR",
                                     amount=D("100000000.00"), unapplied_amount=D("100000000.00"))
    targets = [i for i in items if i.amount > 0]
    credits = [i for i in items if i.amount < 0]
    allocations = []
    for _ in range(150):
        target = rng.choice(targets)
        credit = rng.choice(credits) if credits and rng.random() < 0.3 else None
        if credit is not None and credit.currency != target.currency:
            credit = None
        room = target.open_amount if credit is None else min(target.open_amount, -credit.open_amount)
        if room <= 0:
            continue
        amount = min(room, D(rng.randint(1, 300_000)).scaleb(-2))
        applied = target.posting_date + dt.timedelta(days=rng.randint(0, 120))
        reversed_on = applied + dt.timedelta(days=rng.randint(0, 60)) if rng.random() < 0.3 else None
        allocations.append(Allocation(target=target, payment=None if credit else payment, credit_note=credit,
                                      amount=amount, source_amount=amount, applied_on=applied,
                                      reversed_on=reversed_on))
        if reversed_on is None:
            target.open_amount -= amount
            if credit is not None:
                credit.open_amount += amount
    Allocation.objects.bulk_create(allocations)
    for item in items:
        OpenItem.objects.filter(pk=item.pk).update(open_amount=item.open_amount)
    return company


def _expected_cells(company, on, buckets):
    """Σ open_as_of per (customer, currency, bucket), straight from the definition, in Python."""
    history: dict[int, list[AllocationHistory]] = {}
    for a in Allocation.objects.filter(target__company=company):
        history.setdefault(a.target_id, []).append(AllocationHistory(a.amount, a.applied_on, a.reversed_on))
        if a.credit_note_id:
            history.setdefault(a.credit_note_id, []).append(
                AllocationHistory(a.source_amount, a.applied_on, a.reversed_on))
    out: dict[tuple[str, str, int], Decimal] = {}
    for item in OpenItem.objects.filter(company=company).select_related("customer"):
        if item.posting_date > on:
            continue
        value = open_as_of(item.amount, history.get(item.pk, []), on, credit_note=item.amount < 0)
        if value:
            key = (item.customer.account_number, item.currency, bucket_of(item.due_date, on, buckets))
            out[key] = out.get(key, Z) + value
    return {k: v for k, v in out.items() if v}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_aging_reconciles_with_the_ledger_on_every_date(seed):
    company = _random_ledger(seed)
    buckets = make_buckets()
    days = [dt.date(2024, 12, 31), *[dt.date(2025, m, 1) + dt.timedelta(days=seed) for m in range(1, 13)],
            dt.date(2025, 7, 31), dt.date(2026, 12, 31)]
    for on in days:
        rows, _ = selectors.aging_rows(on=on, boundaries=due_boundaries(buckets, on), by="customer",
                                       company_id=company.pk)
        got = {(r.key, r.currency, i): a for r in rows for i, a in enumerate(r.amounts) if a}
        assert got == _expected_cells(company, on, buckets), on


@pytest.mark.parametrize("seed", [4, 5])
def test_receivables_on_many_dates_equal_one_date_at_a_time(seed):
    company = _random_ledger(seed)
    days = [dt.date(2024, 12, 31), *[dt.date(2025, m, 28) for m in range(1, 13)], dt.date(2026, 12, 31)]
    many = selectors.receivables_on_dates(days=days, company_id=company.pk)
    assert many == tuple(selectors.receivables(on=d, company_id=company.pk) for d in days)
    assert any(r.total for r in many) and any(r.current for r in many)


def test_receivables_on_many_dates_of_the_book(book):
    days = [dt.date(2025, 12, 31), dt.date(2026, 1, 31), dt.date(2026, 2, 28), AS_OF, dt.date(2026, 4, 30)]
    assert selectors.receivables_on_dates(days=days) == tuple(selectors.receivables(on=d) for d in days)
    assert selectors.receivables_on_dates(days=days, company_id=book.us.pk) == tuple(
        selectors.receivables(on=d, company_id=book.us.pk) for d in days)
