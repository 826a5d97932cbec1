"""Onboarding's staff pages: the application queue by status and SLA, one application with everything needed to
decide it (answers, documents, statements and ratios, the default model and its reasons, the scorecard, the
rules, sanctions hits, history) and the actions the role allows, inviting a prospect, and documents."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from credere.core.errors import BusinessError
from credere.identity.authz import authorize, can
from credere.identity.privacy import shown
from credere.ledger.models import Company
from credere.ledger.services.validation import field_error
from credere.onboarding import answers as questions
from credere.onboarding.models import ApplicationDocument, CreditApplication, ScreeningHit
from credere.onboarding.policy import policy_in_force
from credere.onboarding.selectors import applications as reads
from credere.onboarding.services import applications as app_service
from credere.onboarding.services import decisions as decision_service
from credere.onboarding.services import mail
from credere.onboarding.services import screening as screening_service
from credere.web.access import page
from credere.web.datatable import DETAIL, PRIMARY, Col, DataTable
from credere.web.forms import FormErrors

STATUS_TONES = {"received": "info", "in_review": "warn", "info_requested": "warn", "awaiting_approval": "info",
                "approved": "ok", "declined": "bad", "withdrawn": "neutral", "draft": "neutral"}
ACTION_FIELDS = frozenset({"limit", "terms_days", "risk_class", "note", "question", "text", "assignee"})


def _not_found(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "web/404.html", {"message": f"There is no {what}."}, status=404)


def _link(row: CreditApplication) -> str:
    return reverse("web:application", args=[row.pk])


def _due(row: CreditApplication) -> Any:
    return row.due_at if row.status in reads.TO_DECIDE else None


@page("view_credit")
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status not in ("open", "all", *CreditApplication.Status.values):
        status = "open"
    f = reads.QueueFilters(status=status, overdue=request.GET.get("overdue") == "1",
                           assigned_to_id=request.user.pk if request.GET.get("mine") == "1" else None,
                           q=request.GET.get("q", "").strip()[:100])
    now = timezone.now()
    table = DataTable(
        id="main", request=request, rows=reads.queue(f), caption="Credit applications", export_name="applications",
        empty="No application matches." if (f.overdue or f.q or status != "open") else "No application waits for a "
                                                                                          "decision.",
        empty_hint="Applications arrive from the public form and from invitations; clear cases are decided at once.",
        columns=[
            Col("reference", "Reference", "code", link=_link, priority=PRIMARY),
            Col("legal_name", "Company", link=_link, lead=True, priority=PRIMARY),
            Col("country", "Country", "code"),
            Col("requested_limit", "Limit asked for", "money", currency_key="currency"),
            Col("score", "Score", "int", priority=PRIMARY),
            Col("risk_class", "Class", "code", priority=PRIMARY),
            Col("recommended_limit", "Recommended", "money", currency_key="currency"),
            Col("status", "Status", "badge", display=lambda s: CreditApplication.Status(s).label,
                tone=lambda s: STATUS_TONES.get(s, "neutral")),
            Col("due", "Decide by", "datetime", get=_due, priority=PRIMARY),
            Col("sla", "SLA", "badge", get=lambda r: ("late" if _due(r) and _due(r) < now else "") if _due(r) else "",
                display=lambda s: "Late" if s == "late" else "", tone=lambda s: "bad" if s == "late" else "neutral"),
            Col("submitted_at", "Received", "datetime", priority=DETAIL),
            Col("assigned_to.username", "With", priority=DETAIL),
        ])
    return render(request, "onboarding/queue.html", {
        "table": table, "f": f, "status": status, "statuses": CreditApplication.Status.choices,
        "counts": reads.counts(), "may_invite": can(request.user, "request_limits"),
    })


def _analysis_rows(application: CreditApplication) -> Any:
    try:
        statements = decision_service.statements_of(application)
    except Exception:  # statements stored by an older template version
        return None
    if not statements:
        return None
    from credere.onboarding.selectors.financials import analyse

    return analyse(statements, currency=application.statements.get("currency", ""))


def _answers_for(actor: Any, application: CreditApplication) -> dict[str, Any]:
    answers = app_service.full_answers(application)
    kinds = {"contact_name": "name", "contact_email": "email", "contact_phone": "phone", "iban": "account"}
    for key, kind in kinds.items():
        answers[key] = shown(actor, kind, answers.get(key) or "")
    if not can(actor, "view_personal_data"):
        answers["owners"] = [{**o, "name": shown(actor, "name", o.get("name", ""))} for o in answers["owners"]]
        answers["references"] = [{**r, "contact": shown(actor, "name", r.get("contact", "")),
                                  "email": shown(actor, "email", r.get("email", ""))} for r in answers["references"]]
    return answers


@page("view_credit")
def application_page(request: HttpRequest, pk: int) -> HttpResponse:
    application = reads.application(pk)
    if application is None:
        return _not_found(request, f"credit application {pk}")
    errors = FormErrors(known=ACTION_FIELDS)
    posted: dict[str, str] = {}
    if request.method == "POST":
        posted = {k: str(request.POST.get(k, "")).strip() for k in ACTION_FIELDS}
        response = _act(request, application, posted, errors)
        if response is not None:
            return response
        application = reads.application(pk) or application
    policy = policy_in_force()
    assessed, assess_error = None, ""
    if application.status != CreditApplication.Status.DRAFT:
        try:
            assessed = decision_service.assess(application, policy)
        except BusinessError as exc:
            assess_error = str(exc)
    decision = application.decisions.first()
    answers = _answers_for(request.user, application)
    open_statuses = (CreditApplication.Status.IN_REVIEW, CreditApplication.Status.INFO_REQUESTED)
    may_act = can(request.user, "request_limits") and application.status in open_statuses
    return render(request, "onboarding/application.html", {
        "a": application, "answers": answers, "fields": questions.FIELDS, "sections": questions.SECTIONS,
        "assessed": assessed, "assess_error": assess_error, "analysis": assessed.analysis if assessed else None,
        "decision": decision, "decisions": application.decisions.all()[:10],
        "hits": application.hits.select_related("entry__sanctions_list"),
        "pulls": application.pulls.all()[:20],
        "documents": application.documents.all(), "events": application.events.all(),
        "errors": errors, "posted": posted, "may_act": may_act,
        "may_screen": can(request.user, "request_limits"), "risk_classes": policy.risk_classes,
        "status_tone": STATUS_TONES.get(application.status, "neutral"),
        "late": application.due_at is not None and application.due_at < timezone.now()
        and application.status in reads.TO_DECIDE,
        "staff": reads.deciders(), "link": (settings.CREDERE_BASE_URL + reverse("apply-status", args=[
            application.token_sealed])) if can(request.user, "request_limits") and application.token_sealed else "",
    }, status=422 if errors else 200)


def _act(request: HttpRequest, application: CreditApplication, posted: dict[str, str],
         errors: FormErrors) -> HttpResponse | None:
    action = request.POST.get("action", "")
    here = redirect("web:application", pk=application.pk)
    try:
        if action == "propose":
            try:
                terms = int(posted["terms_days"] or "-1")
            except ValueError:
                terms = -1
            request_ = decision_service.propose(actor=request.user, application_id=application.pk,
                                                limit=posted["limit"] or "x", terms_days=terms,
                                                risk_class=posted["risk_class"], note=posted["note"])
            messages.success(request, f"Proposed for approval: {request_.summary}. It waits for an approver with "
                                      "the authority (never you).")
            return here
        if action == "decline":
            decision_service.decline(actor=request.user, application_id=application.pk, note=posted["note"])
            messages.success(request, f"{application.reference} declined; the applicant is told by e-mail.")
            return here
        if action == "ask":
            decision_service.request_information(actor=request.user, application_id=application.pk,
                                                 question=posted["question"])
            messages.success(request, "The question was sent to the applicant with a link to answer.")
            return here
        if action == "comment":
            decision_service.comment(actor=request.user, application_id=application.pk, text=posted["text"])
            return here
        if action == "assign":
            to = None
            if posted["assignee"]:
                from django.contrib.auth import get_user_model

                to = get_user_model().objects.filter(username=posted["assignee"], is_active=True).first()
                if to is None:
                    raise field_error("assignee", "no such user")
            decision_service.assign(actor=request.user, application_id=application.pk, to=to)
            return here
        if action in ("clear", "confirm"):
            hit_id = request.POST.get("hit", "")
            hit = (ScreeningHit.objects.filter(pk=int(hit_id), application=application).first()
                   if hit_id.isdigit() else None)
            if hit is None:
                raise BusinessError("hit: no such hit", fields=[{"field": "note", "message": "no such hit"}])
            screening_service.decide_hit(actor=request.user, hit_id=hit.pk, confirm=action == "confirm",
                                         note=posted["note"])
            messages.success(request, "Match confirmed: the application is declined." if action == "confirm"
                             else "Hit cleared.")
            return here
        if action == "enrich":
            authorize(request.user, "request_limits")
            from credere.onboarding.services import enrichment

            pulls = enrichment.enrich(application, actor=request.user)
            messages.success(request, "Checked again: " + (", ".join(f"{p.provider} {p.get_status_display().lower()}"
                                                                    for p in pulls) or "no service is configured"))
            return here
        if action == "rescreen":
            authorize(request.user, "request_limits")
            found = screening_service.screen_application(application, actor=request.user)
            messages.success(request, f"Screened again: {found} possible match{'es' if found != 1 else ''} to review.")
            return here
    except BusinessError as exc:
        errors.add_error(exc)
    return None


@page("view_credit")
def document(request: HttpRequest, pk: int) -> HttpResponse:
    """A document as a download (never shown inline: a file from outside is never rendered by the browser)."""
    doc = ApplicationDocument.objects.select_related("application").filter(pk=pk).first()
    if doc is None:
        return _not_found(request, f"document {pk}")
    from urllib.parse import quote

    response = HttpResponse(app_service.document_bytes(doc), content_type="application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(doc.name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@page("view_credit")
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision letter the applicant received (PDF)."""
    from credere.onboarding.letters import LetterError, decision_letter, filename, pdf_response

    application = reads.application(pk)
    if application is None:
        return _not_found(request, f"credit application {pk}")
    try:
        content = decision_letter(application)
    except LetterError as exc:
        return render(request, "web/404.html", {"message": f"No decision letter: {exc}."}, status=404)
    return pdf_response(content, filename(application))


