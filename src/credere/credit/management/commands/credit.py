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
from credere.credit.services import checks, limits, reviews
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
  credere credit review-schedule --user anna
  credere credit reviews --due --user anna
  credere credit review-start C1000 --reason "large new order expected" --user anna
  credere credit review-complete 12 --outcome raise --limit 150000 --note "pays on time, growing" --user anna
A limit is applied when an approver decides it: credere approvals. See docs/credit-control.md."""


class Command(BaseCommand):
    help = "Credit control: order checks, holds, limits, risk classes, credit reviews and the credit policy."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True,
                                    metavar="{check,holds,release,reject,customer,limit,risk-class,policy,"
                                           "reviews,review-schedule,review-start,review-complete}")

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
        p = add("reviews", "The credit review worklist: open reviews, earliest due first")
        p.add_argument("--due", action="store_true", help="Only reviews past their due date")
        p.add_argument("--all", action="store_true", help="Completed and cancelled reviews too")
        p = add("review-schedule", "Open the reviews now due (idempotent; run it daily)")
        p.add_argument("--as-of", metavar="YYYY-MM-DD", help="Count from this day (default today)")
        p = add("review-start", "Start a review of a customer by hand")
        p.add_argument("account", metavar="ACCOUNT")
        p.add_argument("--reason", required=True)
        p = add("review-complete", "Complete a review: keep, raise, lower or block (changes go to approval)")
        p.add_argument("review_id", type=int, metavar="REVIEW")
        p.add_argument("--outcome", required=True, choices=["keep", "raise", "lower", "block"])
        p.add_argument("--note", required=True, help="What the review found")
        p.add_argument("--limit", help="The new limit (to raise or lower it)")
        p.add_argument("--currency", help="The new limit's currency (default: the limit's)")
        p.add_argument("--risk-class", help="A new risk class")

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

    def _reviews(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        policy = policy_in_force()
        rows = selectors.reviews(selectors.ReviewFilters(status="" if o["all"] else "open", overdue=o["due"]),
                                 on=timezone.localdate(), policy_currency=policy.currency,
                                 default_class=policy.settings["default_risk_class"])
        if not rows:
            self.stdout.write("No review is due." if not o["due"] else "No review is past its due date.")
        for r in rows[:500]:
            v = r.review
            limit = f"{r.limit} {r.currency}" if r.limit is not None else "no limit"
            used = f"{r.utilisation} % used" if r.utilisation is not None else "—"
            state = "OVERDUE" if r.overdue_review else v.get_status_display()
            self.stdout.write(f"{v.pk:>6}  {v.due_on}  {v.customer.account_number:<12} {v.customer.name[:30]:<30} "
                              f"class {r.risk_class:<3} {v.get_trigger_display():<17} {limit:>20}  {used}  "
                              f"overdue {r.overdue if r.overdue is not None else '—'}  {state}")

    def _review_schedule(self, actor: Any, o: dict[str, Any]) -> None:
        try:
            as_of = dt.date.fromisoformat(o["as_of"]) if o.get("as_of") else None
        except ValueError:
            raise CommandError(f"--as-of: '{o['as_of']}' is not a date; write YYYY-MM-DD") from None
        opened = reviews.schedule(actor=actor, as_of=as_of)
        for v in opened:
            self.stdout.write(f"{v.pk:>6}  {v.due_on}  {v.customer.account_number:<12} {v.customer.name}  "
                              f"({v.get_trigger_display()})")
        self.stdout.write(f"{len(opened)} review{'s' if len(opened) != 1 else ''} opened.")

    def _review_start(self, actor: Any, o: dict[str, Any]) -> None:
        v = reviews.open_review(actor=actor, customer=parse_customer(o["account"]), reason=o["reason"])
        self.stdout.write(f"Review {v.pk} of {v.customer.name} started, due {v.due_on}.")

    def _review_complete(self, actor: Any, o: dict[str, Any]) -> None:
        v = selectors.review(o["review_id"])
        if v is None:
            raise CommandError(f"no credit review {o['review_id']}")
        done = reviews.complete(actor=actor, review=v, outcome=o["outcome"], note=o["note"],
                                new_risk_class=o.get("risk_class"), new_limit=o.get("limit"),
                                currency=(o.get("currency") or "").upper() or None)
        self.stdout.write(f"Review {done.pk} of {done.customer.name} completed: {done.get_outcome_display()}."
                          + (f" Approval request {done.approval_id} waits for an approver." if done.approval_id
                             else ""))
