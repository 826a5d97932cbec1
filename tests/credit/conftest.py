"""Credit control tests run on 31 March 2026, the hand-computed portfolio's as-of date."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine


@pytest.fixture(autouse=True)
def _on_the_portfolio_date(request):
    """Time stands still, except for a real browser's tests (its pages need a clock that moves)."""
    tick = "page" in request.fixturenames
    with time_machine.travel(dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC), tick=tick):
        yield
