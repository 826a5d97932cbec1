"""Training and evaluating the default model, and its model card.

One seed fixes everything: the stratified hold-out (a quarter of the companies, never seen in training),
the folds of the cross-validation and LightGBM's own sampling (single-threaded and deterministic), so that
``credere model train`` gives the same model and the same figures on any machine with the same libraries.
The shipped model is the one trained on the training part, so the hold-out figures are those of the model
Credere scores with. The Altman Z''-score is evaluated on the very same hold-out rows.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from credere.domain.financials import ALTMAN_WEIGHTS, FEATURES
from credere.onboarding.pd import dataset
from credere.onboarding.pd.model import CARD_FILE, META_FILE, MODEL_FILE, DefaultModel

DEFAULT_SEED = 20161
HOLDOUT_SHARE = 0.25
PARAMS: dict[str, Any] = {
    "objective": "binary", "learning_rate": 0.03, "num_leaves": 15, "min_data_in_leaf": 20,
    "bagging_fraction": 0.8, "bagging_freq": 1, "feature_fraction": 0.8, "lambda_l2": 1.0,
    "deterministic": True, "force_col_wise": True, "num_threads": 1, "verbosity": -1,
}
ROUNDS = 400
#: reliability table: predicted-PD bands
BANDS = (0.0, 0.01, 0.02, 0.05, 0.10, 0.20, 0.50, 1.0000001)


@dataclass(frozen=True)
class Split:
    train: np.ndarray
    holdout: np.ndarray


def split(y: np.ndarray, seed: int) -> Split:
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    train, holdout = train_test_split(idx, test_size=HOLDOUT_SHARE, stratify=y, random_state=seed)
    return Split(np.sort(train), np.sort(holdout))


def _fit(X: np.ndarray, y: np.ndarray, seed: int) -> Any:
    import lightgbm

    params = {**PARAMS, "seed": seed}
    data = lightgbm.Dataset(X, label=y, feature_name=[f"f{f.attribute}" for f in FEATURES], free_raw_data=False)
    return lightgbm.train(params, data, num_boost_round=ROUNDS)


def altman_scores(ds: dataset.Dataset) -> np.ndarray:
    """Z'' for every row of the dataset from its attributes 3, 6, 7 and 8 (``nan`` where one is missing)."""
    w = {k: float(v) for k, v in ALTMAN_WEIGHTS.items()}
    return (w["x1"] * ds.column(3) + w["x2"] * ds.column(6) + w["x3"] * ds.column(7) + w["x4"] * ds.column(8))


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def figures(model: DefaultModel, ds: dataset.Dataset, seed: int) -> dict[str, Any]:
    """Every figure of the model card, from the data and the model (nothing is carried over from training)."""
    from sklearn.metrics import brier_score_loss, log_loss

    parts = split(ds.y, seed)
    X, y = ds.X[parts.holdout], ds.y[parts.holdout]
    p = model.probabilities(X)
    z = altman_scores(ds)[parts.holdout]
    computable = ~np.isnan(z)
    # a lower Z'' means more risk: rank by -Z''; rows where Z'' cannot be computed rank as Z'' = 0
    z_risk = -np.where(computable, z, 0.0)
    base_rate = float(ds.y[parts.train].mean())
    reliability = []
    for lo, hi in zip(BANDS, BANDS[1:], strict=False):
        inside = (p >= lo) & (p < hi)
        n = int(inside.sum())
        reliability.append({
            "band": f"{lo * 100:g}–{min(hi, 1.0) * 100:g} %", "companies": n,
            "predicted": round(float(p[inside].mean()), 4) if n else None,
            "observed": round(float(y[inside].mean()), 4) if n else None,
            "defaults": int(y[inside].sum()),
        })
    return {
        "holdout_companies": int(len(y)), "holdout_defaults": int(y.sum()),
        "training_companies": int(len(parts.train)), "training_defaults": int(ds.y[parts.train].sum()),
        "auc": round(_auc(y, p), 4),
        "altman_auc": round(_auc(y, z_risk), 4),
        "altman_uncomputable": int((~computable).sum()),
        "auc_where_altman_computable": round(_auc(y[computable], p[computable]), 4),
        "altman_auc_where_computable": round(_auc(y[computable], -z[computable]), 4),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "brier_base_rate": round(float(brier_score_loss(y, np.full(len(y), base_rate))), 4),
        "log_loss": round(float(log_loss(y, p)), 4),
        "mean_pd": round(float(p.mean()), 4), "default_rate": round(float(y.mean()), 4),
        "reliability": reliability,
    }


def cross_validation(ds: dataset.Dataset, seed: int, folds: int = 5) -> tuple[dict[str, Any], dict[str, Any]]:
    """AUC over stratified folds of the training part (how stable the method is), and the calibration.

    The calibration is Platt scaling fitted on the out-of-fold log-odds of the training part: boosted trees
    are over-confident at the extremes, and a slope and an intercept on the log-odds correct that without
    touching the ranking (the AUC) or the additivity of the explanations. The hold-out plays no part.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    parts = split(ds.y, seed)
    X, y = ds.X[parts.train], ds.y[parts.train]
    aucs = []
    oof = np.zeros(len(y))
    for tr, te in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(X, y):
        booster = _fit(X[tr], y[tr], seed)
        oof[te] = np.asarray(booster.predict(X[te], raw_score=True))
        aucs.append(_auc(y[te], oof[te]))
    platt = LogisticRegression(C=1e6).fit(oof.reshape(-1, 1), y)
    calibration = {"method": "Platt scaling of out-of-fold log-odds", "slope": round(float(platt.coef_[0][0]), 6),
                   "intercept": round(float(platt.intercept_[0]), 6)}
    return ({"folds": folds, "auc_mean": round(float(np.mean(aucs)), 4), "auc_sd": round(float(np.std(aucs)), 4)},
            calibration)


