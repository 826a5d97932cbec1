"""``credere cash``: bank statements in, matching runs, the policy, and matching on files."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from functools import partial
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections

from credere.cashapp import files
from credere.cashapp.models import BankAccount
from credere.cashapp.policies import policy_in_force
from credere.cashapp.selectors import returns as return_reads
from credere.cashapp.selectors import statements as statement_reads
from credere.cashapp.selectors import workbench as workbench_reads
from credere.cashapp.services import policy as policy_service
from credere.cashapp.services import remittances, returns, runs, statements
from credere.core.cli import add_actor_argument, resolve_actor
from credere.core.errors import BusinessError
from credere.domain.fx import RateTable
from credere.domain.matching import MatchingPolicy, match_batch
from credere.identity.authz import NotAllowed
from credere.ledger.models import Company

IMPORT_EPILOG = """examples:
  credere cash import statement.xml --user clerk
  credere cash import export.csv --company ACME --mapping bank.json --save-mapping --user clerk

Formats and fields: docs/bank-statements.md. The same transaction is never imported twice,
even from an overlapping statement. A file with an error is refused whole, naming the line
or element. A statement whose closing balance or control totals do not match its entries is
imported and flagged (acknowledge it with 'credere cash acknowledge'); --strict refuses it."""

REMITTANCE_EPILOG = """Columns: payment_reference, payer_name, payment_date, amount, currency (of the payment),
document_number, paid_amount, deduction, note. One row per document; rows with the same
payment_reference form one advice. See docs/cash-application.md."""

MATCH_EPILOG = """example:
  credere cash match-files --items items.csv --payments payments.csv --out matches.csv

