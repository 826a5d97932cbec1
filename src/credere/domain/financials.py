"""Financial statements: the lines Credere's statement template asks for, the ratios an analyst reads,
the Altman Z''-score, and the features of the default model.

Pure: amounts are ``Decimal`` in the statement's currency (any unit, as long as one statement uses one);
every ratio is a ``Decimal`` or ``None`` when it cannot be computed (a zero or missing denominator), never
a made-up value.

The template (one fiscal year):

=============================  =========================================================================
balance sheet                  income statement
=============================  =========================================================================
``fixed_assets``               ``sales`` — net revenue
``inventory``                  ``cost_of_sales`` — cost of products and goods sold
``receivables``                ``operating_profit`` — profit on operating activities
``cash`` (with short-term      ``depreciation`` — depreciation and amortisation
securities)                    ``interest_expense`` — interest and other financial expenses
``other_current_assets``       ``profit_before_tax``
``share_capital``              ``net_profit``
``retained_earnings``
``other_equity``
``long_term_liabilities``
``short_term_liabilities``
=============================  =========================================================================

Totals (current assets, total assets, equity, total liabilities) are worked out, not entered, and the
balance sheet must balance. The default model's features are ratios of the public Polish bankruptcy
dataset (Zięba, Tomczak & Tomczak 2016) that these lines can compute; :data:`FEATURES` names each with the
dataset's attribute number, so the model sees an applicant exactly as it saw the companies it learned from.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation

#: Balance-sheet lines, in template order, with what a person reads.
BALANCE_SHEET: dict[str, str] = {
    "fixed_assets": "Fixed (non-current) assets",
    "inventory": "Inventory",
    "receivables": "Trade and other receivables",
    "cash": "Cash and short-term securities",
    "other_current_assets": "Other current assets",
    "share_capital": "Share capital",
    "retained_earnings": "Retained earnings and reserves",
    "other_equity": "Other equity",
    "long_term_liabilities": "Long-term liabilities",
    "short_term_liabilities": "Short-term liabilities",
}
#: Income-statement lines, in template order.
INCOME_STATEMENT: dict[str, str] = {
    "sales": "Net sales (revenue)",
    "cost_of_sales": "Cost of products and goods sold",
    "operating_profit": "Operating profit",
    "depreciation": "Depreciation and amortisation",
    "interest_expense": "Interest and other financial expenses",
    "profit_before_tax": "Profit before tax",
    "net_profit": "Net profit",
}
LINES: dict[str, str] = {**BALANCE_SHEET, **INCOME_STATEMENT}
#: Lines that can never be negative on a real statement.
NON_NEGATIVE = ("fixed_assets", "inventory", "receivables", "cash", "other_current_assets", "share_capital",
                "long_term_liabilities", "short_term_liabilities", "sales", "cost_of_sales", "depreciation",
                "interest_expense")
#: Assets and equity-plus-liabilities may differ by rounding: at most this share of total assets (or 1 unit).
BALANCE_TOLERANCE = Decimal("0.005")


class StatementError(ValueError):
    """A statement that cannot be analysed; ``field`` names the line (or ``year``, ``balance``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Statement:
    """One fiscal year's balance sheet and income statement, in one currency."""

    year: int
    fixed_assets: Decimal
    inventory: Decimal
    receivables: Decimal
    cash: Decimal
    other_current_assets: Decimal
    share_capital: Decimal
    retained_earnings: Decimal
    other_equity: Decimal
    long_term_liabilities: Decimal
    short_term_liabilities: Decimal
    sales: Decimal
    cost_of_sales: Decimal
    operating_profit: Decimal
    depreciation: Decimal
    interest_expense: Decimal
    profit_before_tax: Decimal
    net_profit: Decimal

    @property
    def current_assets(self) -> Decimal:
        return self.inventory + self.receivables + self.cash + self.other_current_assets

    @property
    def total_assets(self) -> Decimal:
        return self.fixed_assets + self.current_assets

    @property
    def equity(self) -> Decimal:
        return self.share_capital + self.retained_earnings + self.other_equity

    @property
    def total_liabilities(self) -> Decimal:
        return self.long_term_liabilities + self.short_term_liabilities

    @property
    def working_capital(self) -> Decimal:
        return self.current_assets - self.short_term_liabilities

    @property
    def ebit(self) -> Decimal:
        return self.profit_before_tax + self.interest_expense

    @property
    def ebitda(self) -> Decimal:
        return self.operating_profit + self.depreciation

    @property
    def profit_on_sales(self) -> Decimal:
        return self.sales - self.cost_of_sales

    @property
    def operating_expenses(self) -> Decimal:
        """Everything the operations cost: sales less operating profit."""
        return self.sales - self.operating_profit


def _amount(field: str, value: object) -> Decimal:
    if isinstance(value, float):
        raise StatementError(field, f"{LINES.get(field, field)}: give an exact amount, not a float")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise StatementError(field, f"{LINES.get(field, field)}: required")
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace(" ", "").replace("\u00a0", ""))
    except InvalidOperation:
        raise StatementError(field, f"{LINES.get(field, field)}: '{value}' is not an amount") from None
    if not amount.is_finite():
        raise StatementError(field, f"{LINES.get(field, field)}: '{value}' is not an amount")
    if field in NON_NEGATIVE and amount < 0:
        raise StatementError(field, f"{LINES.get(field, field)}: cannot be negative")
    return amount


