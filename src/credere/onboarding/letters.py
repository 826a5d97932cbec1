"""The decision letter: a PDF in the applicant's language (WeasyPrint), attached to the decision e-mail and
downloadable by the applicant (status page) and by staff (application page). Rendered when asked, from the
decision recorded, so that it always says what was decided."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from credere.onboarding.models import CreditApplication, Decision


class LetterError(RuntimeError):
    pass


def decided(application: CreditApplication) -> Decision | None:
    """The decision the letter states (approved or declined), or None while there is none."""
    if application.status not in (CreditApplication.Status.APPROVED, CreditApplication.Status.DECLINED):
        return None
    return application.decisions.first()


def _context(application: CreditApplication, decision: Decision) -> dict[str, Any]:
    from babel import Locale
    from babel.dates import format_date
    from babel.numbers import format_decimal

    from credere.onboarding.services.applications import full_answers

    language = application.language or "en"
    approved = application.status == CreditApplication.Status.APPROVED
    when = timezone.localtime(application.decided_at or decision.at).date()
    subject = (_("Credit application %(ref)s approved") if approved else _("Credit application %(ref)s")) % {
        "ref": application.reference}
    terms = (_("payment in advance") if decision.terms_days == 0
             else _("payment within %(days)s days") % {"days": decision.terms_days})
    return {"application": application, "decision": decision, "company": application.company,
            "answers": full_answers(application), "approved": approved, "subject": subject, "terms": terms,
            "language": language, "date": format_date(when, format="long", locale=language),
            "limit": format_decimal(decision.limit, format="#,##0.00", locale=language),
            "country_name": Locale.parse(language).territories.get(application.country, application.country)}


def decision_letter(application: CreditApplication) -> bytes:
    """The PDF; :class:`LetterError` when there is no decision or PDFs cannot be made on this machine."""
    decision = decided(application)
    if decision is None:
        raise LetterError("the application is not decided")
    with translation.override(application.language or "en"):
        html = render_to_string("onboarding/letters/decision.html", _context(application, decision))
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # WeasyPrint needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0)
        raise LetterError(f"PDF letters cannot be made on this machine: {exc}") from None
    return bytes(HTML(string=html).write_pdf())


def filename(application: CreditApplication) -> str:
    return f"{application.reference}-decision.pdf"


def pdf_response(content: bytes, name: str) -> HttpResponse:
    """The letter as a download (never shown inline)."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
