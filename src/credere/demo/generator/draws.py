"""Random draws that give the same results on every platform.

Only ``random.Random.random``, ``choice``, ``choices`` and ``sample`` are used, and draws
are combined with IEEE-exact operations only (no ``gauss``/``lognormvariate``, whose libm
functions may differ between platforms).
"""

from __future__ import annotations

import random


def between(rng: random.Random, low: int, high: int) -> int:
    """A uniform integer in [low, high]: like ``randint``, but faster (one IEEE-exact product)."""
    return low + int(rng.random() * (high - low + 1))


def digits(rng: random.Random, n: int) -> str:
    """``n`` random digits, the first not zero."""
    return str(between(rng, 10 ** (n - 1), 10**n - 1))


def pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    """One of the ``(value, weight)`` pairs' values, by weight."""
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]
