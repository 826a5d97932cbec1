"""Background work of credit control (run by ``credere worker``): standings refreshed after ledger
changes, the daily run (standings, alerts, reviews due, digests) and the review schedule alone."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.tasks import task

from credere.core import background
from credere.credit.services import alerts, standing
from credere.credit.services.daily import daily as daily_run
from credere.credit.services.reviews import schedule


@task()
def refresh_standings(customer_ids: list[int] | None = None) -> str:
    """Reduce invoiced orders and recompute the credit standings of the customers (``None``: everyone)."""
    done = standing.after_ledger_change(customer_ids)
    return f"{done.rows} standings of {done.customers} customers in {done.seconds:.1f} s"


@task()
def run_alerts(customer_ids: list[int] | None = None) -> str:
    """Evaluate the alert rules for the customers (after an order check: the ERP does not wait for it)."""
    done = alerts.run(customer_ids)
    return f"alerts: {done.raised} raised, {done.still_true} still true, {done.cleared} cleared"


@task()
def schedule_reviews(actor: str, as_of: str | None = None) -> str:
    """Open the credit reviews now due. Idempotent: a customer never gets a second open review, so a
    repeated or overlapping run opens nothing more. ``actor`` is the user the run is made for (one
    who may request limits); ``as_of`` an ISO date (default today)."""
    user = get_user_model().objects.filter(username=actor, is_active=True).first()
    if user is None:
        return f"skipped: {actor} is not an active user"
    opened = schedule(actor=user, as_of=dt.date.fromisoformat(as_of) if as_of else None)
    return f"{len(opened)} review{'s' if len(opened) != 1 else ''} opened"


@task()
def daily() -> str:
    """The daily run: standings, alerts for everyone, the reviews now due, the digests."""
    done = daily_run()
    return (f"{done.standings.rows} standings; alerts {done.alerts.raised} raised, {done.alerts.cleared} cleared; "
            f"{done.reviews_opened} reviews opened; {sum(1 for d in done.digests if d.sent)} digests sent")


background.register("credit.refresh_standings", refresh_standings)
background.register("credit.run_alerts", run_alerts)
background.register("credit.schedule_reviews", schedule_reviews)
background.register("credit.daily", daily)
