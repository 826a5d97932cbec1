"""Periodic reviews: month arithmetic, when a review falls due and why, what a review may decide,
how late a customer pays; and escalation of approval requests past their SLA."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from credere.domain.credit.approvals import ApprovalMatrix, Authority, escalation_role, may_decide, waiting_text
from credere.domain.credit.reviews import (
    Candidate,
    ReviewSchedule,
    add_months,
    average_days_late,
    check_outcome,
    due_review,
    due_reviews,
    is_overdue,
    next_review_due,
    payment_windows,
)

D = Decimal
SCHEDULE = ReviewSchedule({"A": 12, "B": 12, "C": 6, "D": 3, "E": 1}, 30)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31))
months = st.integers(min_value=0, max_value=120)


def test_month_arithmetic_is_clamped_to_the_month_end():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)


@given(dates, months)
def test_adding_months_lands_in_the_right_month_on_the_same_day_or_the_months_last(day, n):
    later = add_months(day, n)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == n
    assert later.day == day.day or (later.day < day.day and (later + dt.timedelta(days=1)).day == 1)
    assert later >= day


@given(dates, months, months)
def test_adding_months_is_monotone(day, a, b):
    if a <= b:
        assert add_months(day, a) <= add_months(day, b)


def test_the_next_review_counts_from_the_last_review_else_from_the_limit():
    assert next_review_due(last_review=None, limit_from=dt.date(2025, 10, 31), risk_class="C",
                           schedule=SCHEDULE) == dt.date(2026, 4, 30)
    assert next_review_due(last_review=dt.date(2026, 3, 1), limit_from=dt.date(2020, 1, 1), risk_class="D",
                           schedule=SCHEDULE) == dt.date(2026, 6, 1)
    assert next_review_due(last_review=None, limit_from=dt.date(2025, 1, 1), risk_class="X",
                           schedule=SCHEDULE) == dt.date(2026, 1, 1)  # a class the policy does not list: 12


def test_which_review_is_due_and_why():
    as_of = dt.date(2026, 3, 31)
    # class C, limit from 31 Oct 2025: due 30 April, within 30 days
    assert due_review(Candidate(1, "C", dt.date(2025, 10, 31)), as_of, SCHEDULE).trigger == "scheduled"
    # class A, limit from 1 Jan 2026: due 1 Jan 2027, not yet
    assert due_review(Candidate(2, "A", dt.date(2026, 1, 1)), as_of, SCHEDULE) is None
    # expiring within the window before the periodic review
    d = due_review(Candidate(3, "A", dt.date(2026, 1, 1), dt.date(2026, 4, 20)), as_of, SCHEDULE)
    assert (d.due_on, d.trigger) == (dt.date(2026, 4, 20), "limit_expiring")
    # expired
    d = due_review(Candidate(4, "A", dt.date(2025, 1, 1), dt.date(2026, 3, 1)), as_of, SCHEDULE)
    assert (d.due_on, d.trigger) == (dt.date(2026, 3, 1), "limit_expired")
    # reviewed recently: not due although the limit is old
    assert due_review(Candidate(5, "C", dt.date(2024, 1, 1), None, dt.date(2026, 3, 1)), as_of, SCHEDULE) is None
    # an expired limit reviewed after it came into view is not reviewed again for its expiry
    assert due_review(Candidate(6, "A", dt.date(2025, 6, 1), dt.date(2026, 3, 1), dt.date(2026, 3, 5)), as_of,
                      SCHEDULE) is None
    assert is_overdue(dt.date(2026, 3, 30), as_of) and not is_overdue(as_of, as_of)


candidates = st.builds(Candidate, st.integers(1, 10**6), st.sampled_from("ABCDEX"), dates,
                       st.none() | dates, st.none() | dates)


@given(st.lists(candidates, max_size=30, unique_by=lambda c: c.customer_id), dates, st.integers(0, 366))
def test_a_due_review_is_always_within_the_lead_window_and_the_list_is_sorted(cs, as_of, lead):
    schedule = ReviewSchedule(SCHEDULE.months, lead)
    found = due_reviews(cs, as_of, schedule)
    assert [(d.due_on, d.customer_id) for d in found] == sorted((d.due_on, d.customer_id) for d in found)
    for d in found:
        assert d.due_on <= as_of + dt.timedelta(days=lead)
        c = next(c for c in cs if c.customer_id == d.customer_id)
        if d.trigger == "limit_expired":
            assert d.due_on == c.limit_expires and d.due_on <= as_of
        elif d.trigger == "limit_expiring":
            assert d.due_on == c.limit_expires and d.due_on > as_of


@given(candidates, dates, st.integers(0, 366))
def test_a_review_due_on_a_day_stays_due_on_every_later_day(c, as_of, lead):
    schedule = ReviewSchedule(SCHEDULE.months, lead)
    if due_review(c, as_of, schedule) is not None:
        assert due_review(c, as_of + dt.timedelta(days=1), schedule) is not None


def _problems(**kw):
    args = {"outcome": "keep", "note": "fine", "current_limit": D("1000"), "new_limit": None,
            "new_risk_class": None, "risk_classes": ["A", "B", "C"], **kw}
    return [(p.field, p.message) for p in check_outcome(**args)]


def test_what_a_review_may_decide():
    assert _problems() == []
    assert _problems(outcome="raise") == [("new_limit", "give the new limit to raise the limit to")]
    assert _problems(outcome="raise", new_limit=D("1000")) == [("new_limit", "to raise the limit, give more than 1,000.00")]
    assert _problems(outcome="lower", new_limit=D("1500")) == [("new_limit", "to lower the limit, give less than 1,000.00")]
    assert _problems(outcome="lower", new_limit=D("500"), current_limit=None) == [("new_limit",
                                                                                   "there is no limit to lower")]
    assert _problems(outcome="keep", new_limit=D("5")) == [
        ("new_limit", "a new limit goes with raising or lowering it, not 'keep'")]
    assert _problems(outcome="shrug", note=" ", new_risk_class="Z") == [
        ("outcome", "choose one of keep, raise, lower, block"),
        ("note", "say what the review found (it is kept with the review)"), ("new_risk_class", "choose one of A, B, C")]
    assert _problems(outcome="block") == [] and _problems(outcome="raise", new_limit=D("1000.01")) == []


amounts = st.decimals(min_value=0, max_value=10**9, places=2)


@given(st.sampled_from(["raise", "lower"]), st.none() | amounts, amounts)
def test_a_raise_is_always_higher_and_a_lower_always_lower(outcome, current, new):
    ok = _problems(outcome=outcome, current_limit=current, new_limit=new) == []
    if outcome == "raise":
        assert ok == (new > (current if current is not None else 0))
    else:
        assert ok == (current is not None and new < current)


def test_average_days_late_and_its_two_windows():
    as_of = dt.date(2026, 3, 31)
    paid = [(dt.date(2026, 3, 1), dt.date(2026, 3, 11)),   # 10 days late, last 90 days
            (dt.date(2026, 3, 20), dt.date(2026, 3, 15)),  # early: 0, last 90 days
            (dt.date(2025, 11, 1), dt.date(2025, 11, 4)),  # 3 days late, the 90 days before
            (dt.date(2025, 1, 1), dt.date(2025, 3, 1))]    # older than 180 days: not counted
    assert payment_windows(paid, as_of) == (D("5.0"), D("3.0"))
    assert average_days_late([]) is None


@given(st.lists(st.tuples(dates, dates), max_size=40))
def test_the_average_lies_between_the_smallest_and_the_largest_delay(paid):
    avg = average_days_late(paid)
    if not paid:
        assert avg is None
        return
    late = [max(0, (p - d).days) for d, p in paid]
    assert min(late) - D("0.05") <= avg <= max(late) + D("0.05")


MATRIX = ApprovalMatrix("EUR", (Authority("credit_analyst", D("25000")), Authority("credit_manager", D("250000"),
                                                                                     frozenset({"A", "B"})),
                                Authority("administrator", None)))


def test_an_escalated_request_may_also_be_decided_by_the_next_authority_up_and_never_by_its_requester():
    # 10,000 for class C: an analyst; the next authority up is the manager (whose ceiling covers only A and B)
    assert escalation_role(MATRIX, D("10000"), "C") == "credit_manager"
    kw = {"amount": D("10000"), "risk_class": "C", "requester": "anna", "decider": "ben",
          "decider_roles": ["credit_manager"]}
    assert may_decide(MATRIX, **kw).allowed is False
    v = may_decide(MATRIX, **kw, escalated=True)
    assert v.allowed and v.reason == "escalated past its SLA to a credit manager"
    assert not may_decide(MATRIX, **{**kw, "decider": "anna"}, escalated=True).allowed
    # an administrator always could; the highest authority has nobody above it
    assert escalation_role(MATRIX, D("10000000"), "C") is None
    assert not may_decide(MATRIX, **{**kw, "decider_roles": ["collector"]}, escalated=True).allowed


@given(st.decimals(min_value=0, max_value=10**7, places=2), st.sampled_from("ABC"), st.booleans())
def test_escalation_only_ever_adds_deciders(amount, risk_class, esc):
    for roles in (["credit_analyst"], ["credit_manager"], ["administrator"], ["collector"]):
        plain = may_decide(MATRIX, amount=amount, risk_class=risk_class, requester="a", decider="b",
                           decider_roles=roles)
        if plain.allowed:
            assert may_decide(MATRIX, amount=amount, risk_class=risk_class, requester="a", decider="b",
                              decider_roles=roles, escalated=esc).allowed


def test_waiting_in_words():
    assert waiting_text(D("75"), D("48")) == "waiting 3 days, over the 48-hour SLA"
    assert waiting_text(D("5.5"), D("48")) == "waiting 5 hours"
    assert waiting_text(D("24"), None) == "waiting 1 day"
