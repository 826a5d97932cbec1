"""``credere demo-statement``: a demo bank statement paying some of the demo ledger's open invoices."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from credere.demo.statement import demo_entries, to_camt053, to_mt940
from credere.ledger.models import Company


class Command(BaseCommand):
    help = ("Write a demo bank statement (camt.053 or MT940) for a company, paying some of its open invoices the "
            "way customers do: exact and mistyped references, several invoices at once, discounts, short "
            "payments, no reference, unknown payers. Demo data: seeded, for trying cash application.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", help="Company code (default: the first company)")
        parser.add_argument("--payments", type=int, default=40, help="Incoming payments (default 40)")
        parser.add_argument("--seed", type=int, default=1, help="Seed (default 1)")
        parser.add_argument("--date", help="Booking date YYYY-MM-DD (default today)")
        parser.add_argument("--format", choices=("camt053", "mt940"), default="camt053")
        parser.add_argument("--out", required=True, metavar="FILE", help="Where to write the statement")

    def handle(self, *args: Any, **options: Any) -> None:
        qs = Company.objects.order_by("code")
        company = qs.filter(code=options["company"]).first() if options["company"] else qs.first()
        if company is None:
            raise CommandError(f"no company {options['company'] or ''}: load a portfolio first "
                               "(credere demo-data)".replace("  ", " "))
        if options["payments"] < 1:
            raise CommandError("--payments must be at least 1")
        try:
            on = dt.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"'{options['date']}' is not a date (YYYY-MM-DD)") from None
        entries = demo_entries(company, payments=options["payments"], seed=options["seed"], on=on)
        if not entries:
            raise CommandError(f"company {company.code} has no open invoices in {company.base_currency} to pay")
        writer = to_camt053 if options["format"] == "camt053" else to_mt940
        try:
            Path(options["out"]).write_bytes(writer(company, entries, on))
        except OSError as exc:
            raise CommandError(f"{options['out']}: cannot write ({exc.strerror})") from None
        incoming = sum(1 for e in entries if e.amount > 0)
        self.stdout.write(f"{options['out']}: demo statement for {company.code}, {incoming} incoming payment(s) "
                          f"and {len(entries) - incoming} debit(s) on {on}")
        self.stdout.write(f"import it with: credere cash import {options['out']} --company {company.code}")
