"""A fixed-window rate limit on the shared cache: ``allow(key, limit, seconds)`` counts one use and says whether
it is within the limit. For public pages (credit applications) that anyone can reach: per address and per
link, so that a script cannot start thousands of applications or try links."""

from __future__ import annotations

import time

from django.core.cache import cache


def allow(key: str, limit: int, seconds: int) -> bool:
    window = int(time.time() // seconds)
    name = f"rl:{key}:{window}"
    if cache.add(name, 1, timeout=seconds + 5):
        return True
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=seconds + 5)
        return True
    return count <= limit
