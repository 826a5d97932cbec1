"""``credere credit``: order credit checks, the hold queue, a customer's credit picture, limits and
risk classes, the credit policy."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from credere.core.cli import add_actor_argument, resolve_actor
from credere.core.errors import BusinessError
from credere.credit import selectors
from credere.credit.policy import HELP, policy_in_force
from credere.credit.services import checks, limits
from credere.credit.services import policy as policy_service
from credere.identity.authz import NotAllowed, authorize
from credere.ledger.params import parse_company, parse_customer

EPILOG = """examples:
  credere credit check --company DE01 --customer C1000 --order SO-1042 --amount 12500 --currency EUR --user erp
  credere credit holds --user anna
  credere credit release 17 --note "prepayment received" --user anna
  credere credit customer C1000 --user anna
  credere credit limit C1000 --amount 150000 --currency EUR --reason "new contract" --user anna
  credere credit risk-class C1000 B --reason "two years without a late payment" --user anna
  credere credit policy --set over_limit_tolerance_pct=5 --note "5 % leeway" --user manager
A limit is applied when an approver decides it: credere approvals. See docs/credit-control.md."""


class Command(BaseCommand):
    help = "Credit control: order checks, holds, limits, risk classes and the credit policy."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True,
                                    metavar="{check,holds,release,reject,customer,limit,risk-class,policy}")

        def add(name: str, text: str) -> Any:
            p = sub.add_parser(name, help=text, description=text, epilog=EPILOG,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
            add_actor_argument(p)
            return p

        p = add("check", "Check an order: released or held, with the reasons (idempotent by order and version)")
        p.add_argument("--company", required=True)
        p.add_argument("--customer", required=True, metavar="ACCOUNT")
        p.add_argument("--order", required=True, metavar="ORDER_ID")
        p.add_argument("--version", type=int, default=1)
        p.add_argument("--amount", required=True)
        p.add_argument("--currency", required=True)
        add("holds", "The held orders, oldest first")
        for name, text in (("release", "Release a held order"), ("reject", "Reject a held order")):
            p = add(name, text)
            p.add_argument("check_id", type=int, metavar="CHECK")
            p.add_argument("--note", required=True, help="Why (kept with the decision)")
        p = add("customer", "A customer's credit picture: limit, exposure, use of the limit, overdue")
        p.add_argument("account", metavar="ACCOUNT")
        p = add("limit", "Ask for a credit limit (an approver decides it: credere approvals)")
        p.add_argument("account", metavar="ACCOUNT")
        p.add_argument("--amount", required=True)
        p.add_argument("--currency", required=True)
        p.add_argument("--reason", required=True)
        p.add_argument("--company", help="Only for this company (default: all companies)")
        p.add_argument("--group", action="store_true", help="A limit the corporate group shares")
        p.add_argument("--expires", metavar="YYYY-MM-DD")
        p = add("risk-class", "Set a customer's risk class, with a reason")
        p.add_argument("account", metavar="ACCOUNT")
        p.add_argument("risk_class", metavar="CLASS")
        p.add_argument("--reason", required=True)
        p = add("policy", "Show the credit policy, or change it with --set and --note")
        p.add_argument("--set", action="append", default=[], metavar="KEY=JSON", help="A setting and its value")
        p.add_argument("--note", default="", help="Why the policy changes (required with --set)")

    def handle(self, *args: Any, **o: Any) -> None:
        actor = resolve_actor(o)
        try:
            getattr(self, "_" + o["action"].replace("-", "_"))(actor, o)
        except (BusinessError, NotAllowed) as exc:
            raise CommandError(str(exc)) from None

    def _print_check(self, c: Any) -> None:
        self.stdout.write(f"Order {c.order.order_id} v{c.order_version}: {c.get_status_display()} "
                          f"({c.amount} {c.currency}, check {c.pk})")
        for r in c.reasons:
            self.stdout.write(f"  {r['code']}: {r['text']}")

    def _check(self, actor: Any, o: dict[str, Any]) -> None:
        company = parse_company(o["company"])
        if company is None:
            raise CommandError("--company: give the company's code")
        self._print_check(checks.check(actor=actor, company=company,
                                       customer=parse_customer(o["customer"]), order_id=o["order"],
                                       amount=o["amount"], currency=o["currency"].upper(), version=o["version"]))

    def _holds(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        rows = list(selectors.holds()[:200])
        if not rows:
            self.stdout.write("No order is waiting for a credit decision.")
        for c in rows:
            why = c.why_held
            self.stdout.write(f"{c.pk:>6}  {c.checked_at:%Y-%m-%d %H:%M}  {c.order.customer.account_number:<12} "
                              f"{c.order.order_id:<14} {c.amount:>14} {c.currency}  {why}")

    def _release(self, actor: Any, o: dict[str, Any]) -> None:
        self._print_check(checks.decide_hold(actor=actor, check_id=o["check_id"], release=True, note=o["note"]))

    def _reject(self, actor: Any, o: dict[str, Any]) -> None:
        self._print_check(checks.decide_hold(actor=actor, check_id=o["check_id"], release=False, note=o["note"]))

    def _customer(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        customer = parse_customer(o["account"])
        policy = policy_in_force()
        p = selectors.picture(customer, timezone.localdate(), policy_currency=policy.currency,
                              default_class=policy.settings["default_risk_class"])
        cur = p.currency
        lines = [f"{customer.account_number} {customer.name} · risk class {p.risk_class} · {customer.status}",
                 f"  credit limit    {f'{p.limit.amount} {p.limit.currency}' if p.limit else 'none'}",
                 f"  receivables     {p.exposure.receivables} {cur}",
                 f"  open orders     {p.exposure.orders} {cur}",
                 f"  exposure        {p.exposure.uncovered} {cur}",
                 f"  headroom        {'—' if p.headroom is None else f'{p.headroom} {cur}'}",
                 f"  limit used      {'—' if p.utilisation is None else f'{p.utilisation} %'}",
                 f"  overdue         {p.overdue.amount} {cur} (oldest {p.overdue.oldest_days} days past due)"]
        self.stdout.write("\n".join(lines))

    def _limit(self, actor: Any, o: dict[str, Any]) -> None:
        try:
            expires = dt.date.fromisoformat(o["expires"]) if o.get("expires") else None
        except ValueError:
            raise CommandError(f"--expires: '{o['expires']}' is not a date; write YYYY-MM-DD") from None
        req = limits.request_limit(actor=actor, customer=parse_customer(o["account"]), amount=o["amount"],
                                   currency=o["currency"].upper(), reason=o["reason"],
                                   company=parse_company(o.get("company")), for_group=o["group"],
                                   expires_on=expires)
        self.stdout.write(f"Requested (approval request {req.pk}): {req.summary}; "
                          f"needs {req.required_role.replace('_', ' ') or 'an approver'}.")

    def _risk_class(self, actor: Any, o: dict[str, Any]) -> None:
        row = limits.set_risk_class(actor=actor, customer=parse_customer(o["account"]), risk_class=o["risk_class"],
                                    reason=o["reason"])
        self.stdout.write(f"Risk class {row.risk_class} from {row.effective_from}.")

    def _policy(self, actor: Any, o: dict[str, Any]) -> None:
        if o["set"]:
            changes: dict[str, Any] = {}
            for item in o["set"]:
                key, sep, raw = item.partition("=")
                if not sep:
                    raise CommandError(f"--set {item}: write KEY=VALUE")
                try:
                    changes[key.strip()] = json.loads(raw)
                except json.JSONDecodeError:
                    changes[key.strip()] = raw
            version = policy_service.set_policy(actor=actor, settings=changes, note=o["note"])
            self.stdout.write(f"Credit policy version {version.version} is in force.")
            return
        authorize(actor, "view_credit")
        p = policy_in_force()
        self.stdout.write(f"Credit policy {'version ' + str(p.number) if p.number else '(the built-in defaults)'}")
        for key, value in p.settings.items():
            self.stdout.write(f"  {key} = {json.dumps(value)}\n      {HELP[key]}")
