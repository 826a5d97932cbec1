"""A preview writes nothing and holds no lock, so that other people keep working while it runs: it
runs outside any transaction (on the embedded database every transaction takes the write lock), it
sends no statement that writes or locks rows, a write attempted during it is refused, and it still
shows exactly what the import then does — parents planned by earlier rows of the same file included.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credere.core.readonly import WriteRefused, refusing_writes
from imports.conftest import ITEMS_HEADER, db_state

pytestmark = pytest.mark.django_db(transaction=True)

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|COPY)\b|FOR UPDATE", re.IGNORECASE)

CUSTOMERS = (
    "account_number,name,parent_account,country,payment_terms\n"
    "C1000,Müller Maschinenbau GmbH (renamed),NEWPARENT,DE,NET30\n"   # existing: renamed, parent a new row below
    "NEWCHILD,Tochter AG,NEWPARENT,DE,NET30\n"                         # new, parent a new row below
    "NEWPARENT,Holding SE,,DE,NET60\n"                                  # new
    "C2000,Bad Row,,D1,NET30\n"                                         # refused: no such country
)


def _outcomes(result):
    return ([(c.row, c.key, c.outcome, c.changes) for c in result.changes],
            [(e.row, e.column, e.message) for e in result.errors],
            (result.created, result.updated, result.unchanged, result.rejected))


def _preview_watched(run_import, entity, content, **kwargs):
    """Preview ``content``; every statement it sent and whether it ran inside a transaction."""
    seen: dict[str, bool] = {"in_transaction": False}

    def progress(_n: int) -> None:
        seen["in_transaction"] = seen["in_transaction"] or connection.in_atomic_block

    with CaptureQueriesContext(connection) as queries:
        result = run_import(entity, content, preview=True, progress=progress, **kwargs)
    return result, [q["sql"] for q in queries.captured_queries], seen["in_transaction"]


@pytest.mark.parametrize(("entity", "content"), [
    ("customers", CUSTOMERS),
    ("items", ITEMS_HEADER + "DE01,C1000,invoice,INV-9,2026-01-15,2026-02-14,EUR,1190.00\n"
                             "DE01,C2000,invoice,INV-10,2026-01-18,2026-03-19,EUR,250.50\n"
                             "DE01,NOPE,invoice,INV-11,2026-01-18,2026-03-19,EUR,1.00\n"),
    ("payments", "company_code,reference,received_on,currency,amount,account_number,payer_name\n"
                 "DE01,BANK-1,2026-02-01,EUR,500.00,C1000,Müller\n"
                 "DE01,BANK-2,2026-02-02,EUR,-5.00,C2000,Negative\n"),
    ("fx-rates", "rate_date,base,quote,rate\n2026-01-30,EUR,USD,1.0850\n2026-01-30,EUR,CHF,0.9300\n"),
])
def test_a_preview_sends_no_write_runs_outside_a_transaction_and_matches_the_import(ledger, run_import, entity,
                                                                                       content):
    before = db_state()
    preview, sql, in_transaction = _preview_watched(run_import, entity, content, partial=True)
    assert preview.status == "preview"
    assert not in_transaction, "a preview must not open a transaction (it would hold the write lock)"
    assert [s for s in sql if WRITES.search(s)] == []
    assert db_state() == before

    imported = run_import(entity, content, partial=True)
    assert imported.status in ("succeeded", "partial")
    assert _outcomes(preview) == _outcomes(imported)


def test_a_preview_shows_a_parent_that_an_earlier_row_creates(ledger, run_import):
    preview = run_import("customers", CUSTOMERS, preview=True, partial=True)
    changes = {c.key: (c.outcome, c.changes) for c in preview.changes}
    assert changes["NEWCHILD"][0] == "created"
    assert changes["NEWCHILD"][1]["parent"] == {"before": None, "after": "NEWPARENT"}
    assert changes["C1000"][0] == "updated"
    assert changes["C1000"][1]["parent"]["after"] == "NEWPARENT"
    assert changes["NEWPARENT"][0] == "created"
    assert [(e.row, e.column) for e in preview.errors] == [(5, "country")]


def test_a_parent_only_planned_still_counts_as_a_change(ledger, run_import):
    """C1000 has no parent; naming a parent that the same file creates changes it, even though the planned
    parent has no key yet."""
    content = "account_number,name,parent_account,country,payment_terms\n"
    from credere.ledger.models import Customer

    c = Customer.objects.get(account_number="C1000")
    content += f"{c.account_number},{c.name},NEWPARENT,{c.country},{c.payment_terms.code if c.payment_terms else ''}\n"
    content += "NEWPARENT,Holding SE,,DE,NET60\n"
    preview = run_import("customers", content, preview=True)
    imported = run_import("customers", content)
    assert _outcomes(preview) == _outcomes(imported)
    assert ("C1000", "updated") in [(ch.key, ch.outcome) for ch in preview.changes]


def test_a_cycle_through_planned_parents_is_refused_in_the_preview_as_in_the_import(ledger, run_import):
    content = ("account_number,name,parent_account\n"
               "NEWA,Alpha,NEWB\n"
               "NEWB,Beta,NEWA\n")
    preview = run_import("customers", content, preview=True)
    imported = run_import("customers", content)
    assert _outcomes(preview) == _outcomes(imported)
    assert imported.status == "rejected"


def test_a_write_inside_the_guard_is_refused_and_nothing_is_written(ledger, admin):
    from credere.ledger.models import Customer

    count = Customer.objects.count()
    with refusing_writes(), pytest.raises(WriteRefused):
        Customer.objects.create(account_number="SNEAKY", name="Written during a preview")
    with refusing_writes(), pytest.raises(WriteRefused):
        Customer.objects.filter(account_number="C1000").update(name="changed")
    with refusing_writes():
        assert Customer.objects.filter(account_number="C1000").exists()  # reads go through
    assert Customer.objects.count() == count
    assert Customer.objects.get(account_number="C1000").name != "changed"


def test_on_postgresql_another_connection_updates_a_row_the_preview_reads_without_waiting(ledger, run_import,
                                                                                         settings):
    """The import locks the rows it will change; the preview must not (nor hold a transaction open)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (on SQLite the preview opens no transaction, tested above)")
    import psycopg

    params = connection.get_connection_params()
    done: list[int] = []

    def progress(_n: int) -> None:
        if done:
            return
        with psycopg.connect(**{k: v for k, v in params.items() if k in ("host", "port", "user", "dbname",
                                                                             "password")},
                             autocommit=True) as other:
            other.execute("SET lock_timeout = '500ms'")
            cur = other.execute("UPDATE ledger_customer SET name = name WHERE account_number = 'C1000'")
            done.append(cur.rowcount)

    run_import("customers", CUSTOMERS, preview=True, partial=True, progress=progress)
    assert done == [1]
