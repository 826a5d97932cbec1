"""A limit approved to come into force on a later day: until then the one in force applies; from
that day the check, the standings and the customer page use it, and the daily run makes it the
active one (audited). H1 owes 500.00 EUR (tests/support/portfolio.py), 31 March 2026."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from credere.approvals import services as approvals
from credere.audit.models import AuditEvent
from credere.core.errors import BusinessError
from credere.credit import selectors
from credere.credit.models import CreditLimit, CreditStanding
from credere.credit.services import checks, limits, standing

pytestmark = pytest.mark.django_db
D = Decimal
ON = dt.date(2026, 3, 31)
LATER = dt.date(2026, 4, 15)


def _approve(people, customer, amount, **kw):
    req = limits.request_limit(actor=people["credit_analyst"], customer=customer, amount=amount, currency="EUR",
                               reason="season", **kw)
    approvals.decide(actor=people["credit_manager"], request_id=req.pk, approve=True, note="ok")
    return req


def test_a_limit_from_a_later_day_applies_from_that_day(portfolio, role_users):
    _approve(role_users, portfolio.h1, "1000.00")
    req = _approve(role_users, portfolio.h1, "5000.00", valid_from=LATER, expires_on=dt.date(2026, 9, 30))
    assert req.summary.endswith("1000.00 EUR → 5000.00 EUR from 2026-04-15")
    assert list(CreditLimit.objects.order_by("id").values_list("amount", "status", "valid_from")) == [
        (D("1000.00"), "active", ON), (D("5000.00"), "scheduled", LATER)]
    assert selectors.limit_for(portfolio.h1, None, ON).amount == D("1000.00")
    assert [x.amount for x in selectors.scheduled_limits(portfolio.h1, ON)] == [D("5000.00")]
    held = checks.check(actor=role_users["credit_manager"], company=portfolio.de, customer=portfolio.h1,
                        order_id="SO-1", amount="2000.00", currency="EUR")
    assert held.outcome == "held"
    with time_machine.travel(dt.datetime(2026, 4, 15, 9, 0, tzinfo=dt.UTC), tick=False):
        # the day has come: in force before the daily run makes it active
        assert selectors.limit_for(portfolio.h1, None, LATER).amount == D("5000.00")
        standing.refresh()
        assert CreditStanding.objects.get(customer=portfolio.h1, for_group=False).limit_amount == D("5000.00")
        released = checks.check(actor=role_users["credit_manager"], company=portfolio.de, customer=portfolio.h1,
                                order_id="SO-2", amount="2000.00", currency="EUR")
        assert released.outcome == "released"
        call_command("credit", "daily", "--no-mail", "--user", "manager", stdout=StringIO())
    assert list(CreditLimit.objects.order_by("id").values_list("status", flat=True)) == ["superseded", "active"]
    assert AuditEvent.objects.filter(action="credit_limit.scheduled").count() == 1
    assert AuditEvent.objects.filter(action="credit_limit.set", reason__startswith="scheduled from").count() == 1


def test_a_new_approval_replaces_a_limit_still_scheduled_and_the_day_is_checked(portfolio, role_users):
    _approve(role_users, portfolio.h1, "5000.00", valid_from=LATER)
    _approve(role_users, portfolio.h1, "6000.00", valid_from=dt.date(2026, 5, 1))
    assert list(CreditLimit.objects.order_by("id").values_list("status", flat=True)) == ["superseded", "scheduled"]
    with pytest.raises(BusinessError) as exc:
        limits.request_limit(actor=role_users["credit_analyst"], customer=portfolio.h1, amount="1", currency="EUR",
                             reason="x", valid_from=ON - dt.timedelta(days=1))
    assert exc.value.fields[0]["field"] == "valid_from"
    with pytest.raises(BusinessError) as exc:
        limits.request_limit(actor=role_users["credit_analyst"], customer=portfolio.h1, amount="1", currency="EUR",
                             reason="x", valid_from=LATER, expires_on=LATER)
    assert exc.value.fields[0]["field"] == "expires_on"


def test_the_page_and_the_api_take_the_day(portfolio, role_users, client_for):
    analyst = client_for("credit_analyst")
    r = analyst.post(f"/credit/customers/{portfolio.h1.pk}/limit-request/",
                     {"amount": "3000", "currency": "EUR", "reason": "autumn season", "valid_from": "2026-04-15"})
    assert r.status_code == 302
    from credere.approvals.models import ApprovalRequest

    req = ApprovalRequest.objects.get()
    assert req.payload["valid_from"] == "2026-04-15"
    approvals.decide(actor=role_users["credit_manager"], request_id=req.pk, approve=True, note="ok")
    html = analyst.get(f"/customers/{portfolio.h1.pk}/").content.decode().replace("\u00a0", " ")
    assert 'data-testid="scheduled-limits"' in html and "€3,000.00" in html
