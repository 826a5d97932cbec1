"""The applicant's pages (no staff login): the public form of one of our companies, a personal invitation, the
application itself (a draft to fill in and send, then its status, questions from the credit team and the
decision), the statement template, and a new link by e-mail.

Every page is reached through an unguessable secret in its address; every one is rate-limited by address, and
an address that tries too many wrong links is refused for a while.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.numbers import format_decimal
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from credere.adapters import statement_template
from credere.core.errors import BusinessError
from credere.core.ratelimit import allow
from credere.domain.financials import BALANCE_SHEET, INCOME_STATEMENT, LINES
from credere.identity.sign_in import client_address
from credere.onboarding import answers as questions
from credere.onboarding.models import ApplicationDocument, CreditApplication
from credere.onboarding.services import applications as service
from credere.onboarding.services import mail

LANGUAGES = dict(settings.CREDERE_APPLICATION_LANGUAGES)
#: per address: starting applications (an hour), any public request (a minute), wrong links (ten minutes)
STARTS_PER_HOUR, REQUESTS_PER_MINUTE, WRONG_LINKS = 10, 120, 20
STATEMENT_YEARS = 3


def _limited(request: HttpRequest) -> HttpResponse | None:
    address = client_address(request) or "unknown"
    if not allow(f"apply:any:{address}", REQUESTS_PER_MINUTE, 60):
        return render(request, "onboarding/public/message.html",
                      {"title": _("Too many requests"), "text": _("Please wait a minute and try again.")}, status=429)
    if (cache.get(f"apply:wrongcount:{address}") or 0) >= WRONG_LINKS:
        return render(request, "onboarding/public/message.html",
                      {"title": _("Too many requests"),
                       "text": _("Too many links that do not work came from your address. Please try again later.")},
                      status=429)
    return None


def _wrong_link(request: HttpRequest, message: str) -> HttpResponse:
    address = client_address(request) or "unknown"
    key = f"apply:wrongcount:{address}"
    if not cache.add(key, 1, timeout=600):
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1, timeout=600)
    return render(request, "onboarding/public/message.html", {"title": _("Link not valid"), "text": message,
                                                              "request_link": True}, status=404)


def _open(request: HttpRequest, token: str) -> tuple[Any, HttpResponse | None]:
    """The application a link opens, or the answer that refuses it (rate limit, wrong or expired link)."""
    if (limited := _limited(request)) is not None:
        return None, limited
    try:
        return service.by_token(token), None
    except service.NotFound as exc:
        return None, _wrong_link(request, str(exc))


def _scripted(request: HttpRequest) -> HttpResponse | None:
    """A form with the field people never see filled in comes from a script: thanked, nothing started."""
    if request.POST.get("website_url"):
        return render(request, "onboarding/public/message.html",
                      {"title": _("Thank you"), "text": _("Your request has been received.")})
    return None


def _language(request: HttpRequest, default: str = "en") -> str:
    wanted = request.POST.get("language") or request.GET.get("lang") or default
    return wanted if wanted in LANGUAGES else "en"


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, company_code: str) -> HttpResponse:
    """Our company's public application form: choose the language, start."""
    if (limited := _limited(request)) is not None:
        return limited
    language = _language(request)
    with translation.override(language):
        try:
            company = service.company_for_link(company_code)
        except service.NotFound:
            return _wrong_link(request, _("There is no such application form."))
        if request.method == "POST":
            if (scripted := _scripted(request)) is not None:
                return scripted
            if not allow(f"apply:start:{client_address(request)}", STARTS_PER_HOUR, 3600):
                return render(request, "onboarding/public/message.html",
                              {"title": _("Too many applications"),
                               "text": _("Too many applications were started from your address. Please try again "
                                         "in an hour.")}, status=429)
            application, token = service.start(company=company, language=language)
            return redirect("apply-status", token=token)
        return render(request, "onboarding/public/start.html",
                      {"company": company, "language": language, "languages": LANGUAGES, "invitation": None})


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    if (limited := _limited(request)) is not None:
        return limited
    try:
        invite = service.invitation_by_token(token)
    except service.NotFound as exc:
        return _wrong_link(request, str(exc))
    language = _language(request, invite.language)
    with translation.override(language):
        if request.method == "POST":
            if (scripted := _scripted(request)) is not None:
                return scripted
            application, app_token = service.start(company=invite.company, language=language, invitation=invite)
            return redirect("apply-status", token=app_token)
        return render(request, "onboarding/public/start.html",
                      {"company": invite.company, "language": language, "languages": LANGUAGES,
                       "invitation": invite})


