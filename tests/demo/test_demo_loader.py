"""Bulk-loading a generated portfolio (runs on SQLite, and on PostgreSQL when DATABASE_URL says so)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Q, Sum

from credere.audit.models import AuditEvent
from credere.audit.services import verify_chain
from credere.demo.generator.portfolio import PortfolioGenerator
from credere.demo.generator.reference import TERMS
from credere.demo.loader import LedgerNotEmpty, has_ledger_data, ledger_counts, load
from credere.ledger.models import Allocation, Company, Contact, Customer, FxRate, OpenItem, Payment, PaymentTerms

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 20)
SMALL = {"customers": 40, "years": 1, "seed": 11, "as_of": AS_OF}


def expected_rows(**kwargs):
    gen = PortfolioGenerator(**kwargs)
    rows = {"customers": [], "contacts": [], "items": [], "payments": [], "allocations": []}
    for batch in gen.batches():
        for key in rows:
            rows[key].extend(getattr(batch, key))
    rows["fx"] = list(gen.fx_rates())
    return rows


def test_load_writes_exactly_the_generated_rows():
    result = load(**SMALL)
    rows = expected_rows(**SMALL)
    assert Customer.objects.count() == len(rows["customers"]) == 40 == result.counts["customers"]
    assert Contact.objects.count() == len(rows["contacts"])
    assert OpenItem.objects.count() == len(rows["items"])
    assert Payment.objects.count() == len(rows["payments"])
    assert Allocation.objects.count() == len(rows["allocations"]) == result.counts["allocations"]
    assert FxRate.objects.count() == len(rows["fx"])
    assert set(Company.objects.values_list("code", flat=True)) == {"DE01", "GB01", "US01", "JP01"}
    assert PaymentTerms.objects.get(code="2-10-NET30").discount_rate == Decimal("0.0200")

    base = OpenItem.objects.order_by("id").first().pk - 1
    for row in rows["items"][:300]:
        item = OpenItem.objects.get(pk=row.id + base)
        assert (item.document_type, item.document_number, item.document_date, item.due_date, item.currency,
                item.amount, item.open_amount) == (row.document_type, row.document_number, row.document_date,
                                                  row.due_date, row.currency, row.amount, row.open_amount)
        assert item.company.code == {1: "DE01", 2: "GB01", 3: "US01", 4: "JP01"}[row.company_id]
    first = rows["customers"][0]
    c = Customer.objects.get(account_number=first.account_number)
    assert (c.name, c.tax_id, c.status, c.payment_terms.code) == (first.name, first.tax_id, first.status,
                                                                  TERMS[first.payment_terms_id - 1][0])
    fx = FxRate.objects.get(rate_date=rows["fx"][-1].rate_date, quote=rows["fx"][-1].quote)
    assert fx.rate == rows["fx"][-1].rate


def test_open_and_unapplied_amounts_match_the_allocations():
    load(**SMALL)
    active = Q(allocations__reversed_on__isnull=True)
    for item in OpenItem.objects.exclude(document_type="credit_note").annotate(
            allocated=Sum("allocations__amount", filter=active)):
        assert item.open_amount == item.amount - (item.allocated or 0), item
        assert 0 <= item.open_amount <= item.amount
    used_filter = Q(credit_allocations__reversed_on__isnull=True)
    for cn in OpenItem.objects.filter(document_type="credit_note").annotate(
            used=Sum("credit_allocations__source_amount", filter=used_filter)):
        assert cn.open_amount == cn.amount + (cn.used or 0), cn
        assert cn.amount <= cn.open_amount <= 0
    for p in Payment.objects.annotate(used=Sum("allocations__source_amount", filter=active)):
        assert p.unapplied_amount == p.amount - (p.used or 0), p
    for a in Allocation.objects.select_related("target", "payment", "credit_note"):
        source = a.payment or a.credit_note
        assert source.company_id == a.target.company_id and source.currency == a.target.currency
        assert a.target.document_type != "credit_note"


def test_one_audit_event_summarises_the_generation():
    before = AuditEvent.objects.count()
    result = load(**SMALL)
    events = AuditEvent.objects.filter(seq__gt=before)
    assert events.count() == 1
    ev = events.get()
    assert ev.actor == "system:demo-data" and ev.action == "demo.portfolio_generated"
    assert ev.after["seed"] == 11 and ev.after["counts"]["customers"] == 40
    assert ev.after["counts"]["invoices"] == result.counts["invoices"]
    assert {t["company"] for t in ev.after["totals"]} <= {"DE01", "GB01", "US01", "JP01"}
    checked, problems = verify_chain()
    assert problems == [] and checked == AuditEvent.objects.count()


def test_ids_and_sequences_continue_after_the_load(admin):
    from credere.ledger.services.documents import upsert_item
    from credere.ledger.services.master_data import upsert_customer

    load(**SMALL)
    customer = upsert_customer(actor=admin, account_number="NEW-1", name="Fresh Customer Ltd")[0]
    assert customer.pk > Customer.objects.exclude(pk=customer.pk).order_by("-pk").first().pk
    item = upsert_item(actor=admin, company=Company.objects.get(code="DE01"), customer=customer,
                       document_type="invoice", document_number="NEW-INV-1", document_date=AS_OF,
                       due_date=AS_OF, currency="EUR", amount=Decimal("10.00"))[0]
    assert item.pk > OpenItem.objects.exclude(pk=item.pk).order_by("-pk").first().pk


def test_refuses_a_ledger_with_data_and_changes_nothing(customer):
    assert has_ledger_data()
    counts, events = ledger_counts(), AuditEvent.objects.count()
    with pytest.raises(LedgerNotEmpty, match="--replace") as exc:
        load(**SMALL)
    assert exc.value.counts["customers"] == 1
    with pytest.raises(CommandError, match="already has ledger data"):
        call_command("demo_data", "--customers", "5", "--years", "1", "--as-of", "2026-11-20")
    assert ledger_counts() == counts and AuditEvent.objects.count() == events
    assert Customer.objects.get().account_number == "C1000"


def test_replace_deletes_then_loads_with_fresh_ids(capsys):
    first = load(**SMALL)
    old_max = {m: m.objects.order_by("-pk").first().pk for m in (Customer, OpenItem, Payment, Allocation)}
    second = load(**{**SMALL, "seed": 12}, replace=True)
    assert second.deleted["ledger.customer"] == 40
    assert second.deleted["ledger.openitem"] == first.counts["invoices"] + first.counts["credit_notes"] + \
        first.counts.get("debit_notes", 0)
    assert Customer.objects.count() == 40
    assert OpenItem.objects.count() == sum(second.counts.get(k, 0) for k in ("invoices", "credit_notes",
                                                                           "debit_notes"))
    for model, previous in old_max.items():
        assert model.objects.order_by("pk").first().pk > previous, model
    assert Company.objects.count() == 4
    ev = AuditEvent.objects.filter(action="demo.portfolio_generated").order_by("-seq").first()
    assert ev.reason == "replaced the existing ledger data" and ev.after["deleted"]["ledger.customer"] == 40


def test_command_prints_a_summary(capsys):
    call_command("demo_data", "--customers", "12", "--years", "1", "--seed", "3", "--as-of", "2026-11-20")
    out = capsys.readouterr().out
    assert "customers" in out and "12" in out
    assert "DE01" in out and "EUR" in out
    assert Customer.objects.count() == 12


def test_command_replace(capsys):
    call_command("demo_data", "--customers", "6", "--years", "1", "--as-of", "2026-11-20")
    call_command("demo_data", "--customers", "8", "--years", "1", "--as-of", "2026-11-20", "--replace")
    assert Customer.objects.count() == 8
    assert "deleted first" in capsys.readouterr().out


def test_command_validates_its_arguments():
    with pytest.raises(CommandError, match="--as-of"):
        call_command("demo_data", "--as-of", "yesterday")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("demo_data", "--customers", "0")
    assert not has_ledger_data()


def test_indexes_and_foreign_keys_are_restored_after_the_load():
    """The writers drop secondary indexes (and on PostgreSQL foreign keys) while loading."""
    from django.db import connection

    def schema():
        with connection.cursor() as cur:
            return {m._meta.db_table: {name: (c["columns"], c["unique"], c["foreign_key"], c["index"])
                                       for name, c in connection.introspection.get_constraints(cur, m._meta.db_table)
                                       .items()}
                    for m in (Customer, Contact, OpenItem, Payment, Allocation, FxRate)}

    before = schema()
    assert any(c[2] for c in before["ledger_allocation"].values())  # has foreign keys
    load(**SMALL)
    assert schema() == before


def test_replace_deletes_referring_rows_first():
    from credere.demo.loader import LEDGER_DATA, dependent_models

    order = dependent_models(LEDGER_DATA)
    assert set(LEDGER_DATA) <= set(order)
    assert order.index(Allocation) < order.index(OpenItem) and order.index(Allocation) < order.index(Payment)
    assert order.index(Contact) < order.index(Customer) and order.index(OpenItem) < order.index(Customer)
    assert Company not in order and PaymentTerms not in order


def test_a_failure_half_way_leaves_nothing_behind(monkeypatch):
    from django.db import connection

    from credere.demo import row_mapping, writers

    with connection.cursor() as cur:
        indexes = set(connection.introspection.get_constraints(cur, OpenItem._meta.db_table))
    events = AuditEvent.objects.count()
    calls = {"n": 0}
    real = row_mapping.RowMapper.allocations

    def failing(self, rows):
        calls["n"] += 1
        if calls["n"] == 20:
            raise RuntimeError("disk full")
        return real(self, rows)

    monkeypatch.setattr(writers, "BATCH_ROWS", 100)  # so that some rows are written before the failure
    monkeypatch.setattr(row_mapping.RowMapper, "allocations", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        load(**SMALL)
    assert not has_ledger_data() and AuditEvent.objects.count() == events
    with connection.cursor() as cur:
        assert set(connection.introspection.get_constraints(cur, OpenItem._meta.db_table)) == indexes


def test_a_database_error_in_the_writer_thread_reaches_the_caller(monkeypatch):
    from credere.demo import row_mapping

    real = row_mapping.RowMapper.items

    def corrupt(self, rows):
        if rows:  # an open amount above the amount breaks the item_open_within_amount constraint
            rows = [rows[0]._replace(open_amount=rows[0].amount + 1), *rows[1:]]
        return real(self, rows)

    monkeypatch.setattr(row_mapping.RowMapper, "items", corrupt)
    with pytest.raises(Exception, match="item_open_within_amount|CHECK constraint"):
        load(**SMALL)
    assert not has_ledger_data()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_foreign_keys_are_still_checked_and_enforced_afterwards(monkeypatch):
    """The command runs outside any transaction: SQLite's per-row checks are off, one check at the end."""
    from django.db import IntegrityError, connection

    from credere.demo import row_mapping

    load(**SMALL)
    load(**{**SMALL, "seed": 12}, replace=True)
    assert Customer.objects.count() == 40
    real = row_mapping.RowMapper.contacts

    def dangling(self, rows):
        return real(self, [rows[0]._replace(customer_id=10**9), *rows[1:]] if rows else rows)

    monkeypatch.setattr(row_mapping.RowMapper, "contacts", dangling)
    with pytest.raises(IntegrityError):
        load(**{**SMALL, "seed": 13}, replace=True)
    assert Customer.objects.count() == 40  # the previous portfolio is still there
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA foreign_keys")
            assert cur.fetchone()[0] == 1
