"""``credere onboarding`` as a credit team types it."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from credere.onboarding.models import CreditApplication
from credere.onboarding.services import applications as service

DATA = Path(__file__).parent.parent / "data" / "sanctions"


def run(*args):
    out = StringIO()
    call_command("onboarding", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def referred(company, good_answers, statements, make_user):
    make_user("credit_analyst", username="anna")
    make_user("credit_manager", username="mia")
    make_user("auditor", username="otto")
    application, _ = service.start(company=company)
    service.save_answers(application=application, raw={**good_answers, "requested_limit": "400000"})
    service.set_statements(application=application, currency="EUR", years=statements)
    service.submit(application=application)
    application.refresh_from_db()
    return application


@pytest.mark.django_db
def test_the_queue_an_application_and_a_proposal(referred):
    assert referred.reference in run("applications", "--user", "anna")
    shown = run("show", referred.reference, "--user", "anna")
    assert "score" in shown and "default model: PD" in shown and "Z'' = " in shown
    out = run("propose", referred.reference, "--limit", "150000", "--terms", "30", "--class", "B", "--note",
              "good references", "--user", "anna")
    assert "needs credit_manager" in out
    assert CreditApplication.objects.get(pk=referred.pk).status == "awaiting_approval"


@pytest.mark.django_db
def test_policy_preview_save_and_a_rule_test(referred):
    assert "onboarding policy (defaults)" in run("policy", "--user", "mia")
    preview = run("policy", "--set", 'terms_days={"A": 60, "B": 45, "C": 30, "D": 14, "E": 0}', "--set",
                  'limit_step="50000"', "--preview", "--user", "mia")
    assert "applications assessed" in preview
    with pytest.raises(CommandError, match="note"):
        run("policy", "--set", 'limit_step="5000"', "--user", "mia")
    assert "version 1 in force" in run("policy", "--set", 'limit_step="5000"', "--note", "rounder", "--user", "mia")
    later = run("policy", "--set", 'limit_step="10000"', "--note", "next year", "--effective-from",
                "2030-01-01T00:00:00", "--user", "mia")
    assert "version 2 in force from 2030-01-01" in later
    from credere.onboarding.policy import policy_in_force

    assert policy_in_force().version == 1  # version 2 waits for its day
    with pytest.raises(CommandError):
        run("policy", "--set", 'limit_step="5000"', "--note", "x", "--user", "anna")  # an analyst cannot
    held = run("rule-test", "requested_limit > recommended_limit", referred.reference, "--user", "anna")
    assert held.startswith("holds") and "score = " in held
    with pytest.raises(CommandError, match="not a fact"):
        run("rule-test", "scroe >= 3", referred.reference, "--user", "anna")


@pytest.mark.django_db
def test_a_decision_reproduces_under_its_own_versions(referred):
    decision = referred.decisions.get()
    run("policy", "--set", 'class_bands=[[90, "A"], [75, "B"], [60, "C"], [45, "D"], [0, "E"]]', "--note", "harder",
        "--user", "mia")
    out = run("reproduce", str(decision.pk), "--user", "otto")
    assert "the same" in out and "inputs unchanged" in out


@pytest.mark.django_db
def test_sanctions_import_and_screening(referred):
    out = run("sanctions-import", str(DATA / "eu_fsf.xml"), "--user", "mia")
    assert "entries" in out
    assert "possible match" in run("screen", referred.reference, "--user", "anna")