def train(out: Path, *, seed: int = DEFAULT_SEED, data: Path = dataset.DATA) -> dict[str, Any]:
    """Train on the training part, write the model, its description and its card to ``out``; the description."""
    import lightgbm
    import sklearn

    ds = dataset.load(data)
    parts = split(ds.y, seed)
    booster = _fit(ds.X[parts.train], ds.y[parts.train], seed)
    text = booster.model_to_string()
    meta: dict[str, Any] = {
        "version": "",
        "kind": "LightGBM gradient-boosted trees, binary log-loss",
        "horizon": "default (bankruptcy) within one year of the statement",
        "features": [f.name for f in FEATURES],
        "feature_labels": {f.name: f.label for f in FEATURES},
        "training_data": dataset.SOURCE,
        "data_sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
        "seed": seed, "holdout_share": HOLDOUT_SHARE, "rounds": ROUNDS,
        "params": {k: v for k, v in PARAMS.items() if k not in ("verbosity",)},
        "libraries": {"lightgbm": lightgbm.__version__, "scikit-learn": sklearn.__version__,
                      "numpy": np.__version__},
    }
    meta["cross_validation"], meta["calibration"] = cross_validation(ds, seed)
    identity = text + json.dumps(meta["calibration"], sort_keys=True)
    meta["version"] = "pd-" + hashlib.sha256(identity.encode()).hexdigest()[:10]
    out.mkdir(parents=True, exist_ok=True)
    (out / MODEL_FILE).write_text(text, encoding="utf-8")
    (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")  # figures need the model
    model = DefaultModel(out)
    meta["figures"] = figures(model, ds, seed)
    meta["top_features"] = importance(model, ds, parts)
    (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    (out / CARD_FILE).write_text(card(meta), encoding="utf-8")
    return meta


def importance(model: DefaultModel, ds: dataset.Dataset, parts: Split, n: int = 10) -> list[dict[str, Any]]:
    """The features with the largest mean absolute contribution on the hold-out."""
    contrib = model.contributions(ds.X[parts.holdout])[:, :-1]
    mean_abs = np.abs(contrib).mean(axis=0)
    order = np.argsort(-mean_abs)[:n]
    return [{"feature": FEATURES[i].name, "label": FEATURES[i].label,
             "mean_abs_contribution": round(float(mean_abs[i]), 4)} for i in order]


def evaluate(directory: Path, *, data: Path = dataset.DATA) -> tuple[dict[str, Any], list[str]]:
    """The figures recomputed for the model in ``directory``, and how they differ from its card (empty: same)."""
    model = DefaultModel(directory)
    ds = dataset.load(data)
    recomputed = figures(model, ds, int(model.meta["seed"]))
    recorded = model.meta.get("figures", {})
    differences = []
    for key, value in recomputed.items():
        if key == "reliability":
            continue
        if key not in recorded:
            differences.append(f"{key}: {value} (not on the card)")
        elif (not math.isclose(value, recorded[key], abs_tol=1e-4) if isinstance(value, float)
              else value != recorded[key]):
            differences.append(f"{key}: {value}, the card says {recorded[key]}")
    return recomputed, differences


def card(meta: dict[str, Any]) -> str:
    """The model card (Markdown) from the model's description."""
    f = meta["figures"]
    cv = meta.get("cross_validation")
    lines = [
        f"# Model card — Credere default model `{meta['version']}`",
        "",
        "Written by `credere model train`; `credere model evaluate` recomputes every figure below from the data.",
        "",
        "## What it does",
        f"Estimates the probability that a company defaults ({meta['horizon']}) from the ratios of its latest "
        "balance sheet and income statement. It is one input of the "
        "onboarding scorecard, never a decision on its own.",
        "",
        f"- Model: {meta['kind']}, {meta['rounds']} trees, seed {meta['seed']}.",
        "- Libraries: " + ", ".join(f"{k} {v}" for k, v in meta["libraries"].items()) + ".",
        "- Explanations: LightGBM's exact TreeSHAP contributions (log-odds), stored with every score.",
        "",
        "## Training data",
        f"{meta['training_data']}. SHA-256 of the file: `{meta['data_sha256'][:16]}…`.",
        f"Stratified split with seed {meta['seed']}: {f['training_companies']:,} companies for training "
        f"({f['training_defaults']} defaults), {f['holdout_companies']:,} held out ({f['holdout_defaults']} defaults) "
        "and never seen in training.",
        "",
        "## Features",
        f"{len(meta['features'])} ratios of the dataset that Credere's statement template computes (the dataset's "
        "attribute numbers in brackets); a ratio with a zero denominator is missing, as in the dataset.",
        "",
    ]
    for feat in FEATURES:
        lines.append(f"- [{feat.attribute}] {feat.name} — {feat.label}")
    lines += [
        "",
        "## Performance on the hold-out",
        "",
        "| figure | default model | Altman Z'' |",
        "|---|---:|---:|",
        f"| AUC, every hold-out company | **{f['auc']:.4f}** | {f['altman_auc']:.4f} |",
        f"| AUC, companies where Z'' can be computed | {f['auc_where_altman_computable']:.4f} | "
        f"{f['altman_auc_where_computable']:.4f} |",
        "",
        f"Z'' = 6.56·X1 + 3.26·X2 + 6.72·X3 + 1.05·X4, a lower score ranking as riskier; "
        f"{f['altman_uncomputable']} hold-out companies have a missing part and rank as Z'' = 0.",
    ]
    if cv:
        lines.append(f"Cross-validation on the training part ({cv['folds']} folds): AUC {cv['auc_mean']:.4f} "
                     f"± {cv['auc_sd']:.4f}.")
    lines += [
        "",
        "## Calibration",
        "",
        f"{meta['calibration']['method']} (slope {meta['calibration']['slope']:.3f}, intercept "
        f"{meta['calibration']['intercept']:.3f}), fitted on the training part only.",
        "",
        f"Brier score {f['brier']:.4f} (predicting the training default rate for everyone: "
        f"{f['brier_base_rate']:.4f}); log loss {f['log_loss']:.4f}. Mean predicted PD {f['mean_pd'] * 100:.1f} % "
        f"against an observed default rate of {f['default_rate'] * 100:.1f} %.",
        "",
        "| predicted PD | companies | mean predicted | observed | defaults |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in f["reliability"]:
        pred = "–" if row["predicted"] is None else f"{row['predicted'] * 100:.1f} %"
        obs = "–" if row["observed"] is None else f"{row['observed'] * 100:.1f} %"
        lines.append(f"| {row['band']} | {row['companies']} | {pred} | {obs} | {row['defaults']} |")
    lines += ["", "## What moves it most", "", "Mean absolute contribution (log-odds) on the hold-out:", ""]
    for item in meta.get("top_features", []):
        lines.append(f"- {item['label']} ({item['feature']}): {item['mean_abs_contribution']:.3f}")
    lines += [
        "",
        "## Known limits",
        "",
        "- Learned from Polish manufacturing companies, 2000–2013 (bankrupt companies 2000–2012, operating ones "
        "2007–2013). Other countries, industries (services, trade, construction) and years may behave differently; "
        "the scorecard weighs country and industry separately.",
        f"- The training data's default rate ({f['default_rate'] * 100:.1f} %) is far above a typical trade-credit "
        "portfolio's: read the PD as a ranking and a relative level, not as a portfolio's expected loss rate.",
        "- \"Default\" means a bankruptcy filing within a year; late payment without bankruptcy is not in the data.",
        "- Sales growth is not a feature: the dataset lacks it mostly for companies that failed (96 % of them), so a "
        "model using it would punish every applicant with a single year of statements. The analyst sees the trend.",
        "- A ratio whose denominator is zero (no interest to pay, no fixed assets) is placed beyond the most extreme "
        "company of the data on its side; the dataset marks such ratios as unknown, and its unknowns are mostly "
        "failed companies, which an applicant must not inherit.",
        "- Ratios of statements that are wrong or not audited give a wrong PD: the analyst sees the statements and "
        "ratios beside it.",
        "- Absolute size (total assets) is left out on purpose: the dataset's amounts are in Polish złoty and the "
        "template's are in any currency.",
        "",
        "## Licence and attribution",
        "",
        "Data: Zięba, M., Tomczak, S. K., Tomczak, J. M. (2016). Ensemble boosted trees with synthetic features "
        "generation in application to bankruptcy prediction. Expert Systems with Applications 58, 93–101; "
        "UCI Machine Learning Repository, doi:10.24432/C5F600, licensed CC BY 4.0.",
        "",
    ]
    return "\n".join(lines)
