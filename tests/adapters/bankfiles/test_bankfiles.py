"""Bank statement adapters: golden files in real formats, detection, identity, and the errors users see."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from credere.adapters.bankfiles import (
    CsvMapping,
    StatementError,
    detect_format,
    parse_statements,
    statements_to_json,
    transaction_keys,
)
from credere.adapters.bankfiles.camt import MAX_BYTES

from .regenerate_golden import SAMPLES, golden_path, render

DATA = Path(__file__).resolve().parents[2] / "data" / "bankfiles"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def parse(name: str):
    return parse_statements(read(name), filename=name)


# --- golden files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES)
def test_output_matches_the_golden_file(sample):
    assert json.loads(render(sample)) == json.loads(golden_path(sample).read_text(encoding="utf-8"))


@pytest.mark.parametrize("sample", SAMPLES)
def test_every_golden_file_adds_up_exactly(sample):
    """Opening balance plus transactions is the closing balance, or differs from it by exactly the flagged amount."""
    for statement in parse(sample):
        if statement.opening_balance is None or statement.closing_balance is None or statement.kind != "statement":
            continue
        moved = sum((tx.amount for tx in statement.transactions), Decimal(0))
        assert statement.opening_balance + moved + (statement.balance_difference or 0) == statement.closing_balance


def test_raw_is_omitted_unless_asked_for():
    statements = parse("mt940.sta")
    assert "raw" not in statements_to_json(statements)[0]["transactions"][0]
    raw = statements_to_json(statements, include_raw=True)[0]["transactions"][0]["raw"]
    assert raw.startswith(":61:2603020302CR1190,00NTRFNONREF//2026030200001\n:86:166?00SEPA-GUTSCHRIFT")
    assert raw.endswith("icht Handel GmbH?34000")


# --- detection ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("camt053_v02.xml", "camt"), ("camt053_v08.xml", "camt"), ("camt052_v08.xml", "camt"),
        ("camt054_v02.xml", "camt"), ("camt054_v08.xml", "camt"), ("mt940.sta", "mt940"), ("mt942.sta", "mt942"),
        ("bai2.txt", "bai2"), ("sparkasse.csv", "csv"), ("english.csv", "csv"),
    ],
)
def test_the_format_is_detected_from_the_content_not_the_name(sample, expected):
    assert detect_format(read(sample), filename="statement.pdf") == expected


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7\n", b"\x00\x01\x02binary", b"<html><body>hello</body></html>", b"just words"])
def test_unknown_content_is_refused(data):
    with pytest.raises(StatementError, match="not a recognised bank statement format"):
        detect_format(data)


# --- explicit field checks per format -----------------------------------------------------------------------


def test_camt053_v02_two_statements_batch_and_structured_remittance():
    first, second = parse("camt053_v02.xml")
    assert (first.format, first.kind, first.account, first.currency) == ("camt.053.001.02", "statement", "DE89370400440532013000", "EUR")
    assert (first.opening_balance, first.closing_balance) == (Decimal("10000.00"), Decimal("13727.50"))
    assert first.created == dt.datetime(2026, 3, 2, 22, 15, 3, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    amounts = [tx.amount for tx in first.transactions]
    # The pending 99.00 entry is not a booking and is left out.
    assert amounts == [Decimal("1190.00"), Decimal("1000.00"), Decimal("1250.50"), Decimal("749.50"), Decimal("-450.00"), Decimal("-12.50")]
    batch = first.transactions[1:4]
    assert {tx.bank_reference for tx in batch} == {"2026030200002"}
    assert [tx.counterparty_name for tx in batch] == ["Alpen Maschinenbau AG", "Ostsee Logistik KG", "Rhein Papier GmbH"]
    alpen = batch[0]
    assert alpen.references == ("RE-2026-0102",)
    assert alpen.remittance_lines[0].document_number == "RE-2026-0102"
    assert (alpen.remittance_lines[0].amount, alpen.remittance_lines[0].deduction) == (Decimal("1000.00"), Decimal("20.00"))
    assert batch[1].references == ("RF18539007547034",)
    assert batch[2].end_to_end_id == ""  # NOTPROVIDED
    assert batch[2].remittance == "Rechnung RE-2026-0105 abzgl. Gutschrift GS-2026-0003"
    debit = first.transactions[4]
    assert (debit.counterparty_name, debit.counterparty_account) == ("Buero Bedarf Schmidt GmbH", "DE75512108001245126199")
    charges = first.transactions[5]
    assert (charges.type_code, charges.remittance) == ("ACMT/MDOP/CHRG", "Kontofuehrungsentgelt 02/2026")
    assert second.opening_balance == Decimal("-500.00") and second.closing_balance == Decimal("-250.00")
    line = second.transactions[0].remittance_lines[0]
    assert (line.amount, line.deduction, line.note) == (Decimal("250.00"), Decimal("12.50"), "DMGD Transportschaden")
    assert second.transactions[0].counterparty_account == "0648489891"


def test_camt053_v08_reads_party_names_tx_amounts_and_datetime_booking_dates():
    (statement,) = parse("camt053_v08.xml")
    assert statement.format == "camt.053.001.08"
    nordlicht = statement.transactions[1]
    assert nordlicht.booking_date == dt.date(2026, 3, 3)
    assert nordlicht.counterparty_name == "Nordlicht Handel GmbH"
    assert nordlicht.bank_reference == "2026030300012-1"  # the TxDtls reference overrides the entry's
    assert nordlicht.references == ("RF712026011100", "RE-2026-0111")
    assert nordlicht.remittance_lines[0].deduction == Decimal("20.00")
    assert statement.transactions[2].bank_reference == "" and statement.transactions[2].type_code == "NTRF+166"
    assert statement.transactions[3].amount == Decimal("-99.90")
    assert statement.transactions[3].counterparty_name == "Telekommunikation Nord AG"


def test_camt052_is_a_report_with_booked_entries_only():
    (report,) = parse("camt052_v08.xml")
    assert (report.kind, report.format, report.closing_balance) == ("report", "camt.052.001.08", None)
    assert [tx.amount for tx in report.transactions] == [Decimal("480.00"), Decimal("75.00")]


def test_camt054_notifications_with_structured_remittance():
    (v2,) = parse("camt054_v02.xml")
    assert v2.kind == "notification" and v2.currency == "EUR"
    lines = v2.transactions[0].remittance_lines
    assert [(line.document_number, line.amount) for line in lines] == [("RE-2026-0130", Decimal("1190.00")), ("RE-2026-0131", Decimal("595.00"))]
    (v8,) = parse("camt054_v08.xml")
    assert v8.account == "0532013000"
    line = v8.transactions[0].remittance_lines[0]
    assert (line.amount, line.deduction, line.note) == (Decimal("970.00"), Decimal("30.00"), "SHRT Mindermenge 2 Stueck")
    assert v8.transactions[0].remittance == "Zahlung RE-2026-0140"


def test_mt940_german_and_slash_coded_details():
    german, dutch = parse("mt940.sta")
    assert (german.account, german.opening_balance, german.closing_balance) == ("37040044/0532013000", Decimal("10000.00"), Decimal("10727.50"))
    credit, debit, fee = german.transactions
    assert (credit.amount, credit.counterparty_name, credit.counterparty_account) == (Decimal("1190.00"), "Nordlicht Handel GmbH", "DE02120300000000202051")
    assert (credit.remittance, credit.end_to_end_id, credit.bank_reference, credit.type_code) == ("RE-2026-0101 Kd 40017", "NLH-PAY-8812", "2026030200001", "NTRF/166")
    assert (debit.amount, debit.remittance, debit.counterparty_name) == (Decimal("-450.00"), "Lieferantenrechnung 77812", "Buero Bedarf Schmidt GmbH")
    assert (fee.amount, fee.bank_reference, fee.remittance) == (Decimal("-12.50"), "", "Kontofuehrungsentgelt 02/2026")
    zeeland = dutch.transactions[0]
    assert (zeeland.counterparty_name, zeeland.counterparty_account, zeeland.end_to_end_id) == ("Zeeland Trading B.V.", "NL20INGB0001234567", "ZEE-INV-2026-0042")
    assert zeeland.remittance == "Invoice RE-2026-0142 and RE-2026-0143"
    assert dutch.transactions[3].remittance == "Huur maart 2026 kantoor Keizersgracht"
    assert dutch.closing_balance == Decimal("6800.00")


def test_mt942_is_a_report():
    (report,) = parse("mt942.sta")
    assert (report.kind, report.format, report.currency) == ("report", "mt942", "EUR")
    assert report.created == dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert [tx.amount for tx in report.transactions] == [Decimal("480.00"), Decimal("-99.90")]
    assert report.transactions[1].remittance == "Kundennr. 55012 Rechnung 03/2026"


def test_bai2_accounts_signs_minor_units_and_continuations():
    usd, jpy = parse("bai2.txt")
    assert (usd.account, usd.currency, usd.opening_balance, usd.closing_balance) == ("123456789", "USD", Decimal("50000.00"), Decimal("61345.00"))
    assert [tx.amount for tx in usd.transactions] == [Decimal("1500.00"), Decimal("10000.00"), Decimal("-155.00")]
    lockbox = usd.transactions[1]
    assert lockbox.value_date == dt.date(2026, 3, 2) and lockbox.booking_date == dt.date(2026, 3, 1)
    assert lockbox.remittance == "Lockbox deposit batch 17 remittance for RE-2026-0201 RE-2026-0202"
    assert lockbox.raw == "16,301,1000000,V,260302,0900,LB260301002,,Lockbox deposit batch 17\n88,remittance for RE-2026-0201 RE-2026-0202"
    assert (jpy.currency, jpy.transactions[0].amount) == ("JPY", Decimal("-50000"))


def test_csv_german_export_auto_mapped():
    (statement,) = parse("sparkasse.csv")
    assert (statement.account, statement.currency) == ("DE89370400440532013000", "EUR")
    amounts = [tx.amount for tx in statement.transactions]
    assert amounts == [Decimal("1190.00"), Decimal("2450.00"), Decimal("-99.90"), Decimal("-12.50")]
    assert statement.transactions[1].counterparty_name == "Müller & Söhne KG"  # cp1252 read correctly
    assert statement.transactions[0].end_to_end_id == "NLH-PAY-8812"
    assert statement.transactions[1].end_to_end_id == ""
    assert statement.transactions[0].booking_date == dt.date(2026, 3, 2)


def test_csv_english_export_and_explicit_mapping_round_trip():
    (statement,) = parse("english.csv")
    assert statement.transactions[0].amount == Decimal("1250.00")
    assert statement.transactions[0].remittance == "Invoice RE-2026-0170, thank you"
    mapping = CsvMapping(
        booking_date="Date", amount="Amount", default_currency="GBP", counterparty_name="Payer",
        remittance="Description", bank_reference="Bank reference", default_account="GB29NWBK60161331926819",
    )
    assert CsvMapping.from_dict(json.loads(json.dumps(mapping.to_dict()))) == mapping
    (mapped,) = parse_statements(read("english.csv"), csv_mapping=mapping)
    assert [tx.bank_reference for tx in mapped.transactions] == ["TRX-000981", "TRX-000982", "TRX-000990"]


def test_csv_mapping_for_credit_and_debit_columns_with_german_dates():
    data = "Buchungstag;Haben;Soll;Name;Zweck\n02.03.2026;1.000,00;;Kunde A;RE-1\n03.03.2026;;25,00;Lieferant B;Miete\n"
    mapping = CsvMapping(booking_date="Buchungstag", credit="Haben", debit="Soll", counterparty_name="Name", remittance="Zweck",
                         default_currency="EUR", default_account="DE89370400440532013000", date_format="%d.%m.%Y", decimal_comma=True)
    (statement,) = parse_statements(data.encode(), csv_mapping=mapping)
    assert [tx.amount for tx in statement.transactions] == [Decimal("1000.00"), Decimal("-25.00")]


def test_csv_mapping_from_dict_refuses_unknown_fields():
    with pytest.raises(StatementError, match="unknown field"):
        CsvMapping.from_dict({"booking_date": "Date", "amount": "Amount", "default_currency": "EUR", "colour": "red"})


# --- identity -----------------------------------------------------------------------------------------------


def test_the_same_file_twice_gives_the_same_keys():
    for sample in SAMPLES:
        first = [transaction_keys(s) for s in parse(sample)]
        again = [transaction_keys(s) for s in parse(sample)]
        assert first == again
        flat = [key for keys in first for key in keys]
        assert len(flat) == len(set(flat)), sample


def test_intraday_report_and_end_of_day_statement_share_keys_for_shared_entries():
    (report,) = parse("camt052_v08.xml")
    (statement,) = parse("camt053_v08.xml")
    report_keys, statement_keys = transaction_keys(report), transaction_keys(statement)
    # 480.00 is matched by its bank reference, 75.00 (no reference, name spaced differently) by its content.
    assert report_keys == [statement_keys[0], statement_keys[2]]
    (mt942,) = parse("mt942.sta")
    assert len(set(transaction_keys(mt942))) == 2


def test_two_identical_transactions_on_one_day_are_both_kept():
    dutch = parse("mt940.sta")[1]
    twins = dutch.transactions[1:3]
    assert twins[0].amount == twins[1].amount and twins[0].remittance == twins[1].remittance
    keys = transaction_keys(dutch)
    assert keys[1] != keys[2]


def test_overlapping_mt940_files_share_keys():
    data = read("mt940.sta")
    second_only = data[data.index(b":20:ING-20260302"):]
    assert transaction_keys(parse_statements(second_only)[0]) == transaction_keys(parse_statements(data)[1])


def test_batch_transactions_with_equal_amounts_get_distinct_keys():
    data = read("camt053_v02.xml").replace(b">1250.50<", b">1000.00<").replace(b">749.50<", b">1000.00<")
    (first, _second) = parse_statements(data)
    keys = transaction_keys(first)
    assert len(set(keys[1:4])) == 3


# --- errors -------------------------------------------------------------------------------------------------


def test_malformed_xml_names_the_line():
    data = read("camt053_v02.xml").replace(b"</Amt>\n        <CdtDbtInd>DBIT", b"</Amtx>\n        <CdtDbtInd>DBIT", 1)
    with pytest.raises(StatementError, match=r"^line \d+: the XML is malformed"):
        parse_statements(data)


def test_a_bad_camt_amount_names_the_element_path():
    data = read("camt053_v02.xml").replace(b'<Amt Ccy="EUR">450.00</Amt>', b'<Amt Ccy="EUR">abc</Amt>')
    with pytest.raises(StatementError) as error:
        parse_statements(data)
    assert str(error.value) == "Stmt[1]/Ntry[3]/Amt: 'abc' is not an amount"


def test_a_camt_statement_that_does_not_reconcile_is_read_and_flagged_or_refused_when_strict():
    data = read("camt053_v02.xml").replace(b"13727.50", b"13727.40")
    first, second = parse_statements(data)
    assert (first.closing_balance, first.expected_closing, first.balance_difference) == (
        Decimal("13727.40"), Decimal("13727.50"), Decimal("-0.10"))
    [discrepancy] = first.discrepancies
    assert (discrepancy.location, discrepancy.what, discrepancy.expected, discrepancy.stated) == (
        "Stmt[1]", "closing balance", Decimal("13727.50"), Decimal("13727.40"))
    assert second.discrepancies == () and second.balance_difference is None
    # the transactions are exactly those of the reconciling file
    assert first.transactions == parse("camt053_v02.xml")[0].transactions
    with pytest.raises(StatementError) as error:
        parse_statements(data, strict=True)
    assert str(error.value) == ("Stmt[1]: the opening balance 10000.00 plus the booked entries 3727.50 is 13727.50, "
                                "not the closing balance 13727.40")


def test_doctype_and_entity_bombs_are_refused():
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n'
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&lol2;</BkToCstmrStmt></Document>')
    with pytest.raises(StatementError, match="DOCTYPE"):
        parse_statements(bomb)
    external = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&x;</Document>')
    with pytest.raises(StatementError, match="DOCTYPE"):
        parse_statements(external)


def test_oversized_files_are_refused_before_parsing():
    data = b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">' + b" " * MAX_BYTES
    with pytest.raises(StatementError, match="52,428,800 bytes"):
        parse_statements(data)


def test_mt940_broken_amount_names_the_line():
    data = read("mt940.sta").replace(b":61:2603020302DR450,00", b":61:2603020302DR,,5")
    with pytest.raises(StatementError) as error:
        parse_statements(data)
    assert str(error.value) == "line 9: :61: amount ',,5' is not valid"


def test_mt940_missing_line_is_caught_by_the_balances():
    data = read("mt940.sta")
    cut = data[: data.index(b":61:2603020302DR12,50")] + data[data.index(b":62F:C260302EUR10727,50"):]
    statement = parse_statements(cut)[0]
    assert statement.balance_difference == Decimal("-12.50")
    assert statement.discrepancies[0].message == (
        ":62F: the opening balance 10000.00 plus the statement lines 740.00 is 10740.00, not the closing balance 10727.50")
    assert parse_statements(cut)[1].discrepancies == ()
    with pytest.raises(StatementError, match=r"^line \d+: :62F: the opening balance 10000.00 plus"):
        parse_statements(cut, strict=True)


def test_mt942_totals_that_do_not_add_up_are_flagged():
    data = read("mt942.sta").replace(b":90D:1EUR99,90", b":90D:2EUR109,90")
    [report] = parse_statements(data)
    assert len(report.transactions) == 2
    [discrepancy] = report.discrepancies
    assert (discrepancy.what, discrepancy.expected, discrepancy.stated, discrepancy.difference) == (
        "debit total", Decimal("99.90"), Decimal("109.90"), Decimal("10.00"))
    assert discrepancy.message == ":90D: says 2 entries for 109.90, the statement lines give 1 for 99.90"
    assert report.balance_difference is None  # an intraday report has no closing balance to check
    with pytest.raises(StatementError, match=r"^line 13: :90D: says 2 entries"):
        parse_statements(data, strict=True)


def test_mt940_without_account_or_opening_balance_is_refused():
    with pytest.raises(StatementError, match="no :25: account"):
        parse_statements(read("mt940.sta").replace(b":25:37040044/0532013000\n", b""))
    with pytest.raises(StatementError, match="no opening balance"):
        parse_statements(read("mt940.sta").replace(b":60F:C260301EUR10000,00\n", b":34F:EURC0,00\n"))


def test_bai2_wrong_control_total_names_the_record():
    data = read("bai2.txt").replace(b"49,12300000,6/", b"49,12300001,6/")
    usd, jpy = parse_statements(data)
    [discrepancy] = usd.discrepancies
    assert (discrepancy.location, discrepancy.what, discrepancy.expected, discrepancy.stated, discrepancy.difference) == (
        "line 8", "account control total", Decimal("123000.00"), Decimal("123000.01"), Decimal("0.01"))
    assert jpy.discrepancies == ()
    assert usd.transactions == parse("bai2.txt")[0].transactions
    with pytest.raises(StatementError) as error:
        parse_statements(data, strict=True)
    assert str(error.value) == "line 8: 49 record: the account control total is 12300001, but the records give 12300000"


def test_bai2_wrong_record_count_names_the_trailer():
    data = read("bai2.txt").replace(b"99,14700000,1,13/", b"99,14700000,1,12/")
    statements = parse_statements(data)
    # the file trailer covers every account
    for statement in statements:
        [discrepancy] = statement.discrepancies
        assert (discrepancy.what, discrepancy.expected, discrepancy.stated, discrepancy.difference) == (
            "number of records", None, None, None)
    with pytest.raises(StatementError, match=r"^line 13: 99 record: the number of records is 12"):
        parse_statements(data, strict=True)


def test_bai2_wrong_group_total_flags_every_account_of_the_group():
    data = read("bai2.txt").replace(b"98,14700000,2,11/", b"98,14700100,2,11/").replace(
        b"99,14700000,1,13/", b"99,14700100,1,13/")
    usd, jpy = parse_statements(data)
    assert [d.message for d in usd.discrepancies] == [
        "98 record: the group control total is 14700100, but the records give 14700000"]
    assert usd.discrepancies[0].difference == Decimal("1.00")
    assert jpy.discrepancies[0].difference == Decimal("100")


def test_csv_bad_date_names_row_and_column():
    data = read("english.csv").replace(b"2026-03-03,2026-03-03", b"2026-03-03,2026-02-30")
    with pytest.raises(StatementError) as error:
        parse_statements(data)
    assert str(error.value) == "row 4, column 'Value date': '2026-02-30' is not a date in the format %Y-%m-%d"


def test_csv_bad_amount_names_row_and_column():
    data = read("sparkasse.csv").replace(b'"-99,90"', b'"-99,9x"')
    with pytest.raises(StatementError, match=r"^row 4, column 'Betrag': '-99,9x' is not an amount"):
        parse_statements(data)


def test_a_file_without_statements_is_an_error():
    empty = (b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
             b"<BkToCstmrStmt><GrpHdr><MsgId>1</MsgId></GrpHdr></BkToCstmrStmt></Document>")
    with pytest.raises(StatementError, match="contains no statement"):
        parse_statements(empty)


def test_a_csv_statement_without_account_is_an_error():
    data = read("english.csv").replace(b",Own account", b",Note")
    with pytest.raises(StatementError, match="names no account"):
        parse_statements(data)


# --- fragments are told what their own format misses, never to give a CSV mapping ---------------------------


@pytest.mark.parametrize(("data", "kind", "message"), [
    (b":61:2603020302CR1190,00NTRFNONREF//B1\n:86:Invoice INV-1, thanks\n:62F:C260302EUR10727,50\n", "mt940",
     "line 1: :61: comes before the first :20: transaction reference"),
    (b":13D:2603031500+0100\n:61:2603030303CR480,00NTRFNONREF\n:90C:1EUR480,00\n", "mt942",
     "line 1: :13D: comes before the first :20: transaction reference"),
    (b"03,123456789,USD,010,5000000,,,015,6134500,,/\n16,195,150000,0,FW1,INV-9001,Wire/\n49,6284500,3/\n", "bai2",
     "line 1: a BAI2 file starts with a 01 file header"),
    (b"16,195,150000,0,FW1,INV-9001,Wire/\n", "bai2", "line 1: a BAI2 file starts with a 01 file header"),
])
def test_a_bank_format_fragment_is_named_as_such(data, kind, message):
    assert detect_format(data) == kind
    with pytest.raises(StatementError) as error:
        parse_statements(data)
    assert (str(error.value), error.value.format) == (message, kind)
    assert "CSV" not in str(error.value)


def test_a_csv_export_is_still_a_csv():
    assert detect_format(b"Date,Amount,Currency,Text\n2026-03-02,1.00,EUR,x\n") == "csv"
    with pytest.raises(StatementError) as error:
        parse_statements(b"When,How much\n2026-03-02,1.00\n")
    assert error.value.format == "csv" and "give a CSV mapping" in str(error.value)
