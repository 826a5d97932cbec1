"""Standings computed: every customer's (and corporate group's) exposure against its limits on a day.

In bulk — a handful of grouped queries and one pass in Python. Today's are stored by
:mod:`credere.credit.services.standing` (so "everyone over 90 %" is an indexed query); a past
day's are computed here when asked for (the Limits and use page, ``GET /credit/standings`` and
``credere credit limits`` with an as-of date) and stored nowhere.

A past day's figures are exact as of the end of that day: the receivables as the aging reports
them (today's open amounts corrected by the allocations applied or reversed since:
:func:`credere.ledger.selectors.with_open_as_of`), the orders as their recorded states say
(:class:`credere.credit.models.OrderState`), the limits in force then (:func:`in_force`), the
cover in force then, the risk class assigned by then, converted at that day's reference rates.
The figures are the customer page's (:func:`credere.credit.selectors.picture`): the same sums,
the same conversion rule (:func:`credere.domain.credit.exposure.assemble`), the same cover.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from operator import attrgetter

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from credere.core.params import bad_parameter
from credere.credit.models import Cover, CreditCheck, CreditLimit, CreditStanding, RiskClassAssignment
from credere.credit.policy import PolicyInForce
from credere.credit.selectors import (
    STANDING_SORTS,
    CreditTotals,
    CustomerFigures,
    Rates,
    StandingFilters,
    cover_in_force,
    in_force,
    latest_in_force,
    rates_to,
    standings,
    totals,
)
from credere.credit.selectors.sums import (
    Sums,
    add,
    commitment_sums,
    historical,
    order_sums,
    overdue_sums,
    receivable_sums,
    scoped,
)
from credere.domain.aging import convert_with, rate_map
from credere.domain.credit.cover import CoverTerms
from credere.domain.credit.exposure import assemble, currencies_of, headroom, utilisation
from credere.domain.fx import RateTable
from credere.ledger import selectors as ledger
from credere.ledger.models import Company, Customer
from credere.ledger.services.fx import rates_on

#: above this many customers a computation reads the whole ledger instead of a list of ids
SUBSET_LIMIT = 2000

class Builder:
    """Everything one computation reads, loaded once (:meth:`load`, or :meth:`of_customer` from what
    an order check read); :meth:`rows` makes the standings of a customer."""

    def __init__(self, policy: PolicyInForce, on: dt.date, now: dt.datetime) -> None:
        self.policy, self.on, self.now = policy, on, now
        self.kinds = list(policy.settings["cover_counts"])
        self.default_class = str(policy.settings["default_risk_class"])
        self.receivables: Sums = {}
        self.orders: Sums = {}
        self.commitments: Sums = {}
        self.overdue: dict[int, dict[str, Decimal]] = defaultdict(dict)
        self.oldest: dict[int, dt.date] = {}
        self.limits: dict[tuple[int, bool], list[CreditLimit]] = defaultdict(list)
        self.covers: dict[int, list[tuple[str, CoverTerms]]] = defaultdict(list)
        self.classes: dict[int, str] = {}
        self.table = RateTable()

    @classmethod
    def load(cls, policy: PolicyInForce, on: dt.date, needed: set[int] | None, now: dt.datetime) -> Builder:
        self = cls(policy, on, now)
        self.receivables = receivable_sums(needed, on)
        self.orders = order_sums(needed, on)
        self.commitments = commitment_sums(needed, on, policy.settings["commitment_counts"])
        self.overdue, self.oldest = overdue_sums(needed, on)
        limits = CreditLimit.objects.filter(in_force(on))
        covers = Cover.objects.filter(cover_in_force(on))
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
                    rates: Rates) -> Builder:
        """What :meth:`load` would read for the one customer, from what its order check read (the
        orders named in ``credit_status`` have that status now)."""
        c = figures.customer_id
        self = cls(policy, figures.on, now)
        self.receivables = {c: figures.items}
        self.orders = {c: figures.orders_by_company(credit_status)}
        self.commitments = {c: figures.commitments}
        self.overdue[c] = dict(figures.overdue)
        if figures.oldest_overdue is not None:
            self.oldest[c] = figures.oldest_overdue
        self._index(limits, figures.covers)
        self.classes[c] = risk_class
        self.table = rates.table
        return self

    def _index(self, limits: Iterable[CreditLimit], covers: Iterable[Cover]) -> None:
        for limit in sorted(limits, key=lambda x: (x.customer_id, x.company_id or 0)):
            self.limits[(limit.customer_id, limit.for_group)].append(limit)
        for c in covers:
            self.covers[c.customer_id].append(
                (c.currency, CoverTerms(c.kind, c.amount, c.coverage_pct, c.valid_from, c.expires_on)))

    def _row(self, customer: int, members: list[int], for_group: bool, limit: CreditLimit | None) -> CreditStanding:
        currency = limit.currency if limit is not None else self.policy.currency
        company = limit.company_id if limit is not None else None
        receivables = scoped(self.receivables, members, company)
        orders = scoped(self.orders, members, company)
        committed = scoped(self.commitments, members, company)
        covers = [c for m in members for c in self.covers.get(m, [])] if self.kinds else []
        overdue: dict[str, Decimal] = {}
        for m in members:
            add(overdue, self.overdue.get(m, {}))
        oldest = min((self.oldest[m] for m in members if m in self.oldest), default=None)
        row = CreditStanding(
            key=f"{customer}:{'g' if for_group else 'c'}:{company or '*'}", customer_id=customer, for_group=for_group,
            company_id=company, limit=limit, currency=currency, limit_amount=limit.amount if limit else None,  # type: ignore[misc]
            expires_on=limit.expires_on if limit else None, risk_class=self.classes.get(customer, self.default_class),
            oldest_overdue_days=(self.on - oldest).days if oldest else 0, as_of=self.on, refreshed_at=self.now)
        try:
            rate = rate_map(currencies_of(receivables, orders, covers, committed) | set(overdue) | {currency},
                            currency, self.table, self.on)
        except LookupError as exc:
            row.problem = f"{exc}; load FX rates first"[:300]
            return row
        e = assemble(currency, receivables, orders, covers, rate, self.on, self.kinds, committed)
        row.receivables, row.orders, row.commitments, row.cover, row.exposure, row.uncovered = (
            e.receivables, e.orders, e.commitments, e.cover, e.total, e.uncovered)
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


def compute(policy: PolicyInForce, on: dt.date, customer_ids: Iterable[int] | None = None,
            *, now: dt.datetime | None = None) -> tuple[list[CreditStanding], set[int]]:
    """The standings of the customers (and of their groups' tops), or of everyone, on ``on``: the
    rows (not stored) and the customers they are for."""
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
    builder = Builder.load(policy, on, needed, now or timezone.now())
    return [row for c in sorted(subjects) for row in builder.rows(c, members_of)], subjects


# --------------------------------------------------------------------------- a past day's standings, read


def _matches(row: CreditStanding, f: StandingFilters, on: dt.date) -> bool:
    """:func:`credere.credit.selectors.standings`' filters, on a computed row (the same rules; a
    test holds the two to the same answers on today's figures)."""
    customer = row.customer
    if (f.with_limit or f.min_utilisation is not None or f.over_limit or f.expiring_within is not None) \
            and row.limit_amount is None:
        return False
    if f.min_utilisation is not None and (row.utilisation is None or row.utilisation < f.min_utilisation):
        return False
    if f.over_limit and (row.headroom is None or row.headroom >= 0):
        return False
    if f.risk_class and row.risk_class != f.risk_class:
        return False
    if f.company is not None and row.company_id not in (None, f.company.pk):
        return False
    if f.country and customer.country != f.country:
        return False
    if f.groups and not row.for_group:
        return False
    if f.expiring_within is not None and (row.expires_on is None
                                          or row.expires_on > on + dt.timedelta(days=f.expiring_within)):
        return False
    if f.q:
        q = f.q.casefold()
        return q in customer.name.casefold() or q == customer.account_number.casefold()
    return True


def standings_on(f: StandingFilters, on: dt.date, policy: PolicyInForce, *, sort: str = "-utilisation"
                 ) -> list[CreditStanding]:
    """Every standing at the end of a past day ``on``, computed from history (nothing stored), with
    the filters and the order of :func:`credere.credit.selectors.standings`: rows whose use could not
    be computed come last either way."""
    rows, _subjects = compute(policy, on)
    customers = Customer.objects.in_bulk({r.customer_id for r in rows})
    companies = Company.objects.in_bulk({r.company_id for r in rows if r.company_id})
    for r in rows:
        r.customer = customers[r.customer_id]
        r.company = companies.get(r.company_id) if r.company_id else None
    kept = [r for r in rows if _matches(r, f, on)]
    desc = sort.startswith("-")
    kept.sort(key=lambda r: (r.customer_id, r.for_group, r.company_id or 0), reverse=desc)
    for name in reversed([x for x in STANDING_SORTS.get(sort.lstrip("-"), STANDING_SORTS["utilisation"])
                          if x != "id"]):
        get = attrgetter(name.replace("__", "."))
        present = sorted((r for r in kept if get(r) is not None), key=get, reverse=desc)
        kept = present + [r for r in kept if get(r) is None]
    return kept


def totals_on(rows: list[CreditStanding], currency: str, on: dt.date) -> CreditTotals:
    """:func:`credere.credit.selectors.totals` from computed rows (a past day's): the same figures,
    and the orders held at the end of ``on`` (checked by then, not yet released or rejected)."""
    own = [r for r in rows if not r.for_group]
    limited = [r for r in own if r.limit_amount is not None]
    per: dict[str, dict[str, Decimal]] = {"limits": {}, "exposure": {}, "uncovered": {}}
    for r in limited:
        add(per["limits"], {r.currency: r.limit_amount or Decimal(0)})
        add(per["uncovered"], {r.currency: r.uncovered})
    for r in own:
        if r.company_id is None:
            add(per["exposure"], {r.currency: r.exposure})
    end = dt.datetime.combine(on + dt.timedelta(days=1), dt.time(), tzinfo=timezone.get_current_timezone())
    held = CreditCheck.objects.filter(outcome="held", checked_at__lt=end).filter(
        Q(decided_at__isnull=True) | Q(decided_at__gte=end))
    held_per = {c: s for c, s in held.values("currency").annotate(s=Sum("amount")).values_list("currency", "s")}
    rates = rates_to(set(per["exposure"]) | set(per["limits"]) | set(held_per), currency, on)
    return CreditTotals(
        currency, convert_with(per["limits"], rates, currency), convert_with(per["exposure"], rates, currency),
        convert_with(per["uncovered"], rates, currency), len(limited),
        sum(1 for r in limited if r.utilisation is not None and r.utilisation >= 90),
        sum(1 for r in limited if r.headroom is not None and r.headroom < 0),
        sum(1 for r in limited if r.expires_on is not None and r.expires_on < on), held.count(),
        convert_with(held_per, rates, currency), sum(1 for r in rows if r.problem), None)


def as_of_day(on: dt.date | None) -> dt.date:
    """The day a credit read is for: today (``None``) or a past day; a later day is refused (its
    figures are not known yet), naming the parameter."""
    today = timezone.localdate()
    if on is None:
        return today
    if on > today:
        raise bad_parameter("as_of", f"{on.isoformat()} is after today: credit figures are known up to today",
                            "bad_date")
    return on


def standings_for(f: StandingFilters, on: dt.date, policy: PolicyInForce, *, sort: str = "-utilisation"
                  ) -> QuerySet[CreditStanding] | list[CreditStanding]:
    """Today's standings (stored, indexed) or a past day's (computed from history)."""
    if historical(on):
        return standings_on(f, on, policy, sort=sort)
    return standings(f, on, sort=sort)


def totals_for(policy: PolicyInForce, on: dt.date) -> CreditTotals:
    """Credit control's headline figures: today's from the stored standings, a past day's computed."""
    if historical(on):
        rows, _subjects = compute(policy, on)
        return totals_on(rows, policy.currency, on)
    return totals(policy.currency, on)
