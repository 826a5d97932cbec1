"""Periodic credit reviews through their services, on the hand-computed portfolio (31 March 2026):
the daily schedule opens what is due and nothing twice, a review records the facts of its moment,
and a raised or lowered limit or a block goes through the approval matrix and four eyes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from credere.approvals import services as approvals
from credere.approvals.models import ApprovalRequest
from credere.audit.models import AuditEvent
from credere.core.errors import BusinessError, Conflict
from credere.credit import selectors
from credere.credit.models import CreditLimit, CreditReview, RiskClassAssignment
from credere.credit.services import limits, reviews
from credere.identity.authz import NotAllowed
from credere.ledger.models import Customer
from credere.ledger.services.allocations import allocate
from credere.ledger.services.documents import record_payment, upsert_item

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = dt.date(2026, 3, 31)


@pytest.fixture
def people(role_users, make_user):
    return {**role_users, "analyst2": make_user("credit_analyst", username="analyst2")}


def _limit(people, customer, amount, *, valid_from=None, expires_on=None):
    req = limits.request_limit(actor=people["credit_analyst"], customer=customer, amount=amount, currency="EUR",
                               reason="opening limit")
    approvals.decide(actor=people["credit_manager"], request_id=req.pk, approve=True, note="agreed")
    limit = CreditLimit.objects.get(approval_id=req.pk)
    CreditLimit.objects.filter(pk=limit.pk).update(valid_from=valid_from or limit.valid_from, expires_on=expires_on)
    limit.refresh_from_db()
    return limit


@pytest.fixture
def limited(portfolio, people):
    """H1 (class C by default) since 31 Oct 2025: due 30 April; H1A since 1 Jan 2026, expiring 10 April;
    S1 since 1 March 2026: its periodic review is in September."""
    _limit(people, portfolio.h1, "50000.00", valid_from=dt.date(2025, 10, 31))
    _limit(people, portfolio.h1a, "20000.00", valid_from=dt.date(2026, 1, 1), expires_on=dt.date(2026, 4, 10))
    _limit(people, portfolio.s1, "5000.00", valid_from=dt.date(2026, 3, 1))
    return portfolio


def _opened():
    return list(CreditReview.objects.order_by("due_on").values_list("customer__account_number", "due_on", "trigger",
                                                                     "status"))


def test_the_schedule_opens_what_is_due_and_is_idempotent(limited, people):
    opened = reviews.schedule(actor=people["credit_analyst"])
    assert [(r.customer.account_number, r.due_on, r.trigger) for r in opened] == [
        ("H1A", dt.date(2026, 4, 10), "limit_expiring"), ("H1", dt.date(2026, 4, 30), "scheduled")]
    events = AuditEvent.objects.filter(action="credit_review.opened").count()
    assert events == 2
    assert reviews.schedule(actor=people["credit_analyst"]) == []
    assert AuditEvent.objects.filter(action="credit_review.opened").count() == 2
    # later, S1's class-C review falls within the 30 days: 1 Sep 2026, seen from 2 Aug
    assert [r.customer.account_number for r in reviews.schedule(actor=people["credit_analyst"],
                                                                as_of=dt.date(2026, 8, 2))] == ["S1"]
    assert _opened() == [("H1A", dt.date(2026, 4, 10), "limit_expiring", "open"),
                         ("H1", dt.date(2026, 4, 30), "scheduled", "open"),
                         ("S1", dt.date(2026, 9, 1), "scheduled", "open")]


def test_the_risk_class_sets_the_interval(limited, people):
    limits.set_risk_class(actor=people["credit_analyst"], customer=limited.s1, risk_class="E", reason="insolvency news")
    opened = reviews.schedule(actor=people["credit_analyst"])  # class E: monthly, due 1 April
    assert ("S1", dt.date(2026, 4, 1), "scheduled") in [(r.customer.account_number, r.due_on, r.trigger)
                                                        for r in opened]


def test_an_expired_limit_opens_a_review_due_on_its_expiry(portfolio, people):
    _limit(people, portfolio.s1, "5000.00", valid_from=dt.date(2026, 3, 1), expires_on=dt.date(2026, 3, 20))
    opened = reviews.schedule(actor=people["credit_analyst"])
    assert [(r.customer.account_number, r.due_on, r.trigger) for r in opened] == [
        ("S1", dt.date(2026, 3, 20), "limit_expired")]
    assert selectors.reviews(selectors.ReviewFilters(overdue=True), on=TODAY, policy_currency="EUR",
                             default_class="C", cover_kinds=(), commitment_kinds=())[0].overdue_review


def test_a_customer_never_has_two_open_reviews(limited, people):
    first = reviews.open_review(actor=people["credit_analyst"], customer=limited.s1, reason="large order announced")
    assert (first.trigger, first.due_on, first.status) == ("requested", TODAY, "open")
    with pytest.raises(Conflict, match="already under review"):
        reviews.open_review(actor=people["credit_analyst"], customer=limited.s1, reason="again")
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditReview.objects.create(customer=limited.s1, due_on=TODAY, trigger="scheduled", opened_by="x")
    # the schedule leaves a customer under review alone
    assert "S1" not in [r.customer.account_number for r in reviews.schedule(actor=people["credit_analyst"],
                                                                            as_of=dt.date(2026, 8, 2))]
    with pytest.raises(BusinessError) as err:
        reviews.open_review(actor=people["credit_analyst"], customer=limited.h1, reason="  ")
    assert err.value.fields == [{"field": "reason", "message": "say why the customer is reviewed now"}]
    with pytest.raises(NotAllowed):
        reviews.open_review(actor=people["sales"], customer=limited.h1, reason="curious")
    # S1 (by hand), H1 and H1A (from the schedule): one open review each
    assert sorted(CreditReview.objects.values_list("customer__account_number", "status")) == [
        ("H1", "open"), ("H1A", "open"), ("S1", "open")]


def _paid(portfolio, number, due, paid_on, amount="100.00"):
    admin = portfolio.admin
    item = upsert_item(actor=admin, company=portfolio.de, customer=portfolio.h1a, document_type="invoice",
                       document_number=number, document_date=due - dt.timedelta(days=30), due_date=due,
                       currency="EUR", amount=D(amount))[0]
    pay = record_payment(actor=admin, company=portfolio.de, customer=portfolio.h1a, reference=f"P-{number}",
                         received_on=paid_on, currency="EUR", amount=D(amount))[0]
    allocate(actor=admin, target_id=item.pk, payment_id=pay.pk, amount=D(amount), applied_on=paid_on)


def test_completing_records_the_facts_of_that_moment_and_the_next_review_counts_from_it(limited, people):
    _paid(limited, "INV-P1", dt.date(2026, 2, 1), dt.date(2026, 2, 11))   # 10 days late, last 90 days
    _paid(limited, "INV-P2", dt.date(2026, 3, 1), dt.date(2026, 2, 27))   # early: 0
    _paid(limited, "INV-P3", dt.date(2025, 11, 1), dt.date(2025, 11, 8))  # 7 days late, the 90 days before
    review = reviews.open_review(actor=people["credit_analyst"], customer=limited.h1a, reason="renewal")
    done = reviews.complete(actor=people["credit_analyst"], review=review, outcome="keep",
                            note="pays a little later than before; keep")
    assert done.facts == {
        "on": "2026-03-31", "currency": "EUR", "risk_class": "C", "limit": "20000.00",
        "limit_expires_on": "2026-04-10", "receivables": "400.00", "open_orders": "0.00", "commitments": "0.00",
        "exposure": "400.00",
        "headroom": "19600.00", "utilisation": "2.00", "overdue": "400.00", "oldest_overdue_days": 55,
        "days_late_last_90": "5.0", "days_late_previous_90": "7.0", "customer_status": "active"}
    # keeping a limit that expires within the lead days requests its renewal at the same amount
    renewal = ApprovalRequest.objects.get(pk=done.approval_id)
    assert (renewal.kind, renewal.status, renewal.payload["amount"]) == ("credit_limit", "pending", "20000.00")
    assert renewal.reason.startswith(f"Credit review {review.pk}: pays a little later")
    assert (done.status, done.outcome, done.reviewed_by, done.proposed_amount) == (
        "completed", "keep", "analyst", D("20000.00"))
    assert AuditEvent.objects.filter(action="credit_review.completed", object_id=str(done.pk)).count() == 1
    # facts do not move with the ledger afterwards
    _paid(limited, "INV-P4", dt.date(2026, 3, 1), dt.date(2026, 3, 30))
    done.refresh_from_db()
    assert done.facts["days_late_last_90"] == "5.0"
    # the next periodic review counts from the completion: class C, 30 September; nothing is due now
    assert limited.h1a.pk not in [r.customer_id for r in reviews.schedule(actor=people["credit_analyst"])]
    assert not CreditReview.objects.filter(customer=limited.h1a, status="open").exists()
    due = reviews.schedule(actor=people["credit_analyst"], as_of=dt.date(2026, 9, 1))
    assert (dt.date(2026, 9, 30), "scheduled") in [(r.due_on, r.trigger) for r in due
                                                   if r.customer_id == limited.h1a.pk]


def test_a_raise_flows_through_the_approval_matrix_and_four_eyes(limited, people):
    review = reviews.open_review(actor=people["credit_analyst"], customer=limited.h1, reason="growth")
    done = reviews.complete(actor=people["credit_analyst"], review=review, outcome="raise", note="strong payer",
                            new_limit="150000", new_risk_class="B")
    req = ApprovalRequest.objects.get(pk=done.approval_id)
    assert (req.kind, req.status, req.required_role, req.risk_class) == ("credit_limit", "pending", "credit_manager",
                                                                         "B")
    assert req.summary == "Credit limit of Helios Holding AG: 50000.00 EUR → 150000.00 EUR"
    assert (done.proposed_amount, done.proposed_currency, done.new_risk_class) == (D("150000.00"), "EUR", "B")
    assert selectors.risk_class_of(limited.h1, TODAY, "C") == "B"
    with pytest.raises(BusinessError, match="four eyes"):
        approvals.decide(actor=people["credit_analyst"], request_id=req.pk, approve=True)
    with pytest.raises(BusinessError, match="holds no role with that authority"):
        approvals.decide(actor=people["analyst2"], request_id=req.pk, approve=True)
    assert selectors.limit_for(limited.h1, None, TODAY).amount == D("50000.00")
    approvals.decide(actor=people["credit_manager"], request_id=req.pk, approve=True, note="agreed")
    assert selectors.limit_for(limited.h1, None, TODAY).amount == D("150000.00")


def test_a_bad_decision_names_its_field_and_writes_nothing(limited, people):
    review = reviews.open_review(actor=people["credit_analyst"], customer=limited.h1, reason="growth")
    before = (AuditEvent.objects.count(), ApprovalRequest.objects.count(), RiskClassAssignment.objects.count())
    cases = [
        ({"outcome": "raise", "new_limit": "40000"}, [("new_limit", "to raise the limit, give more than 50,000.00")]),
        ({"outcome": "lower"}, [("new_limit", "give the new limit to lower the limit to")]),
        ({"outcome": "lower", "new_limit": "abc"}, None),
        ({"outcome": "keep", "new_risk_class": "Z"}, [("new_risk_class", "choose one of A, B, C, D, E")]),
        ({"outcome": "raise", "new_limit": "90000", "note": ""},
         [("note", "say what the review found (it is kept with the review)")]),
    ]
    for kw, fields in cases:
        with pytest.raises(BusinessError) as err:
            reviews.complete(actor=people["credit_analyst"], review=review, **{"note": "x", "new_risk_class": "B",
                                                                               **kw})
        got = [(f["field"], f["message"]) for f in err.value.fields]
        assert got == fields if fields else got[0][0] == "new_limit"
    assert (AuditEvent.objects.count(), ApprovalRequest.objects.count(),
            RiskClassAssignment.objects.count()) == before
    review.refresh_from_db()
    assert (review.status, review.facts, review.outcome) == ("open", {}, "")
    with pytest.raises(NotAllowed):
        reviews.complete(actor=people["collector"], review=review, outcome="keep", note="fine")


def test_a_block_is_approved_before_the_customer_is_blocked(limited, people):
    review = reviews.open_review(actor=people["credit_analyst"], customer=limited.s1, reason="fraud warning")
    done = reviews.complete(actor=people["credit_analyst"], review=review, outcome="block", note="stop shipping")
    req = ApprovalRequest.objects.get(pk=done.approval_id)
    assert (req.kind, req.summary, req.amount, req.required_role) == (
        "credit_block", "Block Solo Logistics Ltd (exposure 840.00 EUR)", D("840.00"), "credit_analyst")
    assert Customer.objects.get(pk=limited.s1.pk).status == "active"
    with pytest.raises(BusinessError, match="four eyes"):
        approvals.decide(actor=people["credit_analyst"], request_id=req.pk, approve=True)
    approvals.decide(actor=people["analyst2"], request_id=req.pk, approve=True, note="agreed")
    assert Customer.objects.get(pk=limited.s1.pk).status == "blocked"
    event = AuditEvent.objects.get(action="customer.blocked")
    assert (event.before["status"], event.after["status"]) == ("active", "blocked")
    # a blocked customer is not blocked twice
    again = reviews.open_review(actor=people["credit_analyst"], customer=limited.s1, reason="check")
    with pytest.raises(BusinessError) as err:
        reviews.complete(actor=people["credit_analyst"], review=again, outcome="block", note="again")
    assert err.value.fields == [{"field": "outcome", "message": "the customer is already blocked"}]


def test_a_completed_review_is_not_completed_again_and_a_cancel_needs_a_note(limited, people):
    review = reviews.open_review(actor=people["credit_analyst"], customer=limited.s1, reason="check")
    with pytest.raises(BusinessError, match="say why the review is cancelled"):
        reviews.cancel(actor=people["credit_analyst"], review=review, note="")
    reviews.cancel(actor=people["credit_analyst"], review=review, note="opened by mistake")
    with pytest.raises(Conflict, match="already cancelled"):
        reviews.complete(actor=people["credit_analyst"], review=review, outcome="keep", note="fine")


def test_a_raise_of_a_limit_for_one_company_asks_for_that_companys_limit(portfolio, people):
    req = limits.request_limit(actor=people["credit_analyst"], customer=portfolio.s1, amount="4000.00",
                               currency="EUR", reason="DE01 only", company=portfolio.de)
    approvals.decide(actor=people["credit_manager"], request_id=req.pk, approve=True, note="agreed")
    review = reviews.open_review(actor=people["credit_analyst"], customer=portfolio.s1, reason="growth")
    with pytest.raises(BusinessError, match="to raise the limit, give more than 4,000.00"):
        reviews.complete(actor=people["credit_analyst"], review=review, outcome="raise", note="more", new_limit="10")
    done = reviews.complete(actor=people["credit_analyst"], review=review, outcome="raise", note="more",
                            new_limit="6000")
    raised = ApprovalRequest.objects.get(pk=done.approval_id)
    assert (raised.payload["company"], raised.payload["amount"]) == (portfolio.de.pk, "6000.00")


def test_the_review_settings_of_the_policy_are_checked(people):
    from credere.credit.services import policy as policy_service

    with pytest.raises(BusinessError) as err:
        policy_service.set_policy(actor=people["credit_manager"], note="try",
                                  settings={"review_months": {"A": 0, "Z": 3}, "review_lead_days": -1})
    assert sorted((f["field"], f["message"]) for f in err.value.fields) == [
        ("review_lead_days", "give whole days from 0 to 366"),
        ("review_months", "give an object by risk class (A, B, C, D, E)")]
    v = policy_service.set_policy(actor=people["credit_manager"], note="quarterly for C",
                                  settings={"review_months": {"C": "3"}, "review_lead_days": "14"})
    assert (v.settings["review_months"], v.settings["review_lead_days"]) == ({"C": 3}, 14)


def test_the_worklist_reads_stored_standings_and_agrees_with_each_customers_picture(limited, people,
                                                                                  django_assert_max_num_queries):
    from credere.credit.policy import policy_in_force
    from credere.credit.services import standing

    for c in (limited.h1, limited.h1a, limited.s1):
        reviews.open_review(actor=people["credit_analyst"], customer=c, reason="portfolio review")
    standing.refresh()
    p = policy_in_force()
    kinds = {"cover_kinds": p.settings["cover_counts"], "commitment_kinds": p.settings["commitment_counts"]}
    with django_assert_max_num_queries(4):  # the reviews, the risk classes, the standings: not per row
        rows = selectors.reviews(selectors.ReviewFilters(), on=TODAY, policy_currency="EUR", default_class="C",
                                 **kinds)
        figures = [(r.currency, r.limit, r.utilisation, r.overdue) for r in rows]
    for row, got in zip(rows, figures, strict=True):
        pic = selectors.picture(row.customer, TODAY, policy_currency="EUR", default_class="C", **kinds)
        assert got == (pic.currency, pic.limit.amount if pic.limit else None, pic.utilisation, pic.overdue.amount)
    assert sorted(f[1] for f in figures) == [D("5000.00"), D("20000.00"), D("50000.00")]
