"""The daily run of credit control: limits scheduled for today put in force, orders invoiced meanwhile reduced, every standing recomputed, the
alert rules evaluated for everyone, the credit reviews now due opened, then the alert digests sent (``credere credit daily``, or the
``credit.daily`` background task from a timer)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from credere.credit.services import alerts, digest, reviews, standing
from credere.credit.services.limits import activate_scheduled
from credere.credit.services.orders import reconcile_invoiced


@dataclass(frozen=True)
class DailyResult:
    standings: standing.Refreshed
    alerts: alerts.RunResult
    digests: list[digest.Digest]
    reviews_opened: int = 0


def daily(*, send: bool = True, actor: Any = None) -> DailyResult:
    """``actor``: the person the run is made for (None: the scheduled run, recorded as "system")."""
    activate_scheduled()
    reconcile_invoiced(None)
    refreshed = standing.refresh()
    ran = alerts.run()
    opened = reviews.schedule(actor=actor)
    return DailyResult(refreshed, ran, digest.send_digests(dry_run=not send), len(opened))
