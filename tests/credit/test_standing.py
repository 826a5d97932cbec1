"""Stored credit standings agree with the customer page's figures; cover reduces exposure; an
invoice naming an order takes its amount off the order; the ledger's changes refresh them.

Portfolio (tests/support/portfolio.py), 31 March 2026: H1 500.00 EUR; H1A 400.00 EUR (55 days
overdue); S1 840.00 EUR (INV-U1 800 USD = 640 EUR, 121 days overdue)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from credere.approvals import services as approvals
from credere.audit.models import AuditEvent
from credere.core.errors import BusinessError
from credere.credit import selectors
from credere.credit.models import CreditStanding, Order
from credere.credit.policy import policy_in_force
from credere.credit.services import checks, cover, limits, standing
from credere.ledger.services.documents import upsert_item

pytestmark = pytest.mark.django_db
D = Decimal
ON = dt.date(2026, 3, 31)


def _limit(people, customer, amount, currency="EUR", **kw):
    req = limits.request_limit(actor=people["credit_analyst"], customer=customer, amount=amount, currency=currency,
                               reason="review", **kw)
    return approvals.decide(actor=people["administrator"], request_id=req.pk, approve=True, note="ok")


def _picture(customer):
    p = policy_in_force()
    return selectors.picture(customer, ON, policy_currency=p.currency, default_class="C",
                             cover_kinds=p.settings["cover_counts"],
                             commitment_kinds=p.settings["commitment_counts"])


def _row(customer, group=False):
    return CreditStanding.objects.get(customer=customer, for_group=group)


def test_standings_match_the_customer_page_for_every_kind_of_limit(portfolio, role_users):
    _limit(role_users, portfolio.h1, "1000.00")
    _limit(role_users, portfolio.s1, "1000.00", currency="USD")  # 840 EUR = 1,050 USD: over
    _limit(role_users, portfolio.h1, "1200.00", for_group=True)
    cover.record_cover(actor=role_users["credit_analyst"], customer=portfolio.s1, kind="insurance",
                       provider="Allianz Trade", amount="500.00", currency="EUR", coverage_pct="90",
                       note="policy 4711")
    done = standing.refresh()
    assert (done.customers, done.rows, done.problems) == (3, 4, 0)
    for c in (portfolio.h1, portfolio.h1a, portfolio.s1):
        pic, row = _picture(c), _row(c)
        assert (row.receivables, row.orders, row.cover, row.uncovered) == (
            pic.exposure.receivables, pic.exposure.orders, pic.exposure.cover, pic.exposure.uncovered)
        assert row.utilisation == pic.utilisation and row.headroom == pic.headroom
        assert row.overdue == pic.overdue.amount and row.oldest_overdue_days == pic.overdue.oldest_days
    s1 = _row(portfolio.s1)
    # 800 USD + (300 - 100) EUR * 1.25 = 1,050 USD; insurance pays 90 % of 500 EUR = 625 USD → 562.50 USD
    assert (s1.currency, s1.exposure, s1.cover, s1.uncovered) == ("USD", D("1050.00"), D("562.50"), D("487.50"))
    assert (s1.utilisation, s1.headroom, s1.oldest_overdue_days) == (D("48.75"), D("512.50"), 121)
    group = _row(portfolio.h1, group=True)
    assert (group.exposure, group.utilisation) == (D("900.00"), D("75.00"))
    assert _row(portfolio.h1a).limit_amount is None  # no own limit: exposure only
    over = selectors.standings(selectors.StandingFilters(min_utilisation=D(60)), ON)
    assert [(r.customer.account_number, r.for_group) for r in over.order_by("-utilisation")] == [
        ("H1", True)]


def test_a_missing_rate_is_named_on_the_row_not_a_crash(portfolio, role_users):
    from credere.ledger.models import FxRate
    from credere.ledger.services.fx import upsert_fx_rate

    upsert_fx_rate(actor=role_users["administrator"], rate_date=ON, base="EUR", quote="CHF", rate="0.95", source="t")
    _limit(role_users, portfolio.s1, "1000.00", currency="CHF")
    FxRate.objects.filter(quote="CHF").delete()  # the rate is gone when the standings are computed
    standing.refresh()
    row = _row(portfolio.s1)
    assert row.utilisation is None and "CHF" in row.problem and "load FX rates" in row.problem


def test_the_check_sees_cover_and_the_standing_follows_the_check(portfolio, role_users, commit):
    _limit(role_users, portfolio.h1, "1000.00")
    erp = role_users["credit_manager"]
    held = checks.check(actor=erp, company=portfolio.de, customer=portfolio.h1, order_id="SO-1", amount="800.00",
                        currency="EUR")
    assert [r["code"] for r in held.reasons] == ["OVER_LIMIT"]
    cover.record_cover(actor=role_users["credit_analyst"], customer=portfolio.h1, kind="guarantee",
                       provider="Deutsche Bank", amount="400.00", currency="EUR", note="guarantee 77",
                       expires_on=dt.date(2026, 12, 31))
    commit()
    row = _row(portfolio.h1)
    assert (row.exposure, row.cover, row.uncovered, row.utilisation) == (D("500.00"), D("400.00"), D("100.00"),
                                                                         D("10.00"))
    released = checks.check(actor=erp, company=portfolio.de, customer=portfolio.h1, order_id="SO-2",
                            amount="800.00", currency="EUR")
    commit()
    assert released.outcome == "released", released.reasons
    assert released.facts["cover"] == "400.00"
    row = _row(portfolio.h1)  # the held SO-1 does not count
    assert (row.orders, row.uncovered, row.utilisation, row.headroom) == (D("800.00"), D("900.00"), D("90.00"),
                                                                          D("100.00"))


def test_cover_is_checked_field_by_field_and_nothing_is_half_written(portfolio, role_users):
    with pytest.raises(BusinessError) as exc:
        cover.record_cover(actor=role_users["credit_analyst"], customer=portfolio.s1, kind="hope", provider=" ",
                           amount="-5", currency="EUR", coverage_pct="120", note="")
    assert {f["field"] for f in exc.value.fields} == {"kind", "provider", "amount", "coverage_pct", "note"}
    with pytest.raises(BusinessError) as exc:
        cover.record_cover(actor=role_users["credit_analyst"], customer=portfolio.s1, kind="guarantee",
                           provider="Bank", amount="5", currency="EUR", coverage_pct="50", note="x")
    assert [f["field"] for f in exc.value.fields] == ["coverage_pct"]
    assert not AuditEvent.objects.filter(action="cover.recorded").exists()
    row = cover.record_cover(actor=role_users["credit_analyst"], customer=portfolio.s1, kind="deposit",
                             provider="Our bank", amount="100", currency="EUR", note="cash deposit")
    ended = cover.end_cover(actor=role_users["credit_analyst"], cover_id=row.pk, note="returned")
    assert ended.ended_on == ON
    assert selectors.cover_terms([portfolio.s1.pk], ON) == []
    assert list(AuditEvent.objects.filter(action__startswith="cover.").values_list("action", flat=True)
                .order_by("seq")) == ["cover.recorded", "cover.ended"]


def test_an_invoice_naming_an_order_takes_its_amount_off_the_order(portfolio, role_users, commit):
    _limit(role_users, portfolio.h1, "10000.00")
    erp = role_users["credit_manager"]
    checks.check(actor=erp, company=portfolio.de, customer=portfolio.h1, order_id="SO-9", amount="3000.00",
                 currency="EUR")
    upsert_item(actor=role_users["administrator"], company=portfolio.de, customer=portfolio.h1,
                document_type="invoice", document_number="INV-9", document_date=ON, due_date=ON,
                currency="EUR", amount=D("1000.00"), order_reference="SO-9")
    commit()
    order = Order.objects.get(order_id="SO-9")
    assert (order.open_amount, order.status) == (D("2000.00"), "open")
    row = _row(portfolio.h1)
    assert (row.receivables, row.orders, row.exposure) == (D("1500.00"), D("2000.00"), D("3500.00"))
    upsert_item(actor=role_users["administrator"], company=portfolio.de, customer=portfolio.h1,
                document_type="invoice", document_number="INV-10", document_date=ON, due_date=ON,
                currency="USD", amount=D("2500.00"), order_reference="SO-9")  # 2,000 EUR
    commit()
    order.refresh_from_db()
    assert (order.open_amount, order.status) == (D("0.00"), "invoiced")
    assert AuditEvent.objects.filter(action="order.invoiced").count() == 2
    assert _row(portfolio.h1).exposure == D("3500.00")  # 500 + 1,000 + 2,000 EUR of invoices, no order


def test_a_rolled_back_change_refreshes_nothing_and_one_transaction_refreshes_once(portfolio, role_users, commit):
    from django.db import transaction

    from credere.ledger import changes

    commit()  # the fixture's own changes
    heard: list[set[int] | None] = []
    changes.register(heard.append)
    try:
        with transaction.atomic():
            changes.customers_changed([portfolio.h1.pk])
            changes.customers_changed([portfolio.s1.pk])
        commit()
        with pytest.raises(RuntimeError), transaction.atomic():
            changes.customers_changed([portfolio.h1a.pk])
            raise RuntimeError
        commit()
    finally:
        changes._LISTENERS.remove(heard.append)
    assert heard == [{portfolio.h1.pk, portfolio.s1.pk}]


def test_a_check_answers_before_the_alert_rules_run_and_the_worker_runs_them(portfolio, role_users, commit):
    from django_tasks_db.models import DBTaskResult

    from credere.credit.models import Alert
    from credere.credit.tasks import run_alerts

    commit()
    _limit(role_users, portfolio.h1, "1000.00")  # 500 of 1,000 used: no alert
    commit()
    queued = DBTaskResult.objects.count()
    released = checks.check(actor=role_users["credit_manager"], company=portfolio.de, customer=portfolio.h1,
                            order_id="SO-7", amount="450.00", currency="EUR")
    commit()
    assert released.outcome == "released"
    # the standing follows the check at once (95 % used); the rules wait for the worker
    assert (_row(portfolio.h1).orders, _row(portfolio.h1).utilisation) == (D("450.00"), D("95.00"))
    assert not Alert.objects.filter(customer=portfolio.h1, kind="utilisation").exists()
    task = DBTaskResult.objects.order_by("-enqueued_at").first()
    assert DBTaskResult.objects.count() == queued + 1 and task.task_path.endswith("run_alerts")
    run_alerts.call(*task.args_kwargs["args"])
    assert Alert.objects.filter(customer=portfolio.h1, kind="utilisation").count() == 1
