"""``credere import``: load customers, open items, payments, FX rates or orders from a CSV, XLSX or ECB XML file."""

from __future__ import annotations

import csv
import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credere.adapters.erpfiles.headers import Mapping, parse_pairs
from credere.adapters.tables import neutralised
from credere.core.cli import add_actor_argument, progress, resolve_actor
from credere.core.errors import BusinessError
from credere.identity.authz import NotAllowed
from credere.imports.schema import ENTITIES
from credere.imports.services.files import import_file
from credere.imports.services.mappings import get_mapping, save_mapping
from credere.imports.services.results import ImportResult

EPILOG = """\
Every row is checked before anything is kept; one bad row rejects the whole file unless
--partial is given. The import runs in one transaction and is idempotent: importing the
same file again reports every row as unchanged. Column formats: docs/file-formats.md.

exit status: 0 imported (or preview without errors), 1 rejected / preview with errors,
2 partly imported (--partial with rejected rows).

examples:
  credere import customers customers.csv --preview
  credere import items FBL5N.xlsx --mapping SAP --partial
  credere import items export.csv --save-mapping SAP --map "BUKRS=company_code,KUNNR=account_number"
  credere import items sap.csv --save-mapping SAP --map-file docs/samples/sap-open-items.mapping.json
  credere import fx-rates eurofxref-hist.xml
  credere import orders orders.csv --preview
"""


def _no_progress(n: int = 1) -> None:
    pass


