"""Calendar arithmetic on date ordinals (``date.toordinal()``): weekdays, business days, months."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` years earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def weekday(ordinal: int) -> int:
    """0 = Monday (ordinal 1 is Monday 1 January of year 1)."""
    return (ordinal - 1) % 7


def next_business(ordinal: int) -> int:
    """``ordinal`` if it is a weekday, else the Monday after."""
    wd = (ordinal - 1) % 7
    return ordinal + 2 if wd == 5 else ordinal + 1 if wd == 6 else ordinal


def prev_business(ordinal: int) -> int:
    """``ordinal`` if it is a weekday, else the Friday before."""
    wd = (ordinal - 1) % 7
    return ordinal - 1 if wd == 5 else ordinal - 2 if wd == 6 else ordinal


class Month(NamedTuple):
    """One calendar month of the portfolio's period, as ordinals."""

    first: int
    last: int
    factor: float  # seasonality x growth
    last_business: int
    run_day: int  # monthly payment run: the 25th or the business day before
