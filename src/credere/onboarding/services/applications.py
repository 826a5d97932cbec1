"""An application from the applicant's side: started from a public link or an invitation, saved as a draft and
resumed by its secret link, statements and documents attached, submitted, questions answered, withdrawn.

The secret link's token is found by its SHA-256 and kept besides only encrypted with the data key (so that
e-mails can carry the same link again): a copy of the database alone opens no application. A link expires
``link_days`` after its last use; the applicant can ask for a new one, which replaces it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from credere.adapters import statement_template
from credere.audit.services import record, snapshot
from credere.core.errors import BusinessError, Conflict
from credere.domain.financials import as_dict
from credere.ledger.models import Company, Customer
from credere.ledger.services.validation import field_error
from credere.onboarding import answers as questions
from credere.onboarding.models import ApplicationDocument, ApplicationEvent, CreditApplication, Invitation
from credere.onboarding.policy import policy_in_force

APPLICANT = "applicant"
EDITABLE = (CreditApplication.Status.DRAFT,)
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_DOCUMENTS = 20
#: accepted files by their first bytes (never by their name): what they are and the type we store
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
)


class NotFound(BusinessError):
    status = 404


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A secret for a link (256 bits) and the hash that is stored."""
    token = secrets.token_urlsafe(32)
    return token, _hash(token)


def _expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=int(policy_in_force().settings["link_days"]))


def _event(application: CreditApplication, actor: str, kind: str, text: str, *, public: bool = False,
           data: dict[str, Any] | None = None) -> ApplicationEvent:
    return ApplicationEvent.objects.create(application=application, actor=actor, kind=kind, text=text[:2000],
                                           public=public, data=data or {})


def company_for_link(code: str) -> Company:
    company = Company.objects.filter(code__iexact=code).first()
    if company is None:
        raise NotFound("There is no such application form", code="not_found")
    return company


def invite(*, actor: Any, company: Company, prospect_name: str, email: str = "", contact_name: str = "",
           language: str = "en", customer: Customer | None = None) -> tuple[Invitation, str]:
    """A personal invitation link for a prospect (or a customer asking for more): (invitation, token)."""
    from credere.identity.authz import authorize

    authorize(actor, "request_limits")
    name = (prospect_name or (customer.name if customer else "")).strip()
    if not name:
        raise field_error("prospect_name", "say whom you invite")
    if language not in dict(settings.CREDERE_APPLICATION_LANGUAGES):
        raise field_error("language", f"one of {', '.join(dict(settings.CREDERE_APPLICATION_LANGUAGES))}")
    token, digest = new_token()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            company=company, token_hash=digest, prospect_name=name[:200], email=(email or "").strip()[:254],
            contact_name=(contact_name or "").strip()[:200], language=language, customer=customer,
            created_by=actor.get_username(), expires_at=_expiry())
        record(actor=actor, action="application.invited", obj=invitation,
               after={"company": company.code, "prospect_name": invitation.prospect_name,
                      "customer": customer.account_number if customer else None, "language": language})
    return invitation, token


def invitation_by_token(token: str) -> Invitation:
    invitation = Invitation.objects.select_related("company", "customer").filter(token_hash=_hash(token)).first()
    if invitation is None or invitation.expires_at < timezone.now():
        raise NotFound("This invitation link is not valid (any more). Ask us for a new one.", code="not_found")
    return invitation


def start(*, company: Company, language: str = "en", invitation: Invitation | None = None,
          customer: Customer | None = None) -> tuple[CreditApplication, str]:
    """A new draft: (application, the applicant's secret token)."""
    customer = customer or (invitation.customer if invitation else None)
    token, digest = new_token()
    prefill: dict[str, Any] = {}
    if invitation is not None:
        prefill = {"legal_name": invitation.prospect_name}
    if customer is not None:
        prefill = {"legal_name": customer.name, "country": customer.country, "industry_code": customer.industry_code,
                   "registration_number": customer.registration_id or "", "vat_id": customer.tax_id or ""}
    with transaction.atomic():
        application = CreditApplication.objects.create(
            reference=f"TMP-{digest[:16]}", company=company, token_hash=digest, token_sealed=token,
            token_expires_at=_expiry(),
            language=language if language in dict(settings.CREDERE_APPLICATION_LANGUAGES) else "en",
            kind=CreditApplication.Kind.INCREASE if customer else CreditApplication.Kind.NEW, customer=customer,
            invitation=invitation, legal_name=prefill.get("legal_name", "")[:200],
            answers={f.name: str(prefill.get(f.name, "") or "") for f in questions.FIELDS},
            contact_name=invitation.contact_name if invitation else "",
            contact_email=invitation.email if invitation else "")
        application.reference = f"APP-{timezone.localdate().year}-{application.pk:05d}"
        application.save(update_fields=["reference"])
        if invitation is not None and invitation.used_at is None:
            invitation.used_at = timezone.now()
            invitation.save(update_fields=["used_at"])
        _event(application, APPLICANT, "started", "Application started", public=True)
    return application, token


