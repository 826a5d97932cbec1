"""Goods shipped and not invoiced, and other commitments: they count in exposure (the kinds the
policy names), in the check, the standings, the customer's picture and the portfolio; recorded
and ended through the service, the API, the CLI and the customer page; the same again is no
second commitment; a past day counts those in force then.

Portfolio (tests/support/portfolio.py), 31 March 2026: S1 owes 840.00 EUR (INV-U1 800 USD = 640
EUR, 121 days overdue; INV-3 300, CN-1 -100); H1 500.00 EUR."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from credere.approvals import services as approvals
from credere.audit.models import AuditEvent
from credere.core.errors import BusinessError, Conflict
from credere.credit import selectors
from credere.credit.models import Commitment, CreditStanding
from credere.credit.policy import policy_in_force
from credere.credit.selectors.portfolio import portfolio as portfolio_of
from credere.credit.services import checks, commitments, limits, standing
from credere.credit.services import policy as policy_service
from credere.identity.services import issue_token

pytestmark = pytest.mark.django_db
D = Decimal
ON = dt.date(2026, 3, 31)


def _limit(people, customer, amount):
    req = limits.request_limit(actor=people["credit_analyst"], customer=customer, amount=amount, currency="EUR",
                               reason="review")
    approvals.decide(actor=people["administrator"], request_id=req.pk, approve=True, note="ok")


def _exposure(customer):
    p = policy_in_force()
    return selectors.exposure([customer.pk], "EUR", ON, cover_kinds=p.settings["cover_counts"],
                              commitment_kinds=p.settings["commitment_counts"])


def _record(people, portfolio, **kw):
    args = {"actor": people["credit_analyst"], "customer": portfolio.h1, "company": portfolio.de, "kind": "shipped",
            "reference": "DN-881", "amount": "700.00", "currency": "EUR", "note": "delivered 30 March"} | kw
    return commitments.record_commitment(**args)


def test_a_shipment_not_invoiced_counts_in_the_check_and_everywhere_until_it_ends(portfolio, role_users, commit):
    _limit(role_users, portfolio.h1, "2000.00")
    row, created = _record(role_users, portfolio)
    commit()
    assert created and AuditEvent.objects.filter(action="commitment.recorded", object_id=str(row.pk)).exists()
    e = _exposure(portfolio.h1)
    assert (e.receivables, e.orders, e.commitments, e.total) == (D("500.00"), 0, D("700.00"), D("1200.00"))
    stored = CreditStanding.objects.get(customer=portfolio.h1, for_group=False)
    assert (stored.commitments, stored.exposure, stored.utilisation) == (D("700.00"), D("1200.00"), D("60.00"))
    # 500 owed + 700 shipped + 900 ordered = 2,100 > 2,000: held; without the shipment it would pass
    held = checks.check(actor=role_users["credit_manager"], company=portfolio.de, customer=portfolio.h1,
                        order_id="SO-9", amount="900.00", currency="EUR")
    assert [r["code"] for r in held.reasons] == ["OVER_LIMIT"] and held.facts["commitments"] == "700.00"
    assert portfolio_of(policy_in_force(), ON).exposure == D("1740.00") + D("700.00")
    # the same again is the same commitment; another amount under an open reference is refused
    again, created = _record(role_users, portfolio)
    assert (again.pk, created) == (row.pk, False)
    with pytest.raises(Conflict, match="already recorded for 700.00 EUR"):
        _record(role_users, portfolio, amount="710.00")
    with time_machine.travel(dt.datetime(2026, 4, 2, 12, tzinfo=dt.UTC), tick=False):
        commitments.end_commitment(actor=role_users["credit_analyst"], commitment_id=row.pk, note="invoiced")
        commit()
        assert _exposure(portfolio.h1).commitments == D("700.00")  # 31 March, now a past day, still counts it
        later = selectors.exposure([portfolio.h1.pk], "EUR", dt.date(2026, 4, 2), cover_kinds=(),
                                   commitment_kinds=("shipped", "other"))
        assert later.commitments == 0
        then = selectors.exposure([portfolio.h1.pk], "EUR", dt.date(2026, 4, 1), cover_kinds=(),
                                  commitment_kinds=("shipped", "other"))
        assert then.commitments == D("700.00")
        with pytest.raises(Conflict, match="ended on 2026-04-02"):
            commitments.end_commitment(actor=role_users["credit_analyst"], commitment_id=row.pk, note="again")
        # ended, the reference is free again
        assert _record(role_users, portfolio, amount="50.00")[1] is True


def test_the_policy_decides_which_kinds_count(portfolio, role_users):
    _record(role_users, portfolio)
    _record(role_users, portfolio, kind="other", reference="CONTRACT-7", amount="300.00", note="consignment stock")
    assert _exposure(portfolio.h1).commitments == D("1000.00")
    policy_service.set_policy(actor=role_users["credit_manager"], settings={"commitment_counts": ["other"]},
                              note="shipments are invoiced the same day")
    assert _exposure(portfolio.h1).commitments == D("300.00")
    with pytest.raises(BusinessError, match="commitment_counts"):
        policy_service.set_policy(actor=role_users["credit_manager"], settings={"commitment_counts": ["orders"]},
                                  note="bad")


def test_bad_input_names_every_field_and_writes_nothing(portfolio, role_users):
    with pytest.raises(BusinessError) as err:
        _record(role_users, portfolio, company=None, kind="promise", reference=" ", amount="-5", note="",
                valid_from=dt.date(2026, 4, 5))
    assert {f["field"] for f in err.value.fields} == {"company", "kind", "reference", "amount", "valid_from", "note"}
    with pytest.raises(BusinessError, match="amount"):
        _record(role_users, portfolio, currency="JPY", amount="10.5")
    assert not Commitment.objects.exists()
    with pytest.raises(Exception, match="may not|not allowed|permission"):
        _record(role_users, portfolio, actor=role_users["sales"])


def test_the_api_the_cli_and_the_customer_page(portfolio, role_users, client_for):
    _token, secret = issue_token(actor=None, user=role_users["credit_analyst"], name="erp")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = {"kind": "shipped", "company": "DE01", "reference": "DN-1", "amount": "250.00", "currency": "EUR",
            "note": "delivery 31 March"}
    first = api.post("/api/v1/credit/customers/S1/commitments", body, content_type="application/json")
    assert first.status_code == 201, first.content
    assert (first.json()["company"], first.json()["amount"], first.json()["ended_on"]) == ("DE01", "250.00", None)
    assert api.post("/api/v1/credit/customers/S1/commitments", body, content_type="application/json").status_code == 200
    bad = api.post("/api/v1/credit/customers/S1/commitments", {**body, "kind": "promise"},
                   content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "kind"
    assert api.post("/api/v1/credit/customers/S1/commitments", {**body, "company": "XX"},
                    content_type="application/json").status_code == 422
    assert [c["reference"] for c in api.get("/api/v1/credit/customers/S1/commitments").json()] == ["DN-1"]
    assert api.get("/api/v1/credit/customers/S1").json()["exposure"] == "1090.00"  # 840 + 250
    ended = api.post(f"/api/v1/credit/commitments/{first.json()['id']}/end", {"note": "invoiced"},
                     content_type="application/json")
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2026-03-31"
    out = StringIO()
    call_command("credit", "commitment-add", "S1", "--kind", "other", "--company", "DE01", "--reference", "C-9",
                 "--amount", "120", "--currency", "EUR", "--note", "consignment", "--user", "analyst", stdout=out)
    assert "Recorded: other commitment C-9 120.00 EUR" in out.getvalue()
    out = StringIO()
    call_command("credit", "commitments", "S1", "--user", "analyst", stdout=out)
    assert "C-9" in out.getvalue() and "DN-1" in out.getvalue() and "ended 2026-03-31" in out.getvalue()
    with pytest.raises(CommandError, match="amount"):
        call_command("credit", "commitment-add", "S1", "--kind", "other", "--company", "DE01", "--reference", "C-10",
                     "--amount", "lots", "--currency", "EUR", "--note", "x", "--user", "analyst")
    analyst = client_for("credit_analyst")
    r = analyst.post(f"/credit/customers/{portfolio.s1.pk}/commitments/",
                     {"kind": "shipped", "company": "DE01", "reference": "DN-2", "amount": "80.00", "currency": "EUR",
                      "note": "pallets"}, follow=True)
    html = r.content.decode()
    assert "Recorded: shipped, not invoiced DN-2" in html and 'data-testid="commitment-list"' in html
    assert "shipped and other commitments" in html
    dn2 = Commitment.objects.get(reference="DN-2")
    r = analyst.post(f"/credit/commitments/{dn2.pk}/end/", {"note": "invoiced"}, follow=True)
    assert "ended on" in r.content.decode()
    refused = analyst.post(f"/credit/customers/{portfolio.s1.pk}/commitments/",
                           {"kind": "shipped", "company": "DE01", "reference": "", "amount": "x", "currency": "EUR",
                            "note": ""}, follow=True).content.decode()
    assert "The commitment was not recorded" in refused and "reference" in refused
    assert client_for("sales").post(f"/credit/customers/{portfolio.s1.pk}/commitments/", {}).status_code == 403
    standing.refresh()
