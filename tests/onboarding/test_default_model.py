"""The default model: the shipped model and its card, reproducible training, explanations that add up."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import numpy as np
import pytest

from credere.domain import financials as fin
from credere.onboarding.pd import dataset, training
from credere.onboarding.pd.model import SHIPPED, DefaultModel, ModelError

HEALTHY = {
    "year": 2025, "fixed_assets": "500", "inventory": "200", "receivables": "300", "cash": "50",
    "other_current_assets": "0", "share_capital": "100", "retained_earnings": "250", "other_equity": "0",
    "long_term_liabilities": "300", "short_term_liabilities": "400", "sales": "2000", "cost_of_sales": "1500",
    "operating_profit": "120", "depreciation": "40", "interest_expense": "20", "profit_before_tax": "100",
    "net_profit": "80",
}
# losses eating the equity, short-term debt over current assets, interest barely covered
DISTRESSED = {**HEALTHY, "retained_earnings": "-380", "other_equity": "0", "long_term_liabilities": "330",
              "short_term_liabilities": "1000", "sales": "900", "cost_of_sales": "880", "operating_profit": "-60",
              "interest_expense": "45", "profit_before_tax": "-105", "net_profit": "-105", "cash": "5",
              "receivables": "345"}


@pytest.fixture(scope="module")
def model() -> DefaultModel:
    return DefaultModel(SHIPPED)


def test_the_card_shows_the_model_clearly_beating_altman(model):
    f = model.meta["figures"]
    assert f["auc"] >= 0.85
    assert f["auc"] - f["altman_auc"] >= 0.10
    assert f["auc_where_altman_computable"] > f["altman_auc_where_computable"]
    assert f["brier"] < f["brier_base_rate"]
    card = (SHIPPED / "model_card.md").read_text()
    assert model.version in card and f"{f['auc']:.4f}" in card and f"{f['altman_auc']:.4f}" in card
    assert "Polish manufacturing" in card and "CC BY 4.0" in card


def test_evaluate_recomputes_every_figure_of_the_card():
    recomputed, differences = training.evaluate(SHIPPED)
    assert differences == []
    assert recomputed["holdout_companies"] + recomputed["training_companies"] == 5910


@pytest.mark.slow
def test_training_with_the_seed_gives_the_shipped_model(tmp_path):
    meta = training.train(tmp_path)
    shipped = json.loads((SHIPPED / "pd_model.json").read_text())
    assert meta["version"] == shipped["version"]
    assert meta["figures"] == shipped["figures"]
    assert (tmp_path / "pd_model.txt").read_text() == (SHIPPED / "pd_model.txt").read_text()


def test_contributions_add_up_to_the_probability(model):
    p = model.predict([fin.statement(HEALTHY)])
    logit = math.log(p.pd / (1 - p.pd))
    base = math.log(p.base_pd / (1 - p.base_pd))
    assert base + sum(f.contribution for f in p.factors) == pytest.approx(logit, abs=1e-9)
    assert [abs(f.contribution) for f in p.factors] == sorted((abs(f.contribution) for f in p.factors), reverse=True)
    assert len(p.factors) == len(fin.FEATURES)
    top = p.top(5)[0]
    assert top.label in top.words and ("raises" in top.words or "lowers" in top.words)


def test_a_distressed_company_scores_far_riskier(model):
    healthy = model.predict([fin.statement(HEALTHY)])
    distressed = model.predict([fin.statement(DISTRESSED)])
    assert healthy.pd < 0.05
    assert distressed.pd > 0.15
    assert distressed.pd > 10 * healthy.pd


def test_one_year_of_statements_is_not_punished(model):
    older = fin.statement({**HEALTHY, "year": 2024, "sales": "1900"})
    one = model.predict([fin.statement(HEALTHY)])
    two = model.predict([fin.statement(HEALTHY), older])
    assert one.pd == pytest.approx(two.pd)


def test_the_batch_and_single_paths_agree(model):
    ds = dataset.load()
    X = ds.X[:50]
    contrib = model.contributions(X)
    from_contrib = 1 / (1 + np.exp(-contrib.sum(axis=1)))
    assert np.allclose(from_contrib, model.probabilities(X))


def test_a_model_for_other_features_is_refused(tmp_path):
    meta = json.loads((SHIPPED / "pd_model.json").read_text())
    meta["features"] = meta["features"][:-1]
    (tmp_path / "pd_model.json").write_text(json.dumps(meta))
    (tmp_path / "pd_model.txt").write_text((SHIPPED / "pd_model.txt").read_text())
    with pytest.raises(ModelError, match="other features"):
        DefaultModel(tmp_path)
    with pytest.raises(ModelError, match="missing"):
        DefaultModel(tmp_path / "nowhere")


def test_a_broken_data_file_is_refused_with_its_line(tmp_path):
    with gzip.open(dataset.DATA, "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    data_at = next(i for i, line in enumerate(lines) if line.lower().startswith("@data"))
    lines[data_at + 3] = "1,2,3"
    broken = tmp_path / "broken.arff"
    broken.write_text("\n".join(lines))
    with pytest.raises(dataset.DatasetError, match=f"line {data_at + 4}"):
        dataset.load(broken)


def test_the_bundled_data_keeps_its_attribution():
    readme = (Path(dataset.DATA).parent / "README.md").read_text()
    assert "CC BY 4.0" in readme and "10.24432/C5F600" in readme and "Zięba" in readme
