"""Assessing and deciding applications: the facts, the scorecard, the decision rules; the automatic decision
on submission; a person's proposal through the approval matrix; approval (the customer in the ledger with its
limit, risk class and terms) and decline. Every assessment is stored with its inputs and versions."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from credere.approvals.services import file_request
from credere.audit.services import actor_name, record, snapshot
from credere.core.errors import BusinessError, Conflict
from credere.credit.policy import policy_in_force as credit_policy
from credere.credit.selectors import paid_items
from credere.credit.services.limits import assign_risk_class, grant_limit
from credere.domain.credit.reviews import average_days_late
from credere.domain.financials import Statement, statement
from credere.domain.money import quantize
from credere.domain.onboarding import rules as decision_rules
from credere.domain.onboarding.scorecard import Assessment, Facts, score
from credere.identity.authz import authorize
from credere.ledger.models import Customer, PaymentTerms
from credere.ledger.services.fx import convert
from credere.ledger.services.master_data import plan_customer
from credere.ledger.services.validation import field_error
from credere.onboarding import answers as questions
from credere.onboarding.models import ApplicationEvent, CreditApplication, Decision
from credere.onboarding.policy import FACTS, Policy, policy_in_force
from credere.onboarding.selectors.financials import Analysis, analyse

KIND = "credit_application"
SYSTEM = "Credere"


@dataclass(frozen=True)
class Assessed:
    facts: dict[str, Any]  # what the rules read (amounts in the policy currency)
    assessment: Assessment  # amounts in the application's currency
    analysis: Analysis | None
    outcome: decision_rules.Outcome
    policy: Policy


def statements_of(application: CreditApplication) -> list[Statement]:
    return [statement(values) for values in (application.statements or {}).get("years", [])]


def _identity(answers: dict[str, Any]) -> list[str]:
    """What is wrong with the identifiers given (the answers' checks, run again now)."""
    checked, errors = questions.check(answers, final=False)
    labels = {"registration_number": "Registration number", "vat_id": "VAT number", "lei": "LEI", "iban": "IBAN",
              "bic": "BIC"}
    return [f"{labels[k]}: {errors[k]}" for k in labels if k in errors]


def assess(application: CreditApplication, policy: Policy | None = None, *, on: dt.date | None = None) -> Assessed:
    """Everything the decision looks at, worked out as of ``on`` (today by default; nothing is stored)."""
    from credere.onboarding.services.applications import full_answers

    on = on or timezone.localdate()

    def _money(amount: Decimal | None, from_currency: str, to_currency: str) -> Decimal | None:
        if amount is None:
            return None
        return convert(amount=amount, from_currency=from_currency, to_currency=to_currency, on=on)

    policy = policy or policy_in_force()
    answers = full_answers(application)
    currency = application.currency or policy.currency
    statements = statements_of(application)
    analysis = analyse(statements, currency=application.statements["currency"]) if statements else None
    latest = analysis.statements[0] if analysis else None
    st_currency = analysis.currency if analysis else currency

    def in_app(amount: Decimal | None) -> Decimal | None:
        return _money(amount, st_currency, currency)

    def in_policy(amount: Decimal | None, source: str) -> Decimal | None:
        return _money(amount, source, policy.currency)

    # a new customer's application stays "new" after approval created the customer (decisions reproduce)
    existing = application.kind == CreditApplication.Kind.INCREASE and application.customer is not None
    days_late = None
    if existing and application.customer is not None:
        days_late = average_days_late(paid_items(application.customer, on - dt.timedelta(days=365), on))
    from credere.onboarding.services import enrichment

    enriched = enrichment.facts(application)
    identity_problems = _identity(answers)
    if enriched["vat_registered"] is False:
        identity_problems.append("VIES: the VAT number is not registered")
    monthly = Decimal(answers["expected_monthly_volume"]) if answers.get("expected_monthly_volume") else None
    years = answers.get("years_in_business")
    facts_in = Facts(
        currency=currency, requested_limit=application.requested_limit or Decimal(0),
        requested_terms_days=int(str(answers.get("requested_terms_days") or 0)), expected_monthly_volume=monthly,
        pd=analysis.prediction.pd if analysis else None,
        equity=in_app(latest.equity) if latest else None,
        working_capital=in_app(latest.working_capital) if latest else None,
        years_in_business=int(str(years)) if str(years or "").isdigit() else None,
        trade_references=questions.good_references(answers), country=application.country,
        industry_section=questions.industry_section(answers), identity_ok=not identity_problems,
        identity_problems=tuple(identity_problems), days_late_avg=days_late, existing_customer=existing,
        bureau_score=enriched["bureau_score"], bureau_negative_events=enriched["bureau_negative_events"])
    assessment = score(facts_in, policy.settings)
    facts: dict[str, Any] = {
        "score": assessment.score, "risk_class": assessment.risk_class,
        "pd_pct": Decimal(str(round(analysis.prediction.pd * 100, 4))) if analysis else None,
        "altman_z": (analysis.altman.score.quantize(Decimal("0.01")) if analysis and analysis.altman.score is not None
                     else None),
        "altman_zone": analysis.altman.zone if analysis else "",
        "statements_years": len(statements),
        "equity": in_policy(latest.equity, st_currency) if latest else None,
        "sales": in_policy(latest.sales, st_currency) if latest else None,
        "net_profit": in_policy(latest.net_profit, st_currency) if latest else None,
        "requested_limit": in_policy(facts_in.requested_limit, currency),
        "recommended_limit": in_policy(assessment.recommended_limit, currency),
        "requested_terms_days": facts_in.requested_terms_days,
        "recommended_terms_days": assessment.recommended_terms_days,
        "expected_monthly_volume": in_policy(monthly, currency),
        "years_in_business": facts_in.years_in_business, "trade_references": facts_in.trade_references,
        "country": application.country, "industry_section": facts_in.industry_section,
        "legal_form": str(answers.get("legal_form") or ""), "identity_ok": facts_in.identity_ok,
        "sanctions_hits": application.sanctions_hits, "existing_customer": existing, "days_late_avg": days_late,
        "vat_registered": enriched["vat_registered"], "lei_status": enriched["lei_status"],
        "bureau_score": enriched["bureau_score"], "bureau_rating": enriched["bureau_rating"],
        "bureau_negative_events": enriched["bureau_negative_events"],
    }
    outcome = decision_rules.decide(policy.rules, facts, known=list(FACTS))
    return Assessed(facts=facts, assessment=assessment, analysis=analysis, outcome=outcome, policy=policy)


def _jsonable(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in facts.items()}


def inputs_hash(application: CreditApplication) -> str:
    from credere.onboarding.services.applications import full_answers

    blob = json.dumps({"answers": full_answers(application), "statements": application.statements},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _store(application: CreditApplication, assessed: Assessed, *, automatic: bool, by: str, outcome: str,
           limit: Decimal, terms: int, risk_class: str, note: str = "") -> Decision:
    a = assessed.assessment
    decision = Decision.objects.create(
        application=application, automatic=automatic, decided_by=by, outcome=outcome, score=a.score,
        risk_class=risk_class, pd=assessed.analysis.prediction.pd if assessed.analysis else None, limit=limit,
        currency=application.currency, terms_days=terms, reasons=a.reasons,
        rules=[{"rule": f.rule, "outcome": f.outcome, "reason": f.reason} for f in assessed.outcome.fired],
        explanation=assessed.analysis.prediction.as_dict() if assessed.analysis else {},
        facts={**_jsonable(assessed.facts), "limit_basis": a.limit_basis, "terms_basis": a.terms_basis,
               "decision_reasons": list(assessed.outcome.reasons)},
        inputs_sha256=inputs_hash(application),
        model_version=assessed.analysis.prediction.model_version if assessed.analysis else "",
        policy_version=assessed.policy.version, note=note[:1000])
    application.score, application.risk_class = a.score, risk_class
    application.pd = decision.pd
    application.recommended_limit, application.recommended_terms_days = a.recommended_limit, a.recommended_terms_days
    return decision


def decide_automatically(application: CreditApplication) -> Decision:
    """On submission: assess, then approve, decline or refer as the rules say (a sanctions match refers)."""
    from credere.onboarding.services import enrichment, mail, screening

    enrichment.enrich(application)
    screening.screen_application(application)
    application.refresh_from_db()
    assessed = assess(application)
    a, outcome = assessed.assessment, assessed.outcome.outcome
    with transaction.atomic():
        application = CreditApplication.objects.select_for_update().get(pk=application.pk)
        decision = _store(application, assessed, automatic=True, by=SYSTEM, outcome=outcome,
                          limit=a.recommended_limit, terms=a.recommended_terms_days, risk_class=a.risk_class)
        reasons = "; ".join(assessed.outcome.reasons)
        if outcome == "approve":
            _approve(application, decision, actor=None, approval_id=None)
        elif outcome == "decline":
            _decline(application, actor=None, note=reasons)
        else:
            application.status = CreditApplication.Status.IN_REVIEW
            application.due_at = timezone.now() + dt.timedelta(
                hours=int(assessed.policy.settings["decision_sla_hours"]))
            application.save()
            ApplicationEvent.objects.create(application=application, actor=SYSTEM, kind="referred",
                                            text=f"Referred to a credit analyst: {reasons}")
            ApplicationEvent.objects.create(application=application, actor=SYSTEM, kind="in_review", public=True,
                                            text="Your application is being reviewed by our credit team")
        record(actor=None, action=f"application.auto_{outcome}", obj=application,
               after={"decision": decision.pk, "score": a.score, "risk_class": a.risk_class,
                      "limit": str(a.recommended_limit), "terms_days": a.recommended_terms_days},
               reason=reasons[:500])
    if outcome in ("approve", "decline"):
        transaction.on_commit(lambda: mail.send_decision(application.pk))
    return decision


def _account_number(application: CreditApplication, policy: Policy) -> str:
    prefix = str(policy.settings["account_prefix"])
    number = f"{prefix}{application.pk:06d}"
    suffix = 0
    while Customer.objects.filter(account_number=number).exists():
        suffix += 1
        number = f"{prefix}{application.pk:06d}-{suffix}"
    return number


def _terms(days: int, actor: Any) -> PaymentTerms:
    code = "PREPAY" if days == 0 else f"NET{days}"
    terms = PaymentTerms.objects.filter(code=code).first()
    if terms is None:
        terms = PaymentTerms.objects.create(code=code, net_days=days,
                                            description="Payment in advance" if days == 0 else f"{days} days net")
        record(actor=actor, action="terms.created", obj=terms, after=snapshot(terms),
               reason="payment terms of an approved credit application")
    return terms


def _approve(application: CreditApplication, decision: Decision, *, actor: Any, approval_id: int | None) -> None:
    """The customer in the ledger (created or updated) with its limit, risk class and terms. In a transaction."""
    from credere.onboarding.services.applications import full_answers

    answers = full_answers(application)
    policy = policy_in_force()
    terms = _terms(decision.terms_days, actor)
    reason = f"credit application {application.reference} approved"
    fields: dict[str, Any] = {"country": application.country, "industry_code": str(answers.get("industry_code") or ""),
              "language": application.language, "registration_id": str(answers.get("registration_number") or ""),
              "tax_id": str(answers.get("vat_id") or "")}
    if application.customer is None:
        customer, outcome, _before = plan_customer(account_number=_account_number(application, policy),
                                                   name=application.legal_name, payment_terms=terms.code, **fields)
        customer.save()
        record(actor=actor, action="customer.created", obj=customer, after=snapshot(customer), reason=reason)
        application.customer = customer
    else:
        customer = application.customer
        before = snapshot(customer)
        customer.payment_terms = terms
        customer.save(update_fields=["payment_terms", "updated_at"])
        record(actor=actor, action="customer.updated", obj=customer, before=before, after=snapshot(customer),
               reason=reason)
    assign_risk_class(actor=actor, customer=customer, risk_class=decision.risk_class, reason=reason)
    # the customer's limit across our companies, as credit control's limits are by default
    grant_limit(actor=actor, customer=customer, currency=decision.currency, amount=decision.limit,
                approval_id=approval_id, reason=reason)
    application.status = CreditApplication.Status.APPROVED
    application.decided_at = timezone.now()
    application.save()
    ApplicationEvent.objects.create(
        application=application, actor=actor_name(actor) if actor else SYSTEM, kind="approved", public=True,
        text=f"Approved: credit limit {decision.limit:,.2f} {decision.currency}, "
             + ("payment in advance" if decision.terms_days == 0 else f"payment within {decision.terms_days} days"),
        data={"decision": decision.pk, "customer": customer.account_number})


def _decline(application: CreditApplication, *, actor: Any, note: str) -> None:
    application.status = CreditApplication.Status.DECLINED
    application.decided_at = timezone.now()
    application.save()
    ApplicationEvent.objects.create(application=application, actor=actor_name(actor) if actor else SYSTEM,
                                    kind="declined", text=f"Declined: {note}")
    ApplicationEvent.objects.create(application=application, actor=SYSTEM, kind="declined", public=True,
                                    text="We cannot offer you credit terms at present. We can still supply you "
                                         "against payment in advance.")


def _open(application_id: int, *statuses: str) -> CreditApplication:
    application = CreditApplication.objects.select_for_update().filter(pk=application_id).first()
    if application is None:
        raise BusinessError(f"no application {application_id}", code="not_found", status=404)
    if statuses and application.status not in statuses:
        raise Conflict(f"the application is {application.get_status_display().lower()}", code="status")
    return application


REVIEWABLE = (CreditApplication.Status.IN_REVIEW, CreditApplication.Status.INFO_REQUESTED)


def propose(*, actor: Any, application_id: int, limit: Any, terms_days: int, risk_class: str, note: str) -> Any:
    """A credit analyst's proposal to approve, filed with the approval matrix (authority by amount and class,
    four eyes: the proposer never approves)."""
    authorize(actor, "request_limits")
    policy = policy_in_force()
    if risk_class not in policy.risk_classes:
        raise field_error("risk_class", f"one of {', '.join(policy.risk_classes)}")
    if not (note or "").strip():
        raise field_error("note", "say why (the approver reads it)")
    if not 0 <= int(terms_days) <= 365:
        raise field_error("terms_days", "from 0 to 365")
    with transaction.atomic():
        application = _open(application_id, *REVIEWABLE)
        try:
            amount = quantize(Decimal(str(limit)), application.currency)
        except Exception:
            raise field_error("limit", "not an amount") \
                from None
        if amount < 0:
            raise field_error("limit", "cannot be negative")
        assessed = assess(application, policy)
        decision = _store(application, assessed, automatic=False, by=actor_name(actor), outcome="approve",
                          limit=amount, terms=int(terms_days), risk_class=risk_class, note=note)
        matrix_currency = credit_policy().currency
        routed = convert(amount=amount, from_currency=application.currency, to_currency=matrix_currency,
                         on=timezone.localdate())
        request = file_request(
            actor=actor, kind=KIND, subject_type="onboarding.creditapplication", subject_id=str(application.pk),
            summary=f"Credit application {application.reference} {application.legal_name}: limit {amount:,.2f} "
                    f"{application.currency}, class {risk_class}, "
                    + ("payment in advance" if int(terms_days) == 0 else f"{int(terms_days)} days"),
            amount=routed, currency=matrix_currency, risk_class=risk_class,
            payload={"application": application.pk, "decision": decision.pk},
            facts={"score": assessed.assessment.score, "pd": decision.pd, "recommended_limit":
                   str(assessed.assessment.recommended_limit), "currency": application.currency},
            reason=note)
        application.status = CreditApplication.Status.AWAITING_APPROVAL
        application.approval_request_id = request.pk
        application.save()
        ApplicationEvent.objects.create(application=application, actor=actor_name(actor), kind="proposed",
                                        text=f"Proposed for approval: {request.summary}. {note}",
                                        data={"approval_request": request.pk, "decision": decision.pk})
        record(actor=actor, action="application.proposed", obj=application,
               after={"decision": decision.pk, "approval_request": request.pk}, reason=note[:500])
    return request


def apply_approved(request: Any, actor: Any) -> None:
    """What approving an application's request does (in the approval's transaction)."""
    from credere.onboarding.services import mail

    application = _open(int(request.payload["application"]), CreditApplication.Status.AWAITING_APPROVAL)
    decision = Decision.objects.get(pk=request.payload["decision"])
    _approve(application, decision, actor=actor, approval_id=request.pk)
    record(actor=actor, action="application.approved", obj=application,
           after={"decision": decision.pk, "customer": application.customer.account_number
                  if application.customer else None}, reason=request.decision_note or request.reason)
    transaction.on_commit(lambda: mail.send_decision(application.pk))


def on_rejected(request: Any, actor: Any) -> None:
    """The approver said no (or the proposer withdrew): the application is back in review."""
    application = _open(int(request.payload["application"]))
    if application.status != CreditApplication.Status.AWAITING_APPROVAL:
        return
    application.status = CreditApplication.Status.IN_REVIEW
    application.approval_request_id = None
    application.save()
    ApplicationEvent.objects.create(application=application, actor=actor_name(actor), kind="not_approved",
                                    text=f"Not approved: {request.decision_note or 'withdrawn'}")


def decline(*, actor: Any, application_id: int, note: str) -> CreditApplication:
    authorize(actor, "request_limits")
    if not (note or "").strip():
        raise field_error("note", "say why (kept with the decision)")
    from credere.onboarding.services import mail

    with transaction.atomic():
        application = _open(application_id, *REVIEWABLE)
        assessed = assess(application)
        _store(application, assessed, automatic=False, by=actor_name(actor), outcome="decline", limit=Decimal(0),
               terms=0, risk_class=assessed.assessment.risk_class, note=note)
        before = snapshot(application)
        _decline(application, actor=actor, note=note.strip())
        record(actor=actor, action="application.declined", obj=application, before=before,
               after=snapshot(application), reason=note.strip()[:500])
    transaction.on_commit(lambda: mail.send_decision(application.pk))
    return application


def request_information(*, actor: Any, application_id: int, question: str) -> CreditApplication:
    """Ask the applicant: they get an e-mail with a fresh link to answer and upload."""
    from credere.onboarding.services import mail

    authorize(actor, "request_limits")
    if not (question or "").strip():
        raise field_error("question", "write what you need")
    with transaction.atomic():
        application = _open(application_id, *REVIEWABLE)
        application.status = CreditApplication.Status.INFO_REQUESTED
        application.save(update_fields=["status", "updated_at"])
        ApplicationEvent.objects.create(application=application, actor=actor_name(actor), kind="question",
                                        text=question.strip(), public=True)
        record(actor=actor, action="application.info_requested", obj=application, reason=question.strip()[:500])
        transaction.on_commit(lambda: mail.send_question(application.pk, question.strip()))
    return application


def comment(*, actor: Any, application_id: int, text: str) -> None:
    authorize(actor, "view_credit")
    if not (text or "").strip():
        raise field_error("text", "write the comment")
    with transaction.atomic():
        application = _open(application_id)
        ApplicationEvent.objects.create(application=application, actor=actor_name(actor), kind="comment",
                                        text=text.strip())


def assign(*, actor: Any, application_id: int, to: Any) -> None:
    authorize(actor, "request_limits")
    with transaction.atomic():
        application = _open(application_id)
        application.assigned_to = to
        application.save(update_fields=["assigned_to", "updated_at"])
        ApplicationEvent.objects.create(application=application, actor=actor_name(actor), kind="assigned",
                                        text=f"Given to {to.get_username() if to else 'nobody'}")
