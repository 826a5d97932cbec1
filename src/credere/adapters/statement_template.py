"""Credere's financial-statement template (XLSX): written for an applicant or analyst to fill in, and read back.

One sheet, ``Statements``: the currency and the unit, then one row per statement line (its key in column A,
what it means in column B) and one column per fiscal year (up to three, the year in the header row). Totals
are worked out by the sheet's formulas for the person filling it in; Credere reads only the entered lines and
works the totals out itself. Reading names the cell of every error.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from credere.domain.financials import (
    BALANCE_SHEET,
    INCOME_STATEMENT,
    LINES,
    Statement,
    StatementError,
    statement,
)
from credere.domain.financials import years as ordered

SHEET = "Statements"
YEAR_COLUMNS = ("C", "D", "E")
MAX_BYTES = 5 * 1024 * 1024
UNITS = {"1": Decimal(1), "1000": Decimal(1000), "1000000": Decimal(1000000)}


class TemplateError(ValueError):
    """A file that is not a filled-in template; ``cell`` names where (``""`` for the whole file)."""

    def __init__(self, message: str, cell: str = "") -> None:
        super().__init__(f"{cell}: {message}" if cell else message)
        self.cell = cell


@dataclass(frozen=True)
class Filled:
    currency: str
    unit: Decimal
    statements: tuple[Statement, ...]  # newest first, amounts multiplied by the unit


def write(*, years: tuple[int, ...], currency: str = "", values: dict[int, dict[str, Decimal]] | None = None,
          company: str = "") -> bytes:
    """An XLSX template for the given fiscal years (newest first), optionally filled in."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    bold = Font(bold=True)
    grey = Font(color="808080", size=8)
    entry = PatternFill("solid", fgColor="FFF8DC")
    ws["A1"] = "Credere — financial statements"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = (f"Company: {company}. " if company else "") + (
        "Fill in the yellow cells: one column per fiscal year, newest first. Totals are worked out for you.")
    ws["A3"], ws["C3"] = "currency", currency or ""
    ws["B3"] = "Currency (ISO code, e.g. EUR)"
    ws["A4"], ws["C4"] = "unit", "1"
    ws["B4"] = "Amounts in units of (1, 1000 or 1000000)"
    unit_choice = DataValidation(type="list", formula1='"1,1000,1000000"', allow_blank=False)
    ws.add_data_validation(unit_choice)
    unit_choice.add("C4")
    for cell in ("C3", "C4"):
        ws[cell].fill = entry
    ws["A6"], ws["B6"] = "year", "Fiscal year"
    for col, year in zip(YEAR_COLUMNS, years, strict=False):
        ws[f"{col}6"] = year
        ws[f"{col}6"].font = bold
        ws[f"{col}6"].fill = entry
    row = 7
    first_line: dict[str, int] = {}

    def section(title: str) -> None:
        nonlocal row
        ws[f"B{row}"] = title
        ws[f"B{row}"].font = bold
        row += 1

    def lines(spec: dict[str, str]) -> None:
        nonlocal row
        for key, label in spec.items():
            ws[f"A{row}"], ws[f"B{row}"] = key, label
            ws[f"A{row}"].font = grey
            first_line[key] = row
            for col, year in zip(YEAR_COLUMNS, years, strict=False):
                cell = ws[f"{col}{row}"]
                cell.fill = entry
                cell.number_format = "#,##0.00"
                if values and year in values and key in values[year]:
                    cell.value = values[year][key]
            row += 1

    def total(label: str, keys: tuple[str, ...]) -> None:
        nonlocal row
        ws[f"B{row}"] = label
        ws[f"B{row}"].font = bold
        for col in YEAR_COLUMNS[:len(years)]:
            ws[f"{col}{row}"] = "=" + "+".join(f"{col}{first_line[k]}" for k in keys)
            ws[f"{col}{row}"].number_format = "#,##0.00"
            ws[f"{col}{row}"].font = bold
        row += 1

    section("Balance sheet — assets")
    lines({k: BALANCE_SHEET[k] for k in ("fixed_assets", "inventory", "receivables", "cash", "other_current_assets")})
    total("Total assets", ("fixed_assets", "inventory", "receivables", "cash", "other_current_assets"))
    row += 1
    section("Balance sheet — equity and liabilities")
    lines({k: BALANCE_SHEET[k] for k in ("share_capital", "retained_earnings", "other_equity",
                                          "long_term_liabilities", "short_term_liabilities")})
    total("Total equity and liabilities", ("share_capital", "retained_earnings", "other_equity",
                                           "long_term_liabilities", "short_term_liabilities"))
    row += 1
    section("Income statement")
    lines(INCOME_STATEMENT)
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 44
    for col in YEAR_COLUMNS:
        ws.column_dimensions[col].width = 16
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _rows(content: bytes) -> tuple[dict[str, list[Any]], dict[str, int]]:
    """Column A's keys → the row's first five cells, and → the row number."""
    from openpyxl import load_workbook

    if len(content) > MAX_BYTES:
        raise TemplateError(f"the file is {len(content) // 1024:,} KB; the template is never more than "
                            f"{MAX_BYTES // 1024 // 1024} MB")
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise TemplateError("not an XLSX file (download the template and fill it in)") from None
    if SHEET not in wb.sheetnames:
        raise TemplateError(f"no sheet named '{SHEET}' (download the template and fill it in)")
    cells: dict[str, list[Any]] = {}
    rows: dict[str, int] = {}
    for number, row in enumerate(wb[SHEET].iter_rows(min_row=1, max_col=5, values_only=True), 1):
        key = _text(row[0] if row else None).lower()
        if key in LINES or key in ("currency", "unit", "year"):
            cells[key] = [*row, None, None, None, None, None][:5]
            rows[key] = number
    wb.close()
    for required in ("year", "currency"):
        if required not in cells:
            raise TemplateError(f"no '{required}' row in column A (download the template and fill it in)")
    return cells, rows


