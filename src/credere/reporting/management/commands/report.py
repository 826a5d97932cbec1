"""``credere report``: aging, metrics, their monthly series and the largest overdue customers."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from credere.adapters import tables
from credere.core.cli import add_actor_argument, resolve_actor
from credere.core.errors import BusinessError
from credere.identity.authz import NotAllowed
from credere.reporting import layout, params, services
from credere.reporting.selectors.portfolio import reporting_currency

REPORTS = {
    "aging": "Open receivables by days past due as of a date, by customer, group, company or currency",
    "metrics": "DSO (simple and countback), best possible DSO, average days delinquent, CEI, overdue share",
    "series": "The metrics at each of the last 12 month-ends",
    "top-overdue": "The customers with the largest overdue receivables",
    "customer": "One customer's metrics at each of the last 12 month-ends (the customer page's chart)",
}

EPILOG = """examples:
  credere report aging --as-of 2026-03-31 --by group --buckets 0,30,60,90 --user anna
  credere report metrics --company DE01 --currency USD --days 90 --user anna
  credere report series --format xlsx --out dso.xlsx --user anna
  credere report top-overdue --limit 20 --format csv --user anna > overdue.csv
  credere report customer C1000 --as-of 2026-03-31 --months 6 --user anna
Amounts are exact decimals; the definitions of every figure are in docs/reports.md."""


class Command(BaseCommand):
    help = "Aging, DSO, CEI and other receivables reports, as of any date."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="report", required=True, metavar="{" + ",".join(REPORTS) + "}")
        for name, text in REPORTS.items():
            p = sub.add_parser(name, help=text, description=text, epilog=EPILOG,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
            add_actor_argument(p)
            p.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD",
                           help="Report as of this date (default: today)")
            if name != "customer":  # a customer's history covers its items in every company
                p.add_argument("--company", metavar="CODE", help="Only this company (default: all companies)")
            p.add_argument("--currency", metavar="CCY",
                           help="Reporting currency (default: CREDERE_REPORTING_CURRENCY, EUR)")
            p.add_argument("--format", choices=params.FORMATS, default="table",
                           help="Output format (csv and xlsx, and --out, need the export_data right)")
            p.add_argument("--out", metavar="FILE", help="Write to this file instead of standard output")
            if name == "aging":
                p.add_argument("--by", choices=["customer", "group", "company", "currency"], default="customer",
                               help="Group lines by customer, corporate group (top-most parent), company or "
                                    "item currency")
                p.add_argument("--buckets", metavar="LIMITS", default="0,30,60,90,120",
                               help="Upper limits of the buckets in days past due (default 0,30,60,90,120: "
                                    "not due, 1-30, 31-60, 61-90, 91-120, over 120)")
            if name == "customer":
                p.add_argument("account_number", metavar="ACCOUNT", help="The customer's account number")
            if name in ("metrics", "series", "customer"):
                p.add_argument("--days", metavar="N", default="90",
                               help="Window of the simple and best possible DSO in days (default 90)")
            if name == "metrics":
                p.add_argument("--months", metavar="N", default="1",
                               help="CEI period in months ending on the as-of date (default 1)")
            if name in ("series", "customer"):
                p.add_argument("--months", metavar="N", default="12",
                               help="Number of month-ends (default 12)")
            if name == "top-overdue":
                p.add_argument("--limit", metavar="N", default="10", help="How many customers (default 10)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = resolve_actor(options)
        name = options["report"]
        fmt, out = options["format"], options.get("out")
        if fmt == "xlsx" and not out:
            raise CommandError("XLSX cannot be written to the terminal: give --out FILE")
        try:
            services.authorize_export(actor, fmt, to_file=bool(out))
            q = params.parse_query(
                today=timezone.localdate(), as_of=options.get("as_of"), company=options.get("company"),
                currency=options.get("currency"), by=options.get("by"), buckets=options.get("buckets"),
                days=options.get("days"), months=options.get("months"), limit=options.get("limit"),
                default_months=12 if name in ("series", "customer") else 1,
                max_months=36 if name in ("series", "customer") else 24,
            )
            common = {"actor": actor, "as_of": q.as_of, "company": q.company, "currency": q.currency}
            scope = q.company.code if q.company else "all companies"
            if name == "aging":
                report = services.aging_report(**common, by=q.by, limits=q.limits)
                headers, rows = layout.aging_table(report, compact=fmt == "table")
                title = f"Aging by {q.by} as of {q.as_of}, {scope}"
            elif name == "metrics":
                m = services.metrics_report(**common, dso_days=q.days, cei_months=q.months)
                headers, rows = layout.metrics_table(m)
                title = f"Receivables metrics as of {q.as_of}, {scope}"
            elif name == "series":
                points = services.metrics_series(**common, dso_days=q.days, months=q.months)
                headers, rows = layout.series_table(points)
                title = f"Monthly metrics up to {q.as_of}, {scope}"
            elif name == "customer":
                customer, points = services.customer_history(
                    actor=actor, account_number=options["account_number"], as_of=q.as_of, currency=q.currency,
                    dso_days=q.days, months=q.months)
                headers, rows = layout.series_table(points)
                title = f"Monthly metrics of {customer.name} ({customer.account_number}) up to {q.as_of}"
            else:
                top = services.top_overdue(**common, limit=q.limit)
                headers, rows = layout.top_overdue_table(top, reporting_currency(q.currency))
                title = f"Largest overdue customers as of {q.as_of}, {scope}"
            tables.write(fmt, headers, rows, out, title=title)
        except (BusinessError, NotAllowed) as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