Items columns: item_id, customer_account, customer_name, document_number, references
(optional, ';'-separated), currency, amount (open amount), document_date, due_date,
discount_rate and discount_days (optional). Payments columns: payment_id, payer_name,
payer_account, reference_text, amount, currency, date. CSV or XLSX. The output has one row
per (payment, item) with status applied or suggested, and one row with status unmatched
for each payment without a match. Columns and reason codes: docs/cash-matching.md."""


def _database_ready() -> bool:
    """Whether the database exists and is migrated, found without creating it (an SQLite file is only opened
    if it is there): ``parse`` reads saved CSV mappings from it when it can, and works without it."""
    settings = connections["default"].settings_dict
    if settings["ENGINE"] == "django.db.backends.sqlite3" and not Path(str(settings["NAME"])).is_file():
        return False
    try:
        return BankAccount._meta.db_table in connections["default"].introspection.table_names()
    except DatabaseError:
        return False


class Command(BaseCommand):
    help = "Cash application: match incoming payments to open items."
    #: Statements are imported and matched from scripts and schedulers: the project checks run with 'credere check'
    #: (and by the test suite), not before every command: they import every page and the API, about 1.5 s.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True,
                                    metavar="{import,parse,flagged,acknowledge,run,remittances,policy,match-files}")
        p = sub.add_parser("import", help="Import a bank statement file and match its payments",
                           description="Import a bank statement (camt.052/053/054, MT940/942, BAI2 or CSV; the "
                                       "format is read from the content). Transactions already imported are "
                                       "skipped; incoming money becomes payments, which are matched at once.",
                           epilog=IMPORT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("file", metavar="FILE")
        p.add_argument("--company", help="Company code, for a bank account Credere does not know yet")
        p.add_argument("--mapping", metavar="JSON", help="CSV column mapping (a JSON file); saved for the account "
                                                         "with --save-mapping")
        p.add_argument("--save-mapping", action="store_true", help="Remember --mapping for this bank account")
        p.add_argument("--no-match", action="store_true", help="Import only; match later with 'credere cash run'")
        p.add_argument("--background", action="store_true", help="Leave the matching to 'credere worker'")
        p.add_argument("--strict", action="store_true",
                       help="Refuse a statement whose balances or control totals do not add up (by default it is "
                            "imported and flagged)")
        add_actor_argument(p)
        p = sub.add_parser("parse", help="Print the statements and transactions in a file as JSON; writes nothing",
                           description="Read a bank statement file and print, as JSON, the statements and "
                                       "transactions it would import. Nothing is written.")
        p.add_argument("file", metavar="FILE")
        p.add_argument("--mapping", metavar="JSON", help="CSV column mapping (a JSON file)")
        p.add_argument("--raw", action="store_true", help="Include each transaction's source text")
        p.add_argument("--strict", action="store_true",
                       help="Refuse a statement whose balances or control totals do not add up")
        p = sub.add_parser("flagged", help="List imported statements whose balances do not add up",
                           description="List the imported statements whose closing balance or control totals do "
                                       "not match their entries and that no one has acknowledged yet.")
        p.add_argument("--all", action="store_true", help="Include those already acknowledged")
        p = sub.add_parser("acknowledge", help="Acknowledge the difference of a statement that does not add up",
                           description="Record that you have looked at the difference of a flagged statement "
                                       "(see 'credere cash flagged'), with a note kept in the audit trail.")
        p.add_argument("statement", type=int, metavar="STATEMENT_ID")
        p.add_argument("--note", required=True, help="What you found out about the difference")
        add_actor_argument(p)
        p = sub.add_parser("returns", help="List payments the bank sent back",
                           description="List the returned payments read from statements: those paired with the "
                                       "payment they return (reversed), those waiting for a clerk, those dismissed.")
        p.add_argument("--status", choices=("paired", "unpaired", "dismissed"), help="Only these")
        p = sub.add_parser("return-pair", help="Pair a waiting return with the payment it returns",
                           description="Pair a returned payment no payment was found for (see 'credere cash "
                                       "returns --status unpaired') with the payment it returns: its allocations "
                                       "are reversed and the invoices open again (audited).")
        p.add_argument("return_id", type=int, metavar="RETURN_ID")
        p.add_argument("payment_id", type=int, metavar="PAYMENT_ID")
        p.add_argument("--note", default="", help="Why this payment (kept in the audit trail)")
        add_actor_argument(p)
        p = sub.add_parser("return-dismiss", help="Dismiss a waiting return that concerns no payment received",
                           description="Say a returned payment concerns no payment Credere holds (it returns an "
                                       "outgoing payment, say), with a note kept in the audit trail.")
        p.add_argument("return_id", type=int, metavar="RETURN_ID")
        p.add_argument("--note", required=True, help="Why")
        add_actor_argument(p)
        p = sub.add_parser("run", help="Match unapplied payments now",
                           description="Match every unapplied payment (or those given) to open items: apply what "
                                       "the policy allows and leave suggestions for the rest in the workbench.")
        p.add_argument("--company", help="Only this company's payments")
        p.add_argument("--payment", type=int, action="append", metavar="ID", help="Only this payment (repeatable)")
        add_actor_argument(p)
        p = sub.add_parser("remittances", help="Import remittance advices (CSV/XLSX) from customers",
                           description="Import remittance advices: which documents a payment settles. Each is "
                                       "linked to its payment by reference (or amount and date) and used by "
                                       "matching.", epilog=REMITTANCE_EPILOG,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("file", metavar="FILE")
        p.add_argument("--company", required=True, help="Company code")
        add_actor_argument(p)
        p = sub.add_parser("policy", help="Show or change the matching policy",
                           description="Show the matching policy in force, or change settings (a new audited "
                                       "version).")
        p.add_argument("--set", action="append", metavar="NAME=VALUE", default=[],
                       help="Change a setting, e.g. --set auto_apply_confidence=0.97 (repeatable)")
        p.add_argument("--note", default="", help="Why the policy changes (kept in the audit trail)")
        p.add_argument("--effective-from", metavar="YYYY-MM-DDTHH:MM",
                       help="When the new version takes effect (default: now)")
        add_actor_argument(p)
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

    def execute(self, *args: Any, **options: Any) -> str | None:
        if options.get("action") in {"parse", "match-files"}:
            # Django's system checks open the database (to learn what JSON fields it supports); these two
            # actions work on files alone, with or without a database.
            options["skip_checks"] = True
        return super().execute(*args, **options)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "match-files":
            self._match_files(options)
            return
        if action == "parse":
            self._parse(options)
            return
        if action == "flagged":
            self._flagged(options)
            return
        if action == "returns":
            self._returns(options)
            return
        actor = resolve_actor(options)
        try:
            getattr(self, "_" + action.replace("-", "_"))(actor, options)
        except NotAllowed as exc:
            raise CommandError(str(exc)) from None
        except BusinessError as exc:
            details = "".join(f"\n  {f['field']}: {f['message']}" for f in exc.fields
                              if f["message"] not in str(exc))
            raise CommandError(f"{exc}{details}") from None

    def _read(self, name: str) -> bytes:
        try:
            return Path(name).read_bytes()
        except OSError as exc:
            raise CommandError(f"{name}: cannot read the file ({exc.strerror})") from None

    def _mapping(self, options: dict[str, Any]) -> dict[str, Any] | None:
        if not options.get("mapping"):
            return None
        try:
            data = json.loads(self._read(options["mapping"]).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{options['mapping']}: not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise CommandError(f"{options['mapping']}: the mapping is a JSON object")
        return data

    def _parse(self, options: dict[str, Any]) -> None:
        from credere.adapters.bankfiles import statements_to_json

        data = self._read(options["file"])
        try:
            parsed = statements.parse_file(data, filename=Path(options["file"]).name,
                                           csv_mapping=self._mapping(options), strict=options["strict"],
                                           saved_mappings=_database_ready())
        except BusinessError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(statements_to_json(parsed, include_raw=options["raw"]), indent=2,
                                     ensure_ascii=False))

    @staticmethod
    def _flag_line(row: Any) -> str:
        what = "; ".join(d["message"] for d in row.discrepancies)
        difference = (f" (difference {row.balance_difference} {row.currency})"
                      if row.balance_difference is not None else "")
        return (f"statement {row.pk} ({row.statement_id or 'no id'}, account {row.bank_account.account}) does not "
                f"add up{difference}: {what}")

    def _flagged(self, options: dict[str, Any]) -> None:
        rows = list(statement_reads.flagged_statements(unacknowledged=not options["all"]))
        if not rows:
            self.stdout.write("no statement waits for acknowledgement" if not options["all"]
                              else "no statement was ever flagged")
        for row in rows:
            line = f"{self._flag_line(row)} [file {row.file_id}: {row.file.filename}]"
            if row.acknowledged_at is not None:
                who = row.acknowledged_by.get_username() if row.acknowledged_by else "—"
                line += f" acknowledged by {who} on {row.acknowledged_at:%Y-%m-%d}: {row.acknowledgement_note}"
            self.stdout.write(line)

    @staticmethod
    def _return_line(ret: Any) -> str:
        what = {"paired": f"payment {ret.payment.label} reversed" if ret.payment else "paired",
                "unpaired": "waiting for a clerk: 'credere cash return-pair RETURN_ID PAYMENT_ID' or 'return-dismiss'",
                "dismissed": f"dismissed by {ret.decided_by}: {ret.note}"}[ret.status]
        reference = f", reference {ret.returned_reference}" if ret.returned_reference else ""
        return (f"return {ret.pk}: {ret.amount} {ret.currency} on {ret.returned_on} ({ret.company.code}{reference}) — "
                f"{ret.reason}; {what}")

    def _returns(self, options: dict[str, Any]) -> None:
        rows = list(return_reads.returns(status=options.get("status") or ""))
        if not rows:
            self.stdout.write("no returned payment")
        for ret in rows:
            self.stdout.write(self._return_line(ret))

    def _return_pair(self, actor: Any, options: dict[str, Any]) -> None:
        ret = returns.pair_return(actor=actor, return_id=options["return_id"], payment_id=options["payment_id"],
                                  note=options["note"])
        self.stdout.write(self._return_line(ret))

    def _return_dismiss(self, actor: Any, options: dict[str, Any]) -> None:
        ret = returns.dismiss_return(actor=actor, return_id=options["return_id"], note=options["note"])
        self.stdout.write(self._return_line(ret))

    def _acknowledge(self, actor: Any, options: dict[str, Any]) -> None:
        row = statements.acknowledge_statement(actor=actor, statement_id=options["statement"], note=options["note"])
        self.stdout.write(f"statement {row.pk}: difference acknowledged")

    def _company(self, code: str | None) -> Company | None:
        if not code:
            return None
        company = workbench_reads.company(code)
        if company is None:
            raise CommandError(f"no company with code {code}")
        return company

    def _import(self, actor: Any, options: dict[str, Any]) -> None:
        data = self._read(options["file"])
        mapping = self._mapping(options)
        result = statements.import_statement(
            actor=actor, data=data, filename=Path(options["file"]).name, company=self._company(options["company"]),
            csv_mapping=mapping, match=not options["no_match"], background=options["background"],
            strict=options["strict"])
        if mapping and options["save_mapping"]:
            for account in statement_reads.file_bank_accounts(result.file):
                statements.save_csv_mapping(actor=actor, bank_account=account, mapping=mapping)
        self.stdout.write(f"{result.file.filename}: {result.statements} statement(s), {result.new} new "
                          f"transaction(s), {result.known} already imported, {len(result.payments)} payment(s) "
                          "received")
        for ret in result.returns:
            self.stdout.write(self._return_line(ret))
        for row in result.flagged:
            self.stdout.write(self._flag_line(row))
        if result.flagged:
            self.stdout.write("the transactions of flagged statements were imported; once you know why, run "
                              "'credere cash acknowledge STATEMENT_ID --note …'")
        if result.run is not None:
            run = result.run
            self.stdout.write(f"matching run {run.pk}: {run.applied} applied, {run.suggested} suggested, "
                              f"{run.unmatched} unmatched")
        elif result.payments and not options["no_match"]:
            self.stdout.write("matching queued for 'credere worker'")

    def _run(self, actor: Any, options: dict[str, Any]) -> None:
        run = runs.run_matching(actor=actor, payment_ids=options.get("payment"),
                                    company=self._company(options.get("company")), trigger="manual")
        self.stdout.write(f"matching run {run.pk}: {run.payments} payment(s), {run.applied} applied, "
                          f"{run.suggested} suggested, {run.unmatched} unmatched")

    def _remittances(self, actor: Any, options: dict[str, Any]) -> None:
        company = self._company(options["company"])
        assert company is not None
        result = remittances.import_remittances(actor=actor, data=self._read(options["file"]),
                                             filename=Path(options["file"]).name, company=company)
        self.stdout.write(f"{result.advices} remittance advice(s) with {result.lines} line(s); "
                          f"{result.linked} linked to a payment, {result.advices - result.linked} waiting for theirs")

    def _policy(self, actor: Any, options: dict[str, Any]) -> None:
        if options["set"]:
            changes: dict[str, Any] = {}
            for pair in options["set"]:
                name, sep, value = pair.partition("=")
                if not sep:
                    raise CommandError(f"'{pair}': write NAME=VALUE")
                changes[name.strip()] = value.strip()
            effective = None
            if options.get("effective_from"):
                try:
                    effective = dt.datetime.fromisoformat(options["effective_from"])
                except ValueError:
                    raise CommandError(f"--effective-from: '{options['effective_from']}' is not a date and "
                                       "time (YYYY-MM-DDTHH:MM)") from None
            version = policy_service.set_policy(actor=actor, settings=changes, note=options["note"],
                                                effective_from=effective)
            number, settings = version.version, version.settings
            since: dt.datetime | None = version.effective_from
            by = version.created_by
        else:  # reading the policy stores nothing
            current = policy_in_force()
            number, settings = current.number, current.settings
            since, by = (current.version.effective_from, current.version.created_by) if current.version else (None, "")
        source = f"from {since:%Y-%m-%d %H:%M}, by {by}" if since else "the built-in defaults"
        self.stdout.write(f"matching policy version {number} ({source})")
        for key, value in settings.items():
            self.stdout.write(f"  {key} = {json.dumps(value)}")

    def _match_files(self, options: dict[str, Any]) -> None:
        problems: list[str] = []
        warnings: list[str] = []
        loaded: dict[str, Any] = {}
        readers: tuple[tuple[str, Any], ...] = (
            ("items", partial(files.read_items, warnings=warnings)),
            ("payments", partial(files.read_payments, warnings=warnings)),
            ("accounts", files.read_accounts), ("rates", files.read_rates), ("policy_json", files.read_policy))
        for key, reader in readers:
            if options.get(key):
                try:
                    loaded[key] = reader(Path(options[key]))
                except files.InputError as exc:
                    problems += exc.problems
        for warning in warnings:
            self.stderr.write(f"warning: {warning}")
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
