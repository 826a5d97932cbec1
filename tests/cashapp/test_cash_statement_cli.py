"""``credere cash import|parse|run|remittances|policy`` and ``credere demo-statement`` on the database."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cashapp.statements import Entry, camt053
from credere.cashapp.models import BankTransaction, MatchingPolicyVersion, MatchProposal, StatementFile
from credere.ledger.models import OpenItem, Payment
from credere.ledger.services.documents import upsert_item
from credere.ledger.services.master_data import upsert_customer

pytestmark = pytest.mark.django_db

BANKFILES = Path(__file__).parents[1] / "data" / "bankfiles"


@pytest.fixture
def ledger(admin, company, make_user):
    make_user("cash_clerk", username="clerk")
    make_user("credit_manager", username="manager")
    north = upsert_customer(actor=admin, account_number="C100", name="Northwind Logistics Ltd")[0]
    for number, amount in (("INV-1001", "1190.00"), ("INV-1002", "500.00")):
        upsert_item(actor=admin, company=company, customer=north, document_type="invoice", document_number=number,
                    document_date=dt.date(2026, 10, 1), due_date=dt.date(2026, 10, 31), currency="EUR",
                    amount=Decimal(amount))
    return north


def test_parse_prints_json_and_writes_nothing(ledger, tmp_path, capsys):
    path = tmp_path / "s.xml"
    path.write_bytes(camt053([Entry("1190.00", "Northwind", "GB29NWBK60161331926819", "INV-1001", "B-1")]))
    call_command("cash", "parse", str(path))
    out = json.loads(capsys.readouterr().out)
    tx = out[0]["transactions"][0]
    assert (tx["amount"], tx["counterparty_name"], tx["remittance"], tx["bank_reference"]) == (
        "1190.00", "Northwind", "INV-1001", "B-1")
    assert "raw" not in tx and len(tx["key"]) == 32
    assert StatementFile.objects.count() == 0 and Payment.objects.count() == 0


@pytest.mark.parametrize(("name", "transactions"), [
    ("camt053_v02.xml", 7), ("camt053_v08.xml", 4), ("camt052_v08.xml", 2), ("camt054_v08.xml", 1), ("mt940.sta", 7),
    ("mt942.sta", 2), ("bai2.txt", 4), ("sparkasse.csv", 4), ("english.csv", 3)])
def test_every_sample_format_parses_through_the_command(name, transactions, capsys):
    call_command("cash", "parse", str(BANKFILES / name))
    out = json.loads(capsys.readouterr().out)
    assert out and all(st["account"] for st in out)
    assert sum(len(st["transactions"]) for st in out) == transactions


def test_parse_names_the_problem(tmp_path):
    path = tmp_path / "bad.sta"
    path.write_text(":20:X\n:25:DE89370400440532013000\n:28C:1/1\n:60F:C261120EUR100,00\n"
                    ":61:2611201120C,,5NTRFNONREF\n:62F:C261120EUR100,00\n", encoding="latin-1")
    with pytest.raises(CommandError, match="line 5"):
        call_command("cash", "parse", str(path))


def test_import_run_and_policy_from_the_command_line(ledger, tmp_path, capsys):
    path = tmp_path / "s.xml"
    path.write_bytes(camt053([Entry("1190.00", "Northwind Logistics Ltd", "GB29NWBK60161331926819", "INV-1001",
                                    "B-1"),
                              Entry("500.00", "Somebody", "", "thanks", "B-2")]))
    call_command("cash", "import", str(path), "--user", "clerk")
    out = capsys.readouterr().out
    assert "2 new transaction(s), 0 already imported, 2 payment(s) received" in out
    assert "1 applied, 1 suggested, 0 unmatched" in out  # 500.00 from an unknown payer: by amount only
    call_command("cash", "import", str(path), "--user", "clerk")
    assert "0 new transaction(s), 2 already imported" in capsys.readouterr().out
    with pytest.raises(CommandError, match="may not"):
        call_command("cash", "policy", "--set", "auto_apply_confidence=0.9", "--user", "clerk")
    call_command("cash", "policy", "--set", "auto_apply_confidence=0.9", "--note", "test", "--user", "manager")
    assert "matching policy version 2" in capsys.readouterr().out
    with pytest.raises(CommandError, match="auto_apply_confidence"):
        call_command("cash", "policy", "--set", "auto_apply_confidence=lots", "--user", "manager")
    assert MatchingPolicyVersion.objects.count() == 2
    call_command("cash", "run", "--user", "clerk")
    assert "1 payment(s), 0 applied" in capsys.readouterr().out


def test_remittances_from_the_command_line(ledger, tmp_path, capsys):
    statement = tmp_path / "s.xml"
    statement.write_bytes(camt053([Entry("1690.00", "NWL", "", "see advice", "B-9")]))
    call_command("cash", "import", str(statement), "--no-match", "--user", "clerk")
    advice = tmp_path / "advice.csv"
    advice.write_text("payment_reference,document_number,paid_amount\nB-9,INV-1001,1190.00\nB-9,INV-1002,500.00\n",
                      encoding="utf-8")
    call_command("cash", "remittances", str(advice), "--company", "DE01", "--user", "clerk")
    assert "1 remittance advice(s) with 2 line(s); 1 linked" in capsys.readouterr().out
    call_command("cash", "run", "--user", "clerk")
    proposal = MatchProposal.objects.get(status="applied")
    assert proposal.reasons[0] == "REMITTANCE_ADVICE"
    assert set(OpenItem.objects.values_list("open_amount", flat=True)) == {Decimal("0.00")}


def test_demo_statement_pays_open_invoices(ledger, tmp_path, capsys):
    for fmt, name in (("camt053", "demo.xml"), ("mt940", "demo.sta")):
        out = tmp_path / name
        call_command("demo_statement", "--company", "DE01", "--payments", "2", "--date", "2026-11-20",
                     "--format", fmt, "--out", str(out))
        assert "import it with: credere cash import" in capsys.readouterr().out
        call_command("cash", "parse", str(out))
        parsed = json.loads(capsys.readouterr().out)
        amounts = [Decimal(t["amount"]) for t in parsed[0]["transactions"]]
        assert amounts[-1] == Decimal("-12.50") and len(amounts) >= 2
    call_command("cash", "import", str(tmp_path / "demo.xml"), "--user", "clerk")
    call_command("cash", "import", str(tmp_path / "demo.sta"), "--user", "clerk")
    assert "already imported" in capsys.readouterr().out
    # the same demo payments in both formats are one set of bank transactions
    assert BankTransaction.objects.count() == len(amounts)
    with pytest.raises(CommandError, match="no company"):
        call_command("demo_statement", "--company", "XX", "--out", str(tmp_path / "x.xml"))


def test_a_banks_csv_mapping_is_saved_and_used_for_its_next_files(ledger, tmp_path, capsys):
    mapping = {"booking_date": "Datum", "amount": "Summe", "counterparty_name": "Zahler", "remittance": "Text",
               "bank_reference": "Ref", "default_currency": "EUR", "default_account": "DE89370400440532013000",
               "date_format": "%d/%m/%Y", "decimal_comma": True}
    (tmp_path / "bank.json").write_text(json.dumps(mapping), encoding="utf-8")
    day1 = tmp_path / "day1.csv"
    day1.write_text("Datum;Summe;Zahler;Text;Ref\n20/11/2026;1190,00;Northwind Logistics Ltd;INV-1001;R1\n",
                    encoding="utf-8")
    with pytest.raises(CommandError, match="day1.csv"):  # not a layout Credere recognises by itself
        call_command("cash", "import", str(day1), "--user", "clerk")
    call_command("cash", "import", str(day1), "--mapping", str(tmp_path / "bank.json"), "--save-mapping",
                 "--user", "clerk")
    assert "1 applied" in capsys.readouterr().out
    day2 = tmp_path / "day2.csv"
    day2.write_text("Datum;Summe;Zahler;Text;Ref\n21/11/2026;500,00;Northwind Logistics Ltd;INV-1002;R2\n",
                    encoding="utf-8")
    call_command("cash", "import", str(day2), "--user", "clerk")
    assert "1 new transaction(s)" in capsys.readouterr().out
    assert OpenItem.objects.get(document_number="INV-1002").open_amount == Decimal("0.00")


def test_showing_the_policy_stores_nothing_and_a_change_needs_a_note(ledger, capsys):
    from cashapp.test_cash_pages import state

    before = state()
    call_command("cash", "policy", "--user", "manager")
    out = capsys.readouterr().out
    assert out.startswith("matching policy version 1 (the built-in defaults)\n")
    assert '  auto_apply_confidence = "0.95"\n' in out
    assert state() == before and MatchingPolicyVersion.objects.count() == 0
    with pytest.raises(CommandError, match=r"note: say why the policy changes"):
        call_command("cash", "policy", "--set", "auto_apply_confidence=0.9", "--user", "manager")
    with pytest.raises(CommandError, match=r"note: say why the policy changes"):
        call_command("cash", "policy", "--set", "auto_apply_confidence=0.9", "--note", " ", "--user", "manager")
    assert state() == before and MatchingPolicyVersion.objects.count() == 0
