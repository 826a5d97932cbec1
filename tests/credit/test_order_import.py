"""Orders from files: created and updated by version like the order API, refused rows named by row
and column, cancelled, previewed without writing, partly imported, counted in exposure and the
standings, reduced by invoices naming them; through the service, the pages, the API and the CLI.

Portfolio (tests/support/portfolio.py), 31 March 2026: companies DE01 (EUR) and US01 (USD);
customers H1 > H1A and S1; S1 owes 840.00 EUR."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from credere.audit.models import AuditEvent
from credere.credit import selectors
from credere.credit.models import CreditStanding, Order
from credere.credit.policy import policy_in_force
from credere.credit.services import checks
from credere.identity.authz import NotAllowed
from credere.imports.models import ImportRun, ImportUpload
from credere.imports.services.files import import_file
from credere.ledger.services.documents import upsert_item
from support.portfolio import db_state

pytestmark = pytest.mark.django_db
D = Decimal
ON = dt.date(2026, 3, 31)
HEADER = "company_code,account_number,order_id,order_version,currency,amount,status\n"


def _import(actor, content, *, name="orders.csv", **kw):
    data = content.encode() if isinstance(content, str) else content
    return import_file(actor=actor, entity="orders", data=data, file_name=name, **kw)


def _order(order_id, company="DE01"):
    return Order.objects.get(company__code=company, order_id=order_id)


def _state(order_id):
    o = _order(order_id)
    return (o.customer.account_number, o.version, o.currency, o.amount, o.open_amount, o.status, o.credit_status)


def _errors(result):
    return [(e.row, e.column, e.message) for e in result.errors]


def _actions(order):
    return list(AuditEvent.objects.filter(object_type="credit.order", object_id=str(order.pk))
                .order_by("seq").values_list("action", flat=True))


def test_csv_creates_orders_then_a_new_version_updates_and_the_same_file_is_unchanged(portfolio, role_users):
    analyst = role_users["credit_analyst"]
    first = _import(analyst, HEADER + "DE01,S1,SO-1,1,EUR,1000.00,\n"
                                      "DE01,H1A,SO-2,,EUR,250.50,open\n"
                                      "US01,S1,SO-1,3,USD,99.99,cancelled\n")
    assert (first.status, first.created, first.updated, first.unchanged, first.errors) == ("succeeded", 3, 0, 0, [])
    assert _state("SO-1") == ("S1", 1, "EUR", D("1000.00"), D("1000.00"), "open", "unchecked")
    assert _state("SO-2") == ("H1A", 1, "EUR", D("250.50"), D("250.50"), "open", "unchecked")
    us = _order("SO-1", "US01")
    assert (us.version, us.amount, us.open_amount, us.status) == (3, D("99.99"), D("0.00"), "cancelled")
    created = first.changes[0]
    assert (created.row, created.key, created.outcome) == (2, "DE01/SO-1", "created")
    assert {k: v["after"] for k, v in created.changes.items()} == {
        "company": "DE01", "customer": "S1", "order_id": "SO-1", "order_version": 1, "currency": "EUR",
        "amount": "1000.00", "open_amount": "1000.00", "status": "open"}
    event = AuditEvent.objects.get(action="order.created", object_id=str(_order("SO-1").pk))
    assert (event.actor, event.after["amount"], event.reason) == (
        "analyst", "1000.00", f"import run {first.run_id}: orders.csv")

    again = _import(analyst, HEADER + "DE01,S1,SO-1,1,EUR,1000.00,\nDE01,H1A,SO-2,1,EUR,250.5,\n")
    assert (again.created, again.updated, again.unchanged, again.changes) == (0, 0, 2, [])

    # The ERP checked SO-2 through the API (held: H1A has no limit); a new version replaces the value
    # and resets the credit status, so the order counts in exposure again until it is checked.
    check = checks.check(actor=analyst, company=portfolio.de, customer=portfolio.h1a, order_id="SO-2",
                         amount="250.50", currency="EUR")
    assert (check.status, _order("SO-2").credit_status) == ("held", "held")
    newer = _import(analyst, HEADER + "DE01,H1A,SO-2,2,EUR,300.00,\n")
    assert (newer.updated, newer.errors) == (1, [])
    assert _state("SO-2") == ("H1A", 2, "EUR", D("300.00"), D("300.00"), "open", "unchecked")
    assert newer.changes[0].changes == {"order_version": {"before": 1, "after": 2},
                                        "amount": {"before": "250.50", "after": "300.00"},
                                        "open_amount": {"before": "250.50", "after": "300.00"}}
    updated = AuditEvent.objects.get(action="order.updated")
    assert (updated.before, updated.after) == (
        {"version": 1, "amount": "250.50", "open_amount": "250.50", "credit_status": "held"},
        {"version": 2, "amount": "300.00", "open_amount": "300.00", "credit_status": "unchecked"})


def test_xlsx_imports_like_csv(portfolio, role_users):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    ws.append(["DE01", "S1", "SO-X1", 1, "EUR", D("1234.56"), "open"])
    ws.append(["DE01", "H1", "SO-X2", 2, "EUR", 80, None])
    buf = io.BytesIO()
    wb.save(buf)
    result = _import(role_users["credit_analyst"], buf.getvalue(), name="orders.xlsx")
    assert (result.format, result.status, result.created, result.errors) == ("xlsx", "succeeded", 2, [])
    assert _state("SO-X1") == ("S1", 1, "EUR", D("1234.56"), D("1234.56"), "open", "unchecked")
    assert _state("SO-X2") == ("H1", 2, "EUR", D("80.00"), D("80.00"), "open", "unchecked")


def test_refused_rows_are_named_by_row_and_column_and_nothing_is_written(portfolio, role_users):
    analyst = role_users["credit_analyst"]
    _import(analyst, HEADER + "DE01,S1,SO-1,3,EUR,1000.00,\nDE01,H1,SO-9,1,EUR,10.00,\n"
                              "DE01,H1,SO-11,1,EUR,10.00,cancelled\n")
    checks.check(actor=analyst, company=portfolio.de, customer=portfolio.h1a, order_id="SO-C", amount="50.00",
                 currency="EUR")
    before, orders = db_state(), list(Order.objects.order_by("pk").values_list())
    result = _import(analyst, HEADER + "DE01,S1,SO-1,2,EUR,900.00,\n"        # older than stored v3
                                       "DE01,S1,SO-9,4,EUR,900.00,\n"        # SO-9 belongs to H1
                                       "XX99,S1,SO-3,1,EUR,1.00,\n"          # no such company
                                       "DE01,NOPE,SO-4,1,EUR,1.00,\n"        # no such customer
                                       "DE01,S1,SO-5,1,EUR,1.001,\n"         # too many decimals
                                       "DE01,S1,SO-6,1,EUR,0,\n"             # not above zero
                                       "DE01,S1,SO-7,1.5,EUR,1.00,\n"        # not a version
                                       "DE01,S1,SO-8,1,EUR,1.00,shipped\n"   # not a status
                                       "DE01,H1,SO-11,1,EUR,10.00,open\n"    # cancelled stays cancelled
                                       "DE01,H1A,SO-C,1,EUR,60.00,\n"        # v1 was credit-checked at 50
                                       "DE01,S1,SO-10,1,EUR,5.00,\n"
                                       "DE01,S1,SO-10,2,EUR,6.00,\n")        # the same order twice
    assert (result.status, result.rejected, result.created) == ("rejected", 11, 0)
    assert _errors(result) == [
        (2, "order_version", "order SO-1 is at version 3; version 2 is out of date"),
        (3, "account_number", "order SO-9 belongs to customer H1, not S1; an order cannot move to another customer"),
        (4, "company_code", "no company with code 'XX99'"),
        (5, "account_number", "no customer with account number 'NOPE'"),
        (6, "amount", "'1.001' has more decimals than EUR allows (2)"),
        (7, "amount", "an order's value must be greater than zero"),
        (8, "order_version", "'1.5' is not a version: give a whole number from 1"),
        (9, "status", "'shipped' is not a status: open or cancelled"),
        (10, "status", "order SO-11 is cancelled; a cancelled order is not opened again"),
        (11, "order_version", "version 1 of order SO-C was credit-checked at 50.00 EUR; send version 2 to change "
                              "its value"),
        (13, "order_id", "the same order as row 12"),
    ]
    assert list(Order.objects.order_by("pk").values_list()) == orders
    run = ImportRun.objects.get(pk=result.run_id)
    assert (run.entity, run.status, run.rejected) == ("orders", "rejected", 11)
    assert before != db_state()  # only the rejected run and its audit event were added
    assert not AuditEvent.objects.filter(action__startswith="order.", reason__contains=f"run {run.pk}").exists()


def test_cancelled_cancels_an_open_order_and_is_audited(portfolio, role_users):
    analyst = role_users["credit_analyst"]
    _import(analyst, HEADER + "DE01,S1,SO-1,1,EUR,1000.00,\n")
    result = _import(analyst, HEADER + "DE01,S1,SO-1,1,EUR,1000.00,cancelled\n")
    assert (result.updated, result.changes[0].changes) == (1, {
        "open_amount": {"before": "1000.00", "after": "0.00"}, "status": {"before": "open", "after": "cancelled"}})
    assert _state("SO-1") == ("S1", 1, "EUR", D("1000.00"), D("0.00"), "cancelled", "unchecked")
    assert _actions(_order("SO-1")) == ["order.created", "order.cancelled"]
    # re-sent as cancelled, or without a status at the same version: unchanged
    again = _import(analyst, HEADER + "DE01,S1,SO-1,1,EUR,1000.00,cancelled\n")
    assert (again.unchanged, again.errors) == (1, [])
    plain = _import(analyst, "company_code,account_number,order_id,currency,amount\nDE01,S1,SO-1,EUR,1000.00\n")
    assert (plain.unchanged, plain.errors) == (1, [])
    newer = _import(analyst, HEADER + "DE01,S1,SO-1,2,EUR,1100.00,\n")
    assert _errors(newer) == [(2, "order_id", "order SO-1 is cancelled; it takes no new version or value")]


def test_a_preview_writes_nothing_and_asks_for_no_refresh(portfolio, role_users):
    analyst = role_users["credit_analyst"]
    _import(analyst, HEADER + "DE01,S1,SO-1,1,EUR,1000.00,\n")
    connection.run_on_commit.clear()
    before, count = db_state(), Order.objects.count()
    orders = list(Order.objects.values_list())
    result = _import(analyst, HEADER + "DE01,S1,SO-1,2,EUR,1200.00,\nDE01,H1,SO-2,1,EUR,5.00,\n", preview=True)
    assert (result.status, result.created, result.updated, result.run_id) == ("preview", 1, 1, None)
    assert [(c.key, c.outcome) for c in result.changes] == [("DE01/SO-1", "updated"), ("DE01/SO-2", "created")]
    assert (db_state(), Order.objects.count(), list(Order.objects.values_list())) == (before, count, orders)
    assert connection.run_on_commit == []


def test_a_preview_sends_no_write_and_shows_what_the_import_does(portfolio, role_users):
    """Outside any transaction and with no statement that writes or locks rows (so it holds no lock while
    others work), yet with the same outcomes the import then has — invoices naming an order included."""
    import re

    from django.test.utils import CaptureQueriesContext

    analyst = role_users["credit_analyst"]
    _import(analyst, HEADER + "DE01,S1,SO-1,1,EUR,1000.00,\n")
    upsert_item(actor=portfolio.admin, company=portfolio.de, customer=portfolio.s1, document_type="invoice",
                document_number="I-SO3",
                document_date=ON, due_date=ON, currency="EUR", amount=D("40.00"), order_reference="SO-3")
    content = HEADER + ("DE01,S1,SO-1,2,EUR,1200.00,\nDE01,H1,SO-2,1,EUR,5.00,\nDE01,S1,SO-3,1,EUR,100.00,\n"
                        "DE01,NOPE,SO-4,1,EUR,1.00,\n")
    with CaptureQueriesContext(connection) as queries:
        preview = _import(analyst, content, preview=True, partial=True)
    writes = [q["sql"] for q in queries.captured_queries
              if re.search(r"^\s*(INSERT|UPDATE|DELETE|COPY)\b|FOR UPDATE", q["sql"], re.IGNORECASE)]
    assert writes == []
    imported = _import(analyst, content, partial=True)

    def outcomes(r):
        return ([(c.row, c.key, c.outcome, c.changes) for c in r.changes], _errors(r),
                (r.created, r.updated, r.unchanged, r.rejected))

    assert outcomes(preview) == outcomes(imported)
    assert _state("SO-3")[4] == D("60.00")


def test_a_partial_import_keeps_the_good_rows(portfolio, role_users):
    result = _import(role_users["credit_analyst"], HEADER + "DE01,S1,SO-1,1,EUR,10.00,\n"
                                                            "DE01,NOPE,SO-2,1,EUR,10.00,\n"
                                                            "DE01,H1,SO-3,1,EUR,30.00,\n", partial=True)
    assert (result.status, result.created, result.rejected) == ("partial", 2, 1)
    assert sorted(Order.objects.values_list("order_id", flat=True)) == ["SO-1", "SO-3"]
    assert ImportRun.objects.get(pk=result.run_id).status == "partial"


def test_only_users_who_may_check_credit_import_orders(portfolio, role_users, client_for):
    before = db_state()
    for role in ("cash_clerk", "collector", "sales"):
        with pytest.raises(NotAllowed):
            _import(role_users[role], HEADER + "DE01,S1,SO-1,1,EUR,10.00,\n")
    assert (db_state(), Order.objects.count()) == (before, 0)
    assert _import(role_users["credit_manager"], HEADER + "DE01,S1,SO-1,1,EUR,10.00,\n").created == 1
    clerk, analyst = client_for("cash_clerk"), client_for("credit_analyst")
    assert ("orders", "Orders") not in clerk.get("/imports/new/").context["allowed"]
    assert ("orders", "Orders") in analyst.get("/imports/new/").context["allowed"]
    denied = clerk.post("/imports/new/", {"entity": "orders", "file": SimpleUploadedFile("o.csv", b"x")})
    assert denied.status_code in (403, 422) and not ImportUpload.objects.exists()


def test_imported_orders_count_in_exposure_and_the_standings(portfolio, role_users, commit):
    _import(role_users["credit_analyst"], HEADER + "DE01,S1,SO-1,1,EUR,100.00,\nUS01,S1,SO-2,1,USD,125.00,\n"
                                                   "DE01,H1A,SO-3,1,EUR,40.00,cancelled\n")
    commit()
    policy = policy_in_force()
    picture = selectors.picture(portfolio.s1, ON, policy_currency=policy.currency, default_class="C",
                                cover_kinds=policy.settings["cover_counts"],
                                commitment_kinds=policy.settings["commitment_counts"])
    assert (picture.exposure.receivables, picture.exposure.orders) == (D("840.00"), D("200.00"))  # 125 USD = 100 EUR
    s1 = CreditStanding.objects.get(customer=portfolio.s1, for_group=False)
    assert (s1.receivables, s1.orders) == (D("840.00"), D("200.00"))
    h1a = CreditStanding.objects.get(customer=portfolio.h1a, for_group=False)
    assert h1a.orders == D("0.00")  # the cancelled order does not count


def test_invoices_naming_an_imported_order_reduce_it(portfolio, role_users, commit):
    admin = portfolio.admin
    upsert_item(actor=admin, company=portfolio.de, customer=portfolio.s1, document_type="invoice",
                document_number="INV-20", document_date=ON, due_date=dt.date(2026, 4, 30), currency="EUR",
                amount=D("300.00"), order_reference="SO-1")
    commit()
    result = _import(role_users["credit_analyst"], HEADER + "DE01,S1,SO-1,1,EUR,1000.00,\nDE01,S1,SO-2,1,EUR,200,\n")
    assert result.changes[0].changes["open_amount"] == {"before": None, "after": "700.00"}
    assert _state("SO-1") == ("S1", 1, "EUR", D("1000.00"), D("700.00"), "open", "unchecked")
    assert _actions(_order("SO-1")) == ["order.created", "order.invoiced"]
    invoiced = AuditEvent.objects.get(action="order.invoiced")
    assert (invoiced.before, invoiced.after) == ({"open_amount": "1000.00"}, {"open_amount": "700.00"})
    # an invoice arriving later takes its amount off too, once its transaction commits
    upsert_item(actor=admin, company=portfolio.de, customer=portfolio.s1, document_type="invoice",
                document_number="INV-21", document_date=ON, due_date=dt.date(2026, 4, 30), currency="EUR",
                amount=D("200.00"), order_reference="SO-2")
    commit()
    assert _state("SO-2")[4:6] == (D("0.00"), "invoiced")
    # a new version starts from its new value, less what is invoiced
    newer = _import(role_users["credit_analyst"], HEADER + "DE01,S1,SO-1,2,EUR,1500.00,\n")
    assert newer.errors == []
    assert _state("SO-1") == ("S1", 2, "EUR", D("1500.00"), D("1200.00"), "open", "unchecked")
    # an order invoiced in full takes no new version (as in the order API) but may be cancelled
    closed = _import(role_users["credit_analyst"], HEADER + "DE01,S1,SO-2,2,EUR,250,\n")
    assert _errors(closed) == [(2, "order_id", "order SO-2 is invoiced; it takes no new version or value")]
    assert _import(role_users["credit_analyst"], HEADER + "DE01,S1,SO-2,1,EUR,200,cancelled\n").updated == 1
    assert _state("SO-2")[4:6] == (D("0.00"), "cancelled")


def test_the_upload_pages_preview_then_import_orders(portfolio, client_for):
    c = client_for("credit_analyst")
    page = c.get("/imports/new/")
    assert 'value="orders"' in page.content.decode()
    before = Order.objects.count()
    content = HEADER + "DE01,S1,SO-1,1,EUR,1000.00,\nDE01,NOPE,SO-2,1,EUR,5.00,\n"
    r = c.post("/imports/new/", {"entity": "orders", "file": SimpleUploadedFile("orders.csv", content.encode())})
    assert r.status_code == 302
    upload = ImportUpload.objects.get()
    preview = c.get(r["Location"])
    p = preview.context["p"]
    assert (p["status"], p["created"], p["rejected"]) == ("preview", 1, 1)
    assert [(ch["key"], ch["outcome"]) for ch in preview.context["changes_table"].rows] == [("DE01/SO-1", "created")]
    assert [(e["row"], e["column"]) for e in preview.context["errors_table"].rows] == [(3, "account_number")]
    html = preview.content.decode()
    assert "Orders" in html and "customer S1" in html
    assert Order.objects.count() == before
    done = c.post(f"/imports/{upload.pk}/confirm/", {"partial": "1"})
    run = ImportRun.objects.get()
    assert done["Location"] == f"/imports/runs/{run.pk}/"
    assert (run.entity, run.status, run.created, run.rejected, run.actor) == ("orders", "partial", 1, 1, "analyst")
    assert _state("SO-1") == ("S1", 1, "EUR", D("1000.00"), D("1000.00"), "open", "unchecked")
    assert "Orders" in c.get(done["Location"]).content.decode()
    assert "Orders" in c.get("/imports/?entity=orders").content.decode()


def test_the_mapping_page_translates_order_statuses(portfolio, client_for):
    c = client_for("credit_manager")
    content = "BUKRS,KUNNR,VBELN,WAERK,NETWR,STATUS\nDE01,S1,SO-1,EUR,10.00,STORNO\n"
    r = c.post("/imports/new/", {"entity": "orders", "file": SimpleUploadedFile("sap.csv", content.encode())})
    upload = ImportUpload.objects.get()
    assert upload.state == "needs_mapping"
    page = c.get(f"/imports/{upload.pk}/mapping/")
    assert page.context["choices"] == {"status": ("open", "cancelled")}
    targets = {"map_0": "company_code", "map_1": "account_number", "map_2": "order_id", "map_3": "currency",
               "map_4": "amount", "map_5": "status", "val__status__STORNO": "cancelled"}
    r = c.post(f"/imports/{upload.pk}/mapping/", targets)
    assert r.status_code == 302
    p = c.get(r["Location"]).context["p"]
    assert (p["created"], p["errors"]) == (1, [])
    c.post(f"/imports/{upload.pk}/confirm/")
    assert _state("SO-1")[4:6] == (D("0.00"), "cancelled")


def test_the_api_imports_orders_and_names_an_unknown_entity(portfolio, client_for):
    c = client_for("credit_analyst")
    content = (HEADER + "DE01,S1,SO-1,1,EUR,10.00,\n").encode()
    r = c.post("/api/v1/imports/orders", {"file": SimpleUploadedFile("orders.csv", content)})
    assert r.status_code == 200 and (r.json()["entity"], r.json()["created"]) == ("orders", 1)
    bad = c.post("/api/v1/imports/invoices", {"file": SimpleUploadedFile("orders.csv", content)})
    assert bad.status_code == 422 and "entity" in bad.content.decode()
    schema = c.get("/api/v1/openapi.json").json()
    params = schema["paths"]["/api/v1/imports/{entity}"]["post"]["parameters"]
    entity = next(p for p in params if p["name"] == "entity")
    assert "orders" in str(entity["schema"]) and "customers" in str(entity["schema"])
    clerk = client_for("cash_clerk").post("/api/v1/imports/orders", {"file": SimpleUploadedFile("o.csv", content)})
    assert clerk.status_code == 403


def test_the_cli_previews_imports_and_exports_orders(portfolio, role_users, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + "DE01,S1,SO-1,1,EUR,1000.00,\nDE01,H1,SO-2,2,EUR,20,cancelled\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import", "orders", str(path), "--preview", "--user", "analyst", stdout=out, stderr=io.StringIO())
    assert "DE01/SO-1 would be created" in out.getvalue() and not Order.objects.exists()
    out = io.StringIO()
    call_command("import", "orders", str(path), "--user", "analyst", stdout=out, stderr=io.StringIO())
    assert "Imported: 2 rows of orders from orders.csv: 2 created" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("import", "orders", str(path), "--user", "clerk", stdout=io.StringIO(), stderr=io.StringIO())
    exported = tmp_path / "export.csv"
    call_command("export", "orders", "--out", str(exported), "--user", "admin", stderr=io.StringIO())
    assert exported.read_text(encoding="utf-8").splitlines() == [
        "company_code,account_number,order_id,order_version,currency,amount,status,open_amount",
        "DE01,S1,SO-1,1,EUR,1000.00,open,1000.00",
        "DE01,H1,SO-2,2,EUR,20.00,cancelled,0.00",
    ]
    # the export imports again unchanged
    again = _import(role_users["credit_analyst"], exported.read_bytes())
    assert (again.unchanged, again.errors) == (2, [])