def statement(values: Mapping[str, object]) -> Statement:
    """A checked statement from a mapping of line → amount (strings, ints or Decimals) and ``year``.

    Raises :class:`StatementError` naming the first line that is missing, not an amount or negative where it
    cannot be, or ``balance`` when assets and equity plus liabilities differ by more than rounding.
    """
    try:
        year = int(str(values.get("year", "")).strip())
    except ValueError:
        raise StatementError("year", f"year: '{values.get('year', '')}' is not a year") from None
    if not 1900 <= year <= 2200:
        raise StatementError("year", f"year: {year} is not a fiscal year")
    amounts = {name: _amount(name, values.get(name)) for name in LINES}
    result = Statement(year=year, **amounts)
    assets, funding = result.total_assets, result.equity + result.total_liabilities
    if assets <= 0:
        raise StatementError("balance", "Total assets must be more than zero")
    if abs(assets - funding) > max(Decimal(1), assets * BALANCE_TOLERANCE):
        raise StatementError(
            "balance", f"The balance sheet does not balance: total assets {assets:,} but equity and liabilities "
                       f"{funding:,} (difference {assets - funding:,})")
    return result


def as_dict(s: Statement) -> dict[str, str]:
    """The statement's entered lines as strings (for storage and JSON), with its year."""
    return {f.name: str(getattr(s, f.name)) for f in fields(s)}


def years(statements: Sequence[Statement]) -> list[Statement]:
    """Statements ordered newest first; two statements for one year are refused."""
    ordered = sorted(statements, key=lambda s: s.year, reverse=True)
    for newer, older in zip(ordered, ordered[1:], strict=False):
        if newer.year == older.year:
            raise StatementError("year", f"Two statements for {newer.year}")
    return ordered


# --- ratios -------------------------------------------------------------------------------------------------

def _div(a: Decimal, b: Decimal) -> Decimal | None:
    return None if b == 0 else a / b


@dataclass(frozen=True, slots=True)
class RatioDef:
    key: str
    group: str
    label: str
    unit: str  # "x" (times), "pct" (a share shown as %), "days"
    higher_is_better: bool
    explain: str
    compute: Callable[[Statement], Decimal | None]


def _days(a: Decimal, b: Decimal) -> Decimal | None:
    r = _div(a * 365, b)
    return r


