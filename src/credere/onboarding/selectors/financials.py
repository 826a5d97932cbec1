"""A company's financial analysis: its ratios over the years, the Altman Z''-score and the default model's PD
with the reasons behind it. One function for the API, the pages and ``credere model score``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from credere.domain.financials import (
    Altman,
    RatioRow,
    Statement,
    altman_z2,
    as_dict,
    growth,
    ratio_table,
    show,
    years,
)
from credere.onboarding.pd.model import Prediction, default_model


@dataclass(frozen=True)
class Analysis:
    currency: str
    statements: tuple[Statement, ...]  # newest first
    ratios: list[RatioRow]
    altman: Altman
    prediction: Prediction
    sales_growth: Decimal | None

    @property
    def years(self) -> list[int]:
        return [s.year for s in self.statements]

    def grouped(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """Ratios by group, each with its values shown for a person, newest year first."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in self.ratios:
            groups.setdefault(row.group, []).append({
                "key": row.key, "label": row.label, "explain": row.explain, "trend": row.trend,
                "shown": [show(v, row.unit) for v in row.values],
            })
        return list(groups.items())

    def as_dict(self) -> dict[str, Any]:
        latest = self.statements[0]
        return {
            "currency": self.currency,
            "years": self.years,
            "statements": [as_dict(s) for s in self.statements],
            "totals": {"total_assets": str(latest.total_assets), "equity": str(latest.equity),
                       "total_liabilities": str(latest.total_liabilities),
                       "working_capital": str(latest.working_capital)},
            "ratios": [{"key": r.key, "group": r.group, "label": r.label, "unit": r.unit,
                        "values": [None if v is None else str(round(v, 4)) for v in r.values],
                        "change": None if r.change is None else str(round(r.change, 4)), "trend": r.trend}
                       for r in self.ratios],
            "sales_growth": None if self.sales_growth is None else str(round(self.sales_growth, 4)),
            "altman": {"score": None if self.altman.score is None else str(round(self.altman.score, 2)),
                       "zone": self.altman.zone, "explanation": self.altman.explanation,
                       "parts": [{"label": label, "ratio": None if r is None else str(round(r, 4)),
                                  "contribution": None if c is None else str(round(c, 4))}
                                 for label, r, c in self.altman.parts]},
            "default_model": self.prediction.as_dict(),
        }


def analyse(statements: Sequence[Statement], *, currency: str) -> Analysis:
    ordered = tuple(years(statements))
    return Analysis(currency=currency, statements=ordered, ratios=ratio_table(ordered),
                    altman=altman_z2(ordered[0]), prediction=default_model().predict(ordered),
                    sales_growth=growth(ordered))
