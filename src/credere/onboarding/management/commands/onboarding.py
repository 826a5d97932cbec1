"""``credere onboarding``: credit applications (the queue, one application, invitations, a credit analyst's
actions), sanctions lists and screening, the onboarding policy (with its preview), and reproducing a decision."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from credere.core.cli import add_actor_argument, resolve_actor
from credere.core.errors import BusinessError
from credere.domain.onboarding.rules import RuleError
from credere.identity.authz import NotAllowed, authorize
from credere.ledger.params import parse_company, parse_customer
from credere.onboarding.models import CreditApplication, Decision
from credere.onboarding.policy import FACTS, HELP, policy_in_force
from credere.onboarding.selectors import applications as reads
from credere.onboarding.selectors.policy_preview import preview, reproduce, test_rule
from credere.onboarding.services import applications as service
from credere.onboarding.services import decisions, screening
from credere.onboarding.services import policy as policy_service

EPILOG = """examples:
  credere onboarding applications --user anna                 # the queue: applications to decide
  credere onboarding show APP-2026-00042 --user anna
  credere onboarding invite --company DE01 --name "Lumen Optik AG" --email buyer@lumen.example --language de --user anna
  credere onboarding propose APP-2026-00042 --limit 120000 --terms 30 --class B --note "good references" --user anna
  credere onboarding decline APP-2026-00042 --note "losses in each of the last three years" --user anna
  credere onboarding ask APP-2026-00042 --question "Please send the 2025 audited accounts." --user anna
  credere onboarding sanctions-import eu-fsf.xml --user manager        # EU, OFAC (XML/CSV), UK, UN formats
  credere onboarding screen APP-2026-00042 --user anna
  credere onboarding policy --user manager                             # the policy in force
  credere onboarding policy --set 'limit_step="5000"' --preview --user manager
  credere onboarding policy --set 'limit_step="5000"' --note "rounder limits" --user manager
  credere onboarding rule-test "score >= 65 and years_in_business >= 2" APP-2026-00042 --user anna
  credere onboarding reproduce 812 --user auditor                      # a decision under its own versions