def _currency_and_unit(cells: dict[str, list[Any]], rows: dict[str, int]) -> tuple[str, Decimal]:
    currency = _text(cells["currency"][2]).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise TemplateError(f"'{currency or 'empty'}' is not a currency code (three letters, e.g. EUR)",
                            f"{SHEET}!C{rows['currency']}")
    unit_text = (_text(cells["unit"][2]) if "unit" in cells else "") or "1"
    unit_text = unit_text.split(".")[0].replace(",", "").replace(" ", "")
    if unit_text not in UNITS:
        raise TemplateError(f"unit '{unit_text}' must be 1, 1000 or 1000000", f"{SHEET}!C{rows.get('unit', 4)}")
    return currency, UNITS[unit_text]


def read(content: bytes) -> Filled:
    """The statements in a filled-in template; :class:`TemplateError` names the cell of the first problem."""
    cells, rows = _rows(content)
    currency, unit = _currency_and_unit(cells, rows)
    statements = []
    for index, col in enumerate(YEAR_COLUMNS):
        year = cells["year"][2 + index]
        if year in (None, "") or all(_text(cells[key][2 + index]) == "" for key in LINES if key in cells):
            continue  # a year column left empty: the applicant has fewer years than the template offers
        entered: dict[str, object] = {"year": _text(year).split(".")[0]}
        for key in LINES:
            raw = cells[key][2 + index] if key in cells else None
            if isinstance(raw, float):
                raw = Decimal(repr(raw))
            if raw in (None, ""):
                raw = "0" if key in ("other_current_assets", "other_equity") else None
            entered[key] = raw
        try:
            s = statement(entered)
        except StatementError as exc:
            line = rows.get(exc.field, rows["year"])
            raise TemplateError(exc.message, f"{SHEET}!{col}{line} ({_text(year)})") from None
        statements.append(_scaled(s, unit))
    if not statements:
        raise TemplateError("no fiscal year filled in: put the year in the 'year' row and the amounts below it")
    try:
        return Filled(currency=currency, unit=unit, statements=tuple(ordered(statements)))
    except StatementError as exc:
        raise TemplateError(exc.message, f"{SHEET}!year") from None


def _scaled(s: Statement, unit: Decimal) -> Statement:
    if unit == 1:
        return s
    return statement({"year": s.year, **{k: getattr(s, k) * unit for k in LINES}})
