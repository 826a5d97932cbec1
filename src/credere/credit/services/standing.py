"""Credit standings: every customer's (and corporate group's) exposure against its limits, stored.

Computed in bulk (:func:`credere.credit.selectors.computed.compute`) so that the whole
portfolio is refreshed in seconds, and then "everyone over 90 % of their limit", the portfolio
and the alert run are indexed queries instead of a computation per customer. The figures are
the same as the customer page's (:func:`credere.credit.selectors.picture`): the same sums,
the same conversion rule (:func:`credere.domain.credit.exposure.assemble`), the same cover.

A standing is refreshed when what it depends on changes: after a credit check, an approved
limit, recorded cover or a new risk class (that customer), after the ledger changes (the
customers touched; an import refreshes everything in the background), and by the daily run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from credere.core import background
from credere.credit.models import CreditLimit, CreditStanding
from credere.credit.policy import PolicyInForce, policy_in_force
from credere.credit.selectors import CustomerFigures, Rates
from credere.credit.selectors.computed import Builder, compute
from credere.credit.services.orders import reconcile_invoiced

#: above this many customers a ledger change refreshes the standings in the background
SYNC_LIMIT = 200


@dataclass(frozen=True)
class Refreshed:
    rows: int
    customers: int
    problems: int
    seconds: float


_FIELDS = [f.name for f in CreditStanding._meta.concrete_fields if f.name not in ("id", "key")]


def refresh(customer_ids: Iterable[int] | None = None, *, on: dt.date | None = None) -> Refreshed:
    """Recompute the standings of the customers (and of their groups' tops), or of everyone."""
    started = timezone.now()
    rows, subjects = compute(policy_in_force(), on or timezone.localdate(), customer_ids, now=started)
    with transaction.atomic():
        for i in range(0, len(rows), 1000):
            CreditStanding.objects.bulk_create(rows[i:i + 1000], update_conflicts=True, unique_fields=["key"],
                                               update_fields=_FIELDS)
        stale = CreditStanding.objects.filter(refreshed_at__lt=started)
        if customer_ids is not None:
            stale = stale.filter(customer_id__in=subjects)
        stale.delete()
    return Refreshed(len(rows), len(subjects), sum(1 for r in rows if r.problem),
                     (timezone.now() - started).total_seconds())


def refresh_after_check(figures: CustomerFigures, *, group_top: int, credit_status: dict[int, str],
                        limits: list[CreditLimit], risk_class: str, rates: Rates, policy: PolicyInForce) -> None:
    """The customer's standings after an order check, in the check's transaction, from the figures
    the check read (``limits``: those in force of the customer and its group's top,
    :func:`~credere.credit.selectors.limits_in_force`; ``credit_status``: the check's word on its
    order): the rows :func:`refresh` of the customer would store, without reading everything again.
    The alert rules are queued for the background worker, as :func:`refresh_after_commit` does.

    Where the figures do not suffice, the full way after the commit: an open order that an invoice
    names (its open value may fall first, :func:`reconcile_invoiced`), and a group limit of the
    customer or its top (the pool counts every member). The top's own rows, which a member's order
    does not change, are left as they are."""
    customer = figures.customer_id
    if any(o.invoiced for o in figures.orders) or any(x.for_group for x in limits):
        refresh_after_commit([customer], alerts_later=True)
        return
    builder = Builder.of_customer(policy, timezone.now(), figures, credit_status, limits, risk_class, rates)
    rows = builder.rows(customer, {})
    CreditStanding.objects.bulk_create(rows, update_conflicts=True, unique_fields=["key"], update_fields=_FIELDS)
    # rows of limits no longer in force, and the top's pools (it has no group limit)
    (CreditStanding.objects.filter((Q(customer_id=customer) & ~Q(key__in=[r.key for r in rows]))
                                   | Q(customer_id=group_top, for_group=True)).delete())
    background.enqueue_on_commit("credit.run_alerts", [customer])


def after_ledger_change(customer_ids: Iterable[int] | None, *, alerts_later: bool = False) -> Refreshed:
    """Orders invoiced meanwhile are reduced, the standings refreshed, then the alert rules evaluated
    for the same customers (:func:`credere.credit.services.alerts.run`) — now, or by the background
    worker (``alerts_later``)."""
    from credere.credit.services import alerts  # it reads the standings this module writes

    ids = None if customer_ids is None else sorted(set(customer_ids))
    reconcile_invoiced(ids)
    done = refresh(ids)
    if alerts_later:
        background.enqueue_on_commit("credit.run_alerts", ids)
    else:
        alerts.run(ids)
    return done


def refresh_after_commit(customer_ids: Iterable[int] | None, *, alerts_later: bool = False) -> None:
    """What a change asks for: a small set now (once the transaction commits), a large one or
    everyone in the background. ``alerts_later``: the order check's path, where an ERP waits for the
    answer — the standing is refreshed before it gets it, the alert rules run in the background."""
    ids = None if customer_ids is None else sorted(set(customer_ids))
    if ids is not None and len(ids) <= SYNC_LIMIT:
        transaction.on_commit(lambda: after_ledger_change(ids, alerts_later=alerts_later))
    else:
        background.enqueue_on_commit("credit.refresh_standings", ids)
