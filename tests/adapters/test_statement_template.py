"""The XLSX statement template: written, filled in, read back; every error names its cell."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from credere.adapters import statement_template as tpl

YEAR_2025 = {"fixed_assets": Decimal(500), "inventory": Decimal(200), "receivables": Decimal(300),
             "cash": Decimal("50.25"), "other_current_assets": Decimal(0), "share_capital": Decimal(100),
             "retained_earnings": Decimal("250.25"), "other_equity": Decimal(0),
             "long_term_liabilities": Decimal(300), "short_term_liabilities": Decimal(400), "sales": Decimal(2000),
             "cost_of_sales": Decimal(1500), "operating_profit": Decimal(120), "depreciation": Decimal(40),
             "interest_expense": Decimal(20), "profit_before_tax": Decimal(100), "net_profit": Decimal(80)}


def _edit(content: bytes, **cells: object) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    ws = wb[tpl.SHEET]
    for ref, value in cells.items():
        ws[ref] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_round_trip_keeps_every_amount_exactly():
    content = tpl.write(years=(2025, 2024, 2023), currency="EUR",
                        values={2025: YEAR_2025, 2024: {**YEAR_2025, "sales": Decimal(1800)}})
    filled = tpl.read(content)
    assert filled.currency == "EUR"
    assert [s.year for s in filled.statements] == [2025, 2024]  # 2023 left empty: skipped
    latest = filled.statements[0]
    assert latest.cash == Decimal("50.25") and latest.retained_earnings == Decimal("250.25")
    assert filled.statements[1].sales == Decimal(1800)


def test_the_template_computes_totals_for_the_person_filling_it_in():
    ws = load_workbook(io.BytesIO(tpl.write(years=(2025,), currency="EUR")))[tpl.SHEET]
    formulas = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert len(formulas) == 2  # total assets, total equity and liabilities
    labels = [ws[f"B{r}"].value for r in range(1, ws.max_row + 1)]
    assert "Total assets" in labels and "Inventory" in labels


def test_amounts_in_thousands_are_scaled():
    content = _edit(tpl.write(years=(2025,), currency="EUR", values={2025: YEAR_2025}), C4="1000")
    assert tpl.read(content).statements[0].sales == Decimal(2000000)


def test_a_text_in_an_amount_cell_is_named_by_its_cell():
    content = tpl.write(years=(2025,), currency="EUR", values={2025: YEAR_2025})
    ws = load_workbook(io.BytesIO(content))[tpl.SHEET]
    row = next(r for r in range(1, ws.max_row + 1) if ws[f"A{r}"].value == "sales")
    with pytest.raises(tpl.TemplateError) as err:
        tpl.read(_edit(content, **{f"C{row}": "two thousand"}))
    assert err.value.cell == f"Statements!C{row} (2025)"
    assert "'two thousand' is not an amount" in str(err.value)


def test_an_unbalanced_sheet_and_a_missing_currency_are_refused():
    content = tpl.write(years=(2025,), currency="EUR", values={2025: {**YEAR_2025, "cash": Decimal(90)}})
    with pytest.raises(tpl.TemplateError, match="does not balance"):
        tpl.read(content)
    with pytest.raises(tpl.TemplateError, match="not a currency code") as err:
        tpl.read(tpl.write(years=(2025,), values={2025: YEAR_2025}))
    assert err.value.cell == "Statements!C3"


@pytest.mark.parametrize("content", [b"", b"not a spreadsheet", b"PK\x03\x04broken"])
def test_not_an_xlsx_file(content):
    with pytest.raises(tpl.TemplateError, match="not an XLSX file"):
        tpl.read(content)


def test_an_empty_template_says_what_to_do():
    with pytest.raises(tpl.TemplateError, match="no fiscal year filled in"):
        tpl.read(tpl.write(years=(2025, 2024), currency="EUR"))


def test_another_workbook_is_refused():
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    with pytest.raises(tpl.TemplateError, match="no sheet named 'Statements'"):
        tpl.read(out.getvalue())
