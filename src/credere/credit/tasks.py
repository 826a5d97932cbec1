"""Background work of credit control (run by ``credere worker``)."""

from __future__ import annotations

from django.tasks import task

from credere.core import background
from credere.credit.services import standing
from credere.credit.services.daily import daily as daily_run


@task()
def refresh_standings(customer_ids: list[int] | None = None) -> str:
    """Reduce invoiced orders and recompute the credit standings of the customers (``None``: everyone)."""
    done = standing.after_ledger_change(customer_ids)
    return f"{done.rows} standings of {done.customers} customers in {done.seconds:.1f} s"


background.register("credit.refresh_standings", refresh_standings)


@task()
def daily() -> str:
    """The daily run: standings, alerts for everyone, the digests."""
    done = daily_run()
    return (f"{done.standings.rows} standings; alerts {done.alerts.raised} raised, {done.alerts.cleared} cleared; "
            f"{sum(1 for d in done.digests if d.sent)} digests sent")


background.register("credit.daily", daily)
