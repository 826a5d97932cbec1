"""The decision letter: a PDF in the applicant's language, attached to the decision e-mail, downloadable by the
applicant and by staff."""

from __future__ import annotations

import pytest
from django.urls import reverse

from credere.onboarding.letters import LetterError, decision_letter
from credere.onboarding.services import applications as service


@pytest.mark.django_db
def test_an_approval_letter_in_german_is_mailed_and_downloadable(client, company, good_answers, statements, smtp,
                                                                  commit):
    application, token = service.start(company=company, language="de")
    with pytest.raises(LetterError):
        decision_letter(application)
    service.save_answers(application=application, raw=good_answers)
    service.set_statements(application=application, currency="EUR", years=statements)
    service.submit(application=application)
    commit()
    application.refresh_from_db()
    assert application.status == "approved"
    pdf = decision_letter(application)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 3000
    message = smtp.messages[-1][1]
    assert "genehmigt" in message["Subject"]
    attachments = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert attachments and attachments[0].get_filename() == f"{application.reference}-decision.pdf"
    download = client.get(reverse("apply-letter", args=[token]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")


@pytest.mark.django_db
def test_staff_download_the_letter_and_an_undecided_application_has_none(client_for, seller, good_answers,
                                                                          statements, smtp):
    application, _ = service.start(company=seller)
    analyst = client_for("credit_analyst")
    assert analyst.get(reverse("web:application-letter", args=[application.pk])).status_code == 404
    service.save_answers(application=application, raw=good_answers)
    service.set_statements(application=application, currency="EUR", years=statements)
    service.submit(application=application)
    response = analyst.get(reverse("web:application-letter", args=[application.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
