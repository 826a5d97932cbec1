"""The default model: a one-year probability of default from an applicant's statements, with its reasons.

The model is gradient-boosted trees (LightGBM) kept in LightGBM's own text format beside a JSON file of what
it is (version, features, training data, figures). Its reasons are the model's own additive contributions
(TreeSHAP, computed exactly by LightGBM): the log-odds of default start at the training data's average and
each ratio moves them up or down; the contributions add up to the probability shown, so the explanation is
the calculation, not an approximation of it.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from credere.domain.financials import BEYOND, FEATURES, Statement, features, show

SHIPPED = Path(__file__).parent / "shipped"
MODEL_FILE, META_FILE, CARD_FILE = "pd_model.txt", "pd_model.json", "model_card.md"


class ModelError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Factor:
    feature: str  # the dataset's attribute name
    label: str  # what a person reads
    value: str  # the applicant's ratio, shown
    contribution: float  # log-odds added to the average company's
    words: str

    def as_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "label": self.label, "value": self.value,
                "contribution": round(self.contribution, 4), "words": self.words}


@dataclass(frozen=True, slots=True)
class Prediction:
    pd: float  # probability of default within a year
    base_pd: float  # the average company's in the training data
    factors: tuple[Factor, ...]  # every feature, the largest effect first
    model_version: str
    missing: tuple[str, ...]  # features the statements could not compute

    def top(self, n: int = 5) -> tuple[Factor, ...]:
        return tuple(f for f in self.factors[:n] if abs(f.contribution) >= 0.01)

    def as_dict(self, n: int = 8) -> dict[str, Any]:
        return {"pd": round(self.pd, 6), "base_pd": round(self.base_pd, 6), "model_version": self.model_version,
                "factors": [f.as_dict() for f in self.top(n)], "missing": list(self.missing)}


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _words(label: str, value: str, contribution: float) -> str:
    odds = math.exp(contribution)
    if contribution >= 0:
        return f"{label} of {value} raises the odds of default ×{odds:.2f}"
    return f"{label} of {value} lowers the odds of default ×{odds:.2f}"


class DefaultModel:
    def __init__(self, directory: Path) -> None:
        import lightgbm

        try:
            self.meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
            text = (directory / MODEL_FILE).read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise ModelError(f"No default model in {directory}: {exc.filename} is missing "
                             "(credere model train --out DIR writes one)") from None
        self.booster = lightgbm.Booster(model_str=text)
        self.directory = directory
        names = tuple(self.meta["features"])
        if names != tuple(f.name for f in FEATURES):
            raise ModelError(f"The model in {directory} was trained on other features than the statement "
                             "template computes; train it again with this version of Credere")
        self.version: str = self.meta["version"]
        calibration = self.meta.get("calibration") or {"slope": 1.0, "intercept": 0.0}
        self.slope, self.intercept = float(calibration["slope"]), float(calibration["intercept"])

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per row: each feature's calibrated log-odds contribution, then the base (the last column).

        Calibration (Platt scaling of the trees' log-odds) is linear, so it scales every contribution by the
        same slope and moves only the base: the contributions still add up to the calibrated log-odds.
        """
        raw = np.asarray(self.booster.predict(X, pred_contrib=True))
        scaled = raw * self.slope
        scaled[:, -1] += self.intercept
        return scaled

    def raw_scores(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster.predict(X, raw_score=True))

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.slope * self.raw_scores(X) + self.intercept)))

    def predict(self, statements: Sequence[Statement]) -> Prediction:
        values = features(statements)
        row = np.array([[values[f.name] for f in FEATURES]], dtype=np.float64)
        contrib = self.contributions(row)[0]
        base, parts = float(contrib[-1]), contrib[:-1]
        factors = []
        for f, c, raw in zip(FEATURES, parts, row[0], strict=True):
            if not math.isnan(raw) and abs(raw) >= float(BEYOND):
                shown = "∞ (nothing to divide by)" if raw > 0 else "−∞ (nothing to divide by)"
            else:
                shown = show(None if math.isnan(raw) else raw, f.unit)
            label = f.label if not math.isnan(raw) else f"{f.label} (not computable)"
            factors.append(Factor(f.name, f.label, shown, float(c), _words(label, shown, float(c))))
        factors.sort(key=lambda f: -abs(f.contribution))
        missing = tuple(f.label for f, raw in zip(FEATURES, row[0], strict=True) if math.isnan(raw))
        return Prediction(pd=_sigmoid(base + float(parts.sum())), base_pd=_sigmoid(base), factors=tuple(factors),
                          model_version=self.version, missing=missing)


def model_directory() -> Path:
    """The model Credere scores with: ``CREDERE_PD_MODEL`` (a directory) or the one shipped with Credere."""
    configured = os.environ.get("CREDERE_PD_MODEL", "").strip()
    return Path(configured) if configured else SHIPPED


@lru_cache(maxsize=4)
def _load(directory: str) -> DefaultModel:
    return DefaultModel(Path(directory))


def default_model() -> DefaultModel:
    return _load(str(model_directory()))
