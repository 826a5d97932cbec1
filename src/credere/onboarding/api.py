"""Onboarding over the API (``/api/v1/onboarding``).

* ``POST /applications`` — an integration (a web shop, a CRM) sends a complete application (answers and
  statements) on the applicant's behalf: it is checked, screened, scored and decided at once; the answer is
  the decision with its reasons and the applicant's status link. Field errors name the field
  (``answers.vat_id``, ``statements.0.sales``).
* ``GET /applications`` (``?status=open|all|<status>``), ``GET /applications/{reference}`` — the queue and one
  application with its assessment and decisions.
* ``POST /applications/{reference}/propose|decline|ask`` — a credit analyst's actions (as on the page).
* ``POST /invitations`` — a personal link for a prospect.
* ``POST /financial-analysis`` — statements in, ratios, Altman Z'' and the default model's PD with reasons out.
* ``GET /policy``, ``PUT /policy``, ``POST /policy/preview`` — the onboarding policy, a change, its preview.
* ``POST /sanctions-lists`` — import a list file (EU, OFAC, UK, UN formats).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from credere.core.api import acting_user
from credere.core.errors import BusinessError
from credere.domain.financials import StatementError, statement
from credere.identity.authz import authorize
from credere.ledger.params import parse_company, parse_customer
from credere.ledger.services.validation import field_error
from credere.onboarding import answers as questions
from credere.onboarding.models import CreditApplication, Decision
from credere.onboarding.policy import FACTS, HELP, policy_in_force
from credere.onboarding.selectors import applications as reads
from credere.onboarding.selectors.financials import analyse
from credere.onboarding.selectors.policy_preview import preview
from credere.onboarding.services import applications as service
from credere.onboarding.services import decisions as decision_service
from credere.onboarding.services import policy as policy_service
from credere.onboarding.services import screening

router = Router(tags=["onboarding"])


class ApplicationIn(Schema):
    company: str
    language: str = "en"
    customer: str | None = None  # an existing customer's account number: a limit increase
    answers: dict[str, Any]
    statements_currency: str | None = None
    statements: list[dict[str, Any]] = []


class StatementsIn(Schema):
    currency: str
    statements: list[dict[str, Any]]


class ProposeIn(Schema):
    limit: str
    terms_days: int
    risk_class: str
    note: str


class NoteIn(Schema):
    note: str


class QuestionIn(Schema):
    question: str


class InvitationIn(Schema):
    company: str
    prospect_name: str = ""
    email: str = ""
    contact_name: str = ""
    language: str = "en"
    customer: str | None = None


class PolicyIn(Schema):
    settings: dict[str, Any]
    note: str = ""
    effective_from: datetime.datetime | None = None  # a later moment; default: now


def _decision(d: Decision | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {"id": d.pk, "at": d.at.isoformat(), "automatic": d.automatic, "decided_by": d.decided_by,
            "outcome": d.outcome, "score": d.score, "risk_class": d.risk_class, "pd": d.pd,
            "limit": str(d.limit), "currency": d.currency, "terms_days": d.terms_days, "scorecard": d.reasons,
            "rules": d.rules, "reasons": d.facts.get("decision_reasons", []), "default_model": d.explanation,
            "model_version": d.model_version, "policy_version": d.policy_version, "inputs_sha256": d.inputs_sha256,
            "note": d.note}


def _application(a: CreditApplication, *, detail: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "reference": a.reference, "status": a.status, "kind": a.kind, "company": a.company.code,
        "legal_name": a.legal_name, "country": a.country, "currency": a.currency,
        "requested_limit": None if a.requested_limit is None else str(a.requested_limit),
        "score": a.score, "risk_class": a.risk_class, "pd": a.pd,
        "recommended_limit": None if a.recommended_limit is None else str(a.recommended_limit),
        "recommended_terms_days": a.recommended_terms_days, "sanctions_hits": a.sanctions_hits,
        "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None,
        "due_at": a.due_at.isoformat() if a.due_at else None,
        "decided_at": a.decided_at.isoformat() if a.decided_at else None,
        "customer": a.customer.account_number if a.customer else None,
        "decision": _decision(a.decisions.first()),
    }
    if detail:
        out["answers"] = {k: v for k, v in a.answers.items()}
        out["statements"] = a.statements
        out["decisions"] = [_decision(d) for d in a.decisions.all()]
        out["documents"] = [{"id": d.pk, "kind": d.kind, "name": d.name, "size": d.size, "sha256": d.sha256}
                            for d in a.documents.all()]
        out["sanctions"] = [{"screened_name": h.screened_name, "matched_name": h.matched_name, "score": h.score,
                             "status": h.status, "reasons": h.reasons} for h in a.hits.all()]
        out["enrichment"] = [{"provider": p.provider, "version": p.version, "status": p.status,
                              "pulled_at": p.pulled_at.isoformat(), "summary": p.summary, "error": p.error}
                             for p in a.pulls.all()]
        out["history"] = [{"at": e.at.isoformat(), "actor": e.actor, "kind": e.kind, "text": e.text}
                          for e in a.events.all()]
    return out


def _by_reference(reference: str) -> CreditApplication:
    a = CreditApplication.objects.select_related("company", "customer").filter(reference=reference).first()
    if a is None:
        raise BusinessError(f"no application {reference}", code="not_found", status=404)
    return a


def _company(code: str) -> Any:
    company = parse_company(code)
    if company is None:
        raise field_error("company", "give our company's code")
    return company


def _checked(rows: list[dict[str, Any]]) -> list[Any]:
    """Each year's statement checked; the error names the year's index and the line."""
    out = []
    for n, values in enumerate(rows):
        try:
            out.append(statement(values))
        except StatementError as exc:
            raise field_error(f"statements.{n}.{exc.field}", exc.message) from None
    return out


def _field_errors(errors: dict[str, str], prefix: str) -> BusinessError:
    return BusinessError("; ".join(f"{prefix}{k}: {v}" for k, v in errors.items()),
                         fields=[{"field": f"{prefix}{k}", "message": v} for k, v in errors.items()])


@router.post("/applications", response={201: dict[str, Any]},
             summary="Send a complete application on the applicant's behalf: decided at once, with its reasons")
def create_application(request: HttpRequest, data: ApplicationIn) -> tuple[int, dict[str, Any]]:
    actor = acting_user(request)
    authorize(actor, "request_limits")
    company = _company(data.company)
    customer = parse_customer(data.customer, "customer") if data.customer else None
    _answers, errors = questions.check(data.answers, final=True)
    if errors:
        raise _field_errors(errors, "answers.")
    _checked(data.statements)
    application, token = service.start(company=company, language=data.language, customer=customer)
    service.save_answers(application=application, raw=data.answers)
    if data.statements:
        service.set_statements(application=application,
                               currency=(data.statements_currency or data.answers.get("currency") or "EUR"),
                               years=data.statements, by=f"api:{actor.get_username()}")
    left = service.submit(application=application)
    if left:
        raise _field_errors(left, "answers.")
    application.refresh_from_db()
    out = _application(application)
    out["status_url"] = settings.CREDERE_BASE_URL + reverse("apply-status", args=[token])
    return 201, out


@router.get("/applications", response=list[dict[str, Any]], summary="Applications by status (open: to decide)")
def list_applications(request: HttpRequest, status: str = "open", limit: int = 100) -> list[dict[str, Any]]:
    authorize(acting_user(request), "view_credit")
    qs = reads.queue(reads.QueueFilters(status=status))[:max(1, min(limit, 1000))]
    return [_application(a) for a in qs]


@router.get("/applications/{reference}", response=dict[str, Any], summary="One application with everything")
def get_application(request: HttpRequest, reference: str) -> dict[str, Any]:
    authorize(acting_user(request), "view_credit")
    return _application(_by_reference(reference), detail=True)


@router.post("/applications/{reference}/propose", response=dict[str, Any],
             summary="Propose for approval: limit, terms, risk class (routed by the approval matrix)")
def propose(request: HttpRequest, reference: str, data: ProposeIn) -> dict[str, Any]:
    a = _by_reference(reference)
    req = decision_service.propose(actor=acting_user(request), application_id=a.pk, limit=data.limit,
                                   terms_days=data.terms_days, risk_class=data.risk_class, note=data.note)
    return {"approval_request": req.pk, "required_role": req.required_role, **_application(_by_reference(reference))}


@router.post("/applications/{reference}/decline", response=dict[str, Any], summary="Decline, saying why")
def decline(request: HttpRequest, reference: str, data: NoteIn) -> dict[str, Any]:
    a = _by_reference(reference)
    decision_service.decline(actor=acting_user(request), application_id=a.pk, note=data.note)
    return _application(_by_reference(reference))


@router.post("/applications/{reference}/ask", response=dict[str, Any],
             summary="Ask the applicant for more information (they get an e-mail with their link)")
def ask(request: HttpRequest, reference: str, data: QuestionIn) -> dict[str, Any]:
    a = _by_reference(reference)
    decision_service.request_information(actor=acting_user(request), application_id=a.pk, question=data.question)
    return _application(_by_reference(reference))


@router.post("/invitations", response={201: dict[str, Any]}, summary="A personal application link for a prospect")
def invite(request: HttpRequest, data: InvitationIn) -> tuple[int, dict[str, Any]]:
    invitation, token = service.invite(
        actor=acting_user(request), company=_company(data.company), prospect_name=data.prospect_name,
        email=data.email, contact_name=data.contact_name, language=data.language,
        customer=parse_customer(data.customer, "customer") if data.customer else None)
    return 201, {"id": invitation.pk, "prospect_name": invitation.prospect_name,
                 "expires_at": invitation.expires_at.isoformat(),
                 "url": settings.CREDERE_BASE_URL + reverse("apply-invitation", args=[token])}


@router.post("/financial-analysis", response=dict[str, Any],
             summary="Ratios, Altman Z'' and the default model's PD with its reasons, from statements")
def financial_analysis(request: HttpRequest, data: StatementsIn) -> dict[str, Any]:
    authorize(acting_user(request), "view_credit")
    checked = _checked(data.statements)
    if not checked:
        raise field_error("statements", "give at least one year")
    try:
        return analyse(checked, currency=data.currency.upper()).as_dict()
    except StatementError as exc:
        raise field_error("statements", f"{exc.message}") from None


@router.get("/policy", response=dict[str, Any], summary="The onboarding policy in force, what each setting means")
def get_policy(request: HttpRequest) -> dict[str, Any]:
    authorize(acting_user(request), "view_credit")
    p = policy_in_force()
    return {"version": p.version, "settings": p.settings, "help": HELP, "facts": FACTS}


@router.put("/policy", response=dict[str, Any], summary="Change the onboarding policy (a new version, audited)")
def put_policy(request: HttpRequest, data: PolicyIn) -> dict[str, Any]:
    version = policy_service.set_policy(actor=acting_user(request), settings=data.settings, note=data.note,
                                        effective_from=data.effective_from)
    return {"version": version.version, "settings": version.settings, "effective_from":
            version.effective_from.isoformat()}


@router.post("/policy/preview", response=dict[str, Any],
             summary="What a change would have decided for the last 100 applications (saves nothing)")
def preview_policy(request: HttpRequest, data: PolicyIn) -> dict[str, Any]:
    authorize(acting_user(request), "view_credit")
    result = preview(data.settings)
    return {"assessed": result.assessed, "changed": len(result.changes), "skipped": result.skipped,
            "changes": [{"reference": c.application.reference, "legal_name": c.application.legal_name,
                         "before": {k: str(v) for k, v in c.before.items()},
                         "after": {k: str(v) for k, v in c.after.items()}, "reasons": list(c.reasons)}
                        for c in result.changes]}


@router.post("/sanctions-lists", response={201: dict[str, Any]},
             summary="Import a sanctions list file (EU FSF XML, OFAC SDN XML/CSV, UK sanctions list XML, UN XML)")
def import_sanctions(request: HttpRequest, file: File[UploadedFile]) -> tuple[int, dict[str, Any]]:
    row = screening.import_list(actor=acting_user(request), content=file.read(), name="")
    return 201, {"id": row.pk, "source": row.source, "name": row.name, "published": row.published,
                 "entries": row.entries_count}
