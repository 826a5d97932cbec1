"""An application from the applicant's draft to the decision: automatic approval into the ledger, referral
through the approval matrix, decline, questions, and the stored decision with its inputs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from credere.core.errors import BusinessError, Conflict
from credere.credit.models import CreditLimit, RiskClassAssignment
from credere.ledger.models import Customer
from credere.onboarding.models import CreditApplication, Decision
from credere.onboarding.services import applications as service
from credere.onboarding.services import decisions


def _apply(company, answers, statements=None):
    application, token = service.start(company=company, language="en")
    errors = service.save_answers(application=application, raw=answers)
    assert errors == {}
    if statements:
        service.set_statements(application=application, currency="EUR", years=statements)
    return application, token


@pytest.mark.django_db(transaction=True)
def test_a_clear_case_is_approved_into_the_ledger(company, good_answers, statements, smtp):
    application, token = _apply(company, good_answers, statements)
    assert service.submit(application=application) == {}
    application.refresh_from_db()
    assert application.status == CreditApplication.Status.APPROVED
    decision = application.decisions.get()
    assert decision.automatic and decision.outcome == "approve"
    assert decision.limit == Decimal("40000") and decision.terms_days == 30
    assert decision.model_version.startswith("pd-") and decision.inputs_sha256
    assert any(r["code"] == "pd" for r in decision.reasons)
    assert decision.explanation["factors"]
    customer = application.customer
    assert customer is not None and customer.name == "Orion Maschinenbau GmbH"
    assert customer.account_number.startswith("N") and customer.payment_terms.net_days == 30
    assert customer.tax_id == "DE136695976"
    limit = CreditLimit.objects.get(customer=customer, status=CreditLimit.Status.ACTIVE)
    assert limit.amount == Decimal("40000") and limit.currency == "EUR"
    assert RiskClassAssignment.objects.get(customer=customer).risk_class == decision.risk_class
    # the applicant is told, with their link
    assert smtp.messages and "approved" in smtp.messages[-1][1]["Subject"]
    text = next(p for p in smtp.messages[-1][1].walk() if p.get_content_type() == "text/plain")
    assert token in text.get_payload(decode=True).decode()
    assert service.by_token(token).pk == application.pk


@pytest.mark.django_db
def test_missing_answers_are_named_and_nothing_is_sent(company, good_answers):
    application, _token = service.start(company=company)
    errors = service.save_answers(application=application, raw={**good_answers, "vat_id": "DE136695977",
                                                                "contact_email": "not-an-address"})
    assert set(errors) == {"vat_id", "contact_email"}
    application.refresh_from_db()
    assert application.answers["vat_id"] == "DE136695977"  # kept as entered
    errors = service.submit(application=application)
    assert {"vat_id", "contact_email"} <= set(errors)
    application.refresh_from_db()
    assert application.status == CreditApplication.Status.DRAFT


@pytest.mark.django_db
def test_a_large_request_is_referred_then_approved_with_four_eyes(company, good_answers, statements, make_user,
                                                                   commit):
    from credere.approvals.services import decide

    application, _ = _apply(company, {**good_answers, "requested_limit": "400000"}, statements)
    assert service.submit(application=application) == {}
    application.refresh_from_db()
    assert application.status == CreditApplication.Status.IN_REVIEW
    assert application.due_at is not None
    decision = application.decisions.get()
    assert decision.outcome == "refer"
    assert any("more than the policy recommends" in r for r in decision.facts["decision_reasons"])
    analyst, manager = make_user("credit_analyst"), make_user("credit_manager")
    request = decisions.propose(actor=analyst, application_id=application.pk, limit="200000", terms_days=30,
                                risk_class="B", note="Strong balance sheet; three good references")
    application.refresh_from_db()
    assert application.status == CreditApplication.Status.AWAITING_APPROVAL
    with pytest.raises(BusinessError):
        decide(actor=analyst, request_id=request.pk, approve=True)  # never the person who proposed
    decide(actor=manager, request_id=request.pk, approve=True, note="agreed")
    commit()
    application.refresh_from_db()
    assert application.status == CreditApplication.Status.APPROVED
    limit = CreditLimit.objects.get(customer=application.customer, status=CreditLimit.Status.ACTIVE)
    assert limit.amount == Decimal("200000") and limit.approval_id == request.pk
    assert RiskClassAssignment.objects.get(customer=application.customer).risk_class == "B"


@pytest.mark.django_db
def test_a_rejected_proposal_comes_back_to_review(company, good_answers, statements, make_user):
    from credere.approvals.services import decide

    application, _ = _apply(company, {**good_answers, "requested_limit": "400000"}, statements)
    service.submit(application=application)
    analyst, manager = make_user("credit_analyst"), make_user("credit_manager")
    request = decisions.propose(actor=analyst, application_id=application.pk, limit="150000", terms_days=45,
                                risk_class="A", note="big customer")
    decide(actor=manager, request_id=request.pk, approve=False, note="too much for a new customer")
    application.refresh_from_db()
    assert application.status == CreditApplication.Status.IN_REVIEW
    assert not Customer.objects.filter(name="Orion Maschinenbau GmbH").exists()


@pytest.mark.django_db
def test_a_low_score_is_declined_automatically(company, good_answers):
    weak = {**good_answers, "years_in_business": "1", "references": []}
    application, _ = _apply(company, weak, [{"year": "2025", "fixed_assets": "100", "inventory": "400",
                                             "receivables": "300", "cash": "5", "other_current_assets": "0",
                                             "share_capital": "50", "retained_earnings": "-730",
                                             "other_equity": "0", "long_term_liabilities": "200",
                                             "short_term_liabilities": "1285", "sales": "150",
                                             "cost_of_sales": "300", "operating_profit": "-250",
                                             "depreciation": "10", "interest_expense": "60",
                                             "profit_before_tax": "-310", "net_profit": "-310"}])
    service.submit(application=application)
    application.refresh_from_db()
    decision = application.decisions.get()
    assert decision.score < 35, decision.reasons
    assert application.status == CreditApplication.Status.DECLINED
    assert application.customer is None


@pytest.mark.django_db
def test_questions_and_answers(company, good_answers, statements, make_user, smtp, commit):
    application, token = _apply(company, {**good_answers, "requested_limit": "400000"}, statements)
    service.submit(application=application)
    analyst = make_user("credit_analyst")
    decisions.request_information(actor=analyst, application_id=application.pk,
                                  question="Please send last year's audited accounts.")
    commit()
    application.refresh_from_db()
    assert application.status == CreditApplication.Status.INFO_REQUESTED
    subject = smtp.messages[-1][1]["Subject"]
    assert "more information" in subject and token in smtp.messages[-1][1].get_payload(decode=True).decode()
    with pytest.raises(BusinessError):
        service.answer_question(application=application, text="  ")
    service.answer_question(application=application, text="Attached.")
    application.refresh_from_db()
    assert application.status == CreditApplication.Status.IN_REVIEW
    with pytest.raises(Conflict):
        service.save_answers(application=application, raw=good_answers)


@pytest.mark.django_db
def test_links_are_secret_and_expire(company, good_answers):
    import datetime as dt

    from django.utils import timezone

    application, token = service.start(company=company)
    assert token not in application.token_hash and len(token) >= 40
    assert CreditApplication.objects.filter(token_hash=token).count() == 0
    with pytest.raises(service.NotFound):
        service.by_token(token[:-1] + ("A" if token[-1] != "A" else "B"))
    other, other_token = service.start(company=company)
    assert service.by_token(other_token).pk == other.pk != application.pk
    CreditApplication.objects.filter(pk=application.pk).update(token_expires_at=timezone.now() - dt.timedelta(1))
    with pytest.raises(service.NotFound):
        service.by_token(token)


@pytest.mark.django_db
def test_documents_are_checked_by_their_content(company):
    application, _ = service.start(company=company)
    doc = service.store_document(application=application, kind="registration", name="../../etc/extract.pdf",
                                 content=b"%PDF-1.7\n%...")
    assert doc.name == "extract.pdf" and doc.content_type == "application/pdf"
    assert service.document_bytes(doc).startswith(b"%PDF")
    with pytest.raises(BusinessError, match="PDF, PNG, JPEG or XLSX"):
        service.store_document(application=application, kind="other", name="invoice.pdf",
                               content=b"<html><script>alert(1)</script>")
    with pytest.raises(BusinessError, match="empty"):
        service.store_document(application=application, kind="other", name="x.pdf", content=b"")


@pytest.mark.django_db
def test_every_decision_keeps_its_inputs_and_versions(company, good_answers, statements):
    application, _ = _apply(company, {**good_answers, "requested_limit": "400000"}, statements)
    service.submit(application=application)
    decision = Decision.objects.get(application=application)
    before = decision.inputs_sha256
    assert decision.policy_version is None  # the defaults
    assert decision.facts["score"] == decision.score and "recommended_limit" in decision.facts
    assert before == decisions.inputs_hash(application)