RATIOS: tuple[RatioDef, ...] = (
    RatioDef("current_ratio", "Liquidity", "Current ratio", "x", True,
             "Current assets for each unit of short-term liabilities; below 1 the company cannot pay what falls due "
             "within a year from what it will turn into cash.",
             lambda s: _div(s.current_assets, s.short_term_liabilities)),
    RatioDef("quick_ratio", "Liquidity", "Quick ratio", "x", True,
             "As the current ratio, without inventory, which may be slow to sell.",
             lambda s: _div(s.current_assets - s.inventory, s.short_term_liabilities)),
    RatioDef("cash_ratio", "Liquidity", "Cash ratio", "x", True,
             "Cash and short-term securities for each unit of short-term liabilities.",
             lambda s: _div(s.cash, s.short_term_liabilities)),
    RatioDef("working_capital_to_assets", "Liquidity", "Working capital / total assets", "pct", True,
             "Current assets less short-term liabilities, as a share of everything the company owns.",
             lambda s: _div(s.working_capital, s.total_assets)),
    RatioDef("debt_ratio", "Leverage", "Total liabilities / total assets", "pct", False,
             "How much of the assets is financed by creditors; above 100 % equity is negative.",
             lambda s: _div(s.total_liabilities, s.total_assets)),
    RatioDef("equity_ratio", "Leverage", "Equity / total assets", "pct", True,
             "How much of the assets the owners finance: the cushion that absorbs losses before creditors do.",
             lambda s: _div(s.equity, s.total_assets)),
    RatioDef("debt_to_equity", "Leverage", "Total liabilities / equity", "x", False,
             "Creditors' money for each unit of the owners'; not meaningful when equity is negative.",
             lambda s: _div(s.total_liabilities, s.equity) if s.equity > 0 else None),
    RatioDef("gross_margin", "Profitability", "Gross margin", "pct", True,
             "Sales less the cost of what was sold, as a share of sales.",
             lambda s: _div(s.profit_on_sales, s.sales)),
    RatioDef("operating_margin", "Profitability", "Operating margin", "pct", True,
             "Operating profit as a share of sales.",
             lambda s: _div(s.operating_profit, s.sales)),
    RatioDef("net_margin", "Profitability", "Net margin", "pct", True,
             "Net profit as a share of sales.",
             lambda s: _div(s.net_profit, s.sales)),
    RatioDef("return_on_assets", "Profitability", "Return on assets", "pct", True,
             "Net profit as a share of total assets.",
             lambda s: _div(s.net_profit, s.total_assets)),
    RatioDef("return_on_equity", "Profitability", "Return on equity", "pct", True,
             "Net profit as a share of equity; not meaningful when equity is negative.",
             lambda s: _div(s.net_profit, s.equity) if s.equity > 0 else None),
    RatioDef("asset_turnover", "Activity", "Asset turnover", "x", True,
             "Sales for each unit of total assets.",
             lambda s: _div(s.sales, s.total_assets)),
    RatioDef("receivable_days", "Activity", "Receivable days", "days", False,
             "How many days of sales are owed to the company by its customers.",
             lambda s: _days(s.receivables, s.sales)),
    RatioDef("inventory_days", "Activity", "Inventory days", "days", False,
             "How many days of cost of sales sit in inventory.",
             lambda s: _days(s.inventory, s.cost_of_sales)),
    RatioDef("short_term_liability_days", "Activity", "Short-term liabilities in days of cost of sales", "days",
             False, "How long the company takes, roughly, to pay what it owes short term (suppliers among them).",
             lambda s: _days(s.short_term_liabilities, s.cost_of_sales)),
    RatioDef("interest_cover", "Coverage", "Interest cover", "x", True,
             "EBIT (profit before tax plus interest) for each unit of interest; below 1.5 the interest is at risk.",
             lambda s: _div(s.ebit, s.interest_expense)),
    RatioDef("debt_to_ebitda", "Coverage", "Total liabilities / EBITDA", "x", False,
             "Years of operating profit before depreciation it would take to repay all liabilities; not meaningful "
             "when EBITDA is zero or negative.",
             lambda s: _div(s.total_liabilities, s.ebitda) if s.ebitda > 0 else None),
    RatioDef("cash_flow_to_liabilities", "Coverage", "(Profit before tax + depreciation) / total liabilities",
             "pct", True, "A cash-flow proxy against everything owed: the share of liabilities one year's "
                          "cash generation would repay.",
             lambda s: _div(s.profit_before_tax + s.depreciation, s.total_liabilities)),
)
RATIO_BY_KEY = {r.key: r for r in RATIOS}


@dataclass(frozen=True, slots=True)
class RatioRow:
    """One ratio over the years given, newest first, with its change against the year before."""

    key: str
    group: str
    label: str
    unit: str
    explain: str
    values: tuple[Decimal | None, ...]
    change: Decimal | None
    trend: str  # "better", "worse", "flat" or "" (fewer than two values)


#: A change smaller than this (in the ratio's own unit; percentage points for shares) is "flat".
FLAT = {"x": Decimal("0.05"), "pct": Decimal("0.01"), "days": Decimal(3)}


def ratio_table(statements: Sequence[Statement]) -> list[RatioRow]:
    """Every ratio for every year (newest first), with the change from the previous year and its direction."""
    ordered = years(statements)
    rows = []
    for r in RATIOS:
        values = tuple(r.compute(s) for s in ordered)
        change, trend = None, ""
        if len(values) >= 2 and values[0] is not None and values[1] is not None:
            change = values[0] - values[1]
            if abs(change) < FLAT[r.unit]:
                trend = "flat"
            else:
                trend = "better" if (change > 0) == r.higher_is_better else "worse"
        rows.append(RatioRow(r.key, r.group, r.label, r.unit, r.explain, values, change, trend))
    return rows