def by_token(token: str, *, lock: bool = False) -> CreditApplication:
    """The application a secret link opens (and the link's life is renewed); :class:`NotFound` otherwise."""
    if not token or len(token) > 100:
        raise NotFound("This link is not valid (any more).", code="not_found")
    qs = CreditApplication.objects.select_related("company", "customer")
    if lock:
        qs = qs.select_for_update()
    application = qs.filter(token_hash=_hash(token)).first()
    if application is None or application.token_expires_at < timezone.now():
        raise NotFound("This link is not valid (any more). The newest e-mail we sent you has a working link.",
                       code="not_found")
    return application


def renew(application: CreditApplication) -> None:
    application.token_expires_at = _expiry()
    application.save(update_fields=["token_expires_at"])


def fresh_link(application: CreditApplication) -> str:
    """A new secret for the application (the one before stops working); the caller sends it."""
    token, digest = new_token()
    application.token_hash = digest
    application.token_sealed = token
    application.token_expires_at = _expiry()
    application.save(update_fields=["token_hash", "token_sealed", "token_expires_at"])
    return token


def _personal(answers: dict[str, Any]) -> dict[str, Any]:
    return {"owners": answers.get("owners", []), "references": answers.get("references", [])}


def people_of(application: CreditApplication) -> dict[str, Any]:
    try:
        value = json.loads(application.people or "{}")
    except ValueError:
        value = {}
    return value if isinstance(value, dict) else {}


def full_answers(application: CreditApplication) -> dict[str, Any]:
    """Every answer as entered (personal ones decrypted), as the form and the API show them."""
    people = people_of(application)
    return {**application.answers, "contact_name": application.contact_name,
            "contact_email": application.contact_email, "contact_phone": application.contact_phone,
            "iban": application.iban, "owners": people.get("owners", []),
            "references": people.get("references", []), "consent": application.consent_at is not None}


def _editable(application: CreditApplication, by: str) -> None:
    """The applicant changes only a draft (staff may add statements to an application in review)."""
    if application.status not in EDITABLE and by == APPLICANT:
        raise Conflict("The application has been sent: it cannot be changed any more", code="submitted")


def save_answers(*, application: CreditApplication, raw: dict[str, Any]) -> dict[str, str]:
    """Keep what was entered (right or wrong) and return the errors by field; only a draft changes."""
    _editable(application, APPLICANT)
    answers, errors = questions.check(raw, final=False)
    plain = {k: v for k, v in answers.items() if k not in (*questions.PERSONAL, "owners", "references", "consent")}
    application.answers = plain
    application.legal_name = str(answers.get("legal_name", ""))[:200]
    application.country = str(answers.get("country", ""))[:2] if "country" not in errors else ""
    application.currency = str(answers.get("currency", ""))[:3] if "currency" not in errors else ""
    application.requested_limit = (Decimal(answers["requested_limit"])  # type: ignore[assignment]
                                   if answers.get("requested_limit") and "requested_limit" not in errors else None)
    application.contact_name = str(answers.get("contact_name", ""))[:200]
    application.contact_email = str(answers.get("contact_email", ""))[:254]
    application.contact_phone = str(answers.get("contact_phone", ""))[:40]
    application.iban = str(answers.get("iban", ""))[:40]
    application.people = json.dumps(_personal(answers), ensure_ascii=False)
    if answers.get("consent") and application.consent_at is None:
        application.consent_at = timezone.now()
        application.consent_text = str(settings.CREDERE_APPLICATION_CONSENT)[:500]
    elif not answers.get("consent"):
        application.consent_at = None
    application.token_expires_at = _expiry()
    application.save()
    return errors


def attach_statements(*, application: CreditApplication, content: bytes, name: str, by: str = APPLICANT) -> None:
    """Read a filled-in statement template into the application (and keep the file)."""
    _editable(application, by)
    try:
        filled = statement_template.read(content)
    except statement_template.TemplateError as exc:
        raise field_error("statements_file", f"{exc}") from None
    with transaction.atomic():
        store_document(application=application, kind=ApplicationDocument.Kind.STATEMENTS, name=name,
                       content=content, by=by)
        application.statements = {"currency": filled.currency, "source": "template",
                                  "years": [as_dict(s) for s in filled.statements]}
        application.save(update_fields=["statements", "updated_at"])
        _event(application, by, "statements", f"Statements for {', '.join(str(s.year) for s in filled.statements)} "
                                              f"read from {name}", public=by == APPLICANT)


