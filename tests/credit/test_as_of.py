"""Exposure as of any day: a past day's standings, computed from history, are exactly what was
stored that day — receivables (payments applied and reversed since), orders (checked, held,
released, invoiced, cancelled since), limits (raised, superseded, scheduled), cover (recorded and
ended) and risk classes — and the customer's picture as of that day says the same."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from io import StringIO
from operator import attrgetter
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from credere.approvals import services as approvals
from credere.credit import selectors
from credere.credit.models import CreditStanding
from credere.credit.policy import policy_in_force
from credere.credit.selectors import STANDING_SORTS, StandingFilters, standings, totals
from credere.credit.selectors.computed import compute, standings_on, totals_on
from credere.credit.selectors.portfolio import portfolio as portfolio_on
from credere.credit.services import checks, cover, limits, standing
from credere.identity.services import issue_token
from credere.ledger.services.allocations import allocate, reverse_allocation
from credere.ledger.services.documents import record_payment, upsert_item
from credere.ledger.services.master_data import upsert_customer

pytestmark = pytest.mark.django_db
D = Decimal
FIGURES = ("currency", "limit_amount", "expires_on", "risk_class", "receivables", "orders", "cover", "exposure",
           "uncovered", "utilisation", "headroom", "overdue", "oldest_overdue_days", "problem")


def _figures(rows, keys):
    return {r.key: tuple(getattr(r, f) for f in FIGURES) for r in rows if r.customer_id in keys}


def _on(day):
    return time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC), tick=False)


def _limit(people, customer, amount, **kw):
    req = limits.request_limit(actor=people["credit_analyst"], customer=customer, amount=amount, currency="EUR",
                               reason="review", **kw)
    approvals.decide(actor=people["administrator"], request_id=req.pk, approve=True, note="ok")


@pytest.fixture
def history(portfolio, role_users, commit):
    """Four weeks of March 2026 for the Nordwind group (N1 > N2), each day's stored standings kept."""
    admin, erp, de = role_users["administrator"], role_users["credit_manager"], portfolio.de
    days = [dt.date(2026, 3, d) for d in (2, 9, 16, 23, 31)]
    seen: dict[dt.date, dict] = {}
    portfolios: dict[dt.date, object] = {}
    ids: set[int] = set()
    for day in days:
        with _on(day):
            if day == days[0]:
                top = upsert_customer(actor=admin, account_number="N1", name="Nordwind AG", country="DE")[0]
                sub = upsert_customer(actor=admin, account_number="N2", name="Nordwind Handel GmbH", country="DE",
                                      parent_account="N1")[0]
                ids = {top.pk, sub.pk}
                inv_a = upsert_item(actor=admin, company=de, customer=sub, document_type="invoice",
                                    document_number="N-A", document_date=day, due_date=dt.date(2026, 3, 16),
                                    currency="EUR", amount=D("1000.00"))[0]
                _limit(role_users, sub, "5000.00")
                _limit(role_users, top, "9000.00", for_group=True)
                checks.check(actor=erp, company=de, customer=sub, order_id="NO-1", amount="2000.00", currency="EUR")
                checks.check(actor=erp, company=de, customer=sub, order_id="NO-U", amount="500.00", currency="USD")
                limits.set_risk_class(actor=admin, customer=sub, risk_class="B", reason="known payer")
            elif day == days[1]:
                pay = record_payment(actor=admin, company=de, customer=sub, reference="NP-1", received_on=day,
                                     currency="EUR", amount=D("400.00"))[0]
                alloc = allocate(actor=admin, target_id=inv_a.pk, payment_id=pay.pk, amount=D("400.00"),
                                 applied_on=day)
                held = checks.check(actor=erp, company=de, customer=sub, order_id="NO-2", amount="10000.00",
                                    currency="EUR")
                assert held.outcome == "held"
                ins = cover.record_cover(actor=admin, customer=sub, kind="insurance", provider="Allianz Trade",
                                         amount="1000.00", currency="EUR", coverage_pct="90", note="policy 1")
            elif day == days[2]:
                _limit(role_users, sub, "12000.00")
                checks.decide_hold(actor=erp, check_id=held.pk, release=True, note="raised limit")
                upsert_item(actor=admin, company=de, customer=sub, document_type="invoice", document_number="N-B",
                            document_date=day, due_date=dt.date(2026, 4, 15), currency="EUR",
                            amount=D("1500.00"), order_reference="NO-1")
                limits.set_risk_class(actor=admin, customer=sub, risk_class="C", reason="slower lately")
            elif day == days[3]:
                reverse_allocation(actor=admin, allocation_id=alloc.pk, reversed_on=day, reason="bounced")
                checks.cancel_order(actor=erp, company=de, order_id="NO-2", reason="customer cancelled")
                cover.end_cover(actor=admin, cover_id=ins.pk, note="lapsed")
                _limit(role_users, sub, "20000.00", valid_from=dt.date(2026, 3, 30))
                _limit(role_users, sub, "15000.00", valid_from=dt.date(2026, 4, 30))
            else:
                limits.activate_scheduled()
            commit()
            standing.refresh()
            seen[day] = _figures(CreditStanding.objects.all(), ids)
            portfolios[day] = portfolio_on(policy_in_force(), day)
    return SimpleNamespace(days=days, seen=seen, sub=sub, top=top, ids=ids, portfolios=portfolios)


