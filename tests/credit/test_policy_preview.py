"""The credit policy page and its preview against the last checks: the page, the API and the CLI
show which decisions a change would flip, nothing is saved by a preview, and a save needs a note.

H1 (500.00 EUR, nothing overdue) has a limit of 1,000.00 EUR: an order of 520.00 is released
(102 %), one of 540.00 EUR held; S1 has no limit: held."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from credere.approvals import services as approvals
from credere.credit.models import CreditCheck, CreditPolicyVersion
from credere.credit.selectors.policy_preview import preview
from credere.credit.services import checks, limits
from credere.identity.services import issue_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(portfolio, role_users):
    req = limits.request_limit(actor=role_users["credit_analyst"], customer=portfolio.h1, amount="1000.00",
                               currency="EUR", reason="review")
    approvals.decide(actor=role_users["credit_manager"], request_id=req.pk, approve=True, note="ok")
    erp = role_users["credit_manager"]
    out = {}
    for order, customer, amount in (("SO-1", portfolio.h1, "300.00"), ("SO-2", portfolio.h1, "240.00"),
                                    ("SO-3", portfolio.s1, "100.00")):
        out[order] = checks.check(actor=erp, company=portfolio.de, customer=customer, order_id=order, amount=amount,
                                  currency="EUR")
    # SO-1: 800 of 1,000 released; SO-2: 1,040 held; SO-3: no limit, held
    assert [out[k].outcome for k in ("SO-1", "SO-2", "SO-3")] == ["released", "held", "held"]
    return out


def test_the_same_policy_flips_nothing_and_a_tolerance_releases_the_order_just_over(decided):
    assert preview({}).flips == [] and preview({}).checked == 3
    loose = preview({"over_limit_tolerance_pct": "5"})
    assert [(f.key.order.order_id, f.before, f.after.outcome) for f in loose.flips] == [("SO-2", "held", "released")]
    assert loose.changed == ["over_limit_tolerance_pct"] and loose.to_released == 1
    strict = preview({"held_risk_classes": ["C"]})  # every unclassified customer is class C
    assert sorted(f.key.order.order_id for f in strict.flips) == ["SO-1"]
    assert not CreditPolicyVersion.objects.exists()


def test_the_page_previews_and_saves_with_a_note(decided, client_for):
    manager = client_for("credit_manager")
    html = manager.get("/credit/policy/").content.decode()
    assert 'data-testid="credit-policy-form"' in html and "Tolerance over the limit (%)" in html
    form = {"currency": "EUR", "risk_classes": "A B C D E", "default_risk_class": "C", "over_limit_tolerance_pct": "5",
            "expired_limit": "review", "held_risk_classes": "E", "overdue_days": "A=60\nB=45\nC=30\nD=15\nE=0",
            "overdue_amount": "A=50000\nB=25000\nC=10000\nD=2500\nE=0",
            "approval_matrix": "credit_analyst=25000\ncredit_manager=250000\nadministrator=",
            "approval_sla_hours": "48", "cover_counts": ["insurance", "deposit"], "cover_counts_shown": "1",
            "pd_pct": "A=0.5\nB=1\nC=2.5\nD=6\nE=20", "lgd_pct": "A=45\nB=45\nC=45\nD=50\nE=60"}
    r = manager.post("/credit/policy/", {**form, "action": "preview"})
    page = r.content.decode()
    assert 'data-testid="policy-preview"' in page and "1 of 3 decisions would change" in page and "SO-2" in page
    assert not CreditPolicyVersion.objects.exists()
    bad = manager.post("/credit/policy/", {**form, "overdue_days": "A 60", "over_limit_tolerance_pct": "lots",
                                           "action": "preview"}).content.decode()
    assert 'id="overdue_days-error"' in bad and 'id="over_limit_tolerance_pct-error"' in bad
    no_note = manager.post("/credit/policy/", {**form, "action": "save"}).content.decode()
    assert 'id="note-error"' in no_note and not CreditPolicyVersion.objects.exists()
    r = manager.post("/credit/policy/", {**form, "action": "save", "note": "5 % leeway for good customers"})
    assert r.status_code == 302
    v = CreditPolicyVersion.objects.get()
    assert v.settings["over_limit_tolerance_pct"] == "5" and v.settings["cover_counts"] == ["insurance", "deposit"]
    assert v.settings["approval_matrix"][-1] == ["administrator", None, []]
    analyst = client_for("credit_analyst")
    read_only = analyst.get("/credit/policy/").content.decode()
    assert "read only" in read_only and 'value="save"' not in read_only
    assert analyst.post("/credit/policy/", {**form, "action": "save", "note": "x"}).status_code == 403
    assert analyst.post("/credit/policy/", {**form, "action": "preview"}).status_code == 200
    assert client_for("cash_clerk").get("/credit/policy/").status_code == 403


def test_the_api_and_the_cli_preview(decided, role_users):
    _t, secret = issue_token(actor=None, user=role_users["credit_analyst"], name="risk")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    r = api.post("/api/v1/credit/policy/preview", {"settings": {"over_limit_tolerance_pct": "5"}},
                 content_type="application/json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["checked"], body["released_instead_of_held"], body["flips"][0]["order_id"]) == (3, 1, "SO-2")
    bad = api.post("/api/v1/credit/policy/preview", {"settings": {"expired_limit": "never"}},
                   content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "expired_limit"
    out = StringIO()
    call_command("credit", "policy", "--set", "over_limit_tolerance_pct=5", "--preview", "--user", "manager",
                 stdout=out)
    assert "1 of 3 recent decisions would change" in out.getvalue() and "SO-2" in out.getvalue()
    assert not CreditPolicyVersion.objects.exists() and CreditCheck.objects.count() == 3
