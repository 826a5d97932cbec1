"""Outside services checking an applicant, against recorded answers on a local server: VIES, GLEIF and a credit
bureau (HTTP/JSON by a field mapping, and a file drop). Each pull is stored with its raw answer; a service that
is down is recorded as such and the decision goes on; the facts reach the scorecard and the rules."""

from __future__ import annotations

import json
import shutil

import pytest

from credere.adapters.enrichment import ProviderError, bureau, gleif, vies
from credere.onboarding.models import CreditApplication, EnrichmentPull
from credere.onboarding.services import applications as service
from credere.onboarding.services import enrichment
from support.recorded import DATA

BUREAU = {"name": "acme", "kind": "http", "url": "{base}/bureau/v2/reports?vat={vat_id}&country={country}",
          "headers": {"Authorization": "Bearer {env:ACME_TOKEN}"},
          "fields": {"score": "/report/score", "rating": "/report/rating", "payment_index": "/report/paydex",
                     "recommended_limit": "/report/creditLimit/amount", "currency": "/report/creditLimit/currency",
                     "negative_events": "/report/negativeEvents"}}


def test_vies_answers_registered_not_registered_and_unavailable(recorded_services):
    recorded_services.vies["DE136695976"] = (200, "vies_registered.json")
    recorded_services.vies["IT00743110157"] = (200, "vies_ms_unavailable.json")
    base = recorded_services.url + "/vies/rest-api"
    ok = vies.check("DE 136 695 976", base_url=base)
    assert ok.summary["registered"] is True and ok.summary["name"] == "" and ok.summary["consultation"]
    assert recorded_services.requests[-1][2] == {"countryCode": "DE", "vatNumber": "136695976"}
    assert vies.check("FR40303265045", base_url=base).summary["registered"] is False
    with pytest.raises(ProviderError, match="MS_UNAVAILABLE"):
        vies.check("IT00743110157", base_url=base)
    with pytest.raises(ProviderError, match="could not be reached"):
        vies.check("DE136695976", base_url="http://127.0.0.1:9/vies", timeout=1)


def test_gleif_record_with_its_parent(recorded_services):
    lei = "5299009N7ZQ2B5F4ST21"
    recorded_services.routes[("GET", f"/gleif/api/v1/lei-records/{lei}")] = (200, "gleif_record.json")
    recorded_services.routes[("GET", f"/gleif/api/v1/lei-records/{lei}/direct-parent")] = (200, "gleif_parent.json")
    pull = gleif.lookup(lei, base_url=recorded_services.url + "/gleif/api/v1")
    s = pull.summary
    assert s["legal_name"] == "Orion Maschinenbau GmbH" and s["entity_status"] == "ACTIVE"
    assert s["address"] == "Hauptstraße 5, 10115 Berlin, DE" and s["next_renewal"] == "2027-05-20"
    assert s["parent_lei"] == "5299002PXVH1ZX0C3K67" and s["parent_name"] == "Orion Holding AG"
    missing = gleif.lookup("5299002PXVH1ZX0C3K67", base_url=recorded_services.url + "/gleif/api/v1")
    assert missing.status == "not_found"


def test_a_bureau_over_http_and_by_file_drop(recorded_services, tmp_path, monkeypatch):
    monkeypatch.setenv("ACME_TOKEN", "s3cret")
    recorded_services.routes[("GET", "/bureau/v2/reports")] = (200, "bureau_report.json")
    config = bureau.check_config([{**BUREAU, "url": BUREAU["url"].replace("{base}", recorded_services.url)}])[0]
    pull = bureau.fetch(config, {"vat_id": "DE136695976", "country": "DE"})
    assert pull.summary == {"found": True, "score": "82", "rating": "A2", "payment_index": "78",
                            "recommended_limit": "60000", "currency": "EUR", "negative_events": 0, "events": []}
    method, path, headers = recorded_services.requests[-1]
    assert path == "/bureau/v2/reports?vat=DE136695976&country=DE" and headers["Authorization"] == "Bearer s3cret"
    assert "s3cret" not in json.dumps(pull.request)
    shutil.copy(DATA / "bureau_report_negative.json", tmp_path / "DE811128135.json")
    drop = {"name": "drop", "kind": "file", "directory": str(tmp_path), "key": "vat_id", "fields": BUREAU["fields"]}
    report = bureau.fetch(bureau.check_config([drop])[0], {"vat_id": "DE811128135"})
    assert report.summary["negative_events"] == 2 and report.summary["rating"] == "C1"
    assert bureau.fetch(drop, {"vat_id": "DE136695976"}).status == "not_found"
    assert bureau.fetch(drop, {"vat_id": "../../etc/passwd"}).status == "not_found"
    with pytest.raises(bureau.ConfigError, match="fields"):
        bureau.check_config([{**drop, "fields": {"price": "/x"}}])


@pytest.mark.django_db
def test_an_application_is_checked_and_the_facts_reach_the_decision(company, good_answers, statements,
                                                                    recorded_services, settings):
    recorded_services.vies["DE136695976"] = (200, "vies_registered.json")
    lei = "5299009N7ZQ2B5F4ST21"
    recorded_services.routes[("GET", f"/gleif/api/v1/lei-records/{lei}")] = (200, "gleif_record.json")
    recorded_services.routes[("GET", "/bureau/v2/reports")] = (200, "bureau_report_negative.json")
    settings.CREDERE_BUREAUS = [{**BUREAU, "url": BUREAU["url"].replace("{base}", recorded_services.url)}]
    application, _ = service.start(company=company)
    service.save_answers(application=application, raw={**good_answers, "lei": lei})
    service.set_statements(application=application, currency="EUR", years=statements)
    service.submit(application=application)
    application.refresh_from_db()
    pulls = {p.provider: p for p in application.pulls.all()}
    assert set(pulls) == {"vies", "gleif", "bureau:acme"}
    assert pulls["vies"].raw.startswith('{"countryCode": "DE"') and pulls["gleif"].version.startswith("gleif")
    decision = application.decisions.get()
    assert decision.facts["vat_registered"] is True and decision.facts["lei_status"] == "ACTIVE"
    assert decision.facts["bureau_negative_events"] == 2
    bureau_part = next(r for r in decision.reasons if r["code"] == "bureau")
    assert bureau_part["points"] == 0 and "2 negative events" in bureau_part["text"]
    assert application.status == CreditApplication.Status.IN_REVIEW  # negative bureau events refer
    assert "The credit bureau reports negative events" in decision.facts["decision_reasons"]


@pytest.mark.django_db
def test_a_service_that_is_down_is_recorded_and_the_decision_goes_on(company, good_answers, statements, settings):
    settings.CREDERE_VIES_URL = "http://127.0.0.1:9/vies"
    settings.CREDERE_ENRICHMENT_TIMEOUT = 1
    application, _ = service.start(company=company)
    service.save_answers(application=application, raw=good_answers)
    service.set_statements(application=application, currency="EUR", years=statements)
    service.submit(application=application)
    application.refresh_from_db()
    pull = application.pulls.get()
    assert pull.status == EnrichmentPull.Status.ERROR and "could not be reached" in pull.error
    assert application.decisions.get().facts["vat_registered"] is None
    assert application.status == CreditApplication.Status.APPROVED
    again = enrichment.enrich(application)
    assert len(again) == 1 and application.pulls.count() == 2
