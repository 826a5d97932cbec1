"""How each dashboard figure is computed, laid out from the figure's own domain values.

Every number here is a field of the :class:`credere.domain.metrics.Metrics` the dashboard
shows (including the countback walk, :attr:`~credere.domain.metrics.Metrics.countback_steps`):
nothing is computed a second time, only put in words and a small table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from credere.domain import metrics as figures
from credere.web import formatting


@dataclass(frozen=True)
class Part:
    """One number the figure is computed from; ``href`` lists the items behind it."""

    label: str
    value: str
    what: str = ""
    href: str = ""


@dataclass(frozen=True)
class WalkRow:
    """One month of the countback walk as shown."""

    month: str
    period: str
    sales: str
    left_before: str
    left_after: str
    counted: str
    whole: bool
    href: str


@dataclass(frozen=True)
class Computation:
    parts: tuple[Part, ...]
    #: The formula in words with the actual numbers.
    formula: str
    walk: tuple[WalkRow, ...] = field(default=())


def _days(value: Decimal | None) -> str:
    return "—" if value is None else f"{formatting.number(value, 2)} days"


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else formatting.percent(value, 2)


def _period(p: figures.Period) -> str:
    return f"{formatting.date(p.start + dt.timedelta(days=1))} – {formatting.date(p.end)}"


def computation(key: str, m: figures.Metrics, links: dict[str, str],
                sales_link: Callable[[figures.Period], str]) -> Computation:
    """The parts and formula of figure ``key``; ``links`` name the item lists behind the amounts."""
    rc = m.reporting_currency

    def money(value: Decimal) -> str:
        return formatting.money(value, rc)

    win = f"{m.dso_days}-day window"
    receivables = Part("Receivables", money(m.receivables), "open items as of the date", links["receivables"])
    current = Part("Current (not yet due)", money(m.current), "items due on or after the date", links["current"])
    overdue = Part("Overdue", money(m.overdue), "items past their due date", links["overdue"])
    sales = Part(f"Net credit sales, {win}", money(m.credit_sales),
                 f"items posted after {formatting.date(m.dso_window.start)} up to {formatting.date(m.dso_window.end)}",
                 links["sales"])
    days = Part("Days in the window", f"{m.dso_days} days")
    if key == "receivables":
        return Computation((current, overdue, receivables),
                           f"Current {money(m.current)} + overdue {money(m.overdue)} = {money(m.receivables)}.")
    if key == "overdue_share":
        if m.overdue_share is None:
            formula = "Not computed: there are no receivables to take a share of."
        else:
            formula = (f"Overdue {money(m.overdue)} ÷ receivables {money(m.receivables)} × 100 = "
                       f"{_pct(m.overdue_share)}.")
        return Computation((overdue, receivables, Part("Overdue share", _pct(m.overdue_share))), formula)
    if key in ("dso_simple", "best_possible_dso"):
        simple = key == "dso_simple"
        amount, value = (receivables, m.dso_simple) if simple else (current, m.best_possible_dso)
        base = m.receivables if simple else m.current
        if value is None:
            formula = f"Not computed: no positive net credit sales in the {win}."
        elif base <= 0:
            formula = f"{amount.label} {amount.value} are not positive, so the figure is 0 days."
        else:
            formula = (f"{amount.label} {amount.value} ÷ net credit sales {money(m.credit_sales)} × "
                       f"{m.dso_days} days = {_days(value)}.")
        return Computation((amount, sales, days, Part(str(figures_label(key)), _days(value))), formula)
    if key == "average_days_delinquent":
        parts = (Part("DSO (simple)", _days(m.dso_simple), "receivables in days of sales", links["dso_simple"]),
                 Part("Best possible DSO", _days(m.best_possible_dso), "current receivables in days of sales",
                      links["best_possible_dso"]),
                 Part("Average days delinquent", _days(m.average_days_delinquent)))
        if m.average_days_delinquent is None:
            formula = f"Not computed: no positive net credit sales in the {win}."
        else:
            formula = (f"DSO (simple) {_days(m.dso_simple)} − best possible DSO {_days(m.best_possible_dso)} = "
                       f"{_days(m.average_days_delinquent)}: the overdue {money(m.overdue)} in days of sales.")
        return Computation(parts, formula)
    if key == "cei":
        return _cei(m, links, money)
    if key == "dso_countback":
        return _countback(m, receivables, money, sales_link)
    raise KeyError(key)


def figures_label(key: str) -> str:
    return {"dso_simple": "DSO (simple)", "best_possible_dso": "Best possible DSO"}[key]


def _cei(m: figures.Metrics, links: dict[str, str], money: Callable[[Decimal], str]) -> Computation:
    cei = m.cei_period
    parts = (
        Part("Opening receivables", money(m.cei_opening), f"open items as of {formatting.date(cei.start)}",
             links["opening"]),
        Part("Net credit sales of the period", money(m.cei_credit_sales),
             f"items posted after {formatting.date(cei.start)} up to {formatting.date(cei.end)}", links["cei_sales"]),
        Part("Closing receivables", money(m.receivables), f"open items as of {formatting.date(cei.end)}",
             links["receivables"]),
        Part("Closing current receivables", money(m.current), "of those, not yet due", links["current"]),
        Part("Collection effectiveness index", _pct(m.cei)),
    )
    start = m.cei_opening + m.cei_credit_sales
    collected, collectable = start - m.receivables, start - m.current
    words = (f"(opening {money(m.cei_opening)} + sales {money(m.cei_credit_sales)} − closing "
             f"{money(m.receivables)}) ÷ (opening {money(m.cei_opening)} + sales {money(m.cei_credit_sales)} − "
             f"closing current {money(m.current)}) × 100")
    if m.cei is None:
        formula = f"{words}: not computed, the denominator {money(collectable)} is not positive."
    else:
        formula = f"{words} = {money(collected)} collected ÷ {money(collectable)} collectable × 100 = {_pct(m.cei)}."
    return Computation(parts, formula)


def _countback(m: figures.Metrics, receivables: Part, money: Callable[[Decimal], str],
               sales_link: Callable[[figures.Period], str]) -> Computation:
    steps = m.countback_steps
    periods = figures.month_periods(m.as_of, len(steps)) if steps else ()
    # Every month walked counts whole, except the last one when the walk ended in it.
    n_whole = len(steps) - 1 if m.dso_countback is not None and steps else len(steps)
    calendar = figures.is_month_end(m.as_of)
    walk = tuple(WalkRow(
        # calendar months when the as-of date is a month-end, otherwise month-long periods
        month=formatting.date(p.end, "MMM yyyy") if calendar else _period(p), period=_period(p) if calendar else "",
        sales=money(s.sales),
        left_before=money(s.left_before), left_after=money(s.left_after),
        counted=formatting.number(s.counted.quantize(Decimal("0.01")), 2), whole=i < n_whole,
        href=sales_link(p),
    ) for i, (s, p) in enumerate(zip(steps, periods, strict=True)))
    whole = steps[:n_whole]
    parts = (receivables, Part("Months walked back", str(len(steps))),
             Part("Whole months counted", f"{sum(s.days for s in whole)} days in {len(whole)}"),
             Part("DSO (countback)", _days(m.dso_countback)))
    if m.dso_countback is None:
        formula = (f"The net credit sales of the last {len(m.countback_steps)} months do not explain the receivables "
                   f"{money(m.receivables)}: the figure is left empty.")
    elif not m.countback_steps:
        formula = f"Receivables {money(m.receivables)} are not positive, so the figure is 0 days."
    else:
        last = m.countback_steps[-1]
        counted = [str(s.days) for s in whole]
        fraction = (f"{money(last.left_before)} ÷ {money(last.sales)} of the {last.days} days of the last month "
                    f"({formatting.number(last.counted.quantize(Decimal('0.01')), 2)} days)")
        formula = (f"Receivables {money(m.receivables)}: the whole months' sales are taken off, newest first"
                   f"{' (' + ' + '.join(counted) + ' days)' if counted else ''}, and what is left is "
                   f"{fraction} — together {_days(m.dso_countback)}.")
    return Computation(parts, formula, walk)
