"""``credere credit``: order credit checks, the hold queue, a customer's credit picture, limits and
risk classes, the credit policy."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from credere.core.cli import add_actor_argument, resolve_actor
from credere.core.errors import BusinessError
from credere.credit import selectors
from credere.credit.models import StressScenario
from credere.credit.policy import HELP, PolicyError, policy_in_force
from credere.credit.selectors import alerts as alert_reads
from credere.credit.selectors import computed
from credere.credit.selectors.policy_preview import preview
from credere.credit.selectors.portfolio import portfolio, run_stress
from credere.credit.services import alerts, checks, commitments, cover, digest, limits, reviews, standing, stress
from credere.credit.services import policy as policy_service
from credere.credit.services.daily import daily
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
  credere credit policy --set over_limit_tolerance_pct=5 --preview --user manager
  credere credit limits --min-use 90 --user anna          # everyone over 90 % of their limit
  credere credit portfolio --user anna
  credere credit stress-save "Construction slump" --settings '{"pd_by_industry": {"F": "2"}}' --user anna
  credere credit stress-run "Construction slump" --user anna
  credere credit cover-add C1000 --kind insurance --provider "Allianz Trade" --amount 100000 --currency EUR \
      --coverage 90 --expires 2027-06-30 --note "policy 4711" --user anna
  credere credit commitment-add C1000 --kind shipped --company DE01 --reference DN-88121 --amount 8400 \
      --currency EUR --note "delivery of 28 Nov, invoice follows" --user anna
  credere credit review-schedule --user anna
  credere credit reviews --due --user anna
  credere credit review-start C1000 --reason "large new order expected" --user anna
  credere credit review-complete 12 --outcome raise --limit 150000 --note "pays on time, growing" --user anna
  credere credit alerts --user anna                       # anna's inbox: customers she owns, alerts given to her
  credere credit alert-ack 12 --note "calling them today" --user anna
  credere credit owner C1000 anna --user manager
  credere credit daily --user manager          # standings, alert rules, reviews due, digests (from a timer)
A limit is applied when an approver decides it: credere approvals. See docs/credit-control.md."""


