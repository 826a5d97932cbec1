"""Approval routing: the lowest covering authority decides; four eyes; properties of the matrix."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from credere.domain.credit.approvals import ApprovalMatrix, Authority, escalated, may_decide, route

D = Decimal
MATRIX = ApprovalMatrix("EUR", (
    Authority("credit_analyst", D("25000")),
    Authority("credit_manager", D("250000")),
    Authority("administrator", None),
))


def test_the_lowest_authority_that_covers_the_amount_decides():
    assert route(MATRIX, D("25000"), "B").required == MATRIX.authorities[0]
    assert route(MATRIX, D("25000.01"), "B").roles == ("credit_manager", "administrator")
    assert route(MATRIX, D("1000000"), "B").text == "Needs an administrator (no ceiling)"
    assert route(MATRIX, D("100"), "B").text == "Needs a credit analyst (up to 25000)"


def test_four_eyes_and_authority():
    v = may_decide(MATRIX, amount=D("10000"), risk_class="A", requester="anna", decider="anna",
                   decider_roles=["credit_manager"])
    assert not v.allowed and "four eyes" in v.reason
    v = may_decide(MATRIX, amount=D("100000"), risk_class="A", requester="anna", decider="ben",
                   decider_roles=["credit_analyst"])
    assert not v.allowed and "ben holds no role with that authority" in v.reason
    assert may_decide(MATRIX, amount=D("100000"), risk_class="A", requester="anna", decider="carl",
                      decider_roles=["credit_manager"]).allowed


def test_an_authority_limited_to_risk_classes():
    m = ApprovalMatrix("EUR", (Authority("credit_analyst", D("25000"), frozenset({"A", "B"})),
                               Authority("credit_manager", None)))
    assert route(m, D("1000"), "D").required == m.authorities[1]
    assert route(m, D("1000"), "A").required == m.authorities[0]


def test_escalation_after_the_sla():
    assert escalated(D("49"), D("48")) and not escalated(D("48"), D("48"))


@given(amount=st.decimals(min_value=0, max_value=10**8, places=2), smaller=st.decimals(min_value=0, max_value=10**8,
       places=2), who=st.sampled_from(["anna", "ben"]), roles=st.sets(st.sampled_from(
           ["credit_analyst", "credit_manager", "administrator", "sales"])))
def test_properties(amount, smaller, who, roles):
    # the requester never decides, whatever their roles
    assert not may_decide(MATRIX, amount=amount, risk_class="A", requester=who, decider=who,
                          decider_roles=roles).allowed
    # who may approve an amount may approve any smaller one
    if may_decide(MATRIX, amount=amount, risk_class="A", requester="x", decider=who, decider_roles=roles).allowed \
            and smaller <= amount:
        assert may_decide(MATRIX, amount=smaller, risk_class="A", requester="x", decider=who,
                          decider_roles=roles).allowed