def set_statements(*, application: CreditApplication, currency: str, years: list[dict[str, Any]],
                   by: str = APPLICANT) -> None:
    """Statements entered in the form: each year checked (:class:`BusinessError` names the year and line)."""
    from credere.domain.financials import StatementError, statement
    from credere.domain.financials import years as ordered

    _editable(application, by)
    checked = []
    for n, values in enumerate(years):
        try:
            checked.append(statement(values))
        except StatementError as exc:
            field = f"statements.{n}.{exc.field}"
            raise field_error(field, exc.message) from None
    try:
        checked = ordered(checked)
    except StatementError as exc:
        raise field_error("statements", f"{exc.message}") from None
    application.statements = {"currency": currency.upper(), "source": "form",
                              "years": [as_dict(s) for s in checked]} if checked else {}
    application.save(update_fields=["statements", "updated_at"])


def _document_dir() -> Path:
    return Path(settings.CREDERE_DOCUMENT_DIR)


def store_document(*, application: CreditApplication, kind: str, name: str, content: bytes,
                   by: str = APPLICANT) -> ApplicationDocument:
    """Keep a file outside the web root under its hash, after checking what it really is."""
    if kind not in ApplicationDocument.Kind.values:
        raise field_error("kind", "not a kind of document")
    if not content:
        raise field_error("file", "the file is empty")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise field_error("file", f"at most {MAX_DOCUMENT_BYTES // 1024 // 1024} MB")
    found = next(((ctype, ext) for magic, ctype, ext in SIGNATURES if content.startswith(magic)), None)
    if found is None:
        raise field_error("file", "PDF, PNG, JPEG or XLSX files only")
    if application.documents.count() >= MAX_DOCUMENTS:
        raise field_error("file", f"at most {MAX_DOCUMENTS} documents per application")
    digest = hashlib.sha256(content).hexdigest()
    relative = Path("applications") / str(application.pk) / f"{digest}{found[1]}"
    target = _document_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        partial = target.with_suffix(".part")
        partial.write_bytes(content)
        partial.replace(target)
        target.chmod(0o600)
    clean_name = "".join(c for c in Path(name or "document").name if c.isprintable() and c not in '\\/:*?"<>|')
    document = ApplicationDocument.objects.create(
        application=application, kind=kind, name=(clean_name or "document")[:200], content_type=found[0],
        size=len(content), sha256=digest, path=str(relative), uploaded_by=by)
    return document


def document_bytes(document: ApplicationDocument) -> bytes:
    return (_document_dir() / document.path).read_bytes()


def submit(*, application: CreditApplication) -> dict[str, str]:
    """Send the draft: every required answer must be there and right (errors by field otherwise), then it is
    assessed and decided (:mod:`credere.onboarding.services.decisions`)."""
    from credere.onboarding.services import decisions

    if application.status != CreditApplication.Status.DRAFT:
        raise Conflict("The application has been sent already", code="submitted")
    answers, errors = questions.check(full_answers(application), final=True)
    if errors:
        return errors
    with transaction.atomic():
        application = CreditApplication.objects.select_for_update().get(pk=application.pk)
        if application.status != CreditApplication.Status.DRAFT:
            raise Conflict("The application has been sent already", code="submitted")
        application.status = CreditApplication.Status.RECEIVED
        application.submitted_at = timezone.now()
        application.save(update_fields=["status", "submitted_at", "updated_at"])
        _event(application, APPLICANT, "submitted", "Application received", public=True)
        record(actor=APPLICANT, action="application.submitted", obj=application,
               after={"reference": application.reference, "legal_name": application.legal_name,
                      "requested_limit": str(application.requested_limit), "currency": application.currency})
    decisions.decide_automatically(application)
    return {}


def answer_question(*, application: CreditApplication, text: str) -> None:
    """The applicant answers a request for information (files come with :func:`store_document`)."""
    if application.status != CreditApplication.Status.INFO_REQUESTED:
        raise Conflict("No question is waiting for an answer", code="no_question")
    if not (text or "").strip():
        raise field_error("answer", "write your answer")
    with transaction.atomic():
        application.status = CreditApplication.Status.IN_REVIEW
        application.save(update_fields=["status", "updated_at"])
        _event(application, APPLICANT, "answered", text.strip(), public=True)
        record(actor=APPLICANT, action="application.answered", obj=application, reason=text.strip()[:500])


def withdraw(*, application: CreditApplication, reason: str = "") -> None:
    if application.status in (CreditApplication.Status.APPROVED, CreditApplication.Status.DECLINED,
                              CreditApplication.Status.WITHDRAWN):
        raise Conflict("The application is decided already", code="decided")
    with transaction.atomic():
        before = snapshot(application)
        application.status = CreditApplication.Status.WITHDRAWN
        application.save(update_fields=["status", "updated_at"])
        _event(application, APPLICANT, "withdrawn", reason.strip() or "Withdrawn by the applicant", public=True)
        record(actor=APPLICANT, action="application.withdrawn", obj=application, before=before,
               after=snapshot(application), reason=reason.strip()[:500])