class Command(BaseCommand):
    help = "Credit control: order checks, holds, limits, risk classes, credit reviews and the credit policy."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True,
                                    metavar="{check,holds,release,reject,customer,limit,risk-class,policy,"
                                            "limits,refresh,totals,cover,cover-add,cover-end,commitments,commitment-add,"
                                            "commitment-end,portfolio,stress-list,"
                                            "stress-save,stress-run,reviews,review-schedule,review-start,"
                                            "review-complete,alerts,alert,alert-ack,alert-assign,alert-resolve,"
                                            "alerts-run,owner,digest,daily}")

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
        p.add_argument("--as-of", metavar="YYYY-MM-DD", help="At the end of a past day (default today)")
        p = add("limit", "Ask for a credit limit (an approver decides it: credere approvals)")
        p.add_argument("account", metavar="ACCOUNT")
        p.add_argument("--amount", required=True)
        p.add_argument("--currency", required=True)
        p.add_argument("--reason", required=True)
        p.add_argument("--company", help="Only for this company (default: all companies)")
        p.add_argument("--group", action="store_true", help="A limit the corporate group shares")
        p.add_argument("--expires", metavar="YYYY-MM-DD")
        p.add_argument("--from", dest="valid_from", metavar="YYYY-MM-DD",
                       help="In force from this day (default: from the approval)")
        p = add("risk-class", "Set a customer's risk class, with a reason")
        p.add_argument("account", metavar="ACCOUNT")
        p.add_argument("risk_class", metavar="CLASS")
        p.add_argument("--reason", required=True)
        p = add("policy", "Show the credit policy, or change it with --set and --note")
        p.add_argument("--set", action="append", default=[], metavar="KEY=JSON", help="A setting and its value")
        p.add_argument("--note", default="", help="Why the policy changes (required with --set)")
        p.add_argument("--preview", action="store_true",
                       help="With --set: which of the last 1,000 decisions would change; saves nothing")
        p = add("limits", "Limits and use: exposure, use and headroom of every limit, the fullest first")
        p.add_argument("--min-use", type=int, metavar="PERCENT", help="Only limits used at least this much")
        p.add_argument("--over", action="store_true", help="Only limits exceeded")
        p.add_argument("--risk-class", default="")
        p.add_argument("--company")
        p.add_argument("--expiring", type=int, metavar="DAYS", help="Only limits expiring within DAYS (or expired)")
        p.add_argument("--sort", default="-utilisation", choices=sorted(
            [k for k in selectors.STANDING_SORTS] + [f"-{k}" for k in selectors.STANDING_SORTS]))
        p.add_argument("--limit", type=int, default=100, help="At most this many rows (default 100)")
        p.add_argument("--as-of", metavar="YYYY-MM-DD", help="At the end of a past day (default today)")
        add("refresh", "Recompute every customer's credit standing now (the daily run does it too)")
        p = add("totals", "Credit control's headline figures in the policy currency")
        p.add_argument("--as-of", metavar="YYYY-MM-DD", help="At the end of a past day (default today)")
        p = add("cover", "A customer's cover: credit insurance and securities")
        p.add_argument("account", metavar="ACCOUNT")
        p = add("cover-add", "Record credit insurance or a security for a customer")
        p.add_argument("account", metavar="ACCOUNT")
        p.add_argument("--kind", required=True, choices=["insurance", "guarantee", "letter_of_credit", "deposit"])
        p.add_argument("--provider", required=True, help="The insurer or the bank")
        p.add_argument("--reference", default="", help="Policy or document reference")
        p.add_argument("--amount", required=True, help="Insured amount, or the security's amount")
        p.add_argument("--currency", required=True)
        p.add_argument("--coverage", default="100", metavar="PERCENT", help="Insurance: the insurer's share")
        p.add_argument("--from", dest="valid_from", metavar="YYYY-MM-DD")
        p.add_argument("--expires", metavar="YYYY-MM-DD")
        p.add_argument("--note", required=True)
        p = add("cover-end", "End cover (lapsed, cancelled or released)")
        p.add_argument("cover_id", type=int, metavar="COVER")
        p.add_argument("--note", required=True)
        p = add("commitments", "A customer's commitments: goods shipped and not invoiced, and others")
        p.add_argument("account", metavar="ACCOUNT")
        p = add("commitment-add", "Record goods shipped and not invoiced, or another commitment, for a customer")
        p.add_argument("account", metavar="ACCOUNT")
        p.add_argument("--kind", required=True, choices=["shipped", "other"])
        p.add_argument("--company", required=True, help="Our company that shipped or committed")
        p.add_argument("--reference", required=True, help="The delivery note, contract or document")
        p.add_argument("--amount", required=True)
        p.add_argument("--currency", required=True)
        p.add_argument("--from", dest="valid_from", metavar="YYYY-MM-DD", help="Since when (default today)")
        p.add_argument("--note", required=True)
        p = add("commitment-end", "End a commitment (invoiced, returned or released)")
        p.add_argument("commitment_id", type=int, metavar="COMMITMENT")
        p.add_argument("--note", required=True)
        p = add("portfolio", "The credit portfolio: exposure, expected loss, concentration, by risk class")
        p.add_argument("--as-of", metavar="YYYY-MM-DD", help="At the end of a past day (default today)")
        add("stress-list", "Saved stress scenarios")
        p = add("stress-save", "Save a stress scenario (a new one, or change the one with that name)")
        p.add_argument("name", metavar="NAME")
        p.add_argument("--settings", required=True, metavar="JSON",
                       help='e.g. \'{"pd_by_industry": {"F": "2"}, "delay_days": 15, "fx_pct": {"USD": "-10"}}\'')
        p.add_argument("--description", default="")
        p = add("stress-run", "Run a saved scenario on today's portfolio: before and after")
        p.add_argument("scenario", metavar="NAME_OR_ID")
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
        p = add("alerts", "Alerts: your inbox (customers you own, alerts assigned to you) or everyone's")
        p.add_argument("--all", action="store_true", help="Everyone's alerts, not only your inbox")
        p.add_argument("--status", default="active", choices=list(alert_reads.STATUSES),
                       help="active (open or acknowledged, the default), open, acknowledged, resolved, cleared, all")
        p.add_argument("--kind", default="")
        p.add_argument("--customer", metavar="ACCOUNT")
        p.add_argument("--limit", type=int, default=100, help="At most this many rows (default 100)")
        p = add("alert", "One alert with its history")
        p.add_argument("alert_id", type=int, metavar="ALERT")
        for name, text in (("alert-ack", "Acknowledge an alert"), ("alert-resolve", "Resolve an alert")):
            p = add(name, text)
            p.add_argument("alert_id", type=int, metavar="ALERT")
            p.add_argument("--note", required=True, help="Kept with the alert")
        p = add("alert-assign", "Give an alert to a person")
        p.add_argument("alert_id", type=int, metavar="ALERT")
        p.add_argument("--to", required=True, metavar="USER")
        p.add_argument("--note", required=True, help="Kept with the alert")
        add("alerts-run", "Evaluate the alert rules for everyone now")
        p = add("owner", "Show or set who looks after a customer (their alerts reach that person)")
        p.add_argument("account", metavar="ACCOUNT")
        p.add_argument("owner", nargs="?", metavar="USER", help="The new owner; '-' for nobody; none: show")
        p = add("digest", "Send today's alert digests by e-mail (each person at most once a day)")
        p.add_argument("--dry-run", action="store_true", help="Only say who would get one")
        p = add("daily", "The daily run: standings for everyone, the alert rules, the reviews due, then the digests")
        p.add_argument("--no-mail", action="store_true", help="Do not send the digests")

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
        on = computed.as_of_day(_date(o.get("as_of"), "--as-of"))
        p = selectors.picture(customer, on, policy_currency=policy.currency,
                              default_class=policy.settings["default_risk_class"],
                              cover_kinds=policy.settings["cover_counts"],
                              commitment_kinds=policy.settings["commitment_counts"])
        cur = p.currency
        past = on != timezone.localdate()
        lines = [f"{customer.account_number} {customer.name} · risk class {p.risk_class} · {customer.status}"
                 + (f" · at the end of {on.isoformat()}" if past else ""),
                 f"  credit limit    {f'{p.limit.amount} {p.limit.currency}' if p.limit else 'none'}",
                 f"  receivables     {p.exposure.receivables} {cur}",
                 f"  open orders     {p.exposure.orders} {cur}",
                 f"  commitments     {p.exposure.commitments} {cur}",
                 f"  exposure        {p.exposure.uncovered} {cur}",
                 f"  headroom        {'—' if p.headroom is None else f'{p.headroom} {cur}'}",
                 f"  limit used      {'—' if p.utilisation is None else f'{p.utilisation} %'}",
                 f"  overdue         {p.overdue.amount} {cur} (oldest {p.overdue.oldest_days} days past due)"]
        if past:
            self.stdout.write("\n".join(lines))
            return
        o_ = selectors.outlook_of(p, policy.rules(), on)
        if o_.can_order:
            lines.append(f"  new orders      released up to {o_.up_to} {o_.currency}")
        else:
            why = " ".join(f.text for f in o_.holds) or "the limit is used up"
            lines.append(f"  new orders      wait for a credit decision: {why}")
        self.stdout.write("\n".join(lines))

    def _limit(self, actor: Any, o: dict[str, Any]) -> None:
        try:
            expires = dt.date.fromisoformat(o["expires"]) if o.get("expires") else None
        except ValueError:
            raise CommandError(f"--expires: '{o['expires']}' is not a date; write YYYY-MM-DD") from None
        req = limits.request_limit(actor=actor, customer=parse_customer(o["account"]), amount=o["amount"],
                                   currency=o["currency"].upper(), reason=o["reason"],
                                   company=parse_company(o.get("company")), for_group=o["group"],
                                   expires_on=expires, valid_from=_date(o.get("valid_from"), "--from"))
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
            if o["preview"]:
                self._preview(actor, changes)
                return
            version = policy_service.set_policy(actor=actor, settings=changes, note=o["note"])
            self.stdout.write(f"Credit policy version {version.version} is in force.")
            return
        authorize(actor, "view_credit")
        p = policy_in_force()
        self.stdout.write(f"Credit policy {'version ' + str(p.number) if p.number else '(the built-in defaults)'}")
        for key, value in p.settings.items():
            self.stdout.write(f"  {key} = {json.dumps(value)}\n      {HELP[key]}")

    def _preview(self, actor: Any, changes: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        try:
            result = preview(changes)
        except PolicyError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{len(result.flips)} of {result.checked} recent decisions would change "
                          f"({result.to_released} released instead of held, {result.to_held} held instead of "
                          f"released); nothing is saved.")
        for f in result.flips[:50]:
            row = f.key
            why = "; ".join(x.text for x in f.after.findings)
            self.stdout.write(f"  {row.order.company.code} {row.order.order_id} v{row.order_version} "
                              f"{row.order.customer.account_number}: {f.before} → {f.after.outcome}: {why}")

    def _limits(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        f = selectors.StandingFilters(
            min_utilisation=Decimal(o["min_use"]) if o["min_use"] is not None else None, over_limit=o["over"],
            risk_class=o["risk_class"], company=parse_company(o["company"]), expiring_within=o["expiring"])
        on = computed.as_of_day(_date(o.get("as_of"), "--as-of"))
        qs = computed.standings_for(f, on, policy_in_force(), sort=o["sort"])
        total = len(qs) if isinstance(qs, list) else qs.count()
        if on != timezone.localdate():
            self.stdout.write(f"At the end of {on.isoformat()} (computed from history)")
        self.stdout.write(f"{'account':<12} {'customer':<30} {'limit':<22} {'use':>8} {'headroom':>18} {'class':<5}")
        for r in qs[: max(1, o["limit"])]:
            scope = ("group " if r.for_group else "") + (r.company.code if r.company else "all")
            use = "—" if r.utilisation is None else f"{r.utilisation:.2f} %"
            headroom = "—" if r.headroom is None else f"{r.headroom:,.2f}"
            self.stdout.write(f"{r.customer.account_number:<12} {r.customer.name[:30]:<30} "
                              f"{f'{r.limit_amount:,.2f} {r.currency} {scope}'[:22]:<22} {use:>8} {headroom:>18} "
                              f"{r.risk_class:<5}" + (f"  {r.problem}" if r.problem else ""))
        self.stdout.write(f"{total} limit(s) match" + (f"; {o['limit']} shown" if total > o["limit"] else ""))

    def _refresh(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "request_limits")
        done = standing.refresh()
        self.stdout.write(f"{done.rows} standings of {done.customers} customers in {done.seconds:.1f} s"
                          + (f"; {done.problems} could not be computed (missing FX rates)" if done.problems else ""))

    def _totals(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        policy = policy_in_force()
        on = computed.as_of_day(_date(o.get("as_of"), "--as-of"))
        t = computed.totals_for(policy, on)
        cur = t.currency
        for label, value in (("limits", f"{t.limits:,.2f} {cur}"), ("exposure", f"{t.exposure:,.2f} {cur}"),
                             ("use of limits", "—" if t.utilisation is None else f"{t.utilisation} %"),
                             ("customers with a limit", t.limited), ("over 90 %", t.over_90),
                             ("over the limit", t.over_limit), ("expired limits", t.expired),
                             ("held orders", f"{t.held} ({t.held_amount:,.2f} {cur})"),
                             ("as of", t.refreshed_at.isoformat(timespec="seconds") if t.refreshed_at
                              else f"the end of {on.isoformat()} (computed from history)" if on != timezone.localdate()
                              else "never")):
            self.stdout.write(f"  {label:<24} {value}")

    def _cover(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        rows = list(selectors.covers_of(parse_customer(o["account"])))
        for c in rows:
            state = f"ended {c.ended_on}" if c.ended_on else (f"until {c.expires_on}" if c.expires_on else "open-ended")
            share = f" at {c.coverage_pct:.0f} %" if c.kind == "insurance" else ""
            self.stdout.write(f"{c.pk:>6} {c.get_kind_display():<18} {c.amount:,.2f} {c.currency}{share} · "
                              f"{c.provider} {c.reference} · from {c.valid_from} {state}")
        if not rows:
            self.stdout.write("No cover recorded.")

    def _cover_add(self, actor: Any, o: dict[str, Any]) -> None:
        def day(name: str) -> dt.date | None:
            return _date(o[name], "--" + ("from" if name == "valid_from" else name))

        c = cover.record_cover(actor=actor, customer=parse_customer(o["account"]), kind=o["kind"],
                               provider=o["provider"], reference=o["reference"], amount=o["amount"],
                               currency=o["currency"].upper(), coverage_pct=o["coverage"], note=o["note"],
                               valid_from=day("valid_from"), expires_on=day("expires"))
        self.stdout.write(f"Recorded {c.get_kind_display().lower()} {c.amount} {c.currency} (cover {c.pk}).")

    def _portfolio(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        on = computed.as_of_day(_date(o.get("as_of"), "--as-of"))
        pf = portfolio(policy_in_force(), on)
        cur = pf.currency
        when = "today" if on == timezone.localdate() else f"at the end of {on.isoformat()} (computed from history)"
        self.stdout.write(f"Portfolio {when}, {cur}: {pf.customers} customers")
        for label, value in (("exposure", pf.exposure), ("covered", pf.cover), ("uncovered", pf.ead),
                             ("limits", pf.limits), ("expected loss", pf.expected_loss)):
            self.stdout.write(f"  {label:<16} {value:>18,.2f}")
        self.stdout.write(f"  {'HHI':<16} {pf.hhi:>18,.0f}  (by corporate group; top 20 hold {pf.top20_share} %)")
        self.stdout.write(f"{'risk class':<12} {'customers':>9} {'uncovered':>18} {'expected loss':>16}")
        for s in pf.by_risk_class:
            self.stdout.write(f"{s.key:<12} {s.customers:>9} {s.ead:>18,.2f} {s.expected_loss:>16,.2f}")
        if pf.not_computed:
            self.stdout.write(f"{pf.not_computed} customers left out: an FX rate is missing")

    def _stress_list(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        for row in StressScenario.objects.all():
            self.stdout.write(f"{row.pk:>4} {row.name}{' (archived)' if row.archived else ''} · "
                              f"{json.dumps(row.settings)}")

    def _stress_save(self, actor: Any, o: dict[str, Any]) -> None:
        try:
            settings = json.loads(o["settings"])
        except json.JSONDecodeError as exc:
            raise CommandError(f"--settings: not JSON ({exc.msg})") from None
        existing = StressScenario.objects.filter(name=o["name"].strip()).first()
        row = stress.save(actor=actor, name=o["name"], description=o["description"], settings=settings,
                          scenario_id=existing.pk if existing else None)
        self.stdout.write(f"Saved stress scenario {row.pk}: {row.name}")

    def _stress_run(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        row = _scenario(o["scenario"])
        r = run_stress(policy_in_force(), timezone.localdate(), row.settings)
        cur = r.currency
        self.stdout.write(f"{row.name}, on today's portfolio ({cur}):")
        self.stdout.write(f"  {'':<22} {'before':>16} {'after':>16}")
        self.stdout.write(f"  {'uncovered exposure':<22} {r.ead_before:>16,.2f} {r.ead_after:>16,.2f}")
        self.stdout.write(f"  {'expected loss':<22} {r.el_before:>16,.2f} {r.el_after:>16,.2f}")
        for k, b, a in r.by_risk_class:
            self.stdout.write(f"    class {k:<14} {b:>16,.2f} {a:>16,.2f}")
        self.stdout.write(f"{len(r.breaches)} customer(s) would exceed their limit, {len(r.defaults)} default")
        for x in r.breaches[:20]:
            c = r.names.get(x.before.customer_id)
            self.stdout.write(f"  {c.account_number if c else x.before.customer_id:<12} "
                              f"{(c.name if c else '')[:30]:<30} limit {x.before.limit:,.2f} → {x.after.ead:,.2f}")

    def _cover_end(self, actor: Any, o: dict[str, Any]) -> None:
        c = cover.end_cover(actor=actor, cover_id=o["cover_id"], note=o["note"])
        self.stdout.write(f"Cover {c.pk} ended on {c.ended_on}.")

    def _commitments(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        rows = list(selectors.commitments_of(parse_customer(o["account"])))
        for c in rows:
            state = f"ended {c.ended_on}" if c.ended_on else "open"
            self.stdout.write(f"{c.pk:>6} {c.get_kind_display():<22} {c.amount:,.2f} {c.currency} · {c.company.code} "
                              f"{c.reference} · from {c.valid_from} {state} · {c.note}")
        if not rows:
            self.stdout.write("No commitment recorded.")

    def _commitment_add(self, actor: Any, o: dict[str, Any]) -> None:
        c, created = commitments.record_commitment(
            actor=actor, customer=parse_customer(o["account"]), company=parse_company(o["company"]), kind=o["kind"],
            reference=o["reference"], amount=o["amount"], currency=o["currency"], note=o["note"],
            valid_from=_date(o.get("valid_from"), "--from"))
        self.stdout.write(f"{'Recorded' if created else 'Already recorded'}: {c.get_kind_display().lower()} "
                          f"{c.reference} {c.amount} {c.currency} (commitment {c.pk}).")

    def _commitment_end(self, actor: Any, o: dict[str, Any]) -> None:
        c = commitments.end_commitment(actor=actor, commitment_id=o["commitment_id"], note=o["note"])
        self.stdout.write(f"Commitment {c.pk} ended on {c.ended_on}.")

    def _alerts(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        f = alert_reads.AlertFilters(mine=not o["all"], status=o["status"], kind=o["kind"],
                                     customer=parse_customer(o["customer"]) if o.get("customer") else None)
        qs = alert_reads.inbox(actor, f)
        total = qs.count()
        for a in qs[: max(1, o["limit"])]:
            who = f" → {a.assigned_to.get_username()}" if a.assigned_to else ""
            self.stdout.write(f"{a.pk:>6}  {a.severity:<6}  {a.get_status_display():<12}  {a.raised_at:%Y-%m-%d}  "
                              f"{a.customer.account_number:<12} {a.title}{who}")
        self.stdout.write(f"{total} alert(s)" + (f"; {o['limit']} shown" if total > o["limit"] else "")
                          + ("" if o["all"] else " in your inbox (--all: everyone's)"))

    def _alert(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        a = alert_reads.alert(o["alert_id"])
        if a is None:
            raise CommandError(f"no alert {o['alert_id']}")
        self.stdout.write(f"Alert {a.pk} · {alert_reads.kind_label(a.kind)} · {a.get_severity_display()} · "
                          f"{a.get_status_display()}\n  {a.title}\n  customer {a.customer.account_number} "
                          f"{a.customer.name}\n  raised {a.raised_at:%Y-%m-%d %H:%M}, last true "
                          f"{a.last_seen_at:%Y-%m-%d %H:%M}"
                          + (f"\n  assigned to {a.assigned_to.get_username()}" if a.assigned_to else ""))
        for n in a.notes.all():
            self.stdout.write(f"  {n.at:%Y-%m-%d %H:%M} {n.author.get_username()} {n.get_action_display().lower()}: "
                              f"{n.text}")

    def _print_alert(self, a: Any) -> None:
        self.stdout.write(f"Alert {a.pk}: {a.get_status_display()}"
                          + (f", assigned to {a.assigned_to.get_username()}" if a.assigned_to else "")
                          + f" · {a.title}")

    def _alert_ack(self, actor: Any, o: dict[str, Any]) -> None:
        self._print_alert(alerts.acknowledge(actor=actor, alert_id=o["alert_id"], note=o["note"]))

    def _alert_assign(self, actor: Any, o: dict[str, Any]) -> None:
        self._print_alert(alerts.assign(actor=actor, alert_id=o["alert_id"], to=o["to"], note=o["note"]))

    def _alert_resolve(self, actor: Any, o: dict[str, Any]) -> None:
        self._print_alert(alerts.resolve(actor=actor, alert_id=o["alert_id"], note=o["note"]))

    def _alerts_run(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "request_limits")
        done = alerts.run(actor=actor)
        self.stdout.write(f"{done.raised} raised, {done.still_true} still true, {done.cleared} cleared "
                          f"in {done.seconds:.1f} s")

    def _owner(self, actor: Any, o: dict[str, Any]) -> None:
        customer = parse_customer(o["account"])
        if o["owner"] is None:
            authorize(actor, "view_credit")
            row = alert_reads.owner_of(customer)
        else:
            row = alerts.set_owner(actor=actor, customer=customer, owner=None if o["owner"] == "-" else o["owner"])
        self.stdout.write(f"{customer.account_number} {customer.name}: "
                          + (f"looked after by {row.owner.get_username()} (set by {row.set_by})" if row else
                             "nobody looks after it"))

    def _print_digests(self, sent: list[Any], dry_run: bool) -> None:
        for d in sent:
            state = "would send" if dry_run else "sent" if d.sent else "already sent today"
            self.stdout.write(f"  {d.username:<16} {d.email:<30} {d.count:>5} alert(s)  {state}")
        self.stdout.write(f"{sum(1 for d in sent if d.sent)} digest(s) sent" if not dry_run else
                          f"{len(sent)} digest(s) would be sent")

    def _digest(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "request_limits")
        self._print_digests(digest.send_digests(dry_run=o["dry_run"]), o["dry_run"])

    def _daily(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "request_limits")
        done = daily(send=not o["no_mail"], actor=actor)
        self.stdout.write(f"standings: {done.standings.rows} of {done.standings.customers} customers in "
                          f"{done.standings.seconds:.1f} s\nalerts: {done.alerts.raised} raised, "
                          f"{done.alerts.still_true} still true, {done.alerts.cleared} cleared in "
                          f"{done.alerts.seconds:.1f} s\nreviews: {done.reviews_opened} opened")
        self._print_digests(done.digests, o["no_mail"])


    def _reviews(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        policy = policy_in_force()
        rows = selectors.reviews(selectors.ReviewFilters(status="" if o["all"] else "open", overdue=o["due"]),
                                 on=timezone.localdate(), policy_currency=policy.currency,
                                 default_class=policy.settings["default_risk_class"],
                             cover_kinds=policy.settings["cover_counts"],
                             commitment_kinds=policy.settings["commitment_counts"])
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


def _date(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: '{value}' is not a date; write YYYY-MM-DD") from None


def _scenario(ref: str) -> StressScenario:
    row = (StressScenario.objects.filter(pk=int(ref)).first() if ref.isdigit() else None) or \
        StressScenario.objects.filter(name=ref).first()
    if row is None:
        raise CommandError(f"no stress scenario '{ref}' (give its name or id: credere credit stress-list)")
    return row