def test_a_past_day_shows_exactly_what_was_stored_that_day(history):
    days, seen, sub, ids = history.days, history.seen, history.sub, history.ids
    # the days differ from each other: each change shows
    assert len({repr(v) for v in seen.values()}) == len(days)
    policy = policy_in_force()
    for day in days[:-1]:
        rows, _ = compute(policy, day)
        assert _figures(rows, ids) == seen[day], day
        pic = selectors.picture(sub, day, policy_currency="EUR", default_class="C",
                                cover_kinds=policy.settings["cover_counts"],
                                commitment_kinds=policy.settings["commitment_counts"])
        own = seen[day][f"{sub.pk}:c:*"]
        assert (pic.limit.amount, pic.risk_class, pic.exposure.total, pic.exposure.cover, pic.overdue.amount) == (
            own[1], own[3], own[7], own[6], own[11]), day
    # the whole portfolio too, on a day when the shared portfolio's own items (posted up to 20 March,
    # a payment of 10 March, all written on 31 March) were already as history says
    past = history.portfolios[days[3]]
    assert dataclasses.replace(portfolio_on(policy, days[3]), refreshed_at=past.refreshed_at) == past
    assert past.refreshed_at is not None and portfolio_on(policy, days[3]).refreshed_at is None
    # spot checks in words: on 9 March the held order did not count, on 16 March the invoice had
    # taken NO-1's 1,500 off it, on 23 March the payment was undone and the 12,000 limit in force;
    # the 20,000 scheduled from 30 March was replaced before its day by the 15,000 from 30 April:
    # it never was in force
    n2 = f"{sub.pk}:c:*"
    assert seen[days[1]][n2][5] == D("2000.00") + D("400.00")  # NO-1 and 500 USD at 1.25; NO-2 held
    assert seen[days[2]][n2][5] == D("500.00") + D("10000.00") + D("400.00")
    assert seen[days[3]][n2][4] == D("2500.00") and seen[days[3]][n2][1] == D("12000.00")
    assert seen[days[4]][n2][1] == D("12000.00")
    assert selectors.limit_for(sub, None, dt.date(2026, 5, 1)).amount == D("15000.00")


def _keys(rows):
    return [r.key for r in rows]


def test_a_computed_day_filters_and_sorts_as_the_stored_standings_do(history, portfolio):
    """The Python filters of a past day's list give the SQL filters' answers (on today's figures)."""
    policy, today = policy_in_force(), dt.date(2026, 3, 31)
    cases = [StandingFilters(), StandingFilters(with_limit=False), StandingFilters(min_utilisation=D("10")),
             StandingFilters(over_limit=True), StandingFilters(risk_class="C", with_limit=False),
             StandingFilters(company=portfolio.de), StandingFilters(country="DE", with_limit=False),
             StandingFilters(groups=True), StandingFilters(expiring_within=30),
             StandingFilters(q="nordwind", with_limit=False), StandingFilters(q="N2", with_limit=False)]
    for f in cases:
        for sort in ("-utilisation", "headroom", "name", "-exposure", "expires"):
            stored = list(standings(f, today, sort=sort))
            computed = standings_on(f, today, policy, sort=sort)
            assert sorted(_keys(computed)) == sorted(_keys(stored)), (f, sort)
            field = STANDING_SORTS[sort.lstrip("-")][0].replace("__", ".")
            value = attrgetter(field)
            assert [value(r) for r in computed] == [value(r) for r in stored], (f, sort)
    stored_totals = totals("EUR", today)
    rows, _ = compute(policy, today)
    assert dataclasses.replace(totals_on(rows, "EUR", today), refreshed_at=stored_totals.refreshed_at) == stored_totals