See docs/onboarding.md."""


class Command(BaseCommand):
    help = "Credit applications, sanctions screening and the onboarding policy."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True,
                                    metavar="{applications,show,invite,propose,decline,ask,sanctions-import,screen,"
                                            "policy,rule-test,reproduce}")

        def add(name: str, text: str) -> Any:
            p = sub.add_parser(name, help=text, description=text, epilog=EPILOG,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
            add_actor_argument(p)
            return p

        p = add("applications", "The queue: applications by status (default: those to decide), the earliest due first")
        p.add_argument("--status", default="open", help="open (to decide), all, or a status")
        p.add_argument("--json", action="store_true")
        p = add("show", "One application: answers, assessment, reasons, decisions, history")
        p.add_argument("reference")
        p = add("invite", "A personal application link for a prospect (e-mailed when --email is given)")
        p.add_argument("--company", required=True)
        p.add_argument("--name", default="", help="the company invited")
        p.add_argument("--email", default="")
        p.add_argument("--contact", default="")
        p.add_argument("--language", default="en")
        p.add_argument("--customer", default="", help="an existing customer's account number: a limit increase")
        p = add("propose", "Propose an application for approval (the approval matrix routes it; four eyes)")
        p.add_argument("reference")
        p.add_argument("--limit", required=True)
        p.add_argument("--terms", type=int, required=True, help="payment terms in days (0: in advance)")
        p.add_argument("--class", dest="risk_class", required=True)
        p.add_argument("--note", required=True)
        p = add("decline", "Decline an application, saying why")
        p.add_argument("reference")
        p.add_argument("--note", required=True)
        p = add("ask", "Ask the applicant for more information (e-mailed with their link)")
        p.add_argument("reference")
        p.add_argument("--question", required=True)
        p = add("sanctions-import", "Import a sanctions list file; it replaces the list of the same source")
        p.add_argument("file", type=Path)
        p.add_argument("--name", default="")
        p = add("screen", "Screen an application's names again against the lists in force")
        p.add_argument("reference")
        p = add("policy", "Show the onboarding policy, preview a change against the last 100 applications, or save it")
        p.add_argument("--set", action="append", default=[], metavar="KEY=JSON")
        p.add_argument("--preview", action="store_true")
        p.add_argument("--note", default="")
        p.add_argument("--effective-from", default="", metavar="ISO_DATETIME",
                       help="the moment the new version comes into force (default: now)")
        p = add("rule-test", "Whether a rule's condition holds for an application, with the facts it reads")
        p.add_argument("when")
        p.add_argument("reference")
        p = add("reproduce", "Assess a decision's application again under the policy version the decision used")
        p.add_argument("decision", type=int)

    def handle(self, *args: Any, **o: Any) -> None:
        actor = resolve_actor(o)
        try:
            getattr(self, "_" + o["action"].replace("-", "_"))(actor, o)
        except (BusinessError, NotAllowed, RuleError) as exc:
            raise CommandError(str(exc)) from None

    def _app(self, reference: str) -> CreditApplication:
        application = CreditApplication.objects.select_related("company", "customer").filter(
            reference=reference.strip().upper()).first()
        if application is None:
            raise CommandError(f"no application {reference}")
        return application

    def _applications(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        rows = list(reads.queue(reads.QueueFilters(status=o["status"]))[:500])
        if o["json"]:
            self.stdout.write(json.dumps([{"reference": a.reference, "legal_name": a.legal_name, "status": a.status,
                                           "score": a.score, "risk_class": a.risk_class,
                                           "requested_limit": str(a.requested_limit), "currency": a.currency,
                                           "due_at": a.due_at.isoformat() if a.due_at else None} for a in rows],
                                         indent=2))
            return
        if not rows:
            self.stdout.write("No application matches.")
            return
        for a in rows:
            self.stdout.write(f"{a.reference}  {a.legal_name[:40]:<40}  {a.get_status_display():<26}  "
                              f"score {a.score if a.score is not None else '—':>3}  class {a.risk_class or '—':<2}  "
                              f"asks {a.requested_limit or 0:>14,.2f} {a.currency}"
                              + (f"  decide by {a.due_at:%Y-%m-%d %H:%M}" if a.due_at else ""))

    def _show(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        a = self._app(o["reference"])
        self.stdout.write(f"{a.reference} {a.legal_name} — {a.get_status_display()} ({a.get_kind_display()}, "
                          f"{a.company.code})")
        self.stdout.write(f"asks {a.requested_limit or 0:,.2f} {a.currency}; received {a.submitted_at or '—'}")
        if a.status != CreditApplication.Status.DRAFT:
            assessed = decisions.assess(a)
            s = assessed.assessment
            self.stdout.write(f"score {s.score}/100, class {s.risk_class}, recommended {s.recommended_limit:,.2f} "
                              f"{a.currency} on {s.recommended_terms_days} days")
            for c in s.components:
                self.stdout.write(f"  {c.label:<38} {c.points:>3}/{c.maximum:<3} {c.text}")
            self.stdout.write(f"rules: {assessed.outcome.outcome} — " + "; ".join(assessed.outcome.reasons))
            if assessed.analysis:
                p = assessed.analysis.prediction
                self.stdout.write(f"default model: PD {p.pd * 100:.2f} % ({p.model_version})")
                for f in p.top(5):
                    self.stdout.write(f"  • {f.words}")
                self.stdout.write(assessed.analysis.altman.explanation)
        for d in a.decisions.all():
            self.stdout.write(f"decision {d.pk}: {d.at:%Y-%m-%d %H:%M} {d.decided_by} {d.get_outcome_display()} — "
                              f"{d.limit:,.2f} {d.currency}, {d.terms_days} days, class {d.risk_class}")
        for e in a.events.all():
            self.stdout.write(f"  {e.at:%Y-%m-%d %H:%M} {e.actor}: {e.text}")

    def _invite(self, actor: Any, o: dict[str, Any]) -> None:
        company = parse_company(o["company"])
        if company is None:
            raise CommandError("--company: give our company's code")
        customer = parse_customer(o["customer"], "customer") if o["customer"] else None
        invitation, token = service.invite(actor=actor, company=company, prospect_name=o["name"], email=o["email"],
                                           contact_name=o["contact"], language=o["language"], customer=customer)
        url = settings.CREDERE_BASE_URL + reverse("apply-invitation", args=[token])
        if invitation.email:
            from credere.onboarding.services.mail import send_invitation

            sent = send_invitation(invitation, url)
            self.stdout.write(f"sent to {invitation.email}" if sent else "not sent (mail server?)")
        self.stdout.write(url)

    def _propose(self, actor: Any, o: dict[str, Any]) -> None:
        a = self._app(o["reference"])
        request = decisions.propose(actor=actor, application_id=a.pk, limit=o["limit"], terms_days=o["terms"],
                                    risk_class=o["risk_class"], note=o["note"])
        self.stdout.write(f"approval request {request.pk}: {request.summary} (needs {request.required_role})")

    def _decline(self, actor: Any, o: dict[str, Any]) -> None:
        a = decisions.decline(actor=actor, application_id=self._app(o["reference"]).pk, note=o["note"])
        self.stdout.write(f"{a.reference} declined")

    def _ask(self, actor: Any, o: dict[str, Any]) -> None:
        a = decisions.request_information(actor=actor, application_id=self._app(o["reference"]).pk,
                                          question=o["question"])
        self.stdout.write(f"{a.reference}: question sent to the applicant")

    def _sanctions_import(self, actor: Any, o: dict[str, Any]) -> None:
        try:
            content = o["file"].read_bytes()
        except OSError as exc:
            raise CommandError(f"{o['file']}: {exc.strerror}") from None
        row = screening.import_list(actor=actor, content=content, name=o["name"])
        self.stdout.write(f"{row.name}: {row.entries_count:,} entries (published {row.published or 'not given'})")

    def _screen(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "request_limits")
        found = screening.screen_application(self._app(o["reference"]), actor=actor)
        self.stdout.write(f"{found} possible match{'es' if found != 1 else ''} to review")

    def _policy(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        changes: dict[str, Any] = {}
        for item in o["set"]:
            key, _, text = item.partition("=")
            if key not in HELP:
                raise CommandError(f"--set {key}: not a setting (one of {', '.join(HELP)})")
            try:
                changes[key] = json.loads(text)
            except ValueError:
                raise CommandError(f"--set {key}: the value is JSON, e.g. {key}='\"5000\"' or a list/object") \
                    from None
        if not changes:
            p = policy_in_force()
            self.stdout.write(f"onboarding policy {'version ' + str(p.version) if p.version else '(defaults)'}")
            self.stdout.write(json.dumps(p.settings, indent=2))
            self.stdout.write("facts a rule can use: " + ", ".join(FACTS))
            return
        if o["preview"]:
            result = preview(changes)
            self.stdout.write(f"{result.assessed} applications assessed, {len(result.changes)} would change")
            for c in result.changes:
                self.stdout.write(f"  {c.application.reference} {c.application.legal_name[:30]}: "
                                  + ", ".join(f"{k} {c.before[k]} → {c.after[k]}" for k in c.before
                                              if c.before[k] != c.after[k]))
            return
        effective = None
        if o["effective_from"]:
            from django.utils.dateparse import parse_datetime

            effective = parse_datetime(o["effective_from"])
            if effective is None:
                raise CommandError(f"--effective-from: '{o['effective_from']}' is not a date and time "
                                   "(2027-01-01T00:00:00+01:00)")
            if effective.tzinfo is None:
                from django.utils import timezone

                effective = timezone.make_aware(effective)
        version = policy_service.set_policy(actor=actor, settings=changes, note=o["note"], effective_from=effective)
        self.stdout.write(f"onboarding policy version {version.version} in force from {version.effective_from:%Y-%m-%d %H:%M}")

    def _rule_test(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        holds, facts = test_rule(o["when"], self._app(o["reference"]))
        self.stdout.write(f"{'holds' if holds else 'does not hold'} for {o['reference']}")
        for key, value in facts.items():
            self.stdout.write(f"  {key} = {value}")

    def _reproduce(self, actor: Any, o: dict[str, Any]) -> None:
        authorize(actor, "view_credit")
        decision = Decision.objects.select_related("application").filter(pk=o["decision"]).first()
        if decision is None:
            raise CommandError(f"no decision {o['decision']}")
        r = reproduce(decision)
        self.stdout.write(f"decision {decision.pk} ({decision.at:%Y-%m-%d}, policy "
                          f"{decision.policy_version or 'defaults'}, model {decision.model_version or '—'}): "
                          f"{decision.get_outcome_display()}, score {decision.score}, class {decision.risk_class}, "
                          f"{decision.limit:,.2f} {decision.currency}")
        self.stdout.write(f"again: {r.outcome}, score {r.score}, class {r.risk_class}, {r.limit:,.2f}; "
                          f"inputs {'unchanged' if r.same_inputs else 'CHANGED since'}; "
                          f"{'the same' if r.matches else 'DIFFERENT'}")
        if not r.matches:
            raise CommandError("the decision does not reproduce")
