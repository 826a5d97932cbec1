"""E-mails to applicants, in their language: a link to their application, a question from the credit team,
the decision. Sent after the transaction that decided (a mail server that is down never undoes a decision);
a failure is kept in the application's history for staff to see."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from credere.onboarding.models import ApplicationEvent, CreditApplication, Invitation

log = logging.getLogger(__name__)


def link(token: str) -> str:
    return settings.CREDERE_BASE_URL + reverse("apply-status", args=[token])


def _send(application: CreditApplication, subject: str, body: str,
          attachment: tuple[str, bytes, str] | None = None) -> bool:
    if not application.contact_email:
        ApplicationEvent.objects.create(application=application, actor="Credere", kind="mail_failed",
                                        text=f"Not sent (no e-mail address): {subject}")
        return False
    try:
        message = EmailMessage(subject=subject, body=body, to=[application.contact_email])
        if attachment is not None:
            message.attach(*attachment)
        message.send()
    except OSError as exc:
        log.warning("application %s: mail not sent: %s", application.reference, exc)
        ApplicationEvent.objects.create(application=application, actor="Credere", kind="mail_failed",
                                        text=f"Not sent ({exc}): {subject}")
        return False
    ApplicationEvent.objects.create(application=application, actor="Credere", kind="mail_sent", text=subject)
    return True


def send_link(application_id: int) -> bool:
    application = CreditApplication.objects.select_related("company").get(pk=application_id)
    token = application.token_sealed
    with translation.override(application.language):
        subject = _("Your credit application %(ref)s") % {"ref": application.reference}
        body = _("Hello,\n\nyou can continue your credit application with %(company)s, or follow its progress, "
                 "with this link:\n\n%(link)s\n\nKeep it to yourself: anyone with the link can open your "
                 "application.\n") % {"company": application.company.name, "link": link(token)}
    return _send(application, subject, body)


def send_question(application_id: int, question: str) -> bool:
    application = CreditApplication.objects.select_related("company").get(pk=application_id)
    token = application.token_sealed
    with translation.override(application.language):
        subject = _("Credit application %(ref)s: we need more information") % {"ref": application.reference}
        body = _("Hello,\n\nto decide your credit application with %(company)s we need more information:\n\n"
                 "%(question)s\n\nPlease answer, and upload any document, here:\n\n%(link)s\n") % {
            "company": application.company.name, "question": question, "link": link(token)}
    return _send(application, subject, body)


def _letter(application: CreditApplication) -> tuple[str, bytes, str] | None:
    from credere.onboarding.letters import LetterError, decision_letter, filename

    try:
        return filename(application), decision_letter(application), "application/pdf"
    except LetterError as exc:
        ApplicationEvent.objects.create(application=application, actor="Credere", kind="letter_failed",
                                        text=f"The decision letter was not attached: {exc}")
        return None


def send_decision(application_id: int) -> bool:
    application = CreditApplication.objects.select_related("company", "customer").get(pk=application_id)
    decision = application.decisions.first()
    token = application.token_sealed
    with translation.override(application.language):
        if application.status == CreditApplication.Status.APPROVED and decision is not None:
            terms = (_("payment in advance") if decision.terms_days == 0
                     else _("payment within %(days)s days") % {"days": decision.terms_days})
            subject = _("Credit application %(ref)s approved") % {"ref": application.reference}
            body = _("Hello,\n\nwe are glad to offer %(name)s a credit limit of %(limit)s %(currency)s with "
                     "%(terms)s. Your customer account number is %(account)s.\n\nThe decision and its details: "
                     "%(link)s\n") % {
                "name": application.legal_name, "limit": f"{decision.limit:,.2f}", "currency": decision.currency,
                "terms": terms, "account": application.customer.account_number if application.customer else "",
                "link": link(token)}
        else:
            subject = _("Credit application %(ref)s") % {"ref": application.reference}
            body = _("Hello,\n\nthank you for your application. We cannot offer %(name)s credit terms at "
                     "present; we can still supply you against payment in advance.\n\nDetails: %(link)s\n") % {
                "name": application.legal_name, "link": link(token)}
    return _send(application, subject, body, _letter(application))


def send_invitation(invitation: Invitation, link: str) -> bool:
    """The personal application link, to the prospect, in their language; False when not sent."""
    if not invitation.email:
        return False
    with translation.override(invitation.language):
        subject = _("Your credit application with %(company)s") % {"company": invitation.company.name}
        body = _("Hello %(name)s,\n\nplease apply for credit terms with %(company)s here:\n\n%(link)s\n\n"
                 "The link is personal and works for 30 days.\n") % {
            "name": invitation.contact_name or invitation.prospect_name, "company": invitation.company.name,
            "link": link}
    try:
        EmailMessage(subject=subject, body=body, to=[invitation.email]).send()
    except OSError as exc:
        log.warning("invitation %s: mail not sent: %s", invitation.pk, exc)
        return False
    return True
