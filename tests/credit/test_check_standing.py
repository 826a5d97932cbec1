"""After an order check commits, the customer's stored standings are exactly what a full refresh of
the customer stores: the check makes them from the figures it read (no second read of the items
and orders) where those suffice, and refreshes the full way where they do not (a group limit, an
order an invoice names). And the check reads the same exposure and overdue as the customer page.

Portfolio (tests/support/portfolio.py), 31 March 2026: H1 (top of the group H1 > H1A) 500.00 EUR;
H1A 400.00 EUR (55 days overdue); S1 300.00 - 100.00 EUR at DE01 and 800.00 USD at US01 (121 days
overdue); EUR/USD 1.25."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from credere.approvals import services as approvals
from credere.credit import selectors
from credere.credit.models import CreditLimit, CreditStanding, Order
from credere.credit.policy import policy_in_force
from credere.credit.services import checks, cover, limits, standing
from credere.ledger.services.documents import upsert_item
from credere.ledger.services.fx import upsert_fx_rate

pytestmark = pytest.mark.django_db
D = Decimal
ON = dt.date(2026, 3, 31)


def _limit(people, customer, amount, currency="EUR", **kw):
    req = limits.request_limit(actor=people["credit_analyst"], customer=customer, amount=amount, currency=currency,
                               reason="review", **kw)
    return approvals.decide(actor=people["administrator"], request_id=req.pk, approve=True, note="ok")


def _rows(*customers) -> list[dict]:
    """The stored standings of the customers, as a refresh would compare them (not when)."""
    return list(CreditStanding.objects.filter(customer__in=customers).order_by("key")
                .values(*[f for f in standing._FIELDS if f != "refreshed_at"], "key"))


@pytest.fixture
def full_refreshes(monkeypatch):
    """How many times the standings were refreshed the full way."""
    calls: list[object] = []
    real = standing.refresh

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(standing, "refresh", counted)
    return calls


@pytest.fixture
def check_and_compare(portfolio, role_users, commit, full_refreshes):
    """Check an order, commit, and compare the rows left with those of a full refresh of the customer;
    ``fast``: whether the check's own figures were expected to do."""

    def run(customer, amount="100.00", currency="EUR", *, company=None, fast=True, order_id="SO-1", version=1,
            outcome=None, refreshed=True):
        commit()
        if refreshed:
            standing.refresh()  # every row up to date before the check
        top = customer.parent or customer
        before = len(full_refreshes)
        row = checks.check(actor=role_users["credit_manager"], company=company or portfolio.de, customer=customer,
                           order_id=order_id, amount=amount, currency=currency, version=version)
        commit()
        assert (len(full_refreshes) == before) is fast
        if outcome is not None:
            assert row.outcome == outcome, row.reasons
        _same_as_the_customer_page(row, customer, company or portfolio.de)
        after = _rows(customer, top)
        standing.refresh([customer.pk])
        assert after == _rows(customer, top)
        return row, after

    return run


def _same_as_the_customer_page(row, customer, company):
    """The check's figures are those of selectors.exposure and selectors.overdue (without its order)."""
    policy = policy_in_force()
    limit = selectors.limit_for(customer, company, ON)
    currency = limit.currency if limit else policy.currency
    e = selectors.exposure([customer.pk], currency, ON, company=limit.company if limit else None,
                           exclude_order=row.order_id, cover_kinds=policy.settings["cover_counts"],
                           commitment_kinds=policy.settings["commitment_counts"])
    o = selectors.overdue([customer.pk], currency, ON)
    assert (row.facts["receivables"], row.facts["open_orders"], row.facts["cover"], row.facts["commitments"]) == (
        str(e.receivables), str(e.orders), str(e.cover), str(e.commitments))
    assert (row.facts["overdue"], row.facts["oldest_overdue_days"], row.currency) == (
        str(o.amount), o.oldest_days, currency)


