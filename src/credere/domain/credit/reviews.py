"""Periodic credit reviews: when a customer's credit is due for a fresh look, and what a review may
decide.

A customer with a credit limit is reviewed every so many months by risk class (policy data), counted
from its last completed review, or from the day its limit came into force when it has never been
reviewed. A limit that expires within the lead window (or has expired) brings the review forward.
Pure: dates in, dates and reasons out; the caller says what "today" is.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

#: Why a review was opened.
SCHEDULED, LIMIT_EXPIRING, LIMIT_EXPIRED, ALERT, REQUESTED = (
    "scheduled", "limit_expiring", "limit_expired", "alert", "requested")
TRIGGERS: Mapping[str, str] = {
    SCHEDULED: "Scheduled review", LIMIT_EXPIRING: "Limit expiring", LIMIT_EXPIRED: "Limit expired",
    ALERT: "Monitoring alert", REQUESTED: "Started by hand",
}
#: What a review decides.
KEEP, RAISE, LOWER, BLOCK = "keep", "raise", "lower", "block"
OUTCOMES: Mapping[str, str] = {
    KEEP: "Keep the limit", RAISE: "Raise the limit", LOWER: "Lower the limit", BLOCK: "Block the customer",
}
#: Months between reviews for a risk class the policy does not list.
DEFAULT_MONTHS = 12


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28 or 29 Feb)."""
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


@dataclass(frozen=True, slots=True)
class ReviewSchedule:
    """How often each risk class is reviewed, and how many days ahead a review is opened."""

    months: Mapping[str, int] = field(default_factory=dict)
    lead_days: int = 30

    def months_for(self, risk_class: str) -> int:
        return int(self.months.get(risk_class, DEFAULT_MONTHS))


def next_review_due(*, last_review: dt.date | None, limit_from: dt.date, risk_class: str,
                    schedule: ReviewSchedule) -> dt.date:
    """The next periodic review: months by class after the last review, or after the limit's start."""
    return add_months(last_review or limit_from, schedule.months_for(risk_class))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A customer with a limit in force: its class, when its limit started (the latest one) and
    expires (the earliest one, if any), and when it was last reviewed."""

    customer_id: int
    risk_class: str
    limit_from: dt.date
    limit_expires: dt.date | None = None
    last_review: dt.date | None = None


@dataclass(frozen=True, slots=True)
class DueReview:
    customer_id: int
    due_on: dt.date
    trigger: str


def due_review(c: Candidate, as_of: dt.date, schedule: ReviewSchedule) -> DueReview | None:
    """The review to open for ``c`` as of ``as_of``, if one falls within the lead window."""
    window_end = as_of + dt.timedelta(days=schedule.lead_days)
    periodic = next_review_due(last_review=c.last_review, limit_from=c.limit_from, risk_class=c.risk_class,
                               schedule=schedule)
    expires = c.limit_expires
    if expires is not None and c.last_review is not None and c.last_review >= expires - dt.timedelta(
            days=schedule.lead_days):
        expires = None  # reviewed since the expiry came into view: its renewal is decided there
    if expires is not None and expires <= as_of:
        return DueReview(c.customer_id, expires, LIMIT_EXPIRED)
    if expires is not None and expires <= window_end and expires <= periodic:
        return DueReview(c.customer_id, expires, LIMIT_EXPIRING)
    if periodic <= window_end:
        return DueReview(c.customer_id, periodic, SCHEDULED)
    return None


def due_reviews(candidates: Iterable[Candidate], as_of: dt.date, schedule: ReviewSchedule) -> list[DueReview]:
    """The reviews to open as of ``as_of``, earliest due first."""
    found = [d for c in candidates if (d := due_review(c, as_of, schedule)) is not None]
    return sorted(found, key=lambda d: (d.due_on, d.customer_id))


def is_overdue(due_on: dt.date, as_of: dt.date) -> bool:
    return due_on < as_of


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    message: str


def check_outcome(*, outcome: str, note: str, current_limit: Decimal | None, new_limit: Decimal | None,
                  new_risk_class: str | None, risk_classes: Sequence[str]) -> list[Problem]:
    """What is wrong with a review's decision, each problem naming its field (none: it may be recorded)."""
    problems: list[Problem] = []
    if outcome not in OUTCOMES:
        problems.append(Problem("outcome", f"choose one of {', '.join(OUTCOMES)}"))
    if not note.strip():
        problems.append(Problem("note", "say what the review found (it is kept with the review)"))
    if new_risk_class is not None and new_risk_class not in risk_classes:
        problems.append(Problem("new_risk_class", f"choose one of {', '.join(risk_classes)}"))
    if outcome in (RAISE, LOWER):
        if new_limit is None:
            problems.append(Problem("new_limit", f"give the new limit to {outcome} the limit to"))
        elif new_limit < 0:
            problems.append(Problem("new_limit", "a limit cannot be negative"))
        elif outcome == RAISE and current_limit is not None and new_limit <= current_limit:
            problems.append(Problem("new_limit", f"to raise the limit, give more than {current_limit:,.2f}"))
        elif outcome == RAISE and current_limit is None and new_limit <= 0:
            problems.append(Problem("new_limit", "to raise the limit, give more than zero"))
        elif outcome == LOWER and current_limit is None:
            problems.append(Problem("new_limit", "there is no limit to lower"))
        elif outcome == LOWER and current_limit is not None and new_limit >= current_limit:
            problems.append(Problem("new_limit", f"to lower the limit, give less than {current_limit:,.2f}"))
    elif new_limit is not None and outcome in OUTCOMES:
        problems.append(Problem("new_limit", f"a new limit goes with raising or lowering it, not '{outcome}'"))
    return problems


def days_late(due: dt.date, paid_on: dt.date) -> int:
    """Days an item was paid after its due date (0 when paid on time or early)."""
    return max(0, (paid_on - due).days)


def average_days_late(paid: Iterable[tuple[dt.date, dt.date]]) -> Decimal | None:
    """The average days late of paid items ``(due, paid_on)``, to one decimal; None without any."""
    late = [days_late(due, paid_on) for due, paid_on in paid]
    if not late:
        return None
    return (Decimal(sum(late)) / len(late)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def payment_windows(paid: Iterable[tuple[dt.date, dt.date]], as_of: dt.date,
                    days: int = 90) -> tuple[Decimal | None, Decimal | None]:
    """Average days late of the items paid in the last ``days`` days up to ``as_of`` and in the
    ``days`` before those: is the customer paying later than it used to?"""
    recent_start, earlier_start = as_of - dt.timedelta(days=days), as_of - dt.timedelta(days=2 * days)
    items = list(paid)
    recent = [(d, p) for d, p in items if recent_start < p <= as_of]
    earlier = [(d, p) for d, p in items if earlier_start < p <= recent_start]
    return average_days_late(recent), average_days_late(earlier)