def _raw(post: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {f.name: post.get(f.name, "") for f in questions.FIELDS}
    raw["references"] = [{k: post.get(f"references-{n}-{k}", "") for k in questions.REFERENCE_FIELDS}
                         for n in range(questions.MAX_REFERENCES)]
    raw["owners"] = [{k: post.get(f"owners-{n}-{k}", "") for k in questions.OWNER_FIELDS}
                     for n in range(questions.MAX_OWNERS)]
    raw["consent"] = post.get("consent") == "on"
    return raw


def _statement_years(post: Any) -> tuple[str, list[dict[str, Any]]]:
    years = []
    for n in range(STATEMENT_YEARS):
        values = {"year": post.get(f"st-{n}-year", "").strip(), **{k: post.get(f"st-{n}-{k}", "").strip()
                                                                  for k in LINES}}
        if any(values[k] for k in LINES):
            for optional in ("other_current_assets", "other_equity"):
                values[optional] = values[optional] or "0"
            years.append(values)
    return post.get("st-currency", "").strip().upper(), years


def _form_statements(application: CreditApplication) -> list[dict[str, Any]]:
    stored = (application.statements or {}).get("years", [])
    last = timezone.localdate().year - 1
    out = []
    for n in range(STATEMENT_YEARS):
        values = stored[n] if n < len(stored) else {"year": str(last - n)}
        out.append({"n": n, "values": values})
    return out


def _context(application: CreditApplication, errors: dict[str, str], **extra: Any) -> dict[str, Any]:
    answers = service.full_answers(application)
    sections = []
    for key, title in questions.SECTIONS.items():
        fields = [{"field": f, "value": answers.get(f.name, ""), "error": errors.get(f.name, "")}
                  for f in questions.FIELDS if f.section == key]
        sections.append({"key": key, "title": title, "fields": fields})
    refs = answers.get("references", [])
    owners = answers.get("owners", [])
    return {
        "application": application, "sections": sections, "errors": errors,
        "references": [{"n": n, "values": refs[n] if n < len(refs) else {},
                        "errors": {k: errors.get(f"references.{n}.{k}", "") for k in questions.REFERENCE_FIELDS}}
                       for n in range(questions.MAX_REFERENCES)],
        "reference_fields": questions.REFERENCE_FIELDS,
        "owners": [{"n": n, "values": owners[n] if n < len(owners) else {},
                    "errors": {k: errors.get(f"owners.{n}.{k}", "") for k in questions.OWNER_FIELDS}}
                   for n in range(questions.MAX_OWNERS)],
        "owner_fields": questions.OWNER_FIELDS, "consent": answers.get("consent"),
        "consent_text": settings.CREDERE_APPLICATION_CONSENT,
        "statement_years": _form_statements(application), "balance_sheet": BALANCE_SHEET,
        "income_statement": INCOME_STATEMENT, "statements": application.statements or {},
        "documents": application.documents.all(), "document_kinds": ApplicationDocument.Kind.choices,
        "languages": LANGUAGES, "events": application.events.filter(public=True),
        "countries": _countries(application.language), **extra,
    }


def _countries(language: str) -> list[tuple[str, str]]:
    from babel import Locale

    names = Locale.parse(language).territories
    import pycountry

    return sorted(((c.alpha_2, names.get(c.alpha_2, c.name)) for c in pycountry.countries), key=lambda c: c[1])


@never_cache
@require_http_methods(["GET", "POST"])
def application_page(request: HttpRequest, token: str) -> HttpResponse:
    """The draft to fill in and send, or — once sent — its status, questions and decision."""
    application, refused = _open(request, token)
    if refused is not None:
        return refused
    if request.method == "POST" and request.POST.get("action") == "language":
        application.language = _language(request, application.language)
        application.save(update_fields=["language", "updated_at"])
        return redirect("apply-status", token=token)
    with translation.override(application.language):
        if application.status == CreditApplication.Status.DRAFT:
            return _draft(request, application, token)
        return _status(request, application, token)


def _draft(request: HttpRequest, application: CreditApplication, token: str) -> HttpResponse:
    notice = ""
    statement_error = ""
    if request.method == "POST":
        action = request.POST.get("action", "save")
        errors = service.save_answers(application=application, raw=_raw(request.POST))
        currency, years = _statement_years(request.POST)
        if years and (application.statements or {}).get("source") != "template" or action == "statements_form":
            try:
                service.set_statements(application=application, currency=currency or application.currency or "EUR",
                                       years=years)
            except BusinessError as exc:
                statement_error = str(exc).split(": ", 1)[-1]
                field = exc.fields[0]["field"] if exc.fields else ""
                year_index = field.split(".")[1] if field.count(".") >= 2 else ""
                if year_index.isdigit() and int(year_index) < len(years):
                    statement_error = f"{years[int(year_index)].get('year', '')}: {statement_error}"
        upload = request.FILES.get("statements_file")
        if action == "statements_upload" and upload is not None:
            try:
                service.attach_statements(application=application, content=upload.read(), name=upload.name or "")
                notice = _("Your statements were read from the file.")
            except BusinessError as exc:
                statement_error = str(exc).split(": ", 1)[-1]
        document = request.FILES.get("document")
        if action == "document" and document is not None:
            try:
                service.store_document(application=application, kind=request.POST.get("document_kind", "other"),
                                       content=document.read(), name=document.name or "")
                notice = _("The document was added.")
            except BusinessError as exc:
                errors["document"] = exc.fields[0]["message"] if exc.fields else str(exc)
        if action == "email_link":
            mail.send_link(application.pk)
            notice = _("We sent the link to %(email)s.") % {"email": application.contact_email}
        if action == "submit" and not statement_error:
            errors = service.submit(application=application)
            if not errors:
                return redirect("apply-status", token=token)
            notice = _("Some answers are missing or need correcting: see the fields marked below.")
        elif action in ("save", "statements_form") and not statement_error:
            notice = notice or _("Saved. You can come back to this page with its link at any time.")
        application.refresh_from_db()
        status = 422 if (action == "submit" and errors) or statement_error else 200
    else:
        _answers, errors = questions.check(service.full_answers(application), final=False)
        status = 200
    link = settings.CREDERE_BASE_URL + request.path
    return render(request, "onboarding/public/form.html",
                  _context(application, errors, notice=notice, statement_error=statement_error, link=link,
                           token=token), status=status)


def _status(request: HttpRequest, application: CreditApplication, token: str) -> HttpResponse:
    notice, error = "", ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "answer":
                document = request.FILES.get("document")
                if document is not None:
                    service.store_document(application=application, kind=request.POST.get("document_kind", "other"),
                                           content=document.read(), name=document.name or "")
                service.answer_question(application=application, text=request.POST.get("answer", ""))
                notice = _("Thank you: your answer was sent to our credit team.")
            elif action == "withdraw":
                service.withdraw(application=application, reason=request.POST.get("reason", ""))
                notice = _("Your application was withdrawn.")
        except BusinessError as exc:
            error = exc.fields[0]["message"] if exc.fields else str(exc)
        application.refresh_from_db()
    decision = application.decisions.first() if application.status in (
        CreditApplication.Status.APPROVED, CreditApplication.Status.DECLINED) else None
    steps = [("received", _("Received")), ("in_review", _("In review")), ("decided", _("Decided"))]
    current = {"received": 0, "in_review": 1, "info_requested": 1, "awaiting_approval": 1}.get(application.status, 2)
    return render(request, "onboarding/public/status.html", {
        "application": application, "token": token, "decision": decision, "events": application.events.filter(public=True),
        "notice": notice, "error": error, "steps": steps, "current": current, "languages": LANGUAGES,
        "document_kinds": ApplicationDocument.Kind.choices,
        "question": application.events.filter(public=True, kind="question").last()
        if application.status == CreditApplication.Status.INFO_REQUESTED else None,
        "terms_words": (_("payment in advance") if decision and decision.terms_days == 0 else
                        _("payment within %(days)s days") % {"days": decision.terms_days} if decision else ""),
        "limit_shown": format_decimal(decision.limit, format="#,##0.00", locale=application.language)
        if decision else "",
    })


@never_cache
def statement_template_file(request: HttpRequest, token: str) -> HttpResponse:
    application, refused = _open(request, token)
    if refused is not None:
        return refused
    last = timezone.localdate().year - 1
    content = statement_template.write(years=(last, last - 1, last - 2), currency=application.currency or "",
                                       company=application.legal_name)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="financial-statements.xlsx"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def new_link(request: HttpRequest) -> HttpResponse:
    """Lost or expired link: the applicant gives the e-mail address of the application and gets a new link
    (the same answer whether or not the address is known, so that nobody learns who applied)."""
    if (limited := _limited(request)) is not None:
        return limited
    language = _language(request)
    with translation.override(language):
        if request.method == "POST":
            email = request.POST.get("email", "").strip()
            if email and allow(f"apply:newlink:{client_address(request)}", 5, 3600):
                since = timezone.now() - dt.timedelta(days=365)
                for application in CreditApplication.objects.filter(contact_email=email, created_at__gte=since)[:5]:
                    service.fresh_link(application)
                    mail.send_link(application.pk)
            return render(request, "onboarding/public/message.html", {
                "title": _("Check your e-mail"),
                "text": _("If an application uses this address, we have sent it a new link. Links sent before "
                          "no longer work.")})
        return render(request, "onboarding/public/new_link.html", {"language": language, "languages": LANGUAGES})



@never_cache
def letter(request: HttpRequest, token: str) -> HttpResponse:
    """The decision letter (PDF, as an attachment)."""
    from credere.onboarding.letters import LetterError, decision_letter, filename, pdf_response

    application, refused = _open(request, token)
    if refused is not None:
        return refused
    with translation.override(application.language):
        try:
            content = decision_letter(application)
        except LetterError:
            return render(request, "onboarding/public/message.html", {
                "title": _("No letter yet"), "text": _("The letter is ready once your application is decided.")},
                status=404)
    return pdf_response(content, filename(application))
