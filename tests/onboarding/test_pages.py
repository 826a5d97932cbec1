"""The applicant's pages and the staff pages, through Django's test client."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from credere.adapters import statement_template
from credere.onboarding.models import CreditApplication
from credere.onboarding.services import applications as service


def _post_answers(answers):
    data = {k: v for k, v in answers.items() if k not in ("references", "owners", "consent")}
    for n, ref in enumerate(answers.get("references", [])):
        data.update({f"references-{n}-{k}": v for k, v in ref.items()})
    for n, owner in enumerate(answers.get("owners", [])):
        data.update({f"owners-{n}-{k}": v for k, v in owner.items()})
    if answers.get("consent"):
        data["consent"] = "on"
    return data


def _xlsx(statements):
    values = {int(y["year"]): {k: Decimal(v) for k, v in y.items() if k != "year"} for y in statements}
    return statement_template.write(years=tuple(sorted(values, reverse=True)), currency="EUR", values=values)


@pytest.mark.django_db
def test_an_applicant_applies_from_the_public_form(client, company, good_answers, statements, smtp):
    page = client.get(reverse("apply-start", args=["de01"]) + "?lang=de")
    assert page.status_code == 200 and "Credere Demo GmbH" in page.content.decode()
    started = client.post(reverse("apply-start", args=["DE01"]), {"language": "en"})
    assert started.status_code == 302
    url = started["Location"]
    form = client.get(url)
    body = form.content.decode()
    assert form.status_code == 200 and "Credit application" in body and "Legal name" in body
    # a draft with a wrong VAT number is kept, and the error is named
    saved = client.post(url, {**_post_answers({**good_answers, "vat_id": "DE136695977"}), "action": "save"})
    assert saved.status_code == 200 and "not a valid EU VAT number" in saved.content.decode()
    # the statements from the template
    upload = client.post(url, {**_post_answers(good_answers), "action": "statements_upload",
                               "statements_file": _file("statements.xlsx", _xlsx(statements))})
    assert "Your statements were read from the file." in upload.content.decode()
    template = client.get(url + "statements.xlsx")
    assert template.status_code == 200 and template["Content-Disposition"].startswith("attachment")
    sent = client.post(url, {**_post_answers(good_answers), "action": "submit"})
    assert sent.status_code == 302
    status = client.get(url)
    text = status.content.decode()
    assert "Approved" in text and "40,000.00 EUR" in text and "payment within 30 days" in text
    application = CreditApplication.objects.get()
    assert application.documents.get().kind == "statements"


def _file(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


@pytest.mark.django_db
def test_submitting_an_incomplete_form_names_the_fields(client, company):
    url = client.post(reverse("apply-start", args=["DE01"]))["Location"]
    response = client.post(url, {"legal_name": "Half Done Ltd", "action": "submit"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "need correcting" in body and body.count('class="field-error"') >= 8
    assert CreditApplication.objects.get().status == "draft"


@pytest.mark.django_db
def test_the_form_speaks_german_and_french(client, company):
    start = client.get(reverse("apply-start", args=["DE01"]) + "?lang=fr").content.decode()
    assert "Commencer la demande" in start
    url = client.post(reverse("apply-start", args=["DE01"]), {"language": "de"})["Location"]
    german = client.get(url).content.decode()
    assert "Firmenname" in german and "Antrag senden" in german and "Umsatzerlöse" in german
    saved = client.post(url, {"action": "submit", "legal_name": "Halb GmbH"}).content.decode()
    assert "Pflichtangabe" in saved
    client.post(url, {"action": "language", "language": "fr"})
    assert CreditApplication.objects.get().language == "fr"
    assert "Raison sociale" in client.get(url).content.decode()


@pytest.mark.django_db
def test_wrong_links_are_refused_and_then_blocked(client, company, settings):
    for _ in range(20):
        assert client.get(reverse("apply-status", args=["x" * 43])).status_code == 404
    assert client.get(reverse("apply-status", args=["y" * 43])).status_code == 429
    assert client.get(reverse("apply-start", args=["NOPE"])).status_code == 429


@pytest.mark.django_db
def test_a_script_filling_the_hidden_field_starts_nothing(client, company):
    response = client.post(reverse("apply-start", args=["DE01"]), {"website_url": "http://spam.example"})
    assert response.status_code == 200 and not CreditApplication.objects.exists()


@pytest.mark.django_db
def test_starting_is_rate_limited_per_address(client, company):
    for _ in range(10):
        assert client.post(reverse("apply-start", args=["DE01"])).status_code == 302
    assert client.post(reverse("apply-start", args=["DE01"])).status_code == 429


@pytest.mark.django_db
def test_staff_see_the_queue_and_decide(client_for, seller, good_answers, statements, smtp):
    application, token = service.start(company=seller)
    service.save_answers(application=application, raw={**good_answers, "requested_limit": "400000"})
    service.set_statements(application=application, currency="EUR", years=statements)
    service.submit(application=application)
    analyst = client_for("credit_analyst")
    queue = analyst.get(reverse("web:applications"))
    assert queue.status_code == 200 and "Orion Maschinenbau GmbH" in queue.content.decode()
    page = analyst.get(reverse("web:application", args=[application.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    for words in ("Scorecard", "Default model", "Altman Z", "Current ratio", "Trade references", "Stahl AG",
                  "more than the policy recommends"):
        assert words in body, words
    refused = analyst.post(reverse("web:application", args=[application.pk]),
                           {"action": "propose", "limit": "200000", "terms_days": "30", "risk_class": "B",
                            "note": ""})
    assert refused.status_code == 422
    done = analyst.post(reverse("web:application", args=[application.pk]),
                        {"action": "propose", "limit": "200000", "terms_days": "30", "risk_class": "B",
                         "note": "solid"})
    assert done.status_code == 302
    application.refresh_from_db()
    assert application.status == "awaiting_approval"
    sales = client_for("sales")
    masked = sales.get(reverse("web:application", args=[application.pk])).content.decode()
    assert "eva.schmidt@orion.example" not in masked and "DE89370400440532013000" not in masked


@pytest.mark.django_db
def test_documents_download_as_attachments(client_for, seller):
    application, _ = service.start(company=seller)
    doc = service.store_document(application=application, kind="registration", name="extract.pdf",
                                 content=b"%PDF-1.4 test")
    response = client_for("credit_analyst").get(reverse("web:application-document", args=[doc.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == b"%PDF-1.4 test"
    assert client_for("cash_clerk").get(reverse("web:application-document", args=[doc.pk])
                                                    ).status_code == 403


@pytest.mark.django_db
def test_an_invitation_prefills_the_form(client_for, seller, smtp, client):
    analyst = client_for("credit_analyst")
    response = analyst.post(reverse("web:application-invite"), {
        "company": "DE01", "prospect_name": "Lumen Optik AG", "email": "buyer@lumen.example",
        "contact_name": "Lea Licht", "language": "de"})
    assert response.status_code == 200
    link = response.content.decode().split("/apply/i/")[1].split("/")[0]
    assert smtp.messages and smtp.messages[-1][0] == ["buyer@lumen.example"]
    started = client.post(reverse("apply-invitation", args=[link]))
    form = client.get(started["Location"]).content.decode()
    assert "Lumen Optik AG" in form and "Lea Licht" in form


@pytest.mark.django_db
def test_the_policy_page_previews_saves_and_tries_a_rule(client_for, seller, good_answers, statements, smtp):
    application, _ = service.start(company=seller)
    service.save_answers(application=application, raw=good_answers)
    service.set_statements(application=application, currency="EUR", years=statements)
    service.submit(application=application)
    manager = client_for("credit_manager")
    page = manager.get(reverse("web:onboarding-policy"))
    body = page.content.decode()
    assert page.status_code == 200 and "Clear case" in body and "score &gt;= 65" in body
    form = _policy_form(body)
    form["class_bands"] = "95=A\n80=B\n60=C\n40=D\n0=E"
    previewed = manager.post(reverse("web:onboarding-policy"), {**form, "action": "preview"})
    text = previewed.content.decode()
    assert previewed.status_code == 200 and "What the change would have decided" in text
    assert application.reference in text
    refused = manager.post(reverse("web:onboarding-policy"), {**form, "action": "save", "note": ""})
    assert refused.status_code == 422
    saved = manager.post(reverse("web:onboarding-policy"), {**form, "action": "save", "note": "harder bands"})
    assert saved.status_code == 302
    from credere.onboarding.policy import policy_in_force

    assert policy_in_force().version == 1 and policy_in_force().settings["class_bands"][0] == [95, "A"]
    bad = manager.post(reverse("web:onboarding-policy"), {**form, "rule-0-when": "open('/etc/passwd')",
                                                          "action": "preview"})
    assert bad.status_code == 422 and "is not allowed" in bad.content.decode()
    tried = manager.post(reverse("web:onboarding-policy"), {"action": "test", "test_when": "score >= 10",
                                                            "test_application": application.reference})
    assert "Holds" in tried.content.decode() and "years_in_business" in tried.content.decode()
    analyst = client_for("credit_analyst")
    assert analyst.post(reverse("web:onboarding-policy"), {**form, "action": "save", "note": "x"}).status_code == 403


def _policy_form(html):
    """The policy form's fields as the page renders them (inputs, selects and textareas)."""
    import re
    from html import unescape

    form = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        form[name] = unescape(value)
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        form[name] = unescape(body)
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r"<option selected>([^<]*)</option>", body)
        form[name] = chosen.group(1) if chosen else ""
    form.pop("csrfmiddlewaretoken", None)
    return form


