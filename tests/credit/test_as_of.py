"""Exposure as of any day: a past day's standings, computed from history, are exactly what was
stored that day — receivables (payments applied and reversed since), orders (checked, held,
released, invoiced, cancelled since), limits (raised, superseded, scheduled), cover (recorded and
ended) and risk classes — and the customer's picture as of that day says the same."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from credere.approvals import services as approvals
from credere.credit import selectors
from credere.credit.models import CreditStanding
from credere.credit.policy import policy_in_force
from credere.credit.selectors.computed import compute
from credere.credit.services import checks, cover, limits, standing
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


def test_a_past_day_shows_exactly_what_was_stored_that_day(portfolio, role_users, commit):
    admin, erp, de = role_users["administrator"], role_users["credit_manager"], portfolio.de
    days = [dt.date(2026, 3, d) for d in (2, 9, 16, 23, 31)]
    seen: dict[dt.date, dict] = {}
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
    # the days differ from each other: each change shows
    assert len({repr(v) for v in seen.values()}) == len(days)
    policy = policy_in_force()
    for day in days[:-1]:
        rows, _ = compute(policy, day)
        assert _figures(rows, ids) == seen[day], day
        pic = selectors.picture(sub, day, policy_currency="EUR", default_class="C",
                                cover_kinds=policy.settings["cover_counts"])
        own = seen[day][f"{sub.pk}:c:*"]
        assert (pic.limit.amount, pic.risk_class, pic.exposure.total, pic.exposure.cover, pic.overdue.amount) == (
            own[1], own[3], own[7], own[6], own[11]), day
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