def growth(statements: Sequence[Statement], line: str = "sales") -> Decimal | None:
    """Growth of a line from the year before to the latest year (0.10 = +10 %), ``None`` with one year or a zero."""
    ordered = years(statements)
    if len(ordered) < 2 or ordered[1].year != ordered[0].year - 1:
        return None
    before = getattr(ordered[1], line)
    return None if before == 0 else getattr(ordered[0], line) / before - 1


# --- Altman Z''-score ---------------------------------------------------------------------------------------

#: Z'' (Altman 1995, for non-manufacturers and private firms): 6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4.
ALTMAN_WEIGHTS = {"x1": Decimal("6.56"), "x2": Decimal("3.26"), "x3": Decimal("6.72"), "x4": Decimal("1.05")}
ALTMAN_SAFE, ALTMAN_DISTRESS = Decimal("2.6"), Decimal("1.1")


@dataclass(frozen=True, slots=True)
class Altman:
    score: Decimal | None
    zone: str  # "safe", "grey", "distress" or "" (cannot be computed)
    parts: tuple[tuple[str, Decimal | None, Decimal | None], ...]  # (what, ratio, weighted contribution)
    explanation: str


def altman_z2(s: Statement) -> Altman:
    """Altman's Z''-score with its four parts and the zone: above 2.6 safe, 1.1–2.6 grey, below 1.1 distress."""
    ratios = {
        "x1": ("Working capital / total assets", _div(s.working_capital, s.total_assets)),
        "x2": ("Retained earnings / total assets", _div(s.retained_earnings, s.total_assets)),
        "x3": ("EBIT / total assets", _div(s.ebit, s.total_assets)),
        "x4": ("Book equity / total liabilities", _div(s.equity, s.total_liabilities)),
    }
    parts = tuple((label, value, None if value is None else value * ALTMAN_WEIGHTS[k])
                  for k, (label, value) in ratios.items())
    if any(p[2] is None for p in parts):
        missing = ", ".join(p[0] for p in parts if p[2] is None)
        return Altman(None, "", parts, f"Cannot be computed: {missing} has a zero denominator.")
    score = sum((p[2] for p in parts if p[2] is not None), Decimal(0))
    if score > ALTMAN_SAFE:
        zone, words = "safe", "above 2.6: the safe zone"
    elif score >= ALTMAN_DISTRESS:
        zone, words = "grey", "between 1.1 and 2.6: the grey zone, neither safe nor in distress"
    else:
        zone, words = "distress", "below 1.1: the distress zone, where failures cluster"
    weakest = min(parts, key=lambda p: p[2] if p[2] is not None else Decimal(0))
    return Altman(score, zone, parts,
                  f"Z'' = {score:.2f}, {words}. The weakest part is {weakest[0].lower()}.")


# --- the default model's features ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Feature:
    """A ratio of the Polish bankruptcy dataset (its attribute number and name) that the template computes."""

    attribute: int
    name: str
    label: str
    unit: str
    compute: Callable[[Statement, Statement | None], Decimal | None]


def _f(attribute: int, name: str, label: str, unit: str,
       compute: Callable[[Statement], Decimal | None]) -> Feature:
    return Feature(attribute, name, label, unit, lambda s, _prev: compute(s))


#: A model ratio whose denominator is zero and numerator is not is "beyond any company in the data": trees only
#: see order, so a value past the training data's range puts it with the most extreme companies on that side.
#: (The dataset marks such ratios as unknown, and its unknowns are mostly failed companies: an applicant with no
#: interest to pay or no fixed assets must not inherit that.) Zero over zero stays unknown.
BEYOND = Decimal(10) ** 15


def _r(a: Decimal, b: Decimal) -> Decimal | None:
    if b != 0:
        return max(-BEYOND, min(BEYOND, a / b))
    return None if a == 0 else BEYOND.copy_sign(a)


def _r_days(a: Decimal, b: Decimal) -> Decimal | None:
    return _r(a * 365, b)