def test_own_limit_for_all_companies(portfolio, role_users, check_and_compare):
    _limit(role_users, portfolio.h1, "10000.00")
    _, rows = check_and_compare(portfolio.h1, "100.00", outcome="released")
    assert [(r["key"], r["orders"], r["exposure"], r["utilisation"]) for r in rows] == [
        (f"{portfolio.h1.pk}:c:*", D("100.00"), D("600.00"), D("6.00"))]
    _, rows = check_and_compare(portfolio.h1, "250.00", version=2)  # a new version of the order
    assert rows[0]["orders"] == D("250.00")
    # no limit; held (121 days overdue), so the order does not count
    _, rows = check_and_compare(portfolio.s1, "100.00", order_id="SO-2", outcome="held")
    assert [(r["limit_amount"], r["orders"], r["exposure"], r["overdue"]) for r in rows] == [
        (None, D("0.00"), D("840.00"), D("640.00"))]


def test_company_only_limits(portfolio, role_users, check_and_compare):
    upsert_item(actor=role_users["administrator"], company=portfolio.us, customer=portfolio.h1,
                document_type="invoice", document_number="INV-U2", document_date=ON, due_date=dt.date(2026, 4, 30),
                currency="USD", amount=D("250.00"))
    _limit(role_users, portfolio.h1, "1000.00", currency="USD")  # all companies
    _limit(role_users, portfolio.h1, "5000.00", company=portfolio.de)  # DE01 only
    _, rows = check_and_compare(portfolio.h1, "100.00", outcome="released")  # against the DE01 limit
    assert [(r["key"], r["currency"], r["exposure"]) for r in rows] == [
        (f"{portfolio.h1.pk}:c:*", "USD", D("1000.00")), (f"{portfolio.h1.pk}:c:{portfolio.de.pk}", "EUR", D("600.00"))]
    check_and_compare(portfolio.h1, "100.00", company=portfolio.us, order_id="SO-US")  # the limit for all
    # a limit no longer in force (nothing refreshed since) leaves no row behind
    CreditLimit.objects.filter(company=portfolio.de).update(status=CreditLimit.Status.SUPERSEDED, ended_on=ON)
    check_and_compare(portfolio.h1, "100.00", order_id="SO-3", refreshed=False)
    assert not CreditStanding.objects.filter(customer=portfolio.h1, company=portfolio.de).exists()


def test_group_pools_are_refreshed_the_full_way(portfolio, role_users, check_and_compare):
    limits.set_risk_class(actor=role_users["credit_analyst"], customer=portfolio.h1a, risk_class="A",
                          reason="pays within 60 days")  # its orders are released
    _limit(role_users, portfolio.h1a, "3000.00")
    check_and_compare(portfolio.h1a, "100.00", outcome="released")  # a group without a pool: the member's rows
    _limit(role_users, portfolio.h1, "2000.00", for_group=True)
    _, rows = check_and_compare(portfolio.h1a, "100.00", order_id="SO-2", fast=False)
    assert [r["exposure"] for r in rows if r["for_group"]] == [D("1100.00")]
    check_and_compare(portfolio.h1, "100.00", order_id="SO-3", fast=False)
    # the pool ends: a member's check takes the top's pool row away, as a refresh does
    CreditLimit.objects.filter(for_group=True).update(status=CreditLimit.Status.SUPERSEDED, ended_on=ON)
    assert CreditStanding.objects.filter(customer=portfolio.h1, for_group=True).exists()
    _, rows = check_and_compare(portfolio.h1a, "100.00", order_id="SO-4", refreshed=False)
    assert not [r for r in rows if r["for_group"]]


