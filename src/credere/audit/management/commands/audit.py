"""``credere audit``: query, export and verify the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credere.adapters import tables
from credere.audit.checkpoints import checkpoint_dir, checkpoints_count, write_checkpoint
from credere.audit.selectors import EXPORT_COLUMNS, events, export_rows
from credere.audit.services import verify_chain
from credere.core.cli import add_actor_argument, resolve_actor
from credere.identity.authz import NotAllowed, authorize


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"'{text}' is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Query, export and verify the hash-chained audit trail."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{verify,checkpoint,list,export}")
        verify_text = ("Check the hash chain: entries edited, forged (not sealed with the audit key), inserted or deleted, "
                       "and the chain against every signed checkpoint")
        p = sub.add_parser("verify", help=verify_text, description=verify_text)
        add_actor_argument(p)
        checkpoint_text = ("Write a signed checkpoint of the chain (its last entry's number and hash) to the checkpoint "
                           "directory, and mail it to CREDERE_AUDIT_CHECKPOINT_EMAIL when set; run it from a timer")
        p = sub.add_parser("checkpoint", help=checkpoint_text, description=checkpoint_text)
        add_actor_argument(p)
        for name, text in (("list", "Show audit events (filters below)"), ("export", "Export audit events to a file")):
            p = sub.add_parser(name, help=text, description=text)
            add_actor_argument(p)
            p.add_argument("--object", help="TYPE:ID, e.g. ledger.customer:12")
            p.add_argument("--actor", help="Only events by this user")
            p.add_argument("--action", help="Only this action (prefix match, e.g. 'allocation')")
            p.add_argument("--since", type=_date, help="From this date (YYYY-MM-DD)")
            p.add_argument("--until", type=_date, help="Up to this date (YYYY-MM-DD)")
            p.add_argument("--format", choices=["table", "csv", "json", "xlsx"],
                           default="table" if name == "list" else "csv")
            p.add_argument("--out", help="Write to this file instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = resolve_actor(options)
        try:
            if options["action"] == "verify":
                authorize(actor, "verify_audit")
                count, problems = verify_chain()
                if problems:
                    for p in problems:
                        self.stderr.write(f"#{p.seq}: {p.code}: {p.message}")
                    raise CommandError(f"audit trail NOT intact: {len(problems)} problem(s) in {count} entries")
                self.stdout.write(f"audit trail intact: {count} entries, hash chain verified with the audit key, "
                                  f"{checkpoints_count()} checkpoint(s) in {checkpoint_dir()} agree")
                return
            if options["action"] == "checkpoint":
                authorize(actor, "verify_audit")
                checkpoint, path = write_checkpoint(actor=actor)
                self.stdout.write(f"checkpoint of entry #{checkpoint['seq']} written to {path}")
                return
            authorize(actor, "view_audit")
            object_type = object_id = None
            if options.get("object"):
                if ":" not in options["object"]:
                    raise CommandError("--object must be TYPE:ID, e.g. ledger.customer:12")
                object_type, object_id = options["object"].split(":", 1)
            qs = events(object_type=object_type, object_id=object_id, actor=options.get("actor"),
                        action=options.get("action"), since=options.get("since"), until=options.get("until"))
            fmt = options["format"]
            if fmt == "table":
                rows = [[e.seq, e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.action,
                         f"{e.object_type}:{e.object_id}", e.object_repr, e.reason] for e in qs[:1000]]
                tables.print_table(["#", "time (UTC)", "actor", "action", "object", "what", "reason"], rows)
            else:
                tables.write(fmt, EXPORT_COLUMNS, export_rows(qs, actor), options.get("out"), title="Audit trail")
        except NotAllowed as exc:
            raise CommandError(str(exc)) from None
