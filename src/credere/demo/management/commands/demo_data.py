"""``credere demo-data``: generate a seeded, realistic portfolio into an empty ledger."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from credere.core.cli import progress
from credere.demo.generator.reference import INVOICES_PER_CUSTOMER_YEAR
from credere.demo.loader import LedgerNotEmpty, LoadResult, has_ledger_data, ledger_counts, load


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def summary_lines(result: LoadResult) -> list[str]:
    """A plain-text summary of a generated portfolio (counts, then totals per company and currency)."""
    c = result.counts
    lines = [
        f"Generated in {result.seconds:.1f} s ({result.vendor}): seed {result.seed}, {result.years} year(s) "
        f"up to {result.as_of.isoformat()}",
        f"  customers     {c.get('customers', 0):>12,}   contacts     {c.get('contacts', 0):>12,}",
        f"  invoices      {c.get('invoices', 0):>12,}   credit notes {c.get('credit_notes', 0):>12,}   "
        f"debit notes {c.get('debit_notes', 0):>10,}",
        f"  payments      {c.get('payments', 0):>12,}   allocations  {c.get('allocations', 0):>12,}   "
        f"reversed    {c.get('reversed_allocations', 0):>10,}",
        f"  FX rates      {c.get('fx_rates', 0):>12,}",
        "  behaviours    " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in result.behaviours.items()),
    ]
    if result.deleted:
        lines.insert(1, "  deleted first: " + ", ".join(f"{n:,} {label}" for label, n in result.deleted.items() if n))
    headers = ("company", "cur", "invoices", "invoiced", "credited", "open items", "open (net)", "payments",
               "received", "unapplied")
    rows = [(t.company, t.currency, f"{t.invoices:,}", f"{t.invoiced:,}", f"{t.credited:,}", f"{t.open_items:,}",
             f"{t.open_amount:,}", f"{t.payments:,}", f"{t.received:,}", f"{t.unapplied:,}") for t in result.totals]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines.append("")
    lines.append("  " + "  ".join(h.rjust(w) if i > 1 else h.ljust(w) for i, (h, w) in enumerate(zip(headers, widths, strict=True))))
    for r in rows:
        lines.append("  " + "  ".join(v.rjust(w) if i > 1 else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths, strict=True))))
    return lines


class Command(BaseCommand):
    help = (
        "Generate a seeded, realistic receivables portfolio (companies, customers in corporate groups, contacts, "
        "invoices, credit and debit notes, payments, allocations, FX rates) and bulk-load it. The same arguments "
        f"always give the same data. About {INVOICES_PER_CUSTOMER_YEAR} invoices per customer and year: "
        "--customers 50000 --years 2 gives about one million invoices. Refuses to run when the ledger already "
        "has data, unless --replace."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        return super().create_parser(prog_name, "demo-data", **kwargs)  # as typed: 'credere demo-data'

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=_positive, default=1000, help="Number of customers (default 1000)")
        parser.add_argument("--years", type=_positive, default=2, help="Years of history up to --as-of (default 2)")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1)")
        parser.add_argument("--as-of", type=_date, default=None, help="Last day of the history (default today)")
        parser.add_argument(
            "--replace", action="store_true",
            help="DELETE all customers, contacts, open items, payments, allocations and FX rates (and every row "
                 "that refers to them) before generating. Companies and payment terms are kept.",
        )

    def handle(self, *args: Any, customers: int, years: int, seed: int, as_of: dt.date | None, replace: bool,
               **options: Any) -> None:
        if years > 20:
            raise CommandError("--years must be at most 20")
        as_of = as_of or timezone.localdate()
        if not replace and has_ledger_data():  # say so before any work (load() checks again, in its transaction)
            raise CommandError(str(LedgerNotEmpty(ledger_counts())))
        self.stdout.write(
            f"Generating {customers:,} customers, {years} year(s) up to {as_of.isoformat()}, seed {seed} "
            f"(about {customers * years * INVOICES_PER_CUSTOMER_YEAR:,} invoices)"
            + (" — replacing the existing ledger data" if replace else "")
        )
        try:
            with progress("Generating and loading customers", customers) as advance:
                result = load(customers=customers, years=years, seed=seed, as_of=as_of, replace=replace,
                              progress=advance)
        except LedgerNotEmpty as exc:
            raise CommandError(str(exc)) from None
        for line in summary_lines(result):
            self.stdout.write(line)