@page("request_limits")
def invite(request: HttpRequest) -> HttpResponse:
    companies = list(Company.objects.order_by("code"))
    errors = FormErrors(known=frozenset({"company", "prospect_name", "email", "contact_name", "language",
                                         "customer"}))
    posted: dict[str, str] = {}
    link = ""
    if request.method == "GET" and request.GET.get("customer"):
        from credere.ledger.models import Customer

        known = Customer.objects.filter(account_number=request.GET["customer"]).first()
        if known is not None:
            contact = known.contacts.exclude(email="").first()
            posted = {"customer": known.account_number, "prospect_name": known.name,
                      "language": known.language if known.language in dict(settings.CREDERE_APPLICATION_LANGUAGES)
                      else "en", "email": contact.email if contact else "",
                      "contact_name": contact.name if contact else ""}
    if request.method == "POST":
        posted = {k: str(request.POST.get(k, "")).strip() for k in ("company", "prospect_name", "email",
                                                                     "contact_name", "language", "customer")}
        company = next((c for c in companies if c.code == posted["company"]), None)
        customer = None
        if posted["customer"]:
            from credere.ledger.models import Customer

            customer = Customer.objects.filter(account_number=posted["customer"]).first()
            if customer is None:
                errors.add("customer", "no customer with this account number")
        if company is None:
            errors.add("company", "choose one of our companies")
        if not errors:
            try:
                invitation, token = app_service.invite(
                    actor=request.user, company=company, prospect_name=posted["prospect_name"],  # type: ignore[arg-type]
                    email=posted["email"], contact_name=posted["contact_name"],
                    language=posted["language"] or "en", customer=customer)
            except BusinessError as exc:
                errors.add_error(exc)
            else:
                link = settings.CREDERE_BASE_URL + reverse("apply-invitation", args=[token])
                sent = mail.send_invitation(invitation, link)
                messages.success(request, f"Invitation for {invitation.prospect_name} created"
                                          + (f" and sent to {invitation.email}." if sent else ". Send them the link."))
    return render(request, "onboarding/invite.html", {
        "companies": companies, "errors": errors, "posted": posted, "link": link,
        "languages": settings.CREDERE_APPLICATION_LANGUAGES,
        "public_links": [(c, settings.CREDERE_BASE_URL + reverse("apply-start", args=[c.code])) for c in companies],
    }, status=422 if errors else 200)
