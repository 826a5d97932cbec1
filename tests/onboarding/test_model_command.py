"""``credere model``: template, score and evaluate as a user types them; no database is touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

from credere.adapters import statement_template as tpl

YEAR = {"fixed_assets": Decimal(500), "inventory": Decimal(200), "receivables": Decimal(300), "cash": Decimal(50),
        "other_current_assets": Decimal(0), "share_capital": Decimal(100), "retained_earnings": Decimal(250),
        "other_equity": Decimal(0), "long_term_liabilities": Decimal(300), "short_term_liabilities": Decimal(400),
        "sales": Decimal(2000), "cost_of_sales": Decimal(1500), "operating_profit": Decimal(120),
        "depreciation": Decimal(40), "interest_expense": Decimal(20), "profit_before_tax": Decimal(100),
        "net_profit": Decimal(80)}


def run(*args, home):
    env = {**os.environ, "CREDERE_HOME": str(home / "home")}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "credere", "model", *args], capture_output=True, text=True,
                          env=env, timeout=120, cwd=home)


def test_template_then_score(tmp_path):
    r = run("template", "blank.xlsx", "--years", "2025,2024", "--currency", "eur", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert tpl.read  # the blank template is refused with what to do
    r = run("score", "blank.xlsx", home=tmp_path)
    assert r.returncode != 0 and "no fiscal year filled in" in r.stderr
    (tmp_path / "filled.xlsx").write_bytes(
        tpl.write(years=(2025, 2024), currency="EUR", values={2025: YEAR, 2024: {**YEAR, "sales": Decimal(1800)}}))
    r = run("score", "filled.xlsx", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Probability of default within a year" in r.stdout
    assert "Z'' = " in r.stdout and "Current ratio" in r.stdout and "▲ better" in r.stdout
    data = json.loads(run("score", "filled.xlsx", "--json", home=tmp_path).stdout)
    assert data["years"] == [2025, 2024] and data["currency"] == "EUR"
    assert 0 < data["default_model"]["pd"] < 1 and data["default_model"]["factors"]
    assert data["altman"]["zone"] == "safe"
    assert not (tmp_path / "home").exists()  # no database, no key file


def test_evaluate_matches_the_card(tmp_path):
    r = run("evaluate", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "every figure matches the model card" in r.stdout


def test_a_missing_file_is_a_clear_error(tmp_path):
    r = run("score", "nowhere.xlsx", home=tmp_path)
    assert r.returncode != 0 and "nowhere.xlsx" in r.stderr and "Traceback" not in r.stderr