def test_cover_ending_on_a_later_day_counts_until_then_in_the_check_and_the_standing(portfolio, role_users,
                                                                                      check_and_compare):
    _limit(role_users, portfolio.s1, "1000.00")
    cover.record_cover(actor=role_users["credit_analyst"], customer=portfolio.s1, kind="insurance",
                       provider="Allianz Trade", amount="500.00", currency="USD", coverage_pct="90", note="policy")
    guarantee = cover.record_cover(actor=role_users["credit_analyst"], customer=portfolio.s1, kind="guarantee",
                                   provider="Bank", amount="200.00", currency="EUR", note="guarantee")
    _, rows = check_and_compare(portfolio.s1, "100.00")
    assert rows[0]["cover"] == D("560.00")  # 200 + 90 % of 400 EUR
    cover.end_cover(actor=role_users["credit_analyst"], cover_id=guarantee.pk, note="released",
                    ended_on=ON + dt.timedelta(days=10))
    row, rows = check_and_compare(portfolio.s1, "100.00", order_id="SO-2")
    assert (row.facts["cover"], rows[0]["cover"]) == ("560.00", D("560.00"))


def test_an_order_in_another_currency_and_a_held_order(portfolio, role_users, check_and_compare):
    _limit(role_users, portfolio.h1, "2000.00")
    _, rows = check_and_compare(portfolio.h1, "500.00", "USD", outcome="released")
    assert (rows[0]["orders"], rows[0]["exposure"]) == (D("400.00"), D("900.00"))
    _, rows = check_and_compare(portfolio.h1, "5000.00", order_id="SO-2", outcome="held")
    assert rows[0]["orders"] == D("400.00")  # the held order does not count


def test_a_missing_rate_on_a_row_the_check_does_not_convert(portfolio, role_users, check_and_compare):
    # JPY converts to USD but not to EUR: S1's DE01 limit in USD is checked; its row for all
    # companies, in EUR (the policy's currency), cannot be computed
    upsert_fx_rate(actor=role_users["administrator"], rate_date=ON, base="USD", quote="JPY", rate="150", source="t")
    upsert_item(actor=role_users["administrator"], company=portfolio.us, customer=portfolio.s1,
                document_type="invoice", document_number="INV-J1", document_date=dt.date(2026, 2, 1),
                due_date=dt.date(2026, 3, 1), currency="JPY", amount=D("30000"))
    _limit(role_users, portfolio.s1, "5000.00", currency="USD", company=portfolio.de)
    row, rows = check_and_compare(portfolio.s1, "100.00", outcome="held")
    assert row.facts["overdue"] == "1000.00"  # 800 USD + 30,000 JPY
    assert [(r["company"], bool(r["problem"]), r["utilisation"]) for r in rows] == [
        (None, True, None), (portfolio.de.pk, False, D("5.00"))]  # 200 EUR of DE01
    assert "JPY" in rows[0]["problem"]


def test_an_order_an_invoice_names_is_reconciled_first(portfolio, role_users, check_and_compare):
    _limit(role_users, portfolio.h1, "10000.00")
    upsert_item(actor=role_users["administrator"], company=portfolio.de, customer=portfolio.h1,
                document_type="invoice", document_number="INV-9", document_date=ON, due_date=ON,
                currency="EUR", amount=D("300.00"), order_reference="SO-9")
    _, rows = check_and_compare(portfolio.h1, "1000.00", order_id="SO-9", fast=False)
    assert Order.objects.get(order_id="SO-9").open_amount == D("700.00")
    assert rows[0]["orders"] == D("700.00")


def test_commitments_count_on_the_fast_path_as_in_a_refresh(portfolio, role_users, check_and_compare):
    from credere.credit.services import commitments

    _limit(role_users, portfolio.h1, "2000.00")
    commitments.record_commitment(actor=role_users["credit_analyst"], customer=portfolio.h1, company=portfolio.de,
                                  kind="shipped", reference="DN-1", amount="300.00", currency="USD",
                                  note="delivered")
    row, rows = check_and_compare(portfolio.h1, "100.00", outcome="released")
    assert row.facts["commitments"] == "240.00" and rows[0]["exposure"] == D("840.00")  # 500 + 100 + 300 USD
