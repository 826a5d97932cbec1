"""The table component: column priorities, the fit classes, cells labelled for phone cards, and
days past due in words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import RequestFactory

from credere.web import formatting
from credere.web.datatable import DETAIL, NORMAL, PRIMARY, Col, DataTable

D = Decimal


def _table(columns: list[Col], rows: list[dict], **kw) -> DataTable:
    return DataTable(id="main", columns=columns, rows=rows, request=RequestFactory().get("/"), per_page=None, **kw)


def test_money_status_and_due_are_primary_codes_are_detail_by_default():
    assert Col("a", "A", "money").rank == PRIMARY
    assert Col("a", "A", "badge").rank == PRIMARY
    assert Col("a", "A", "due").rank == PRIMARY
    assert Col("a", "A").rank == NORMAL and Col("a", "A", "date").rank == NORMAL
    assert Col("a", "A", "code").rank == DETAIL
    assert Col("a", "A", "code", priority=PRIMARY).rank == PRIMARY


def test_cells_carry_their_priority_label_and_the_lead_column():
    table = _table([Col("acct", "Account", "code"), Col("name", "Name", lead=True),
                    Col("amount", "Amount", "money", currency="EUR"), Col("note", "Note", priority=DETAIL)],
                   [{"acct": "C1", "name": "Acme", "amount": D("-5.00"), "note": "x" * 90}])
    assert [h["css"] for h in table.header()] == ["p3", "lead wrap", "num p1", "p3 wrap"]
    cells = table.body()[0]["cells"]
    assert [c["label"] for c in cells] == ["Account", "Name", "Amount", "Note"]
    assert "neg" in cells[2]["css"] and cells[2]["text"] == "-€5.00"
    assert cells[3]["long"] and not cells[1]["long"]  # a long text is clamped, with its title


def test_the_fit_classes_drop_details_then_normal_columns_below_the_estimated_width():
    many = [Col("name", "Name"), Col("key", "Key", "code"), Col("cur", "Currency", "code")] + [
        Col(f"b{i}", f"B{i}", "money", currency="EUR") for i in range(8)] + [Col("due", "Oldest due", "date")]
    fit = _table(many, []).fit().split()
    assert fit[0].startswith("h3-") and fit[1].startswith("h2-")
    assert int(fit[0][3:]) > int(fit[1][3:])  # details go first, at a wider box
    assert _table([Col("name", "Name"), Col("amount", "Amount", "money")], []).fit() == ""


def test_footer_cells_without_a_value_stay_empty_and_the_export_can_leave_the_footer_out():
    cols = [Col("name", "Name"), Col("day", "Day", "date"), Col("amount", "Amount", "money", currency="EUR")]
    rows = [{"name": "a", "day": dt.date(2026, 3, 1), "amount": D("1.50")}]
    table = _table(cols, rows, footer=[{"name": "Total", "day": None, "amount": D("1.50")}], export_footer=False)
    assert [c["text"] for c in table.foot()[0]] == ["Total", "", "€1.50"]
    assert table.export_table() == (["Name", "Day", "Amount"], [["a", dt.date(2026, 3, 1), D("1.50")]])


def test_days_past_due_in_words_and_the_export_keeps_the_signed_number():
    assert formatting.due_words(12) == "12 days overdue"
    assert formatting.due_words(1) == "1 day overdue"
    assert formatting.due_words(0) == "due today"
    assert formatting.due_words(-5) == "due in 5 days"
    assert formatting.due_words(-1) == "due in 1 day"
    assert formatting.due_words(1234) == "1,234 days overdue"
    assert formatting.due_words(None) == "—"
    col = Col("d", "Days past due", "due")
    assert col.text({"d": -5}) == "due in 5 days" and col.exported({"d": -5}) == -5
    assert col.text({"d": None}) == "—"
    table = _table([Col("n", "N"), col], [{"n": "a", "d": 3}, {"n": "b", "d": -2}])
    assert [r["cells"][1]["css"] for r in table.body()] == ["p1 tone-bad", "p1 tone-muted"]
