"""``credere report`` through call_command: output files, formats, errors, rights, help."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from credere.reporting.management.commands.report import REPORTS, Command

pytestmark = pytest.mark.django_db


def _run(*args):
    call_command("report", *args)


def test_aging_csv_file(book, tmp_path):
    out = tmp_path / "aging.csv"
    _run("aging", "--as-of", "2026-03-31", "--by", "company", "--format", "csv", "--out", str(out),
         "--user", "reporter")
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0][:10] == ["Company", "Name", "Currency", "Not due", "1–30", "31–60", "61–90", "91–120", "Over 120",
                            "Total"]
    assert rows[0][-4:] == ["Over 120 (EUR)", "Total (EUR)", "Items", "Oldest due"]
    assert rows[1] == ["DE01", "Credere GmbH", "EUR", "300.00", "-100.00", "400.00", "0.00", "0.00", "200.00",
                       "800.00", "300.00", "-100.00", "400.00", "0.00", "0.00", "200.00", "800.00", "4",
                       "2025-10-31"]
    assert rows[2][:10] == ["US01", "Credere Inc", "USD", "50.00", "800.00", "0.00", "0.00", "0.00", "0.00", "850.00"]
    assert rows[-1] == ["Total", "Total in EUR", "EUR", "", "", "", "", "", "", "", "340.00", "540.00", "400.00",
                        "0.00", "0.00", "200.00", "1480.00", "6", "2025-10-31"]


def test_metrics_json_and_custom_options(book, tmp_path):
    out = tmp_path / "m.json"
    _run("metrics", "--as-of", "2026-03-31", "--company", "US01", "--currency", "USD", "--days", "30",
         "--format", "json", "--out", str(out), "--user", "reporter")
    data = {row["Figure"]: row["Value"] for row in json.loads(out.read_text())}
    assert data["Receivables"] == "850.00"
    assert data["DSO, simple method"] == "510.00"
    assert data["DSO, countback method"] == "59.00"


def test_series_xlsx(book, tmp_path):
    out = tmp_path / "s.xlsx"
    _run("series", "--as-of", "2026-03-31", "--months", "3", "--format", "xlsx", "--out", str(out),
         "--user", "reporter")
    ws = load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("Month end", "Reporting currency", "Receivables")
    assert [r[2] for r in rows[1:]] == [1200, 2340, 1480]


def test_top_overdue_to_stdout(book, capsys):
    _run("top-overdue", "--as-of", "2026-03-31", "--limit", "1", "--format", "csv", "--user", "reporter")
    assert capsys.readouterr().out.splitlines() == [
        "Rank,Customer,Name,Overdue (EUR),Receivables (EUR),Share of overdue %,Oldest overdue due date,Days past due",
        "1,S1,Solo Ltd,540.00,840.00,47.37,2026-03-17,14",
    ]


def test_table_output(book, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    _run("aging", "--as-of", "2026-03-31", "--by", "group", "--user", "reporter")
    out = capsys.readouterr().out
    assert "Globex Holding" in out and "1480.00" in out and "Over 120 (EUR)" not in out


@pytest.mark.parametrize("args, message", [
    (["aging", "--as-of", "31.03.2026"], "as_of: '31.03.2026' is not a date"),
    (["aging", "--as-of", "2026-02-30"], "not a valid date"),
    (["aging", "--company", "XX99"], "no company with code 'XX99'"),
    (["aging", "--buckets", "0,30,20"], "increase strictly"),
    (["aging", "--currency", "euro"], "not an ISO 4217"),
    (["metrics", "--days", "0"], "days: must be between 1 and 3650"),
    (["top-overdue", "--limit", "x"], "limit: 'x' is not a whole number"),
    (["aging", "--format", "xlsx"], "give --out FILE"),
])
def test_bad_options_are_clear_errors(book, args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args, "--user", "reporter")


def test_rights(book, make_role_user, tmp_path):
    make_role_user(username="nobody")
    make_role_user("sales", username="seller")
    with pytest.raises(CommandError, match="nobody may not"):
        _run("aging", "--user", "nobody")
    with pytest.raises(CommandError, match="export_data"):
        _run("aging", "--format", "csv", "--user", "seller")
    with pytest.raises(CommandError, match="export_data"):
        _run("aging", "--format", "json", "--out", str(tmp_path / "x.json"), "--user", "seller")
    assert not (tmp_path / "x.json").exists()
    with pytest.raises(CommandError, match="say who is acting"):
        _run("aging")


@pytest.mark.parametrize("name", list(REPORTS))
def test_help_of_each_report(name, capsys):
    parser = Command().create_parser("credere", "report")
    with pytest.raises(SystemExit) as exc:
        parser.parse_args([name, "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "--as-of YYYY-MM-DD" in text and "--user" in text and "examples:" in text
