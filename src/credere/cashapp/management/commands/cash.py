"""``credere cash``: cash application from the command line (``match-files`` for now)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credere.cashapp import files
from credere.domain.fx import RateTable
from credere.domain.matching import MatchingPolicy, match_batch

MATCH_EPILOG = """example:
  credere cash match-files --items items.csv --payments payments.csv --out matches.csv

Items columns: item_id, customer_account, customer_name, document_number, references
(optional, ';'-separated), currency, amount (open amount), document_date, due_date,
discount_rate and discount_days (optional). Payments columns: payment_id, payer_name,
payer_account, reference_text, amount, currency, date. CSV or XLSX. The output has one row
per (payment, item) with status applied or suggested, and one row with status unmatched
for each payment without a match. Columns and reason codes: docs/cash-matching.md."""


class Command(BaseCommand):
    help = "Cash application: match incoming payments to open items."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{match-files}")
        p = sub.add_parser("match-files", help="Match payments to open items from files, without the database",
                           description="Match payments to open items from CSV/XLSX files, without the database, "
                                       "and write the proposed matches to a CSV file.",
                           epilog=MATCH_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--items", required=True, metavar="ITEMS.csv", help="Open items (CSV or XLSX)")
        p.add_argument("--payments", required=True, metavar="PAYMENTS.csv", help="Incoming payments (CSV or XLSX)")
        p.add_argument("--out", required=True, metavar="MATCHES.csv", help="Where to write the proposals (CSV)")
        p.add_argument("--policy-json", metavar="FILE",
                       help="Matching policy settings as a JSON object (default: the built-in policy)")
        p.add_argument("--accounts", metavar="FILE",
                       help="Known payer bank accounts: columns bank_account, customer_account")
        p.add_argument("--rates", metavar="FILE",
                       help="FX rates (columns rate_date, base, quote, rate; or an ECB XML file), for payments "
                            "in another currency than the item")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "match-files":
            self._match_files(options)

    def _match_files(self, options: dict[str, Any]) -> None:
        problems: list[str] = []
        loaded: dict[str, Any] = {}
        readers = (("items", files.read_items), ("payments", files.read_payments),
                   ("accounts", files.read_accounts), ("rates", files.read_rates),
                   ("policy_json", files.read_policy))
        for key, reader in readers:
            if options.get(key):
                try:
                    loaded[key] = reader(Path(options[key]))
                except files.InputError as exc:
                    problems += exc.problems
        if problems:
            raise CommandError("nothing was matched:\n" + "\n".join(problems))
        items, payments = loaded["items"], loaded["payments"]
        proposals = match_batch(items, payments, loaded.get("policy_json", MatchingPolicy()),
                                rates=loaded.get("rates", RateTable()), known_accounts=loaded.get("accounts", {}))
        text = files.write_matches(proposals, payments, items)
        try:
            Path(options["out"]).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{options['out']}: cannot write ({exc.strerror})") from None
        applied = sum(1 for p in proposals if p.auto_apply)
        suggested = sum(1 for p in proposals if p.links and not p.auto_apply)
        self.stdout.write(f"{len(payments)} payments: {applied} applied, {suggested} suggested, "
                          f"{len(payments) - applied - suggested} unmatched; written to {options['out']}")
