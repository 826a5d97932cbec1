"""Reports laid out as tables (terminal, CSV, XLSX) and as JSON documents (amounts as strings)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from credere.domain.aging import AgingLine, AgingReport
from credere.domain.metrics import Metrics
from credere.domain.overdue import OverdueCustomer

Table = tuple[list[str], list[list[Any]]]

_BY_HEADER = {"customer": "Customer", "group": "Group", "company": "Company", "currency": "Currency"}


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _d(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


# --------------------------------------------------------------------------- aging


def aging_table(report: AgingReport, *, compact: bool = False) -> Table:
    """One row per group and item currency, then a total row per currency and a grand total row.

    ``compact`` (for the terminal) leaves out the converted bucket columns and keeps only
    the converted total.
    """
    rc = report.reporting_currency
    labels = [b.label for b in report.buckets]
    converted_labels = [] if compact else [f"{label} ({rc})" for label in labels]
    headers = [_BY_HEADER[report.by], "Name", "Currency", *labels, "Total", *converted_labels, f"Total ({rc})",
               "Items", "Oldest due"]

    def row(line: AgingLine, key: str, name: str) -> list[Any]:
        converted = [] if compact else list(line.converted)
        return [key, name, line.currency, *line.amounts, line.total, *converted, line.converted_total,
                line.items, line.oldest_due]

    rows = [row(line, line.key, line.name) for line in report.lines]
    rows += [row(t, "Total", f"Total {t.currency}") for t in report.currency_totals]
    n = len(report.buckets)
    oldest = min((t.oldest_due for t in report.currency_totals if t.oldest_due), default=None)
    if compact:
        rows.append(["Total", f"Total in {rc}", rc, *report.totals, report.total, report.total, report.items, oldest])
    else:
        rows.append(["Total", f"Total in {rc}", rc, *([None] * (n + 1)), *report.totals, report.total,
                     report.items, oldest])
    return headers, rows


def _line_json(report: AgingReport, line: AgingLine) -> dict[str, Any]:
    keys = [b.key for b in report.buckets]
    return {
        "key": line.key, "name": line.name, "currency": line.currency,
        "amounts": {k: str(a) for k, a in zip(keys, line.amounts, strict=True)},
        "total": str(line.total),
        "converted": {k: str(a) for k, a in zip(keys, line.converted, strict=True)},
        "converted_total": str(line.converted_total), "items": line.items, "oldest_due": _d(line.oldest_due),
    }


def aging_json(report: AgingReport, company: str | None = None) -> dict[str, Any]:
    return {
        "as_of": report.as_of.isoformat(), "by": report.by, "company": company,
        "reporting_currency": report.reporting_currency,
        "buckets": [{"key": b.key, "label": b.label, "min_days": b.min_days, "max_days": b.max_days}
                    for b in report.buckets],
        "lines": [_line_json(report, line) for line in report.lines],
        "currency_totals": [_line_json(report, t) for t in report.currency_totals],
        "totals": {b.key: str(a) for b, a in zip(report.buckets, report.totals, strict=True)},
        "total": str(report.total), "items": report.items,
        "rates": [{"currency": c, "rate": str(r)} for c, r in report.rates],
    }


# --------------------------------------------------------------------------- metrics

#: (field, label, unit) in display order; unit "money" is the reporting currency.
METRIC_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("receivables", "Receivables", "money"),
    ("current", "Current (not yet due)", "money"),
    ("overdue", "Overdue", "money"),
    ("overdue_share", "Overdue share", "%"),
    ("credit_sales", "Net credit sales in the DSO window", "money"),
    ("dso_simple", "DSO, simple method", "days"),
    ("dso_countback", "DSO, countback method", "days"),
    ("best_possible_dso", "Best possible DSO", "days"),
    ("average_days_delinquent", "Average days delinquent", "days"),
    ("cei_opening", "CEI opening receivables", "money"),
    ("cei_credit_sales", "CEI net credit sales", "money"),
    ("cei", "Collection effectiveness index", "%"),
)


def metrics_json(m: Metrics, company: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "as_of": m.as_of.isoformat(), "company": company, "reporting_currency": m.reporting_currency,
        "dso_days": m.dso_days,
        "dso_window": {"after": m.dso_window.start.isoformat(), "to": m.dso_window.end.isoformat()},
        "cei_period": {"after": m.cei_period.start.isoformat(), "to": m.cei_period.end.isoformat()},
    }
    for name, _label, _unit in METRIC_FIELDS:
        out[name] = _s(getattr(m, name))
    out["notes"] = list(m.notes)
    return out


def metrics_table(m: Metrics) -> Table:
    headers = ["Figure", "Value", "Unit", "As of"]
    rows: list[list[Any]] = []
    for name, label, unit in METRIC_FIELDS:
        rows.append([label, getattr(m, name), m.reporting_currency if unit == "money" else unit, m.as_of])
    if m.notes:
        rows.append(["Notes", ", ".join(m.notes), "", m.as_of])
    return headers, rows


def series_table(points: Sequence[Metrics]) -> Table:
    headers = ["Month end", "Reporting currency", *[label for _n, label, _u in METRIC_FIELDS], "Notes"]
    rows = [[m.as_of, m.reporting_currency, *[getattr(m, name) for name, _l, _u in METRIC_FIELDS],
             ", ".join(m.notes)] for m in points]
    return headers, rows


def series_json(points: Sequence[Metrics], company: str | None = None) -> dict[str, Any]:
    return {"company": company, "points": [metrics_json(m) for m in points]}


# --------------------------------------------------------------------------- largest overdue


def top_overdue_table(rows: Sequence[OverdueCustomer], currency: str) -> Table:
    headers = ["Rank", "Customer", "Name", f"Overdue ({currency})", f"Receivables ({currency})",
               "Share of overdue %", "Oldest overdue due date", "Days past due"]
    return headers, [[r.rank, r.key, r.name, r.overdue, r.receivables, r.share_of_overdue, r.oldest_due,
                      r.days_past_due] for r in rows]


def top_overdue_json(rows: Sequence[OverdueCustomer], *, as_of: dt.date, currency: str,
                     company: str | None = None) -> dict[str, Any]:
    return {
        "as_of": as_of.isoformat(), "company": company, "reporting_currency": currency,
        "customers": [{
            "rank": r.rank, "account_number": r.key, "name": r.name, "overdue": str(r.overdue),
            "receivables": str(r.receivables), "share_of_overdue": _s(r.share_of_overdue),
            "oldest_due": _d(r.oldest_due), "days_past_due": r.days_past_due,
        } for r in rows],
    }
