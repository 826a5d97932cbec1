"""The alert run on the database: each rule fires at its threshold and not below, an alert is raised
once per condition, cleared when the condition stops and raised again when it returns; the ledger's
changes run it.

Portfolio (tests/support/portfolio.py), 31 March 2026: H1 500.00 EUR (not overdue), H1A 400.00 EUR
(55 days overdue), S1 840.00 EUR of which 640.00 EUR is 121 days overdue. Exposure 1,740.00 EUR: the
Helios group (H1 + H1A) 900.00 = 51.72 %, S1 840.00 = 48.28 %."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from credere.approvals import services as approvals
from credere.audit.models import AuditEvent
from credere.credit.models import Alert, CreditCheck
from credere.credit.services import alerts, checks, cover, limits, standing
from credere.credit.services import policy as policy_service
from credere.ledger.services.allocations import allocate
from credere.ledger.services.documents import record_payment, upsert_item

pytestmark = pytest.mark.django_db
D = Decimal
ON = dt.date(2026, 3, 31)
QUIET = {"alert_concentration_pct": "101", "alert_overdue_days": 1000, "alert_overdue_amount": "1000000"}


def _policy(people, **settings):
    policy_service.set_policy(actor=people["credit_manager"], settings=settings, note="test thresholds")


def _limit(people, customer, amount, **kw):
    req = limits.request_limit(actor=people["credit_analyst"], customer=customer, amount=amount, currency="EUR",
                               reason="review", **kw)
    approvals.decide(actor=people["administrator"], request_id=req.pk, approve=True, note="ok")


def _run(ids=None):
    standing.refresh()
    return alerts.run(ids)


def _live(kind=None):
    qs = Alert.objects.filter(cleared_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    return sorted(qs.values_list("condition_key", "severity"))


def test_utilisation_fires_at_the_threshold_and_not_below(portfolio, role_users):
    _policy(role_users, **QUIET)
    _limit(role_users, portfolio.s1, "900.00")  # 840 / 900 = 93.33 %
    _limit(role_users, portfolio.h1, "1000.00")  # 50 %
    done = _run()
    s1_key = f"utilisation:{portfolio.s1.pk}:c:*"
    assert (done.raised, done.still_true, done.cleared) == (1, 0, 0)
    assert _live() == [(s1_key, "medium")]
    alert = Alert.objects.get()
    assert alert.title == ("Solo Logistics Ltd has used 93.3 % of its credit limit (all companies): 840.00 EUR "
                           "uncovered exposure against 900.00 EUR.")
    assert alert.facts["utilisation"] == "93.33" and alert.customer_id == portfolio.s1.pk
    _policy(role_users, alert_utilisation_pct="93.33")
    assert _run().raised == 0 and _live() == [(s1_key, "medium")]  # at the threshold: still holds
    _policy(role_users, alert_utilisation_pct="93.34")
    done = _run()
    assert (done.raised, done.cleared) == (0, 1) and _live() == []
    alert.refresh_from_db()
    assert (alert.status, alert.cleared_at is not None) == ("cleared", True)


def test_over_the_limit_is_high(portfolio, role_users):
    _policy(role_users, **QUIET)
    _limit(role_users, portfolio.s1, "800.00")  # 105 %
    _run()
    assert _live() == [(f"utilisation:{portfolio.s1.pk}:c:*", "high")]
    assert "(over the limit)" in Alert.objects.get().title


def test_raised_once_cleared_then_raised_again(portfolio, role_users):
    _policy(role_users, **QUIET)
    _limit(role_users, portfolio.s1, "900.00")
    first = _run()
    events = AuditEvent.objects.filter(action="alert.raised").count()
    second = _run()
    assert (first.raised, second.raised, second.still_true, second.cleared) == (1, 0, 1, 0)
    assert Alert.objects.count() == 1 and AuditEvent.objects.filter(action="alert.raised").count() == events == 1
    _policy(role_users, alert_utilisation_pct="95")
    assert _run().cleared == 1
    assert AuditEvent.objects.filter(action="alert.cleared").count() == 1
    _policy(role_users, alert_utilisation_pct="90")
    again = _run()
    assert again.raised == 1
    assert sorted(Alert.objects.values_list("status", flat=True)) == ["cleared", "open"]


def test_a_resolved_alert_is_not_raised_again_until_its_condition_clears(portfolio, role_users):
    _policy(role_users, **QUIET)
    _limit(role_users, portfolio.s1, "900.00")
    _run()
    alert = Alert.objects.get()
    alerts.resolve(actor=role_users["credit_analyst"], alert_id=alert.pk, note="customer pays on Friday")
    assert _run().raised == 0 and Alert.objects.count() == 1
    _policy(role_users, alert_utilisation_pct="95")
    assert _run().cleared == 1
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.cleared_at is not None  # a person's word stays
    _policy(role_users, alert_utilisation_pct="90")
    assert _run().raised == 1 and Alert.objects.filter(status="open").count() == 1


def test_limit_and_cover_expiring_within_the_days(portfolio, role_users):
    _policy(role_users, **QUIET, alert_utilisation_pct="1000")
    _limit(role_users, portfolio.s1, "5000.00", expires_on=dt.date(2026, 4, 30))  # in 30 days
    _limit(role_users, portfolio.h1, "5000.00", expires_on=dt.date(2026, 5, 1))  # in 31 days
    soon = cover.record_cover(actor=role_users["credit_analyst"], customer=portfolio.h1, kind="insurance",
                              provider="Allianz Trade", amount="500.00", currency="EUR", note="policy 4711",
                              expires_on=dt.date(2026, 4, 10))
    cover.record_cover(actor=role_users["credit_analyst"], customer=portfolio.h1, kind="guarantee",
                       provider="Deutsche Bank", amount="500.00", currency="EUR", note="guarantee 1",
                       expires_on=dt.date(2026, 5, 1))
    _run()
    limit_id = Alert.objects.get(kind="limit_expiry").facts
    assert [k.split(":")[0] for k, _s in _live()] == ["cover_expiry", "limit_expiry"]
    assert limit_id["days"] == "30"
    assert Alert.objects.get(kind="cover_expiry").title == (
        "The credit insurance by Allianz Trade (500.00 EUR) of Helios Holding AG expires on 2026-04-10, in 10 days.")
    cover.end_cover(actor=role_users["credit_analyst"], cover_id=soon.pk, note="renewed under a new policy")
    assert _run().cleared == 1 and [k.split(":")[0] for k, _s in _live()] == ["limit_expiry"]


def test_overdue_by_days_or_amount(portfolio, role_users):
    _policy(role_users, alert_concentration_pct="101", alert_overdue_days=55, alert_overdue_amount="1000000")
    _run()
    # H1A 55 days (at the threshold), S1 121 days; amounts below 1,000,000
    assert _live("overdue") == [(f"overdue:{portfolio.h1a.pk}", "medium"), (f"overdue:{portfolio.s1.pk}", "medium")]
    assert Alert.objects.get(customer=portfolio.h1a).title == (
        "Helios Trading GmbH has 400.00 EUR overdue, the oldest item 55 days past due.")
    _policy(role_users, alert_overdue_days=56)
    assert _run().cleared == 1 and _live("overdue") == [(f"overdue:{portfolio.s1.pk}", "medium")]
    _policy(role_users, alert_overdue_amount="400.00")  # H1A's 400 reaches it; S1: days and amount
    _run()
    assert _live("overdue") == [(f"overdue:{portfolio.h1a.pk}", "medium"), (f"overdue:{portfolio.s1.pk}", "high")]
    _policy(role_users, alert_overdue_amount="640.01", alert_overdue_days=122)
    assert _run().cleared == 2 and _live("overdue") == []


def test_paying_later_this_quarter_than_the_last(portfolio, role_users):
    _policy(role_users, **QUIET)
    admin = role_users["administrator"]
    # Q4 2025: 1,000 EUR paid 5 days late; Q1 2026: INV-1's 600 EUR paid 34 days late (portfolio)
    inv = upsert_item(actor=admin, company=portfolio.de, customer=portfolio.h1a, document_type="invoice",
                      document_number="INV-Q4", document_date=dt.date(2025, 10, 16), due_date=dt.date(2025, 11, 15),
                      currency="EUR", amount=D("1000.00"))[0]
    pay = record_payment(actor=admin, company=portfolio.de, customer=portfolio.h1a, reference="P-Q4",
                         received_on=dt.date(2025, 11, 20), currency="EUR", amount=D("1000.00"))[0]
    allocate(actor=admin, target_id=inv.pk, payment_id=pay.pk, amount=D("1000.00"), applied_on=dt.date(2025, 11, 20))
    _run()
    alert = Alert.objects.get(kind="late_trend")
    assert alert.condition_key == f"late_trend:{portfolio.h1a.pk}:2026-Q1"
    assert alert.title == ("Helios Trading GmbH pays later: 34.0 days late on average this quarter (2026-Q1) "
                           "against 5.0 the quarter before (+29.0 days).")
    _policy(role_users, alert_days_late_worse="29")
    assert _run().raised == 0 and _live("late_trend")  # exactly 29 days worse: still holds
    _policy(role_users, alert_days_late_worse="29.1")
    assert _run().cleared == 1 and _live("late_trend") == []


def test_an_order_held_longer_than_the_sla(portfolio, role_users):
    _policy(role_users, **QUIET)
    held = checks.check(actor=role_users["credit_manager"], company=portfolio.de, customer=portfolio.s1,
                        order_id="SO-9", amount="100.00", currency="EUR")
    assert held.status == "held"
    now = dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC)
    CreditCheck.objects.filter(pk=held.pk).update(checked_at=now - dt.timedelta(hours=24))
    _run()
    assert _live("hold_sla") == []  # 24 hours: not longer than the SLA
    CreditCheck.objects.filter(pk=held.pk).update(checked_at=now - dt.timedelta(hours=25))
    _run()
    assert _live("hold_sla") == [(f"hold_sla:{held.pk}", "medium")]
    assert Alert.objects.get(kind="hold_sla").title == (
        "Order SO-9 of Solo Logistics Ltd (100.00 EUR) has been held for 25 hours; the policy allows 24.")
    checks.decide_hold(actor=role_users["credit_manager"], check_id=held.pk, release=False, note="no")
    assert _run().cleared == 1


def test_concentration_of_customers_and_groups(portfolio, role_users):
    _policy(role_users, alert_overdue_days=1000, alert_overdue_amount="1000000", alert_concentration_pct="48.28")
    _run()
    assert _live("concentration") == [(f"concentration:{portfolio.h1.pk}", "low"),
                                      (f"concentration:{portfolio.s1.pk}", "low")]
    assert Alert.objects.get(customer=portfolio.h1).title == (
        "The Helios Holding AG group carries 51.7 % of all exposure: 900.00 EUR of 1,740.00 EUR.")
    _policy(role_users, alert_concentration_pct="48.29")
    assert _run().cleared == 1 and _live("concentration") == [(f"concentration:{portfolio.h1.pk}", "low")]


def test_a_ledger_change_runs_the_alerts_for_its_customers(portfolio, role_users, commit):
    _policy(role_users, **QUIET)
    _limit(role_users, portfolio.s1, "1000.00")  # 84 %
    commit()
    assert _live() == []
    upsert_item(actor=role_users["administrator"], company=portfolio.de, customer=portfolio.s1,
                document_type="invoice", document_number="INV-9", document_date=ON, due_date=dt.date(2026, 4, 30),
                currency="EUR", amount=D("100.00"))
    commit()  # 940 / 1000 = 94 %
    assert _live() == [(f"utilisation:{portfolio.s1.pk}:c:*", "medium")]


def test_a_partial_run_clears_only_its_customers_and_other_kinds_are_left_alone(portfolio, role_users):
    _policy(role_users, alert_concentration_pct="101", alert_overdue_days=30, alert_overdue_amount="1000000")
    _run()
    assert {k for k, _s in _live()} == {f"overdue:{portfolio.h1a.pk}", f"overdue:{portfolio.s1.pk}"}
    promise = alerts.keep(condition_key="promise_broken:77", kind="promise_broken", customer=portfolio.s1,
                          severity="high", title="Solo Logistics Ltd broke its promise to pay 640.00 EUR.")
    _policy(role_users, alert_overdue_days=100)  # H1A (55 days) no longer; S1 (121) still
    done = alerts.run([portfolio.h1.pk])  # H1 and its group: H1A is not evaluated
    assert done.cleared == 0 and done.customers == 1
    assert alerts.run([portfolio.h1a.pk]).cleared == 1
    assert alerts.keep(condition_key="promise_broken:77", kind="promise_broken", customer=portfolio.s1,
                       severity="high", title="Solo Logistics Ltd broke its promise to pay 640.00 EUR.").pk == promise.pk
    assert {k for k, _s in _live()} == {f"overdue:{portfolio.s1.pk}", "promise_broken:77"}
    assert alerts.clear_missing(kinds=["promise_broken"], present_keys=set()) == 1
    assert {k for k, _s in _live()} == {f"overdue:{portfolio.s1.pk}"}
