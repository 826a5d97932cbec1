"""``credere approvals``: requests waiting for a decision, and deciding them within the approval matrix."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credere.approvals import selectors, services
from credere.core.cli import add_actor_argument, resolve_actor
from credere.core.errors import BusinessError
from credere.identity.authz import NotAllowed, authorize


class Command(BaseCommand):
    help = "Approval requests: list those waiting, approve or reject within your authority."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,approve,reject}")
        p = sub.add_parser("list", help="Requests waiting for a decision, and whether you may decide each")
        add_actor_argument(p)
        for name in ("approve", "reject"):
            p = sub.add_parser(name, help=f"{name.capitalize()} a request (the person who asked cannot)")
            p.add_argument("request_id", type=int, metavar="REQUEST")
            p.add_argument("--note", default="", help="Why (required to reject)")
            add_actor_argument(p)

    def handle(self, *args: Any, **o: Any) -> None:
        actor = resolve_actor(o)
        try:
            if o["action"] == "list":
                authorize(actor, "view_credit")
                waiting = list(selectors.pending())
                waits = selectors.waiting(waiting)
                why_not = selectors.decidable_by(actor, waiting, waits)
                if not waiting:
                    self.stdout.write("Nothing is waiting for a decision.")
                for r in waiting:
                    w = waits[r.pk]
                    late = (f"ESCALATED: {w.text}" + (f"; {w.escalated_to_words} may decide it too"
                                                      if w.escalated_to else "")) if w.escalated else w.text
                    self.stdout.write(f"{r.pk:>6}  {r.summary}  ({r.requested_by.get_username()}: {r.reason})"
                                      f"\n        {late}"
                                      f"\n        {'you may decide it' if not why_not[r.pk] else why_not[r.pk]}")
                return
            authorize(actor, "decide_approvals")
            r = services.decide(actor=actor, request_id=o["request_id"], approve=o["action"] == "approve",
                                note=o["note"])
            self.stdout.write(f"{r.get_status_display()}: {r.summary}")
        except (BusinessError, NotAllowed) as exc:
            raise CommandError(str(exc)) from None
