"""``credere export``: customers, open items, payments, allocations or FX rates to CSV or XLSX."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credere.adapters import tables
from credere.core.cli import add_actor_argument, resolve_actor
from credere.core.errors import BusinessError
from credere.identity.authz import NotAllowed
from credere.imports.exports import export_table
from credere.imports.schema import export_entities


class Command(BaseCommand):
    help = ("Export customers, open items, payments, allocations or FX rates to CSV or XLSX, in the "
            "import column format (docs/file-formats.md).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("entity", choices=export_entities())
        parser.add_argument("--format", dest="file_format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--out", default="-", help="File to write (default: standard output, CSV only)")
        parser.add_argument("--company", help="Only this company's records (by company code)")
        add_actor_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = resolve_actor(options)
        fmt, out = options["file_format"], options["out"]
        if fmt == "xlsx" and out in (None, "-"):
            raise CommandError("XLSX cannot be written to the terminal: give --out FILE")
        try:
            headers, rows = export_table(actor=actor, entity=options["entity"], company_code=options.get("company"))
        except (BusinessError, NotAllowed) as exc:
            raise CommandError(str(exc)) from None
        try:
            tables.write(fmt, headers, rows, out, title=options["entity"])
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
        if out not in (None, "-"):
            self.stderr.write(f"exported {len(rows)} {options['entity']} to {out}")
