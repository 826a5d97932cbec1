"""Credit standings: every customer's (and corporate group's) exposure against its limits, stored.

Computed in bulk — a handful of grouped queries and one pass in Python — so that the whole
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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Min, Q, Sum
from django.utils import timezone

from credere.core import background
from credere.credit.models import Cover, CreditLimit, CreditStanding, Order, RiskClassAssignment
from credere.credit.policy import PolicyInForce, policy_in_force
from credere.credit.selectors import COUNTING_ORDERS, IN_FORCE, CustomerFigures, Rates, latest_in_force
from credere.credit.services.orders import reconcile_invoiced
from credere.domain.aging import convert_with, rate_map
from credere.domain.credit.cover import CoverTerms
from credere.domain.credit.exposure import assemble, currencies_of, headroom, utilisation
from credere.domain.fx import RateTable
from credere.ledger import selectors as ledger
from credere.ledger.models import Customer, OpenItem
from credere.ledger.services.fx import rates_on

#: above this many customers a ledger change refreshes the standings in the background
SYNC_LIMIT = 200
#: above this many customers a refresh reads the whole ledger instead of a list of ids
SUBSET_LIMIT = 2000

Sums = dict[int, dict[int, dict[str, Decimal]]]  # customer -> company -> currency -> amount


@dataclass(frozen=True)
class Refreshed:
    rows: int
    customers: int
    problems: int
    seconds: float


def _sums(qs: Any, ids: set[int] | None) -> Sums:
    if ids is not None:
        qs = qs.filter(customer_id__in=ids)
    out: Sums = defaultdict(lambda: defaultdict(dict))
    for cust, comp, cur, total in (qs.exclude(open_amount=0).values("customer_id", "company_id", "currency")
                                   .annotate(s=Sum("open_amount")).values_list("customer_id", "company_id", "currency", "s")):
        out[cust][comp][cur] = total
    return out


def _add(into: dict[str, Decimal], per: dict[str, Decimal]) -> None:
    for cur, amount in per.items():
        into[cur] = into.get(cur, Decimal(0)) + amount


def _scoped(sums: Sums, customers: Iterable[int], company: int | None) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for c in customers:
        for comp, per in sums.get(c, {}).items():
            if company is None or comp == company:
                _add(out, per)
    return out


class _Builder:
    """Everything one refresh reads, loaded once (:meth:`load`, or :meth:`of_customer` from what an
    order check read); :meth:`rows` makes the standings of a customer."""

    def __init__(self, policy: PolicyInForce, on: dt.date, now: dt.datetime) -> None:
        self.policy, self.on, self.now = policy, on, now
        self.kinds = list(policy.settings["cover_counts"])
        self.default_class = str(policy.settings["default_risk_class"])
        self.receivables: Sums = {}
        self.orders: Sums = {}
        self.overdue: dict[int, dict[str, Decimal]] = defaultdict(dict)
        self.oldest: dict[int, dt.date] = {}
        self.limits: dict[tuple[int, bool], list[CreditLimit]] = defaultdict(list)
        self.covers: dict[int, list[tuple[str, CoverTerms]]] = defaultdict(list)
        self.classes: dict[int, str] = {}
        self.table = RateTable()

    @classmethod
    def load(cls, policy: PolicyInForce, on: dt.date, needed: set[int] | None, now: dt.datetime) -> _Builder:
        self = cls(policy, on, now)
        self.receivables = _sums(OpenItem.objects.all(), needed)
        self.orders = _sums(Order.objects.filter(COUNTING_ORDERS), needed)
        overdue_qs = OpenItem.objects.filter(due_date__lt=on, open_amount__gt=0)
        if needed is not None:
            overdue_qs = overdue_qs.filter(customer_id__in=needed)
        for cust, cur, total in (overdue_qs.values("customer_id", "currency").annotate(s=Sum("open_amount"))
                                 .values_list("customer_id", "currency", "s")):
            self.overdue[cust][cur] = total
        self.oldest = dict(overdue_qs.values("customer_id").annotate(m=Min("due_date"))
                           .values_list("customer_id", "m"))
        limits = CreditLimit.objects.filter(IN_FORCE, valid_from__lte=on)
        covers = Cover.objects.filter(valid_from__lte=on, ended_on__isnull=True)
        classes = RiskClassAssignment.objects.filter(effective_from__lte=on)
        if needed is not None:
            limits, covers, classes = (limits.filter(customer_id__in=needed), covers.filter(customer_id__in=needed),
                                       classes.filter(customer_id__in=needed))
        self._index(latest_in_force(limits), covers)
        for cust, rc in classes.order_by("customer_id", "effective_from", "id").values_list("customer_id", "risk_class"):
            self.classes[cust] = rc  # the latest wins
        self.table = rates_on(on)
        return self

    @classmethod
    def of_customer(cls, policy: PolicyInForce, now: dt.datetime, figures: CustomerFigures,
                    credit_status: dict[int, str], limits: list[CreditLimit], risk_class: str,
                    rates: Rates) -> _Builder:
        """What :meth:`load` would read for the one customer, from what its order check read (the
        orders named in ``credit_status`` have that status now)."""
        c = figures.customer_id
        self = cls(policy, figures.on, now)
        self.receivables = {c: figures.items}
        self.orders = {c: figures.orders_by_company(credit_status)}
        self.overdue[c] = dict(figures.overdue)
        if figures.oldest_overdue is not None:
            self.oldest[c] = figures.oldest_overdue
        # the check reads cover ended after today as still in force; a refresh does not
        self._index(limits, [x for x in figures.covers if x.ended_on is None])
        self.classes[c] = risk_class
        self.table = rates.table
        return self

    def _index(self, limits: Iterable[CreditLimit], covers: Iterable[Cover]) -> None:
        for limit in sorted(limits, key=lambda x: (x.customer_id, x.company_id or 0)):
            self.limits[(limit.customer_id, limit.for_group)].append(limit)
        for c in covers:
            if c.expires_on is None or c.expires_on >= self.on:
                self.covers[c.customer_id].append(
                    (c.currency, CoverTerms(c.kind, c.amount, c.coverage_pct, c.valid_from, c.expires_on)))

    def _row(self, customer: int, members: list[int], for_group: bool, limit: CreditLimit | None) -> CreditStanding:
        currency = limit.currency if limit is not None else self.policy.currency
        company = limit.company_id if limit is not None else None
        receivables = _scoped(self.receivables, members, company)
        orders = _scoped(self.orders, members, company)
        covers = [c for m in members for c in self.covers.get(m, [])] if self.kinds else []
        overdue: dict[str, Decimal] = {}
        for m in members:
            _add(overdue, self.overdue.get(m, {}))
        oldest = min((self.oldest[m] for m in members if m in self.oldest), default=None)
        row = CreditStanding(
            key=f"{customer}:{'g' if for_group else 'c'}:{company or '*'}", customer_id=customer, for_group=for_group,
            company_id=company, limit=limit, currency=currency, limit_amount=limit.amount if limit else None,  # type: ignore[misc]
            expires_on=limit.expires_on if limit else None, risk_class=self.classes.get(customer, self.default_class),
            oldest_overdue_days=(self.on - oldest).days if oldest else 0, as_of=self.on, refreshed_at=self.now)
        try:
            rate = rate_map(currencies_of(receivables, orders, covers) | set(overdue) | {currency}, currency,
                            self.table, self.on)
        except LookupError as exc:
            row.problem = f"{exc}; load FX rates first"[:300]
            return row
        e = assemble(currency, receivables, orders, covers, rate, self.on, self.kinds)
        row.receivables, row.orders, row.cover, row.exposure, row.uncovered = (
            e.receivables, e.orders, e.cover, e.total, e.uncovered)
        row.overdue = convert_with(overdue, rate, currency)
        if limit is not None:
            row.utilisation = utilisation(e.uncovered, limit.amount)
            row.headroom = headroom(e.uncovered, limit.amount)
        return row

    def rows(self, customer: int, members_of: dict[int, list[int]]) -> list[CreditStanding]:
        """The customer's row for all companies (with its all-companies limit, if any: so every
        customer has exactly one row covering all its exposure), one per company-only limit, and
        its group pools when it is a group's top."""
        own = self.limits.get((customer, False), [])
        everywhere = next((limit for limit in own if limit.company_id is None), None)
        out = [self._row(customer, [customer], False, everywhere)]
        out += [self._row(customer, [customer], False, limit) for limit in own if limit.company_id is not None]
        for limit in self.limits.get((customer, True), []):
            out.append(self._row(customer, members_of.get(customer, [customer]), True, limit))
        return out


