"""Sanctions screening in onboarding: lists imported from their files, a match always refers, a person clears or
confirms it (audited), and the lists of one source replace each other."""

from __future__ import annotations

from pathlib import Path

import pytest

from credere.core.errors import BusinessError
from credere.onboarding.models import CreditApplication, SanctionsList, ScreeningHit
from credere.onboarding.services import applications as service
from credere.onboarding.services import screening

DATA = Path(__file__).parent.parent / "data" / "sanctions"


@pytest.fixture
def lists(make_user):
    manager = make_user("credit_manager", username="mia")
    for name in ("eu_fsf.xml", "ofac_sdn.xml", "un_consolidated.xml", "uk_sanctions_list.xml"):
        screening.import_list(actor=manager, content=(DATA / name).read_bytes())
    return manager


def _submit(company, answers, statements):
    application, _ = service.start(company=company)
    service.save_answers(application=application, raw=answers)
    service.set_statements(application=application, currency="EUR", years=statements)
    service.submit(application=application)
    application.refresh_from_db()
    return application


@pytest.mark.django_db
def test_a_listed_name_refers_even_a_clear_case(company, lists, good_answers, statements, make_user):
    application = _submit(company, {**good_answers, "legal_name": "ORION TRADING, L.L.C."}, statements)
    assert application.status == CreditApplication.Status.IN_REVIEW
    hits = list(application.hits.filter(screened_role="company"))
    assert len({h.entry.sanctions_list.source for h in hits}) >= 2  # the same party on several lists
    hit = hits[0]
    assert hit.score >= 90 and hit.status == "open" and hit.reasons
    decision = application.decisions.get()
    assert decision.outcome == "refer"
    assert decision.facts["decision_reasons"][0].startswith("A possible sanctions match")
    analyst = make_user("credit_analyst")
    with pytest.raises(BusinessError):
        screening.decide_hit(actor=analyst, hit_id=hit.pk, confirm=False, note="")
    for h in hits:
        screening.decide_hit(actor=analyst, hit_id=h.pk, confirm=False,
                             note="different registration number and country (DE, not AE)")
    application.refresh_from_db()
    assert application.sanctions_hits == 0 and application.status == CreditApplication.Status.IN_REVIEW


@pytest.mark.django_db
def test_a_confirmed_match_declines(company, lists, good_answers, statements, make_user):
    owners = [{"name": "Sidorov Ivan Petrovich", "share": "100"}]
    application = _submit(company, {**good_answers, "owners": owners}, statements)
    hit = application.hits.filter(screened_role="owner").first()
    screening.decide_hit(actor=make_user("credit_analyst"), hit_id=hit.pk, confirm=True, note="same person, same "
                                                                                               "date of birth")
    application.refresh_from_db()
    assert application.status == CreditApplication.Status.DECLINED
    assert ScreeningHit.objects.get(pk=hit.pk).status == "confirmed"


@pytest.mark.django_db
def test_an_unrelated_company_is_not_hit(company, lists, good_answers, statements):
    application = _submit(company, {**good_answers, "legal_name": "Orion Bakery GmbH"}, statements)
    assert not application.hits.exists() and application.status == CreditApplication.Status.APPROVED


@pytest.mark.django_db
def test_a_new_list_replaces_the_old_one_of_its_source(lists):
    again = screening.import_list(actor=lists, content=(DATA / "eu_fsf.xml").read_bytes())
    assert SanctionsList.objects.filter(source="eu", active=True).get() == again
    assert SanctionsList.objects.filter(active=True).count() == 4
    with pytest.raises(BusinessError, match="file"):
        screening.import_list(actor=lists, content=b"<html>not a list</html>")
