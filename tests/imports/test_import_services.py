from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from credere.audit.services import _jsonable
from credere.core.errors import BusinessError
from imports.conftest import ITEMS_HEADER, db_state

pytestmark = pytest.mark.django_db

GOOD = ITEMS_HEADER + (
    "DE01,C1000,invoice,INV-1,2026-01-15,2026-02-14,EUR,1190.00\n"
    "DE01,C2000,invoice,INV-2,2026-01-18,2026-03-19,EUR,250.5\n"
)
ONE_BAD = ITEMS_HEADER + (
    "DE01,C1000,invoice,INV-1,2026-01-15,2026-02-14,EUR,1190.00\n"
    "DE01,C2000,invoice,INV-2,2026-01-18,2026-01-01,EUR,250.50\n"
    "DE01,C1000,invoice,INV-3,2026-01-18,2026-02-01,EUR,10.00\n"
)


def xlsx_replace(data: bytes, old: str, new: str) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                assert old.encode() in content
                content = content.replace(old.encode(), new.encode())
            dst.writestr(info, content)
    return out.getvalue()


def _errors(result):
    return [(e.row, e.column, e.message) for e in result.errors]


def test_all_or_nothing_rejects_the_whole_file_and_records_the_run(ledger, run_import):
    from credere.audit.models import AuditEvent
    from credere.imports.models import ImportRun
    from credere.ledger.models import OpenItem

    result = run_import("items", ONE_BAD)
    assert result.status == "rejected"
    assert _errors(result) == [(3, "due_date", "is before the document date")]
    assert (result.total_rows, result.created, result.updated, result.unchanged, result.rejected) == (3, 0, 0, 0, 1)
    assert OpenItem.objects.count() == 0
    run = ImportRun.objects.get(entity="items")
    assert (run.status, run.rejected, run.created) == ("rejected", 1, 0)
    assert run.errors == [{"row": 3, "column": "due_date", "field": "due_date",
                           "message": "is before the document date"}]
    event = AuditEvent.objects.filter(action="import.rejected").get()
    assert event.object_id == str(run.pk) and event.after["rejected"] == 1


def test_partial_writes_the_good_rows_and_reports_the_bad(ledger, run_import):
    from credere.ledger.models import OpenItem

    result = run_import("items", ONE_BAD, partial=True)
    assert result.status == "partial"
    assert (result.created, result.rejected) == (2, 1)
    assert sorted(OpenItem.objects.values_list("document_number", flat=True)) == ["INV-1", "INV-3"]


def test_every_bad_row_is_reported_with_row_column_and_reason(ledger, run_import):
    content = ITEMS_HEADER + (
        "DE01,C1000,invoice,INV-1,2026-01-15,2026-02-14,EUR,1190.001\n"       # 2: too many decimals
        "DE01,C9999,invoice,INV-2,15/01/2026,2026-02-14,EUR,1.00\n"           # 3: customer, date
        "XX01,C1000,receipt,INV-3,2026-01-15,2026-02-14,EUR,1.00\n"           # 4: company, type
        "DE01,C1000,invoice,,2026-01-15,2026-02-14,EURO,\"1,234.50\"\n"       # 5: number, currency, amount
        "DE01,C1000,invoice,INV-1,2026-01-15,2026-02-14,EUR,5.00\n"           # 6: duplicate of row 2
        "DE01,C1000,invoice,INV-7,2026-01-15,2026-02-14,EUR,0\n"              # 7: zero
        "DE01,C1000,invoice,INV-8,2026-01-15,2026-02-14,EUR,-5.00,extra\n"    # 8: extra cell
        "DE01,C1000,invoice,INV-9,2026-01-15,2026-02-14,EUR,-5.00\n"          # 9: negative invoice
    )
    result = run_import("items", content)
    assert _errors(result) == [
        (2, "amount", "'1190.001' has more decimals than EUR allows (2)"),
        (3, "document_date", "'15/01/2026' is not a date (use YYYY-MM-DD)"),
        (4, "company_code", "no company with code 'XX01'"),
        (4, "document_type", "must be one of invoice, credit_note, debit_note"),
        (5, "document_number", "is required"),
        (5, "amount", "'1,234.50' is not a number: use '.' as the decimal separator and no thousands "
                      "separators (1234.50)"),
        (6, "document_number", "the same document as row 2"),
        (7, "amount", "must not be zero"),
        (8, "", "has 9 cells but the header row has 8 columns"),
        (9, "amount", "a invoice must have a positive amount"),
    ]
    assert result.rejected == 8


