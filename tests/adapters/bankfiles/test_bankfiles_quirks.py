"""What real banks send beyond the standards: each quirk has its golden file (regenerate_golden.SAMPLES) and a test
here naming what is read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from credere.adapters.bankfiles import StatementError, detect_format, parse_statements

DATA = Path(__file__).resolve().parents[2] / "data" / "bankfiles"


def parse(name: str):
    return parse_statements((DATA / name).read_bytes(), filename=name)


# --- MT940 / MT942 ------------------------------------------------------------------------------------------


def test_mt940_bank_header_lines_before_each_message_are_skipped():
    statements = parse("mt940_header.sta")
    assert [s.statement_id for s in statements] == ["ABN AMRO BANK NV", "940S260303", "940S260304"]
    assert [s.closing_balance for s in statements] == [Decimal("3750.00"), Decimal("3630.00"), Decimal("4000.00")]
    assert statements[0].transactions[0].counterparty_name == "Zeeland Trading B.V."


def test_mt940_header_text_before_a_tag_other_than_20_is_still_refused():
    data = b"ABNANL2A\n:25:NL91ABNA0417164300\n:60F:C260301EUR1,00\n:62F:C260301EUR1,00\n"
    with pytest.raises(StatementError, match=r"^line 1: text before the first tag: 'ABNANL2A'"):
        parse_statements(data)


def test_mt940_soh_etx_framing_and_swift_blocks_with_several_messages():
    data = (DATA / "mt940_envelope.sta").read_bytes()
    assert data.startswith(b"\x01{1:F01") and b"-}{5:{CHK:" in data and data.endswith(b"-}\x03")
    first, second = parse("mt940_envelope.sta")
    assert (first.statement_id, first.opening_balance, first.closing_balance) == ("RABO260302", Decimal("5000.00"), Decimal("5800.00"))
    assert (first.transactions[0].bank_reference, first.transactions[0].end_to_end_id) == ("RB2603020001", "ACME-PAY-77")
    assert (second.statement_id, second.transactions[0].amount) == ("RABO260303", Decimal("-35.50"))


def test_mt940_long_customer_reference_iban_and_bank_reference():
    iban, long_reference, spaced_iban = parse("mt940_references.sta")[0].transactions
    # an IBAN where the customer reference goes is the other party's account, not a reference
    assert (iban.counterparty_account, iban.bank_reference, iban.type_code) == ("NL20INGB0001234567", "", "N541")
    # a 22-character customer reference does not swallow the bank reference after //
    assert long_reference.bank_reference == "BANKREF-2026-0302-0000099"
    assert long_reference.remittance == "Payment from Lindqvist AB INV RE-2026-0171 RE-2026-0172"  # with the :61: 2nd line
    assert (spaced_iban.counterparty_account, spaced_iban.bank_reference) == ("DE89370400440532013000", "0000000012345678")


def test_mt940_zero_padded_amounts_longer_than_15_characters():
    (statement,) = parse("mt940_padded.sta")
    assert (statement.opening_balance, statement.closing_balance) == (Decimal("1234.56"), Decimal("1300.00"))
    assert [tx.amount for tx in statement.transactions] == [Decimal("75.00"), Decimal("-9.56")]
    # significant digits beyond 15 are still refused
    data = (DATA / "mt940_padded.sta").read_bytes().replace(b"000000000001234,56", b"1234567890123456,00")
    with pytest.raises(StatementError, match=r"^line 4: :60F: amount '1234567890123456,00' is not valid"):
        parse_statements(data)


def test_mt940_30_february_and_31_april_are_the_months_last_day_and_say_so():
    february, april = parse("mt940_30day.sta")[0].transactions
    assert (february.value_date, february.booking_date) == (dt.date(2026, 2, 28), dt.date(2026, 3, 2))
    assert february.remittance == "Pagamento fattura RE-2026-0190 (value date 30.02 read as 28.02)"
    assert (april.value_date, april.booking_date) == (dt.date(2026, 4, 30), dt.date(2026, 4, 30))
    assert april.remittance == "Affitto aprile (entry date 31.04 read as 30.04)"
    # a day no month has is still refused
    data = (DATA / "mt940_30day.sta").read_bytes().replace(b":61:2602300302C", b":61:2602320302C")
    with pytest.raises(StatementError, match=r"^line 5: :61: 260232 is not a valid date"):
        parse_statements(data)


def test_mt940_tag_like_lines_inside_86_are_text():
    first, second = parse("mt940_86_tags.sta")
    assert first.transactions[0].remittance == "Zahlung Kunde 40017 :20: Rechnung RE-2026-0201 :ABC: Lieferung 17"
    assert [tx.amount for tx in first.transactions] == [Decimal("250.00"), Decimal("-50.00")]
    # the statement's own :86: after :62F: is followed by the next message's :20:
    assert (second.statement_id, second.opening_balance) == ("DB260303", Decimal("10200.00"))
    assert second.transactions[0].remittance == "Teilzahlung :25: Kundennummer 40018"
    assert not first.discrepancies and not second.discrepancies


def test_mt940_in_forint_keeps_the_fillér():
    (statement,) = parse("mt940_huf.sta")
    assert statement.currency == "HUF"
    assert [tx.amount for tx in statement.transactions] == [Decimal("1234.50"), Decimal("-99.25")]
    assert statement.closing_balance == Decimal("1001135.25")


@pytest.mark.parametrize("data", [
    b"ABNANL2A\n940\nABNANL2A\n:20:X\n:25:NL91ABNA0417164300\n:61:260302C1,00NTRFNONREF\n",
    b"\x01{1:F01RABONL2UAXXX0000000000}{2:O940}{4:\n:20:X\n:25:NL44RABO0123456789\n:61:260302C1,00NTRFNONREF\n",
])
def test_a_truncated_mt940_with_a_bank_header_is_named_as_mt940(data):
    assert detect_format(data) == "mt940"
    with pytest.raises(StatementError) as error:
        parse_statements(data)
    assert error.value.format == "mt940" and "CSV" not in str(error.value)


# --- BAI2 ---------------------------------------------------------------------------------------------------


def test_bai2_several_records_on_one_line():
    first, second = parse("bai2_packed.txt")
    assert [tx.amount for tx in first.transactions] == [Decimal("1000.00"), Decimal("500.00"), Decimal("-150.00")]
    assert first.transactions[0].raw == "16,165,100000,0,PP1,INV-3001,Preauthorized ACH credit/"
    # 03,…,/88,…/ on one line: the closing balance comes from the 88 continuation
    assert (second.opening_balance, second.closing_balance) == (Decimal("2000.00"), Decimal("2500.00"))
    # a slash inside the text that is not followed by a record code stays text
    assert second.transactions[0].remittance == "Wire from Acme Industrial 1/2 of INV-3002"
    assert not first.discrepancies and not second.discrepancies  # record counts are of records, not lines


def test_bai2_text_wrapped_onto_the_next_line_without_88():
    (statement,) = parse("bai2_wrapped.txt")
    lockbox, wire, _fees = statement.transactions
    assert lockbox.remittance == "Lockbox deposit batch 22 remittance for RE-2026-0301 RE-2026-0302 RE-2026-0303"
    assert lockbox.raw.count("\n") == 1
    assert wire.remittance == "Wire from Nordic Parts AB invoice INV-3310 and INV-3311"
    assert not statement.discrepancies  # the wrapped lines are not records in the trailers' counts


def test_bai2_a_stray_line_after_a_closed_record_is_still_refused():
    data = (DATA / "bai2_wrapped.txt").read_bytes().replace(b"16,495,10000,0,OT1,,Outgoing transfer fees/\n",
                                                           b"16,495,10000,0,OT1,,Outgoing transfer fees/\nstray text\n")
    with pytest.raises(StatementError, match=r"^line 9: 'stray text' does not start with a BAI2 record code"):
        parse_statements(data)


@pytest.mark.parametrize("data", [
    b"03,123456789,USD,010,5000000,,,015,6134500,,/16,195,150000,0,FW1,INV-9001,Wire/49,6284500,3/\n",
    b"16,195,150000,0,FW1,INV-9001,Wire from Acme\nIndustrial for INV-9001/\n",
])
def test_a_truncated_bai2_is_named_as_bai2(data):
    assert detect_format(data) == "bai2"
    with pytest.raises(StatementError) as error:
        parse_statements(data)
    assert error.value.format == "bai2" and "CSV" not in str(error.value)


# --- camt ---------------------------------------------------------------------------------------------------


def test_camt053_version_01_names():
    (statement,) = parse("camt053_v01.xml")
    assert (statement.format, statement.account, statement.currency) == ("camt.053.001.01", "CH9300762011623852957", "CHF")
    assert (statement.opening_balance, statement.closing_balance) == (Decimal("5000.00"), Decimal("7340.00"))  # Tp/Cd
    alpen, ostsee, rhein, fees = statement.transactions
    # RfrdDocInf/RfrdDocNb and one RfrdDocAmt per amount
    line = alpen.remittance_lines[0]
    assert (line.document_number, line.amount, line.deduction) == ("RE-2026-0301", Decimal("1500.00"), Decimal("30.00"))
    # a batch of TxDtls straight in the Ntry, amounts in AmtDtls/TxAmt/Amt; CdtrRefInf/CdtrRef; a BBAN
    assert [ostsee.amount, rhein.amount] == [Decimal("600.00"), Decimal("400.00")]
    assert (ostsee.references, ostsee.counterparty_account) == (("RF18539007547034",), "0648489891")
    assert (fees.amount, fees.type_code, fees.remittance) == (Decimal("-160.00"), "CHRG", "Kontofuehrung Februar 2026")


def test_camt052_and_054_version_01_and_052_version_02():
    (report,) = parse("camt052_v01.xml")
    assert (report.format, report.kind, report.account) == ("camt.052.001.01", "report", "0532013000")
    assert [tx.amount for tx in report.transactions] == [Decimal("480.00")]  # the pending entry is left out
    (notification,) = parse("camt054_v01.xml")
    assert (notification.format, notification.kind, notification.account) == (
        "camt.054.001.01", "notification", "GB-CREDERE-00017")
    assert notification.transactions[0].remittance_lines[0].document_number == "RE-2026-0420"
    (v2,) = parse("camt052_v02.xml")
    assert (v2.format, v2.transactions[0].counterparty_name) == ("camt.052.001.02", "Hansen Bau ApS")


def test_camt_entries_without_dates_take_the_statements_date_and_say_so():
    period, created, header = parse("camt053_nodates.xml")
    assert (period.transactions[0].booking_date, period.transactions[0].value_date) == (dt.date(2026, 3, 4), None)
    assert period.transactions[0].remittance == (
        "RE-2026-0440 (no booking or value date in the file; booked on 2026-03-04, the statement's end date "
        "FrToDt/ToDtTm)")
    assert created.transactions[0].booking_date == dt.date(2026, 3, 4)
    assert created.transactions[0].remittance.endswith("the statement's creation date CreDtTm)")
    assert header.transactions[0].booking_date == dt.date(2026, 3, 5)
    assert header.transactions[0].remittance.endswith("the message's creation date GrpHdr/CreDtTm)")


def test_camt_entry_without_any_date_to_take_is_refused():
    data = (DATA / "camt053_nodates.xml").read_bytes().replace(
        b"<CreDtTm>2026-03-05T06:00:00+01:00</CreDtTm>", b"")
    with pytest.raises(StatementError, match=r"^Stmt\[3\]/Ntry\[1\]: the entry has neither a booking date"):
        parse_statements(data)


def test_camt_batch_whose_details_carry_no_amounts_is_one_transaction():
    (statement,) = parse("camt053_batch_noamounts.xml")
    (batch,) = statement.transactions
    assert (batch.amount, batch.counterparty_name, batch.bank_reference) == (
        Decimal("3150.00"), "Lyon Emballages SA", "FR20260305LOT17")
    assert batch.remittance == "Facture RE-2026-0501 Facture RE-2026-0502"
    assert batch.references == ("RE-2026-0503", "LYO-PAY-501", "LYO-PAY-502")
    assert batch.end_to_end_id == ""  # several end-to-end ids: each is a reference
    assert [line.document_number for line in batch.remittance_lines] == ["RE-2026-0503"]


def test_camt_batch_with_some_amounts_missing_is_refused():
    data = (DATA / "camt053_batch_noamounts.xml").read_bytes().replace(
        b"<Refs><EndToEndId>LYO-PAY-501</EndToEndId></Refs>",
        b'<Refs><EndToEndId>LYO-PAY-501</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="EUR">1000.00</Amt></TxAmt></AmtDtls>')
    with pytest.raises(StatementError, match=r"^Stmt\[1\]/Ntry\[1\]/NtryDtls/TxDtls\[2\]: a batch entry's transaction has no amount"):
        parse_statements(data)


# --- returned payments --------------------------------------------------------------------------------------


def test_camt_returned_payments_carry_the_reason_and_the_original_end_to_end_id():
    (statement,) = parse("camt053_returns.xml")
    transfer, direct_debit = statement.transactions
    assert (transfer.return_reason, transfer.returned_reference) == ("AC04 Konto erloschen", "CDG-PAY-000311")
    assert (direct_debit.amount, direct_debit.return_reason, direct_debit.returned_reference) == (
        Decimal("-1260.00"), "MD06", "DD-2026-0215-C4711")


def test_mt940_reversal_marks_and_rtrn_codes():
    credit_reversed, debit_reversed = parse("mt940_returns.sta")[0].transactions
    assert (credit_reversed.amount, credit_reversed.return_reason, credit_reversed.returned_reference) == (
        Decimal("-1500.00"), "AC04", "ZEE-INV-2026-0042")
    assert (debit_reversed.amount, debit_reversed.return_reason, debit_reversed.returned_reference) == (
        Decimal("200.00"), "RD reversal of a debit", "20260306RT002")


def test_bai2_return_type_codes():
    (statement,) = parse("bai2_returns.txt")
    check, ach, paid = statement.transactions
    assert (check.amount, check.return_reason, check.returned_reference) == (
        Decimal("-1000.00"), "555 Deposited Item Returned", "1042")
    assert (ach.return_reason, ach.returned_reference) == ("257 Individual ACH Return Item", "ACH-88120")
    assert (paid.return_reason, paid.returned_reference) == ("", "")


def test_ordinary_transactions_are_no_returns():
    for sample in ("camt053_v02.xml", "mt940.sta", "bai2.txt"):
        for statement in parse(sample):
            assert {(tx.return_reason, tx.returned_reference) for tx in statement.transactions} == {("", "")}


def test_mt942_messages_without_dash_after_a_transactions_86_are_still_two_messages():
    message = (":20:INTRA{n}\n:25:DE89370400440532013000\n:28C:1/{n}\n:34F:EURC0,00\n:13D:2603031{n}00+0100\n"
               ":61:2603030303CR{n}0,00NTRFNONREF//B{n}\n:86:Zahlung {n}\n")
    first, second = parse_statements((message.format(n=1) + message.format(n=2)).encode())
    assert (first.statement_id, second.statement_id) == ("INTRA1", "INTRA2")
    assert [tx.remittance for tx in first.transactions + second.transactions] == ["Zahlung 1", "Zahlung 2"]


def test_mt940_text_in_braces_inside_86_is_text_not_an_envelope():
    data = (DATA / "mt940_86_tags.sta").read_bytes().replace(b":86:Gebuehren\n", b":86:Gebuehren\n{Auftrag 17}\nMaerz\n")
    first, _second = parse_statements(data)
    assert first.transactions[1].remittance == "Gebuehren {Auftrag 17} Maerz"