class Command(BaseCommand):
    help = "Import customers, open items, payments, FX rates or orders from CSV, XLSX or ECB XML."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        from argparse import RawDescriptionHelpFormatter

        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = EPILOG
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("entity", choices=ENTITIES, help="What the file holds")
        parser.add_argument("file", help="The CSV, XLSX or ECB XML file")
        parser.add_argument("--format", dest="file_format", choices=["csv", "xlsx", "ecb"],
                            help="File format (default: recognised from the content)")
        parser.add_argument("--mapping", metavar="NAME", help="Use the saved header mapping of this source system")
        parser.add_argument("--map", dest="map_pairs", metavar="SRC=column,...",
                            help="Header mapping for this file: SOURCE=column pairs; '-' ignores a column")
        parser.add_argument("--map-file", metavar="FILE.json",
                            help='Mapping as JSON: {"columns": {"KUNNR": "account_number"}, "values": {...}}')
        parser.add_argument("--save-mapping", metavar="NAME",
                            help="Save the mapping (--mapping plus --map) under this source system name first")
        parser.add_argument("--preview", action="store_true",
                            help="Show what would be created, updated, unchanged or rejected; write nothing")
        parser.add_argument("--partial", action="store_true",
                            help="Import the good rows even if some are rejected (default: all or nothing)")
        parser.add_argument("--encoding", help="Text encoding of a CSV file (default: UTF-8, else Windows-1252)")
        parser.add_argument("--delimiter", help="CSV delimiter (default: recognised from the header row)")
        parser.add_argument("--sheet", help="XLSX worksheet name (default: the first)")
        parser.add_argument("--show", type=int, default=50, metavar="N",
                            help="Show at most N errors and changes (default 50; 0 for all)")
        parser.add_argument("--errors", dest="errors_out", metavar="FILE",
                            help="Write every row error to this CSV file")
        add_actor_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = resolve_actor(options)
        entity, path = options["entity"], Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
        extra = self._adhoc_mapping(options)
        mapping_name = options.get("mapping")
        stack = ExitStack()
        advance: list[Any] = [_no_progress]

        def on_write(rows: int) -> None:
            verb = "Checking" if options["preview"] else "Writing"
            self.stdout.write(f"{verb} {rows} rows of {entity} in one transaction…")
            self.stdout.flush()
            advance[0] = stack.enter_context(progress(f"{'Checking' if options['preview'] else 'Importing'} "
                                                      f"{entity}", rows))

        try:
            if options.get("save_mapping"):
                mapping_name, extra = self._save_mapping(actor, options, entity, mapping_name, extra)
            with stack:
                result = import_file(actor=actor, entity=entity, data=data, file_name=path.name,
                                     fmt=options.get("file_format"), mapping_name=mapping_name, mapping=extra,
                                     partial=options["partial"], preview=options["preview"],
                                     encoding=options.get("encoding"), delimiter=options.get("delimiter"),
                                     sheet=options.get("sheet"), progress=lambda n: advance[0](n),
                                     on_write=on_write)
        except (BusinessError, NotAllowed) as exc:
            raise CommandError(str(exc)) from None
        self._report(result, options)

    def _adhoc_mapping(self, options: dict[str, Any]) -> Mapping | None:
        mapping: Mapping | None = None
        if options.get("map_file"):
            try:
                mapping = Mapping.from_json(json.loads(Path(options["map_file"]).read_text(encoding="utf-8")))
            except OSError as exc:
                raise CommandError(f"cannot read {options['map_file']}: {exc.strerror or exc}") from None
            except ValueError as exc:  # also json.JSONDecodeError
                raise CommandError(f"--map-file: {exc}") from None
        if options.get("map_pairs"):
            try:
                pairs = parse_pairs(options["map_pairs"])
            except ValueError as exc:
                raise CommandError(f"--map: {exc}") from None
            mapping = (mapping or Mapping()).merged(pairs)
        return mapping

    def _save_mapping(self, actor: Any, options: dict[str, Any], entity: str, loaded: str | None,
                      extra: Mapping | None) -> tuple[str | None, Mapping | None]:
        name = options["save_mapping"]
        base = Mapping()
        if loaded:
            saved = get_mapping(source_system=loaded, entity=entity)
            if saved is None:
                raise BusinessError(f"no saved mapping '{loaded}' for {entity}", code="unknown_mapping")
            base = Mapping.from_json(saved.mapping)
        combined = base.merged(extra or Mapping())
        if not combined.columns and not combined.values:
            raise CommandError("--save-mapping needs --map 'SOURCE=column,...' (or --mapping to copy)")
        if options["preview"]:
            self.stdout.write(f"(preview: mapping '{name}' is not saved)")
            return None, combined
        _, outcome = save_mapping(actor=actor, source_system=name, entity=entity, mapping=combined)
        self.stdout.write(f"mapping '{name}' for {entity}: {outcome}")
        return name, None

    def _report(self, result: ImportResult, options: dict[str, Any]) -> None:
        show = options["show"] or None
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        if result.changes:
            listing = result.changes[:show]
            verb = "would be " if result.preview else ""
            for change in listing:
                fields = ", ".join(f"{k}: {v['before']} → {v['after']}" for k, v in change.changes.items())
                self.stdout.write(f"  {result.numbering} {change.row}: {change.key} {verb}{change.outcome}"
                                  + (f" ({fields})" if fields else ""))
            if len(result.changes) > len(listing):
                self.stdout.write(f"  … and {len(result.changes) - len(listing)} more changes")
        if result.errors:
            listing_e = result.errors[:show]
            for error in listing_e:
                self.stderr.write(f"  {error.describe(result.numbering)}")
            if len(result.errors) > len(listing_e):
                self.stderr.write(f"  … and {len(result.errors) - len(listing_e)} more errors"
                                  + ("" if options.get("errors_out") else " (--errors FILE writes them all)"))
        if options.get("errors_out"):
            with open(options["errors_out"], "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow([result.numbering, "column", "field", "message"])
                writer.writerows([e.row, neutralised(e.column), neutralised(e.field), neutralised(e.message)]
                                 for e in result.errors)
        run = f" (import run {result.run_id})" if result.run_id else ""
        self.stdout.write(result.summary() + run)
        if result.status == "rejected":
            raise CommandError(f"{result.rejected} rows rejected; nothing was imported. Fix them, or import the "
                               "good rows with --partial.", returncode=1)
        if result.preview and result.errors:
            raise CommandError(f"{result.rejected} rows would be rejected.", returncode=1)
        if result.status == "partial":
            raise CommandError(f"{result.rejected} rows rejected; the other rows were imported.", returncode=2)