def test_the_api_the_cli_and_the_pages_answer_as_of_a_past_day(history, role_users, client_for):
    _token, secret = issue_token(actor=None, user=role_users["credit_analyst"], name="reader")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    n2 = f"{history.sub.pk}:c:*"
    then = history.seen[dt.date(2026, 3, 9)][n2]
    rows = api.get("/api/v1/credit/standings?as_of=2026-03-09&q=N2").json()["items"]
    assert [(r["customer_account"], r["limit"], r["open_orders"], r["exposure"], r["as_of"]) for r in rows] == [
        ("N2", "5000.00", str(then[5]), str(then[7]), "2026-03-09")]
    assert api.get("/api/v1/credit/standings?q=N2").json()["items"][0]["limit"] == "12000.00"
    later = api.get("/api/v1/credit/standings?as_of=2026-04-01")
    assert later.status_code == 422 and later.json()["error"]["fields"][0]["field"] == "as_of"
    t = api.get("/api/v1/credit/totals?as_of=2026-03-09").json()
    assert (t["as_of"], t["held_orders"], t["refreshed_at"]) == ("2026-03-09", 1, None)  # NO-2, released on 16 March
    assert api.get("/api/v1/credit/totals?as_of=2026-03-16").json()["held_orders"] == 0
    pic = api.get("/api/v1/credit/customers/N2?as_of=2026-03-23").json()
    own = history.seen[dt.date(2026, 3, 23)][n2]
    assert (pic["limit"]["amount"], pic["receivables"], pic["overdue"], pic["can_order"]) == (
        "12000.00", str(own[4]), str(own[11]), None)
    assert api.get("/api/v1/credit/customers/N2").json()["can_order"] is not None
    out = StringIO()
    call_command("credit", "limits", "--as-of", "2026-03-09", "--user", "analyst", stdout=out)
    assert "At the end of 2026-03-09" in out.getvalue() and "5,000.00 EUR" in out.getvalue()
    out = StringIO()
    call_command("credit", "totals", "--as-of", "2026-03-09", "--user", "analyst", stdout=out)
    assert "the end of 2026-03-09" in out.getvalue()
    out = StringIO()
    call_command("credit", "customer", "N2", "--as-of", "2026-03-02", "--user", "analyst", stdout=out)
    assert "at the end of 2026-03-02" in out.getvalue() and "5000.00 EUR" in out.getvalue()
    assert "new orders" not in out.getvalue()
    with pytest.raises(CommandError, match="--as-of"):
        call_command("credit", "totals", "--as-of", "9 March", "--user", "analyst")
    page = client_for("credit_analyst").get("/credit/limits/?as_of=2026-03-09&q=N2").content.decode()
    assert "At the end of" in page and "5,000.00" in page and "12,000.00" not in page
    customer = client_for("credit_analyst").get(f"/customers/{history.sub.pk}/?as_of=2026-03-09").content.decode()
    assert 'data-testid="credit-as-of"' in customer and 'data-testid="order-outlook"' not in customer
    assert 'data-testid="order-outlook"' in client_for("credit_analyst").get(f"/customers/{history.sub.pk}/").content.decode()
    pf = api.get("/api/v1/credit/portfolio?as_of=2026-03-23").json()
    assert (pf["as_of"], pf["exposure"], pf["refreshed_at"]) == (
        "2026-03-23", str(history.portfolios[dt.date(2026, 3, 23)].exposure), None)
    page = client_for("credit_analyst").get("/credit/portfolio/?as_of=2026-03-23").content.decode()
    assert 'data-testid="portfolio-as-of"' in page
    out = StringIO()
    call_command("credit", "portfolio", "--as-of", "2026-03-23", "--user", "analyst", stdout=out)
    assert "at the end of 2026-03-23" in out.getvalue()
    dashboard = client_for("credit_analyst").get("/dashboard/?as_of=2026-03-09").content.decode()
    assert "at the end of" in dashboard and "as_of=2026-03-09" in dashboard
