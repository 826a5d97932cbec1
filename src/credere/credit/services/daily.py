"""The daily run of credit control: orders invoiced meanwhile reduced, every standing recomputed, the
alert rules evaluated for everyone, then the alert digests sent (``credere credit daily``, or the
``credit.daily`` background task from a timer)."""

from __future__ import annotations

from dataclasses import dataclass

from credere.credit.services import alerts, digest, standing
from credere.credit.services.orders import reconcile_invoiced


@dataclass(frozen=True)
class DailyResult:
    standings: standing.Refreshed
    alerts: alerts.RunResult
    digests: list[digest.Digest]


def daily(*, send: bool = True) -> DailyResult:
    reconcile_invoiced(None)
    refreshed = standing.refresh()
    ran = alerts.run()
    return DailyResult(refreshed, ran, digest.send_digests(dry_run=not send))
