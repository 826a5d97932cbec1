from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from imports.conftest import ITEMS_HEADER, SAMPLES, db_state

pytestmark = pytest.mark.django_db

GOOD = ITEMS_HEADER + "DE01,C1000,invoice,INV-1,2026-01-15,2026-02-14,EUR,1190.00\n"
BAD = GOOD + "DE01,C1000,invoice,INV-2,2026-01-15,2026-02-14,EUR,12.345\n"


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def items_file(tmp_path):
    def write(content: str | bytes, name: str = "items.csv"):
        path = tmp_path / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return str(path)

    return write


def test_import_prints_a_summary(ledger, admin, items_file):
    out, _ = _run("items", items_file(GOOD), "--user", admin.username)
    assert "Writing 1 rows of items in one transaction…" in out
    assert "Imported: 1 rows of items from items.csv: 1 created, 0 updated, 0 unchanged, 0 rejected" in out
    out, _ = _run("items", items_file(GOOD), "--user", admin.username)
    assert "0 created, 0 updated, 1 unchanged, 0 rejected" in out


def test_rejection_exits_non_zero_with_the_row_errors(ledger, admin, items_file, tmp_path):
    state = db_state()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import", "items", items_file(BAD), "--user", admin.username, "--errors",
                     str(tmp_path / "errors.csv"), stdout=out, stderr=err)
    assert exc.value.returncode == 1
    assert str(exc.value) == "1 rows rejected; nothing was imported. Fix them, or import the good rows with --partial."
    assert "row 3, column 'amount': '12.345' has more decimals than EUR allows (2)" in err.getvalue()
    assert "Rejected, nothing imported" in out.getvalue()
    with open(tmp_path / "errors.csv", newline="") as fh:
        assert list(csv.reader(fh)) == [["row", "column", "field", "message"],
                                        ["3", "amount", "amount", "'12.345' has more decimals than EUR allows (2)"]]
    from credere.ledger.models import OpenItem

    assert OpenItem.objects.count() == 0 and db_state() != state


def test_partial_exits_2_and_preview_writes_nothing(ledger, admin, items_file):
    state = db_state()
    with pytest.raises(CommandError) as exc:
        _run("items", items_file(BAD), "--user", admin.username, "--preview")
    assert exc.value.returncode == 1
    assert db_state() == state
    out, _ = _run("items", items_file(GOOD), "--user", admin.username, "--preview")
    assert "row 2: DE01/invoice/INV-1 would be created" in out and "Preview (nothing written)" in out
    assert db_state() == state
    with pytest.raises(CommandError) as exc:
        _run("items", items_file(BAD), "--user", admin.username, "--partial")
    assert exc.value.returncode == 2


def test_preview_shows_changed_fields(ledger, admin, items_file):
    _run("items", items_file(GOOD), "--user", admin.username)
    out, _ = _run("items", items_file(GOOD.replace("2026-02-14", "2026-02-28")), "--user", admin.username, "--preview")
    assert "row 2: DE01/invoice/INV-1 would be updated (due_date: 2026-02-14 → 2026-02-28)" in out


def test_save_mapping_then_use_it(ledger, admin, items_file):
    sap = str(SAMPLES / "sap-open-items.csv")
    out, err = _run("items", sap, "--user", admin.username, "--save-mapping", "SAP", "--map-file",
                    str(SAMPLES / "sap-open-items.mapping.json"))
    assert "mapping 'SAP' for items: created" in out and "3 created" in out
    assert "warning: the file is not UTF-8; it was read as Windows-1252" in err
    out, _ = _run("items", sap, "--user", admin.username, "--mapping", "SAP")
    assert "3 unchanged" in out
    from credere.imports.models import ImportMapping, ImportRun

    assert ImportMapping.objects.get().mapping["columns"]["KUNNR"] == "account_number"
    assert list(ImportRun.objects.filter(entity="items").values_list("mapping_name", flat=True)) == ["SAP", "SAP"]


def test_map_pairs_and_errors(ledger, admin, items_file):
    content = GOOD.replace("account_number", "KUNNR").replace("amount", "WRBTR")
    with pytest.raises(CommandError, match="'KUNNR' is not a known column"):
        _run("items", items_file(content), "--user", admin.username)
    out, _ = _run("items", items_file(content), "--user", admin.username, "--map",
                  "KUNNR=account_number,WRBTR=amount")
    assert "1 created" in out
    with pytest.raises(CommandError, match="--map: 'KUNNR' is not SOURCE=column"):
        _run("items", items_file(content), "--user", admin.username, "--map", "KUNNR")
    with pytest.raises(CommandError, match="--save-mapping needs --map"):
        _run("items", items_file(content), "--user", admin.username, "--save-mapping", "X")
    with pytest.raises(CommandError, match="cannot read"):
        _run("items", "/nonexistent.csv", "--user", admin.username)


def test_collector_cannot_import_items(ledger, make_user, items_file):
    collector = make_user("collector")
    state = db_state()
    with pytest.raises(CommandError, match="may not"):
        _run("items", items_file(GOOD), "--user", collector.username)
    assert db_state() == state


def test_fx_rates_from_ecb_xml(admin):
    out, _ = _run("fx-rates", str(SAMPLES / "ecb-rates.xml"), "--user", admin.username)
    assert "Imported: 12 rows of fx-rates from ecb-rates.xml: 12 created" in out
    assert "line 9: 2026-01-06 EUR/USD created" in out


def test_export_round_trips(ledger, admin, items_file, tmp_path):
    _run("items", items_file(GOOD), "--user", admin.username)
    _run("items", str(SAMPLES / "open-items.xlsx"), "--user", admin.username)
    path = tmp_path / "items.csv"
    err = io.StringIO()
    call_command("export", "items", "--out", str(path), "--user", admin.username, "--company", "DE01", stderr=err)
    assert "exported 5 items to" in err.getvalue()
    out, _ = _run("items", str(path), "--user", admin.username)
    assert "0 created, 0 updated, 5 unchanged, 0 rejected" in out
    xlsx = tmp_path / "items.xlsx"
    call_command("export", "items", "--format", "xlsx", "--out", str(xlsx), "--user", admin.username,
                 stderr=io.StringIO())
    out, _ = _run("items", str(xlsx), "--user", admin.username)
    assert "0 created, 0 updated, 5 unchanged, 0 rejected" in out


@pytest.mark.parametrize("entity", ["customers", "payments", "allocations", "fx-rates"])
def test_export_other_entities_to_standard_output(ledger, admin, entity, capsys):
    call_command("export", entity, "--user", admin.username, stderr=io.StringIO())
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split(",")[0] == {"customers": "account_number", "fx-rates": "rate_date"}.get(entity,
                                                                                                  "company_code")
    assert len(lines) == {"customers": 5}.get(entity, 1)


def test_export_needs_export_data(ledger, make_user, tmp_path):
    with pytest.raises(CommandError, match="may not"):
        call_command("export", "items", "--out", str(tmp_path / "x.csv"), "--user", make_user("sales").username)
    with pytest.raises(CommandError, match="XLSX cannot be written to the terminal"):
        call_command("export", "items", "--format", "xlsx", "--user", make_user("collector").username)
