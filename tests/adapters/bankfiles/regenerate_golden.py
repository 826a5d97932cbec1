"""Rewrite the golden JSON files next to each bank statement sample: ``.venv/bin/python tests/adapters/bankfiles/regenerate_golden.py``.

Read the diff of every golden file before committing it: the golden file is what the tests hold the parser to.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "bankfiles"
SAMPLES = ("camt053_v02.xml", "camt053_v08.xml", "camt052_v08.xml", "camt054_v02.xml", "camt054_v08.xml",
           "mt940.sta", "mt942.sta", "bai2.txt", "sparkasse.csv", "english.csv",
           # what real banks send (docs/bank-statements.md): one file per quirk
           "mt940_header.sta", "mt940_envelope.sta", "mt940_references.sta", "mt940_padded.sta", "mt940_30day.sta",
           "mt940_86_tags.sta", "mt940_huf.sta", "bai2_packed.txt", "bai2_wrapped.txt",
           "camt053_v01.xml", "camt052_v01.xml", "camt052_v02.xml", "camt054_v01.xml", "camt053_nodates.xml",
           "camt053_batch_noamounts.xml",
           # returned payments
           "camt053_returns.xml", "mt940_returns.sta", "bai2_returns.txt")


def golden_path(sample: str) -> Path:
    return DATA / f"{sample.rsplit('.', 1)[0]}.golden.json"


def render(sample: str) -> str:
    from credere.adapters.bankfiles import parse_statements, statements_to_json

    statements = parse_statements((DATA / sample).read_bytes(), filename=sample)
    return json.dumps(statements_to_json(statements), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    for sample in SAMPLES:
        golden_path(sample).write_text(render(sample), encoding="utf-8")
        print(f"wrote {golden_path(sample).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
