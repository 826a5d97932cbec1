"""The ``credere`` command: help on every subcommand, as a newcomer would type it."""

import os
import subprocess
import sys

import pytest

from credere.cli import COMMANDS


def run(*args, home):
    env = {**os.environ, "CREDERE_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "credere", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_top_level_help_lists_commands(tmp_path):
    r = run("--help", home=tmp_path)
    assert r.returncode == 0
    for name in COMMANDS:
        assert name in r.stdout


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_subcommand_has_help(name, tmp_path):
    r = run(name, "--help", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "usage: credere" in r.stdout


def test_nested_help_and_a_clear_error(tmp_path):
    assert "hash chain" in run("audit", "verify", "--help", home=tmp_path).stdout
    assert run("migrate", home=tmp_path).returncode == 0
    r = run("audit", "verify", home=tmp_path)
    assert r.returncode != 0 and "--user" in r.stderr


@pytest.mark.django_db
def test_the_project_checks_pass():
    """The cash commands skip Django's system checks for speed: the checks run here instead."""
    from django.core.management import call_command

    call_command("check", fail_level="WARNING")