@pytest.mark.django_db
def test_a_customer_is_invited_to_apply_for_more_from_its_page(client_for, seller, good_answers, statements, smtp,
                                                              client):
    application, _ = service.start(company=seller)
    service.save_answers(application=application, raw=good_answers)
    service.set_statements(application=application, currency="EUR", years=statements)
    service.submit(application=application)
    application.refresh_from_db()
    customer = application.customer
    analyst = client_for("credit_analyst")
    page = analyst.get(reverse("web:customer", args=[customer.pk])).content.decode()
    assert application.reference in page and "Invite to apply for a higher limit" in page
    invite = analyst.get(reverse("web:application-invite") + f"?customer={customer.account_number}").content.decode()
    assert f'value="{customer.account_number}"' in invite and customer.name in invite
    response = analyst.post(reverse("web:application-invite"), {"company": "DE01", "customer": customer.account_number,
                                                                "prospect_name": customer.name, "language": "en"})
    link = response.content.decode().split("/apply/i/")[1].split("/")[0]
    started = client.post(reverse("apply-invitation", args=[link]))
    increase = CreditApplication.objects.exclude(pk=application.pk).get()
    assert increase.kind == "increase" and increase.customer == customer
    form = client.get(started["Location"]).content.decode()
    assert customer.name in form and "DE136695976" in form
