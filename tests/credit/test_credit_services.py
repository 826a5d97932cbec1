"""Credit control end to end through its services: limits through approvals (four eyes, authority),
order checks released or held with their reasons, idempotency, holds released or rejected, and
exposure that counts what it should. The hand-computed portfolio of tests/support/portfolio.py:
H1 (Helios Holding AG) owes 500.00 EUR, nothing overdue; H1A (its subsidiary) 400.00 EUR, 55 days
overdue; S1 840.00 EUR (INV-U1 800 USD = 640 EUR, 121 days overdue)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from credere.approvals import services as approvals
from credere.approvals.models import ApprovalRequest
from credere.audit.models import AuditEvent
from credere.core.errors import BusinessError, Conflict
from credere.credit import selectors
from credere.credit.models import CreditCheck, CreditLimit, Order
from credere.credit.services import checks, limits
from credere.identity.authz import NotAllowed
from credere.ledger.services.master_data import upsert_customer

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def people(role_users, make_user):
    return {**role_users, "analyst2": make_user("credit_analyst", username="analyst2")}


def _limit(people, customer, amount, *, approver="credit_manager", **kw):
    req = limits.request_limit(actor=people["credit_analyst"], customer=customer, amount=amount, currency="EUR",
                               reason="annual review", **kw)
    return approvals.decide(actor=people[approver], request_id=req.pk, approve=True, note="agreed")


def test_a_limit_needs_an_approver_with_the_authority_and_never_the_requester(portfolio, people):
    req = limits.request_limit(actor=people["credit_analyst"], customer=portfolio.h1, amount="100000.00",
                               currency="EUR", reason="new distribution contract")
    assert (req.status, req.required_role, req.risk_class) == ("pending", "credit_manager", "C")
    assert req.summary == "Credit limit of Helios Holding AG: none → 100000.00 EUR"
    assert req.facts["exposure"] == "500.00"
    with pytest.raises(BusinessError, match="four eyes"):
        approvals.decide(actor=people["credit_analyst"], request_id=req.pk, approve=True)
    with pytest.raises(BusinessError, match="analyst2 holds no role with that authority"):
        approvals.decide(actor=people["analyst2"], request_id=req.pk, approve=True)
    assert not CreditLimit.objects.exists()
    approvals.decide(actor=people["credit_manager"], request_id=req.pk, approve=True, note="fine")
    limit = CreditLimit.objects.get()
    assert (limit.amount, limit.currency, limit.approved_by, limit.approval_id) == (D("100000.00"), "EUR", "manager",
                                                                                   req.pk)
    assert list(AuditEvent.objects.filter(action__in=["approval.requested", "approval.approved", "credit_limit.set"])
                .values_list("action", flat=True).order_by("seq")) == [
        "approval.requested", "approval.approved", "credit_limit.set"]
    with pytest.raises(Conflict):
        approvals.decide(actor=people["administrator"], request_id=req.pk, approve=False, note="too late")


def test_a_small_limit_is_within_an_analysts_authority_and_a_new_one_supersedes_it(portfolio, people):
    _limit(people, portfolio.h1, "20000.00", approver="analyst2")
    _limit(people, portfolio.h1, "30000.00")
    assert list(CreditLimit.objects.order_by("id").values_list("amount", "status")) == [
        (D("20000.00"), "superseded"), (D("30000.00"), "active")]


def test_orders_within_the_limit_are_released_and_over_it_held_with_figures(portfolio, people):
    _limit(people, portfolio.h1, "100000.00")
    erp = people["credit_manager"]
    first = checks.check(actor=erp, company=portfolio.de, customer=portfolio.h1, order_id="SO-1",
                         amount="99000.00", currency="EUR")
    assert (first.outcome, first.status) == ("released", "released")
    assert first.reasons == [{"code": "WITHIN_LIMIT", "text": "Within the limit: 99,500.00 EUR of 100,000.00 EUR "
                                                             "(99.50 %) used with this order."}]
    # the same order version again: the same decision, nothing new written
    again = checks.check(actor=erp, company=portfolio.de, customer=portfolio.h1, order_id="SO-1",
                         amount="99000.00", currency="EUR")
    assert again.pk == first.pk and CreditCheck.objects.count() == 1
    held = checks.check(actor=erp, company=portfolio.de, customer=portfolio.h1, order_id="SO-2",
                        amount="1000.00", currency="EUR")
    assert (held.outcome, held.status) == ("held", "held")
    assert held.reasons[0]["code"] == "OVER_LIMIT" and "Over the limit by 500.00 EUR" in held.reasons[0]["text"]
    assert held.facts["exposure_after"] == "100500.00" and held.facts["open_orders"] == "99000.00"
    # a held order does not count: a smaller one still fits
    fits = checks.check(actor=erp, company=portfolio.de, customer=portfolio.h1, order_id="SO-3",
                        amount="400.00", currency="EUR")
    assert fits.outcome == "released"
    assert list(selectors.holds()) == [held]


def test_a_held_order_is_released_or_rejected_with_a_reason_within_authority(portfolio, people):
    checks_ = [checks.check(actor=people["credit_manager"], company=portfolio.de, customer=portfolio.s1,
                            order_id=f"SO-{n}", amount=amount, currency="EUR")
               for n, amount in ((1, "1000.00"), (2, "30000.00"))]
    assert [c.status for c in checks_] == ["held", "held"]  # no limit; S1 is 121 days overdue
    assert [r["code"] for r in checks_[0].reasons] == ["NO_LIMIT", "OVERDUE"]
    with pytest.raises(BusinessError, match="say why"):
        checks.decide_hold(actor=people["credit_analyst"], check_id=checks_[0].pk, release=True, note=" ")
    with pytest.raises(NotAllowed):
        checks.decide_hold(actor=people["sales"], check_id=checks_[0].pk, release=True, note="customer called")
    released = checks.decide_hold(actor=people["credit_analyst"], check_id=checks_[0].pk, release=True,
                                  note="paid by phone, remittance follows")
    assert (released.status, released.decided_by) == ("released_by_person", "analyst")
    assert Order.objects.get(order_id="SO-1").credit_status == "released"
    # 30,000 EUR is over the analyst's 25,000: a manager's release
    with pytest.raises(BusinessError, match="Needs a credit manager"):
        checks.decide_hold(actor=people["credit_analyst"], check_id=checks_[1].pk, release=True, note="ok")
    rejected = checks.decide_hold(actor=people["credit_manager"], check_id=checks_[1].pk, release=False,
                                  note="too much overdue")
    assert rejected.status == "rejected" and Order.objects.get(order_id="SO-2").credit_status == "rejected"
    with pytest.raises(Conflict):
        checks.decide_hold(actor=people["credit_manager"], check_id=checks_[1].pk, release=True, note="changed mind")


def test_status_group_limit_versions_and_cancellations(portfolio, people):
    erp = people["credit_manager"]
    _limit(people, portfolio.h1a, "50000.00")
    _limit(people, portfolio.h1, "10000.00", for_group=True)
    limits.set_risk_class(actor=people["credit_analyst"], customer=portfolio.h1a, risk_class="A",
                          reason="strong payer, 60 days tolerated")
    # H1A's own limit allows 9,000 but the group's (500 + 400 + 9,500 > 10,000) does not
    c = checks.check(actor=erp, company=portfolio.de, customer=portfolio.h1a, order_id="G-1", amount="9500.00",
                     currency="EUR")
    assert [r["code"] for r in c.reasons] == ["GROUP_OVER_LIMIT"]
    # a new version of the order is checked again; an older one is refused
    c2 = checks.check(actor=erp, company=portfolio.de, customer=portfolio.h1a, order_id="G-1", amount="5000.00",
                      currency="EUR", version=2)
    assert c2.outcome == "released" and c2.order_id == c.order_id
    with pytest.raises(Conflict, match="out of date"):
        checks.check(actor=erp, company=portfolio.de, customer=portfolio.h1a, order_id="G-1", amount="1.00",
                     currency="EUR", version=1)
    before = selectors.exposure([portfolio.h1a.pk], "EUR", timezone.localdate(), cover_kinds=(),
                                 commitment_kinds=()).orders
    checks.cancel_order(actor=erp, company=portfolio.de, order_id="G-1", reason="customer cancelled")
    assert before == D("5000.00") and selectors.exposure([portfolio.h1a.pk], "EUR", timezone.localdate(), cover_kinds=(),
                                 commitment_kinds=()).orders == 0
    upsert_customer(actor=people["administrator"], account_number="H1A", name="Helios Trading GmbH",
                    parent_account="H1", status="blocked")
    blocked = checks.check(actor=erp, company=portfolio.de, customer=portfolio.h1a, order_id="G-2", amount="1.00",
                           currency="EUR")
    assert blocked.outcome == "held" and blocked.reasons[0]["code"] == "CUSTOMER_BLOCKED"


def test_bad_input_names_the_field_and_writes_nothing(portfolio, people):
    erp = people["credit_manager"]
    events = AuditEvent.objects.count()
    for kw, field in (({"amount": "0"}, "amount"), ({"amount": "-5"}, "amount"), ({"currency": "EURO"}, "currency"),
                      ({"order_id": " "}, "order_id")):
        args = {"actor": erp, "company": portfolio.de, "customer": portfolio.h1, "order_id": "X-1",
                "amount": "10.00", "currency": "EUR", **kw}
        with pytest.raises(BusinessError) as err:
            checks.check(**args)
        assert err.value.fields[0]["field"] == field
    with pytest.raises(BusinessError) as err:
        limits.request_limit(actor=people["credit_analyst"], customer=portfolio.h1, amount="1000", currency="EUR",
                             reason="  ")
    assert err.value.fields[0]["field"] == "reason"
    with pytest.raises(NotAllowed):
        checks.check(actor=people["sales"], company=portfolio.de, customer=portfolio.h1, order_id="X-1",
                     amount="10.00", currency="EUR")
    assert AuditEvent.objects.count() == events and not Order.objects.exists()
    assert not ApprovalRequest.objects.exists()


def test_the_command_line_checks_lists_holds_and_decides(portfolio, people, capsys):
    from django.core.management import CommandError, call_command

    call_command("credit", "check", "--company", "DE01", "--customer", "S1", "--order", "SO-5", "--amount", "250",
                 "--currency", "eur", "--user", "manager")
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("Order SO-5 v1: Held (250.00 EUR, check ")
    assert "  NO_LIMIT: The customer has no credit limit" in out
    call_command("credit", "holds", "--user", "analyst")
    assert "SO-5" in capsys.readouterr().out
    check_id = CreditCheck.objects.get().pk
    call_command("credit", "release", str(check_id), "--note", "small order", "--user", "analyst")
    assert "Released by credit staff" in capsys.readouterr().out
    call_command("credit", "limit", "H1", "--amount", "5000", "--currency", "EUR", "--reason", "trial",
                 "--user", "analyst")
    assert "needs credit analyst" in capsys.readouterr().out
    request_id = ApprovalRequest.objects.get().pk
    with pytest.raises(CommandError, match="four eyes"):
        call_command("approvals", "approve", str(request_id), "--user", "analyst")
    call_command("approvals", "approve", str(request_id), "--user", "analyst2")
    call_command("credit", "customer", "H1", "--user", "sales")
    out = capsys.readouterr().out
    assert "credit limit    5000.00 EUR" in out and "limit used      10.00 %" in out
    with pytest.raises(CommandError, match="may not"):
        call_command("credit", "check", "--company", "DE01", "--customer", "S1", "--order", "SO-6", "--amount", "1",
                     "--currency", "EUR", "--user", "sales")
