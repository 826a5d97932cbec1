"""``credere privacy``: export and erase the personal data held about a customer or a person, delete what the
retention settings no longer keep, and re-encrypt every encrypted value after a key rotation."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credere.core import crypto
from credere.core.cli import add_actor_argument, resolve_actor
from credere.core.errors import BusinessError
from credere.identity.authz import NotAllowed, authorize
from credere.ledger import privacy_export
from credere.ledger.services import privacy


def _subject(p: CommandParser) -> None:
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--customer", help="The customer's account number (its contacts, payers and identifiers)")
    who.add_argument("--email", help="A person, by the e-mail address of their contact entries")


class Command(BaseCommand):
    help = "Export and erase personal data, apply the retention settings, re-encrypt after a key rotation."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{export,erase,purge,rotate-key}")
        p = sub.add_parser("export", help="Everything held about a customer's people and payers, or a person",
                           description="Everything Credere holds about a customer's people and payers (or one "
                                       "person), with the audit trail's changes to it: JSON or a readable page.")
        add_actor_argument(p)
        _subject(p)
        p.add_argument("--format", choices=sorted(privacy_export.FORMATS), default="json")
        p.add_argument("--out", help="Write to this file (default: standard output)")
        p = sub.add_parser("erase", help="Erase the personal data held about a customer's people and payers, or "
                                         "a person (amounts and documents are kept)",
                           description="Contacts are deleted; identifiers, payer names and accounts emptied; the "
                                       "audit trail's values erased (its seals still verify). Amounts, dates, "
                                       "documents and allocations are kept: the ledger stays exact.")
        add_actor_argument(p)
        _subject(p)
        p.add_argument("--reason", required=True, help="Why (for example: the person's request of 2026-11-30)")
        p.add_argument("--name", action="store_true", help="With --customer: erase the customer's name too (a "
                                                           "sole trader)")
        p = sub.add_parser("purge", help="Delete what the retention settings no longer keep (run it daily)")
        add_actor_argument(p)
        p = sub.add_parser("rotate-key", help="Encrypt every encrypted value with CREDERE_DATA_KEY (after a "
                                              "rotation, the replaced keys in CREDERE_DATA_PREVIOUS_KEYS)")
        add_actor_argument(p)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = resolve_actor(options)
        action = options["action"]
        try:
            if action == "export":
                data = (privacy.export_customer(actor=actor, account_number=options["customer"]) if options["customer"]
                        else privacy.export_person(actor=actor, email=options["email"]))
                body = privacy_export.render(data, options["format"])
                if options.get("out"):
                    Path(options["out"]).write_bytes(body)
                    self.stdout.write(f"{data['subject']}: {sum(len(v) for v in data['sections'].values())} "
                                      f"entries and {len(data['audit_events'])} audit events written to "
                                      f"{options['out']}")
                else:
                    sys.stdout.buffer.write(body)
            elif action == "erase":
                counts = (privacy.erase_customer(actor=actor, account_number=options["customer"],
                                                 reason=options["reason"], name=options["name"])
                          if options["customer"] else
                          privacy.erase_person(actor=actor, email=options["email"], reason=options["reason"]))
                self.stdout.write("erased: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
            elif action == "purge":
                counts = privacy.purge(actor=actor)
                self.stdout.write("retention applied: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
            else:
                authorize(actor, "manage_personal_data")
                done = crypto.rotate_all()
                self.stdout.write(f"every encrypted value is under key {crypto.current_key_id()}: "
                                  + ", ".join(f"{n} {label} rows rewritten" for label, n in done.items()))
        except (NotAllowed, BusinessError) as exc:
            raise CommandError(str(exc)) from None
        except crypto.UnreadableValue as exc:
            raise CommandError(f"{exc}; add the key it was encrypted with to CREDERE_DATA_PREVIOUS_KEYS") from None
