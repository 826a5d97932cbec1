"""Bounded subset-sum: which of a payer's open items add up to a payment.

Amounts are integers in minor units. The search visits combinations by size (smallest
first), stops at ``max_size`` items and ``max_nodes`` visited nodes, and reports whether
the first solution found is the only one of its size (two solutions mean ambiguity).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Combination:
    indexes: tuple[int, ...]
    unique: bool


def find_combination(values: Sequence[int], low: int, high: int, *, max_size: int,
                     max_nodes: int) -> Combination | None:
    """Indexes into ``values`` (all > 0) whose sum lies in ``[low, high]``, smallest set first."""
    if high < low or not values:
        return None
    order = sorted(range(len(values)), key=lambda i: -values[i])
    vals = [values[i] for i in order]
    n = len(vals)
    budget = [max_nodes]
    for size in range(1, min(max_size, n) + 1):
        found: list[tuple[int, ...]] = []
        _search(vals, 0, size, 0, low, high, [], found, budget)
        if found:
            first = tuple(sorted(order[i] for i in found[0]))
            return Combination(first, unique=len(found) == 1)
        if budget[0] <= 0:
            return None
    return None


def _search(vals: list[int], start: int, left: int, total: int, low: int, high: int, chosen: list[int],
            found: list[tuple[int, ...]], budget: list[int]) -> None:
    if len(found) >= 2 or budget[0] <= 0:
        return
    budget[0] -= 1
    if left == 0:
        if low <= total <= high:
            found.append(tuple(chosen))
        return
    n = len(vals)
    for i in range(start, n - left + 1):
        v = vals[i]
        # vals descending: the largest possible sum from here takes the next ``left`` values
        if total + sum(vals[i:i + left]) < low:
            return
        # the smallest possible sum takes v and the last ``left - 1`` values
        if total + v + (sum(vals[n - left + 1:]) if left > 1 else 0) > high:
            continue
        chosen.append(i)
        _search(vals, i + 1, left - 1, total + v, low, high, chosen, found, budget)
        chosen.pop()
        if len(found) >= 2 or budget[0] <= 0:
            return