_FIELDS = [f.name for f in CreditStanding._meta.concrete_fields if f.name not in ("id", "key")]


def refresh(customer_ids: Iterable[int] | None = None, *, on: dt.date | None = None) -> Refreshed:
    """Recompute the standings of the customers (and of their groups' tops), or of everyone."""
    started = timezone.now()
    on = on or timezone.localdate()
    needed: set[int] | None = None
    if customer_ids is None:
        roots = ledger.group_root_ids()
        members_of: dict[int, list[int]] = defaultdict(list)
        for c, r in roots.items():
            members_of[r].append(c)
        subjects = set(roots)
    else:
        asked = set(Customer.objects.filter(pk__in=list(customer_ids)).values_list("pk", flat=True))
        tops = {ledger.group_root_id(c) for c in asked}
        members_of = {r: [m.customer.pk for m in ledger.group_members(Customer(pk=r))] for r in tops}
        subjects = asked | tops
        needed = subjects | {m for ms in members_of.values() for m in ms}
        if len(needed) > SUBSET_LIMIT:
            needed = None
    builder = _Builder.load(policy_in_force(), on, needed, started)
    rows = [row for c in sorted(subjects) for row in builder.rows(c, members_of)]
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
    builder = _Builder.of_customer(policy, timezone.now(), figures, credit_status, limits, risk_class, rates)
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
