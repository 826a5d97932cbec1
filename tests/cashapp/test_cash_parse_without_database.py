"""``credere cash parse`` needs no database and writes nothing, wherever it is run from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BANKFILES = Path(__file__).parents[1] / "data" / "bankfiles"


def _files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*"))


def _run(*args: str, cwd: Path, home: Path | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "CREDERE_SECRET_KEY", "SECRET_KEY", "CREDERE_HOME", "DJANGO_SETTINGS_MODULE",
                          "CREDERE_STATIC_ROOT", "CREDERE_CACHE_LOCATION"}}
    if home is not None:
        env["CREDERE_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "credere", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


@pytest.mark.parametrize("sample", ["mt940.sta", "english.csv"])
@pytest.mark.parametrize("home", ["missing", "empty", "unset"])
def test_parse_on_a_fresh_home_creates_nothing(sample, home, tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    home_path = {"missing": tmp_path / "home", "empty": tmp_path / "empty", "unset": None}[home]
    if home == "empty":
        (tmp_path / "empty").mkdir()
    before = _files(tmp_path)
    cwd.chmod(0o555)
    try:
        result = _run("cash", "parse", str(BANKFILES / sample), cwd=cwd, home=home_path)
    finally:
        cwd.chmod(0o755)
    assert result.returncode == 0, result.stderr
    statements = json.loads(result.stdout)
    assert statements and statements[0]["transactions"]
    assert _files(tmp_path) == before  # no var/, no secret_key, no database


def test_a_refusal_without_database_names_the_format(tmp_path):
    fragment = tmp_path / "cut.sta"
    fragment.write_text(":61:2603020302CR1190,00NTRFNONREF//B1\n:86:Invoice INV-1\n", encoding="latin-1")
    result = _run("cash", "parse", str(fragment), cwd=tmp_path, home=tmp_path / "home")
    assert result.returncode != 0
    assert "read as MT940" in result.stderr and "CSV" not in result.stderr
    assert not (tmp_path / "home").exists()