def test_second_run_of_the_same_file_changes_nothing(ledger, run_import):
    from credere.audit.models import AuditEvent

    first = run_import("items", GOOD)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    items_events = AuditEvent.objects.filter(action__startswith="item.").count()
    state = db_state()
    second = run_import("items", GOOD)
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 2, 0)
    assert AuditEvent.objects.filter(action__startswith="item.").count() == items_events == 2
    assert second.run_id != first.run_id
    # only the run record and its audit event are new
    from credere.imports.models import ImportRun

    assert ImportRun.objects.filter(entity="items").count() == 2 and db_state() != state


def test_a_changed_row_updates_through_the_rules_with_audit_before_after(ledger, run_import):
    from credere.audit.models import AuditEvent
    from credere.ledger.models import OpenItem

    run_import("items", GOOD)
    changed = GOOD.replace("2026-03-19,EUR,250.5", "2026-03-31,EUR,260.00")
    result = run_import("items", changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    [change] = result.changes
    assert (change.row, change.key, change.outcome) == (3, "DE01/invoice/INV-2", "updated")
    assert change.changes == {"due_date": {"before": "2026-03-19", "after": "2026-03-31"},
                              "amount": {"before": "250.50", "after": "260.00"},
                              "open_amount": {"before": "250.50", "after": "260.00"}}
    item = OpenItem.objects.get(document_number="INV-2")
    assert (item.amount, item.open_amount, item.due_date) == (Decimal("260.00"), Decimal("260.00"),
                                                              dt.date(2026, 3, 31))
    event = AuditEvent.objects.get(action="item.updated")
    assert event.before == {"due_date": "2026-03-19", "amount": "250.50", "open_amount": "250.50"}
    assert event.after == {"due_date": "2026-03-31", "amount": "260.00", "open_amount": "260.00"}
    assert event.object_id == str(item.pk) and event.reason == f"import run {result.run_id}: items.csv"


def test_update_keeps_allocations_and_refuses_to_go_below_them(ledger, admin, run_import):
    from credere.ledger.models import OpenItem
    from credere.ledger.services.allocations import allocate
    from credere.ledger.services.documents import record_payment

    run_import("items", GOOD)
    item = OpenItem.objects.get(document_number="INV-1")
    payment, _ = record_payment(actor=admin, company=ledger, reference="B1", received_on=dt.date(2026, 2, 1),
                                currency="EUR", amount=Decimal("1000.00"))
    allocate(actor=admin, target_id=item.pk, payment_id=payment.pk, amount=Decimal("1000.00"),
             applied_on=dt.date(2026, 2, 1))
    higher = run_import("items", GOOD.replace("EUR,1190.00", "EUR,1200.00"))
    assert higher.updated == 1
    item.refresh_from_db()
    assert (item.amount, item.open_amount) == (Decimal("1200.00"), Decimal("200.00"))
    lower = run_import("items", GOOD.replace("EUR,1190.00", "EUR,900.00"))
    assert lower.status == "rejected"
    assert _errors(lower) == [(2, "amount", "Invoice INV-1: the new amount 900.00 is less than what is already "
                                            "allocated (1000.00)")]


def test_preview_shows_the_changes_and_writes_nothing_not_even_audit(ledger, run_import):
    from credere.audit.models import AuditChainHead

    run_import("items", GOOD)
    state, head = db_state(), AuditChainHead.objects.get().last_hash
    content = GOOD.replace("EUR,250.5", "EUR,300.00") + "DE01,C3000,debit_note,DN-1,2026-01-20,2026-02-20,EUR,5\n" \
        + "DE01,C3000,debit_note,DN-2,2026-01-20,2026-02-20,EUR,x\n"
    result = run_import("items", content, preview=True)
    assert result.status == "preview" and result.run_id is None
    assert (result.created, result.updated, result.unchanged, result.rejected) == (1, 1, 1, 1)
    assert [(c.row, c.key, c.outcome) for c in result.changes] == [
        (3, "DE01/invoice/INV-2", "updated"), (4, "DE01/debit_note/DN-1", "created")]
    assert result.changes[0].changes["amount"] == {"before": "250.50", "after": "300.00"}
    assert _errors(result) == [(5, "amount", "'x' is not a number")]
    assert db_state() == state
    assert AuditChainHead.objects.get().last_hash == head


def test_preview_of_customers_through_the_services_writes_nothing(ledger, run_import):
    state = db_state()
    result = run_import("customers", "account_number,name,country\nC1000,Northwind Logistics Limited,GB\nC5,New,de\n",
                        preview=True)
    assert (result.created, result.updated) == (1, 1)
    assert result.changes[0].changes == {"name": {"before": "Northwind Logistics Ltd",
                                                  "after": "Northwind Logistics Limited"}}
    assert db_state() == state


def test_customers_parents_later_in_the_file_come_first_and_cycles_are_rejected(admin, terms, run_import):
    from credere.ledger.models import Customer

    result = run_import("customers", "account_number,name,parent_account\n"
                                     "C3,Grandchild,C2\nC2,Child,C1\nC1,Top,\n"
                                     "X1,Loop one,X2\nX2,Loop two,X1\nS1,Self,S1\n", partial=True)
    assert result.created == 3
    assert _errors(result) == [
        (5, "parent_account", "the parents in rows 5, 6 form a cycle"),
        (6, "parent_account", "the parents in rows 5, 6 form a cycle"),
        (7, "parent_account", "is the customer itself"),
    ]
    assert Customer.objects.get(account_number="C3").parent.parent.account_number == "C1"
    moved = run_import("customers", "account_number,name,parent_account\nC1,Top,C3\n")
    assert _errors(moved) == [(2, "parent_account", "would make the corporate group a cycle")]


def test_customer_optional_columns_left_out_are_kept_and_empty_cells_clear(ledger, run_import):
    from credere.ledger.models import Customer

    result = run_import("customers", "account_number,name\nC1000,Northwind Logistics Ltd\n")
    assert result.unchanged == 1
    cleared = run_import("customers", "account_number,name,parent_account,tax_id\nC1000,Northwind Logistics Ltd,,\n")
    assert cleared.updated == 1
    assert cleared.changes[0].changes == {"tax_id": {"before": "GB123456789", "after": ""},
                                          "parent": {"before": "C0100", "after": None}}
    c = Customer.objects.get(account_number="C1000")
    assert (c.parent, c.tax_id, c.payment_terms.code) == (None, "", "NET30")


def test_child_of_a_rejected_parent_row_is_rejected(admin, terms, run_import):
    result = run_import("customers", "account_number,name,parent_account,payment_terms\n"
                                     "P1,Parent,,NOPE\nK1,Kid,P1,\n", partial=True)
    assert _errors(result) == [(2, "payment_terms", "no payment terms with code 'NOPE'"),
                               (3, "parent_account", "the parent 'P1' (row 2) is rejected")]


def test_payments_and_fx_rates(ledger, run_import):
    from credere.ledger.models import FxRate, Payment

    payments = ("company_code,reference,received_on,currency,amount,account_number\n"
                "DE01,B-1,2026-02-10,EUR,600.00,C1000\nDE01,B-2,10.02.2026,JPY,1500,\nDE01,B-3,20260210,EUR,-1,\n")
    result = run_import("payments", payments)
    assert _errors(result) == [(4, "amount", "a payment received must be greater than zero")]
    result = run_import("payments", payments, partial=True)
    assert result.created == 2
    p = Payment.objects.get(reference="B-2")
    assert (p.amount, p.unapplied_amount, p.received_on, p.customer) == (Decimal("1500"), Decimal("1500"),
                                                                         dt.date(2026, 2, 10), None)
    fx = "rate_date,base,quote,rate\n2026-01-02,EUR,USD,1.0321\n2026-01-02,eur,usd,1.04\n2026-01-02,EUR,EUR,1\n"
    result = run_import("fx-rates", fx, partial=True)
    assert _errors(result) == [(3, "quote", "the same date and currency pair as row 2"),
                               (4, "quote", "must differ from the base currency")]
    assert FxRate.objects.get().rate == Decimal("1.0321")
    again = run_import("fx-rates", "rate_date,base,quote,rate\n2026-01-02,EUR,USD,1.0400\n")
    assert again.updated == 1
    assert again.changes[0].changes == {"rate": {"before": _jsonable(Decimal("1.0321")),
                                                 "after": _jsonable(Decimal("1.0400"))}}


def test_huge_numbers_are_row_errors_not_crashes(ledger, run_import):
    result = run_import("fx-rates", "rate_date,base,quote,rate\n2026-01-02,EUR,USD,1" + "0" * 40 + "\n"
                        "2026-01-02,EUR,GBP,0.00000000001\n")
    assert _errors(result) == [(2, "rate", "'1" + "0" * 39 + "' is too large"),
                               (3, "rate", "has more than 10 decimals or is too large")]


def test_xlsx_float_with_more_decimals_than_the_currency_is_a_row_error(ledger, run_import):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(ITEMS_HEADER.strip().split(","))
    ws.append(["DE01", "C1000", "invoice", "X-1", dt.date(2026, 1, 1), dt.date(2026, 2, 1), "EUR", 0.125])
    ws.append(["DE01", "C1000", "invoice", 4711, dt.datetime(2026, 1, 1), 20260201, "EUR", 1234.5])
    buf = io.BytesIO()
    wb.save(buf)
    # Excel stores the result of =0.1+0.2 with 17 significant digits (openpyxl would round it)
    data = xlsx_replace(buf.getvalue(), "<v>0.125</v>", "<v>0.30000000000000004</v>")
    result = run_import("items", data, file_name="items.xlsx", partial=True)
    assert _errors(result) == [(2, "amount", "'0.30000000000000004' has more decimals than EUR allows (2)")]
    from credere.ledger.models import OpenItem

    item = OpenItem.objects.get()
    assert (item.document_number, item.amount, item.due_date) == ("4711", Decimal("1234.50"), dt.date(2026, 2, 1))


@pytest.mark.parametrize(("content", "message"), [
    (b"", "items.csv: the file is empty"),
    (b"\x00\x01\x02garbage\xff", "items.csv: this is not a text file (it contains NUL bytes); export CSV as "
                                 "UTF-8, or as UTF-16 with a byte-order mark"),
    (b"company_code,KUNNR,document_type\n", "the columns do not fit items: 'KUNNR' is not a known column; map it "
                                            "(--map 'KUNNR=COLUMN') or ignore it (--map 'KUNNR=-')"),
    (b"PK\x03\x04not really a zip", "items.csv: not a readable XLSX workbook (File is not a zip file)"),
])
def test_unreadable_files_are_business_errors(ledger, run_import, content, message):
    state = db_state()
    with pytest.raises(BusinessError) as exc:
        run_import("items", content)
    assert str(exc.value).startswith(message), str(exc.value)
    assert db_state() == state


def test_missing_required_columns_are_named(ledger, run_import):
    with pytest.raises(BusinessError) as exc:
        run_import("items", "company_code,account_number,document_number\nDE01,C1,X\n")
    assert [f["field"] for f in exc.value.fields] == ["document_type", "document_date", "due_date", "currency",
                                                     "amount"]


def test_a_collector_cannot_import_items_and_nothing_changes(ledger, make_user, run_import):
    from credere.identity.authz import NotAllowed

    collector = make_user("collector")
    state = db_state()
    with pytest.raises(NotAllowed):
        run_import("items", GOOD, actor=collector)
    assert db_state() == state


def test_cash_clerk_may_import_payments_but_not_customers(ledger, make_user, run_import):
    from credere.identity.authz import NotAllowed

    clerk = make_user("cash_clerk")
    ok = run_import("payments", "company_code,reference,received_on,currency,amount\nDE01,B,2026-01-01,EUR,1\n",
                    actor=clerk)
    assert ok.created == 1
    with pytest.raises(NotAllowed):
        run_import("customers", "account_number,name\nC9,X\n", actor=clerk)


def test_mapping_saved_audited_and_used(ledger, admin, make_user, run_import):
    from credere.audit.models import AuditEvent
    from credere.identity.authz import NotAllowed
    from credere.imports.services.mappings import save_mapping

    mapping = {"columns": {"BUKRS": "company_code", "KUNNR": "account_number", "BLART": "document_type",
                           "BELNR": "document_number", "BLDAT": "document_date", "FAEDT": "due_date",
                           "WAERS": "currency", "WRBTR": "amount", "SGTXT": "-"},
               "values": {"document_type": {"RV": "invoice", "DG": "credit_note"}}}
    with pytest.raises(NotAllowed):
        save_mapping(actor=make_user("credit_analyst"), source_system="SAP", entity="items", mapping=mapping)
    saved, outcome = save_mapping(actor=admin, source_system="SAP", entity="items", mapping=mapping)
    assert outcome == "created"
    assert save_mapping(actor=admin, source_system="sap", entity="items", mapping=mapping)[1] == "unchanged"
    content = ("BUKRS;KUNNR;BLART;BELNR;BLDAT;FAEDT;WAERS;WRBTR;SGTXT\n"
               "DE01;C1000;RV;1800000101;15.01.2026;14.02.2026;EUR;1190.00;Fracht\n"
               "DE01;C1000;DG;1400000007;20.01.2026;20.01.2026;EUR;119.00;Gutschrift\n")
    result = run_import("items", content, mapping_name="sap")
    assert (result.created, result.mapping_name) == (2, "sap")
    from credere.ledger.models import OpenItem

    assert OpenItem.objects.get(document_number="1400000007").amount == Decimal("-119.00")
    updated = save_mapping(actor=admin, source_system="SAP", entity="items",
                           mapping={"columns": {**mapping["columns"], "XBLNR": "customer_reference"}})
    assert updated[1] == "updated"
    events = list(AuditEvent.objects.filter(action__startswith="import_mapping.").order_by("seq"))
    assert [e.action for e in events] == ["import_mapping.created", "import_mapping.updated"]
    assert events[1].before["mapping"]["values"] == mapping["values"]
    assert events[1].after["mapping"]["columns"]["XBLNR"] == "customer_reference"


def test_mapping_targets_must_be_columns(admin):
    from credere.imports.services.mappings import save_mapping

    with pytest.raises(BusinessError) as exc:
        save_mapping(actor=admin, source_system="SAP", entity="items", mapping={"columns": {"KUNNR": "kunde"}})
    assert str(exc.value).startswith("mapping: not columns of items: KUNNR=kunde")


def test_unknown_mapping_name(ledger, run_import):
    with pytest.raises(BusinessError, match="no saved mapping 'NAV' for items"):
        run_import("items", GOOD, mapping_name="NAV")


def test_confirm_refuses_a_different_file_than_previewed(ledger, run_import):
    preview = run_import("items", GOOD, preview=True)
    with pytest.raises(BusinessError, match="not the one that was previewed"):
        run_import("items", GOOD + "DE01,C1000,invoice,INV-9,2026-01-15,2026-02-14,EUR,1\n",
                   expected_sha256=preview.sha256)
    assert run_import("items", GOOD, expected_sha256=preview.sha256).created == 2


def test_ecb_file_only_for_fx_rates(ledger, run_import):
    from imports.conftest import SAMPLES

    with pytest.raises(BusinessError, match="import it as fx-rates"):
        run_import("items", (SAMPLES / "ecb-rates.xml").read_bytes())


def test_progress_counts_every_row_once(ledger, run_import):
    started, steps = [], []
    run_import("items", GOOD)
    result = run_import("items", ONE_BAD.replace("INV-3", "INV-4"), partial=True, progress=steps.append,
                        on_write=started.append)
    assert (result.created, result.unchanged, result.rejected) == (1, 1, 1)
    assert started == [3] and sum(steps) == 3


def test_sap_style_decimals_of_a_zero_decimal_currency_are_imported_with_a_warning(ledger, run_import):
    from credere.ledger.models import OpenItem

    content = ITEMS_HEADER + (
        "DE01,C1000,invoice,INV-J1,2026-01-15,2026-02-14,JPY,123400.00\n"
        "DE01,C1000,invoice,INV-J2,2026-01-15,2026-02-14,JPY,5000\n"
        "DE01,C2000,invoice,INV-J3,2026-01-18,2026-03-19,JPY,7700.00\n"
        "DE01,C2000,invoice,INV-H1,2026-01-18,2026-03-19,HUF,1234.50\n"
    )
    result = run_import("items", content)
    assert result.status == "succeeded", result.errors
    assert result.warnings == [
        "rows 2 and 4, column amount: JPY amounts written with decimals (e.g. '123400.00'); JPY has no minor unit "
        "(ISO 4217), so they are read as whole numbers (123400.00 → 123400)"]
    amounts = dict(OpenItem.objects.values_list("document_number", "amount"))
    assert (amounts["INV-J1"], amounts["INV-J3"], amounts["INV-H1"]) == (Decimal("123400"), Decimal("7700"),
                                                                         Decimal("1234.50"))


def test_non_zero_decimals_of_a_zero_decimal_currency_refuse_that_row_only(ledger, run_import):
    from credere.ledger.models import OpenItem

    content = ITEMS_HEADER + (
        "DE01,C1000,invoice,INV-J1,2026-01-15,2026-02-14,JPY,123400.00\n"
        "DE01,C1000,invoice,INV-J2,2026-01-15,2026-02-14,JPY,1234.50\n"
    )
    message = ("'1234.50' has decimals, but JPY has no minor unit (ISO 4217): its amounts are whole numbers. "
               "Refused rather than rounded: an export that gives it cents may have scaled the amount")
    result = run_import("items", content)
    assert (result.status, _errors(result)) == ("rejected", [(3, "amount", message)])
    result = run_import("items", content, partial=True)
    assert (result.status, result.created, _errors(result)) == ("partial", 1, [(3, "amount", message)])
    assert list(OpenItem.objects.values_list("document_number", flat=True)) == ["INV-J1"]
