"""A ``credere import`` killed with SIGKILL halfway through writing leaves the database exactly as it was."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from credere.identity.services import create_user
from credere.imports.services.files import import_file
from credere.ledger.services.master_data import upsert_company
admin = create_user(actor=None, username="admin", roles=["administrator"])
upsert_company(actor=admin, code="DE01", name="Demo", base_currency="EUR")
import_file(actor=admin, entity="customers", file_name="c.csv",
            data=("account_number,name\\n" + "".join(f"C{{i}},Customer {{i}}\\n" for i in range(100))).encode())
import_file(actor=admin, entity="items", file_name="first.csv", data=open({first!r}, "rb").read())
"""

HEADER = "company_code,account_number,document_type,document_number,document_date,due_date,currency,amount\n"


def _items(numbers: range, amount: str) -> str:
    return HEADER + "".join(f"DE01,C{n % 100},invoice,INV-{n:06d},2026-01-15,2026-02-14,EUR,{amount}\n"
                            for n in numbers)


def _checksum(db: Path) -> tuple[dict[str, int], str]:
    """Row counts per table and a digest of every row of every table (read-only)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        digest, counts = hashlib.sha256(), {}
        for table in tables:
            rows = con.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
            counts[table] = len(rows)
            digest.update(f"{table}:{rows!r}".encode())
        return counts, digest.hexdigest()
    finally:
        con.close()


@pytest.mark.slow
def test_sigkill_during_an_import_leaves_the_database_as_before(tmp_path):
    db = tmp_path / "credere.sqlite3"
    env = {"DJANGO_SETTINGS_MODULE": "credere.settings", **os.environ, "CREDERE_HOME": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{db}", "CREDERE_PROGRESS": "0"}
    first = tmp_path / "first.csv"
    first.write_text(_items(range(2000), "100.00"))
    subprocess.run([sys.executable, "-c", SETUP.format(first=str(first))], env=env, check=True, timeout=60)
    # 2,000 existing items change amount and 48,000 are new: a transaction far larger than SQLite's page cache,
    # so uncommitted pages spill into the write-ahead log while the import runs.
    big = tmp_path / "big.csv"
    big.write_text(_items(range(50_000), "250.00"))
    before = _checksum(db)
    assert before[0]["ledger_openitem"] == 2000
    wal = Path(f"{db}-wal")
    wal_before = wal.stat().st_size if wal.exists() else 0

    stderr = (tmp_path / "stderr.txt").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "credere", "import", "items", str(big), "--user", "admin"],
                            env=env, stdout=subprocess.PIPE, stderr=stderr)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        if not line.startswith("Writing 50000 rows of items in one transaction"):
            proc.wait(timeout=60)
            pytest.fail(f"unexpected output {line!r}: {(tmp_path / 'stderr.txt').read_text()[-2000:]}")
        deadline = time.monotonic() + 20
        while (wal.stat().st_size if wal.exists() else 0) < wal_before + 4_000_000:
            assert proc.poll() is None, "the import finished before it could be killed: make the file bigger"
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.01)
        assert proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        stderr.close()
    assert _checksum(db) == before