FEATURES: tuple[Feature, ...] = (
    _f(1, "net profit / total assets", "Return on assets", "pct", lambda s: _r(s.net_profit, s.total_assets)),
    _f(2, "total liabilities / total assets", "Liabilities / assets", "pct",
       lambda s: _r(s.total_liabilities, s.total_assets)),
    _f(3, "working capital / total assets", "Working capital / assets", "pct",
       lambda s: _r(s.working_capital, s.total_assets)),
    _f(4, "current assets / short-term liabilities", "Current ratio", "x",
       lambda s: _r(s.current_assets, s.short_term_liabilities)),
    _f(6, "retained earnings / total assets", "Retained earnings / assets", "pct",
       lambda s: _r(s.retained_earnings, s.total_assets)),
    _f(7, "EBIT / total assets", "EBIT / assets", "pct", lambda s: _r(s.ebit, s.total_assets)),
    _f(8, "book value of equity / total liabilities", "Equity / liabilities", "x",
       lambda s: _r(s.equity, s.total_liabilities)),
    _f(9, "sales / total assets", "Asset turnover", "x", lambda s: _r(s.sales, s.total_assets)),
    _f(10, "equity / total assets", "Equity ratio", "pct", lambda s: _r(s.equity, s.total_assets)),
    _f(13, "(gross profit + depreciation) / sales", "(Profit before tax + depreciation) / sales", "pct",
       lambda s: _r(s.profit_before_tax + s.depreciation, s.sales)),
    _f(16, "(gross profit + depreciation) / total liabilities", "(Profit before tax + depreciation) / liabilities",
       "pct", lambda s: _r(s.profit_before_tax + s.depreciation, s.total_liabilities)),
    _f(18, "gross profit / total assets", "Profit before tax / assets", "pct",
       lambda s: _r(s.profit_before_tax, s.total_assets)),
    _f(19, "gross profit / sales", "Profit before tax / sales", "pct",
       lambda s: _r(s.profit_before_tax, s.sales)),
    _f(20, "(inventory * 365) / sales", "Inventory in days of sales", "days", lambda s: _r_days(s.inventory, s.sales)),
    _f(22, "profit on operating activities / total assets", "Operating profit / assets", "pct",
       lambda s: _r(s.operating_profit, s.total_assets)),
    _f(23, "net profit / sales", "Net margin", "pct", lambda s: _r(s.net_profit, s.sales)),
    _f(25, "(equity - share capital) / total assets", "Equity beyond share capital / assets", "pct",
       lambda s: _r(s.equity - s.share_capital, s.total_assets)),
    _f(27, "profit on operating activities / financial expenses", "Operating profit / interest", "x",
       lambda s: _r(s.operating_profit, s.interest_expense)),
    _f(28, "working capital / fixed assets", "Working capital / fixed assets", "x",
       lambda s: _r(s.working_capital, s.fixed_assets)),
    _f(32, "(current liabilities * 365) / cost of products sold", "Short-term liabilities in days of cost of sales",
       "days", lambda s: _r_days(s.short_term_liabilities, s.cost_of_sales)),
    _f(33, "operating expenses / short-term liabilities", "Operating expenses / short-term liabilities", "x",
       lambda s: _r(s.operating_expenses, s.short_term_liabilities)),
    _f(35, "profit on sales / total assets", "Gross profit on sales / assets", "pct",
       lambda s: _r(s.profit_on_sales, s.total_assets)),
    _f(40, "(current assets - inventory - receivables) / short-term liabilities", "Cash ratio", "x",
       lambda s: _r(s.current_assets - s.inventory - s.receivables, s.short_term_liabilities)),
    _f(44, "(receivables * 365) / sales", "Receivable days", "days", lambda s: _r_days(s.receivables, s.sales)),
    _f(46, "(current assets - inventory) / short-term liabilities", "Quick ratio", "x",
       lambda s: _r(s.current_assets - s.inventory, s.short_term_liabilities)),
    _f(47, "(inventory * 365) / cost of products sold", "Inventory days", "days",
       lambda s: _r_days(s.inventory, s.cost_of_sales)),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


def features(statements: Sequence[Statement]) -> dict[str, float]:
    """The model's features for the latest statement (``nan`` only where a ratio is zero over zero).

    Sales growth is deliberately not a feature: the dataset lacks it mostly for companies that failed, so a
    model would punish every applicant with a single year of statements. The ratio table shows the trend.
    """
    ordered = years(statements)
    if not ordered:
        raise StatementError("statements", "At least one year's statement is needed")
    latest, previous = ordered[0], (ordered[1] if len(ordered) > 1 else None)
    out = {}
    for f in FEATURES:
        value = f.compute(latest, previous)
        out[f.name] = math.nan if value is None else float(value)
    return out


def show(value: Decimal | float | None, unit: str) -> str:
    """A ratio as a person reads it: ``12.3 %``, ``1.45×``, ``38 days``, ``+8.0 %`` (growth), ``–`` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = Decimal(str(value)) if isinstance(value, float) else value
    if unit == "pct":
        return f"{v * 100:.1f} %"
    if unit == "days":
        return f"{v:.0f} days"
    if unit == "growth":
        return f"{(v - 1) * 100:+.1f} %"
    return f"{v:.2f}×"
