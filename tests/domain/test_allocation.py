"""Properties of the allocation rules: nothing over-allocated, money conserved, reversal exact."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credere.domain.allocation import AllocationError, SourceState, TargetState, allocate, reverse

cents = st.integers(min_value=1, max_value=10_000_00).map(lambda c: Decimal(c).scaleb(-2))


def test_allocate_and_reverse_exact_values():
    t = TargetState(Decimal("100.00"), Decimal(0), "EUR")
    s = SourceState(Decimal("60.00"), Decimal(0), "EUR")
    t2, s2 = allocate(t, s, Decimal("60.00"))
    assert (t2.open_amount, s2.available) == (Decimal("40.00"), Decimal("0.00"))
    with pytest.raises(AllocationError) as exc:
        allocate(t2, s2, Decimal("0.01"))
    assert exc.value.code == "source_exhausted"
    assert reverse(t2, s2, Decimal("60.00"), Decimal("60.00")) == (t, s)


@pytest.mark.parametrize("amount, code", [
    (Decimal("100.01"), "over_allocation"), (Decimal("0"), "not_positive"), (Decimal("-5"), "not_positive"),
    (Decimal("1.001"), "precision"),
])
def test_refusals_have_reason_codes(amount, code):
    t = TargetState(Decimal("100.00"), Decimal(0), "EUR")
    s = SourceState(Decimal("500.00"), Decimal(0), "EUR")
    with pytest.raises(AllocationError) as exc:
        allocate(t, s, amount)
    assert exc.value.code == code


def test_credit_note_source_and_currency_rules():
    t = TargetState(Decimal("100.00"), Decimal(0), "EUR")
    credit = SourceState(Decimal("-30.00"), Decimal(0), "EUR")
    t2, c2 = allocate(t, credit, Decimal("30.00"))
    assert c2.available == 0 and t2.open_amount == Decimal("70.00")
    with pytest.raises(AllocationError, match="give the amount in both"):
        allocate(t, SourceState(Decimal("100"), Decimal(0), "USD"), Decimal("10.00"))
    t3, s3 = allocate(t, SourceState(Decimal("100"), Decimal(0), "USD"), Decimal("10.00"), Decimal("10.80"))
    assert s3.used == Decimal("10.80") and t3.allocated == Decimal("10.00")
    with pytest.raises(AllocationError):
        allocate(t, SourceState(Decimal("100"), Decimal(0), "EUR"), 1.5)  # type: ignore[arg-type]


@given(
    targets=st.lists(cents, min_size=1, max_size=4),
    sources=st.lists(cents, min_size=1, max_size=4),
    ops=st.lists(st.tuples(st.booleans(), st.integers(0, 3), st.integers(0, 3), cents), max_size=40),
)
def test_random_sequences_keep_the_invariants(targets, sources, ops):
    ts = [TargetState(a, Decimal(0), "EUR") for a in targets]
    ss = [SourceState(a, Decimal(0), "EUR") for a in sources]
    done: list[tuple[int, int, Decimal, list[TargetState], list[SourceState]]] = []
    for is_reverse, ti, si, amount in ops:
        if is_reverse and done:
            t_i, s_i, amt, ts_before, ss_before = done.pop()
            ts[t_i], ss[s_i] = reverse(ts[t_i], ss[s_i], amt, amt)
            assert ts == ts_before and ss == ss_before  # reversal restores exactly
            continue
        t_i, s_i = ti % len(ts), si % len(ss)
        before = (list(ts), list(ss))
        try:
            ts[t_i], ss[s_i] = allocate(ts[t_i], ss[s_i], amount)
        except AllocationError:
            assert (ts, ss) == before  # a refusal changes nothing
            continue
        done.append((t_i, s_i, amount, *before))
    for t in ts:
        assert 0 <= t.allocated <= t.amount
        assert t.open_amount == t.amount - t.allocated
    for s in ss:
        assert 0 <= s.used <= s.amount
    # money conserved: what the targets received is what the sources gave
    assert sum((t.allocated for t in ts), Decimal(0)) == sum((s.used for s in ss), Decimal(0))
