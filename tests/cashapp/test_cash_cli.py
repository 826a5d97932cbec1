"""``credere cash match-files`` on small CSV files."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

DATA = Path(__file__).parent / "data"

EXPECTED = """\
match_group_id,payment_id,item_id,amount,currency,payment_amount,payment_currency,discount,deduction,unapplied,status,confidence,reason_codes
M000001,P1,I1,1000.00,EUR,1000.00,EUR,0.00,0.00,0.00,applied,0.9950,REFERENCE_EXACT;AMOUNT_EXACT;PAYER_NAME_EXACT
M000002,P2,I2,250.00,EUR,250.00,EUR,0.00,0.00,0.00,applied,0.9550,AMOUNT_EXACT;COMBINATION;PAYER_ACCOUNT_LEARNED
M000002,P2,I3,400.00,EUR,400.00,EUR,0.00,0.00,0.00,applied,0.9550,AMOUNT_EXACT;COMBINATION;PAYER_ACCOUNT_LEARNED
M000003,P3,I4,490.00,GBP,490.00,GBP,10.00,0.00,0.00,applied,0.9925,REFERENCE_EXACT;DISCOUNT_TAKEN;PAYER_NAME_EXACT
M000004,P4,I5,1085.00,USD,1000.00,EUR,0.00,0.00,0.00,applied,0.9950,REFERENCE_EXACT;AMOUNT_EXACT;PAYER_NAME_EXACT
M000005,P5,,,,,EUR,,,75.00,unmatched,0,NO_CANDIDATES
"""


def run(tmp_path: Path, *extra: str, payments: str = "payments.csv") -> str:
    out = tmp_path / "matches.csv"
    call_command("cash", "match-files", "--items", str(DATA / "items.csv"), "--payments", str(DATA / payments),
                 "--out", str(out), *extra)
    return out.read_text(encoding="utf-8")


def test_match_files_writes_one_row_per_link(tmp_path):
    assert run(tmp_path, "--rates", str(DATA / "rates.csv")) == EXPECTED


def test_without_rates_the_foreign_currency_payment_is_not_guessed(tmp_path):
    rows = list(csv.DictReader(run(tmp_path).splitlines()))
    p4 = [r for r in rows if r["payment_id"] == "P4"]
    assert [(r["item_id"], r["status"]) for r in p4] == [("", "unmatched")]


def test_policy_json_changes_the_status(tmp_path):
    rows = list(csv.DictReader(run(tmp_path, "--rates", str(DATA / "rates.csv"), "--policy-json",
                                   str(DATA / "policy.json")).splitlines()))
    assert [(r["payment_id"], r["status"]) for r in rows] == [
        ("P1", "applied"), ("P2", "suggested"), ("P2", "suggested"), ("P3", "applied"), ("P4", "applied"),
        ("P5", "unmatched")]


def test_known_accounts_file(tmp_path):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("bank_account,customer_account\nFR7630006000011234567890189,C300\n", encoding="utf-8")
    rows = list(csv.DictReader(run(tmp_path, "--accounts", str(accounts)).splitlines()))
    p5 = [r for r in rows if r["payment_id"] == "P5"]
    assert [(r["status"], r["reason_codes"]) for r in p5] == [("unmatched", "PAYER_ACCOUNT;NO_AMOUNT_MATCH")]


def test_bad_rows_are_named_and_nothing_is_written(tmp_path):
    with pytest.raises(CommandError) as err:
        run(tmp_path, payments="bad_payments.csv")
    message = str(err.value)
    assert "bad_payments.csv row 2, column amount: '12.345' has more decimals than EUR allows (2)" in message
    assert "bad_payments.csv row 3, column date: '20/03/2026' is not a date (use YYYY-MM-DD)" in message
    assert not (tmp_path / "matches.csv").exists()


def test_missing_column_and_bad_policy(tmp_path):
    items = tmp_path / "items.csv"
    items.write_text("item_id,customer_account\nI1,C1\n", encoding="utf-8")
    policy = tmp_path / "policy.json"
    policy.write_text('{"auto_apply": 1, "max_candidates": "many"}', encoding="utf-8")
    out = tmp_path / "m.csv"
    with pytest.raises(CommandError) as err:
        call_command("cash", "match-files", "--items", str(items), "--payments", str(DATA / "payments.csv"),
                     "--out", str(out), "--policy-json", str(policy))
    message = str(err.value)
    assert "items.csv: missing column(s) customer_name, document_number, currency, amount" in message
    assert "'auto_apply': not a policy setting" in message
    assert "'max_candidates': give a whole number" in message


def test_exit_status_and_help(tmp_path):
    cmd = [sys.executable, "-m", "credere", "cash", "match-files", "--items", str(DATA / "items.csv"),
           "--payments", str(DATA / "bad_payments.csv"), "--out", str(tmp_path / "m.csv")]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "row 2, column amount" in done.stderr
    helped = subprocess.run([sys.executable, "-m", "credere", "cash", "match-files", "--help"],
                            capture_output=True, text=True, check=False)
    assert helped.returncode == 0
    assert "--policy-json" in helped.stdout and "reference_text" in helped.stdout


def test_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match=r"nope\.csv: cannot read the file"):
        call_command("cash", "match-files", "--items", str(tmp_path / "nope.csv"), "--payments",
                     str(DATA / "payments.csv"), "--out", str(tmp_path / "m.csv"))


def test_duplicate_ids_are_refused(tmp_path):
    payments = tmp_path / "p.csv"
    payments.write_text("payment_id,amount,currency,date\nP1,1.00,EUR,2026-03-20\nP1,2.00,EUR,2026-03-20\n",
                        encoding="utf-8")
    with pytest.raises(CommandError, match=r"p\.csv row 3, column payment_id: 'P1' already appears in row 2"):
        run(tmp_path, payments=str(payments))


def test_a_negative_amount_is_an_open_credit_note_netted_against_invoices(tmp_path):
    items = tmp_path / "items.csv"
    items.write_text(
        "item_id,customer_account,customer_name,document_number,currency,amount,document_date,due_date\n"
        "I1,C1,Fabrikam SA,INV-5001,EUR,500.00,2026-10-01,2026-10-31\n"
        "I2,C1,Fabrikam SA,CN-5002,EUR,-100.00,2026-10-05,2026-10-05\n"
        "I3,C2,Contoso Ltd,INV-6001,EUR,0,2026-10-01,2026-10-31\n", encoding="utf-8")
    payments = tmp_path / "payments.csv"
    payments.write_text("payment_id,payer_name,payer_account,reference_text,amount,currency,date\n"
                        "P1,Fabrikam SA,,INV-5001 CN-5002,400.00,EUR,2026-11-02\n", encoding="utf-8")
    with pytest.raises(CommandError, match="row 4, column amount: the open amount must not be zero"):
        call_command("cash", "match-files", "--items", str(items), "--payments", str(payments),
                     "--out", str(tmp_path / "m.csv"))
    items.write_text("\n".join(items.read_text(encoding="utf-8").splitlines()[:3]) + "\n", encoding="utf-8")
    out = tmp_path / "m.csv"
    call_command("cash", "match-files", "--items", str(items), "--payments", str(payments), "--out", str(out))
    rows = {r["item_id"]: r for r in csv.DictReader(out.read_text(encoding="utf-8").splitlines())}
    assert (rows["I1"]["amount"], rows["I2"]["amount"]) == ("500.00", "-100.00")
    assert "CREDIT_NOTE_NETTED" in rows["I1"]["reason_codes"] and rows["I1"]["unapplied"] == "0.00"


ZERO_DECIMAL_ITEMS = """\
item_id,customer_account,customer_name,document_number,references,currency,amount,document_date,due_date
J1,C700,Sakura Trading KK,INV-J-0001,,JPY,123400.00,2026-03-01,2026-03-31
J2,C700,Sakura Trading KK,INV-J-0002,,JPY,50000,2026-03-01,2026-03-31
K1,C710,Hanil Parts Co,INV-K-0001,,KRW,1500000.00,2026-03-01,2026-03-31
"""
ZERO_DECIMAL_PAYMENTS = """\
payment_id,payer_name,payer_account,reference_text,amount,currency,date
PJ1,Sakura Trading KK,,INV-J-0001,123400.00,JPY,2026-03-20
"""


def test_sap_style_decimals_of_a_zero_decimal_currency_are_read_with_a_warning_naming_the_rows(tmp_path, capsys):
    items, payments, out = tmp_path / "items.csv", tmp_path / "payments.csv", tmp_path / "matches.csv"
    items.write_text(ZERO_DECIMAL_ITEMS, encoding="utf-8")
    payments.write_text(ZERO_DECIMAL_PAYMENTS, encoding="utf-8")
    call_command("cash", "match-files", "--items", str(items), "--payments", str(payments), "--out", str(out))
    err = capsys.readouterr().err
    assert (f"warning: {items} row 2, column amount: JPY amount written with decimals (e.g. '123400.00'); JPY has "
            "no minor unit (ISO 4217), so it is read as a whole number (123400.00 → 123400)") in err
    assert f"{items} row 4, column amount: KRW amount written with decimals" in err
    assert f"{payments} row 2, column amount: JPY amount written with decimals" in err
    assert "row 3" not in err  # 50000 is written as it should be
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [(r["payment_id"], r["item_id"], r["amount"], r["status"]) for r in rows] == [
        ("PJ1", "J1", "123400", "applied")]


def test_non_zero_decimals_of_a_zero_decimal_currency_refuse_that_row_and_say_why(tmp_path):
    items, out = tmp_path / "items.csv", tmp_path / "matches.csv"
    items.write_text(ZERO_DECIMAL_ITEMS.replace("JPY,50000,", "JPY,1234.50,"), encoding="utf-8")
    payments = tmp_path / "payments.csv"
    payments.write_text(ZERO_DECIMAL_PAYMENTS, encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("cash", "match-files", "--items", str(items), "--payments", str(payments), "--out", str(out))
    assert str(err.value) == (
        f"nothing was matched:\n{items} row 3, column amount: '1234.50' has decimals, but JPY has no minor unit "
        "(ISO 4217): its amounts are whole numbers. Refused rather than rounded: an export that gives it cents may "
        "have scaled the amount")
    assert not out.exists()
