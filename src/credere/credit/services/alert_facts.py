"""What the alert run reads, in bulk: a handful of grouped, indexed queries for any number of customers
(never a query per customer), turned into the domain's :class:`~credere.domain.credit.alerts.CustomerFacts`.

* limits' use and expiry, overdue and exposure: the stored standings (:mod:`.standing`);
* cover that expires: ``Cover`` (indexed on ``expires_on``);
* orders held past the SLA: ``CreditCheck`` (indexed on status and time);
* payment behaviour: the payments applied in this quarter and the last (``Allocation.applied_on``
  against the invoice's ``due_date``), amount-weighted average days late, summed in SQL per customer
  and currency.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, Func, IntegerField, Q, Sum, Value
from django.db.models.functions import Greatest

from credere.credit.models import Cover, CreditCheck, CreditStanding
from credere.domain.credit.alerts import (
    CustomerFacts,
    Expiry,
    Hold,
    LateTrend,
    LimitUse,
    Overdue,
    Share,
    Thresholds,
    quarter_bounds,
    quarter_of,
    share_pct,
    weighted_days,
)
from credere.domain.fx import convert_rounded
from credere.domain.money import from_storage, quantum
from credere.ledger import selectors as ledger
from credere.ledger.models import Allocation, Customer
from credere.ledger.services.fx import rates_on

#: above this many customers a run reads everyone instead of a list of ids (and evaluates everyone)
SUBSET_LIMIT = 2000
#: up to this many customers their corporate groups are walked one by one instead of reading the whole tree
WALK_LIMIT = 200
COVER_WORDS = dict(Cover.Kind.choices)


class DaysAfter(Func):
    """Whole days from the second date to the first (SQLite: julianday; PostgreSQL: date - date)."""

    arity = 2
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="CAST(julianday(%(expressions)s) AS INTEGER)",
                           arg_joiner=") - julianday(", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra)


@dataclass
class Scope:
    """The customers a run evaluates (``None``: everyone) and their corporate groups."""

    ids: set[int] | None
    roots: dict[int, int]
    members_of: dict[int, list[int]]

    def filter(self, qs: Any, field: str = "customer_id") -> Any:
        return qs if self.ids is None else qs.filter(**{f"{field}__in": self.ids})


def scope(customer_ids: Iterable[int] | None) -> Scope:
    """The customers asked for and the tops of their groups (a group's limit and share belong to its top).
    A few customers: their groups are walked one by one; many or everyone: the whole tree is read once."""
    asked = None if customer_ids is None else set(customer_ids)
    if asked is not None and len(asked) <= WALK_LIMIT:
        known = set(Customer.objects.filter(pk__in=asked).values_list("pk", flat=True))
        roots = {c: ledger.group_root_id(c) for c in known}
        members_of = {r: [m.customer.pk for m in ledger.group_members(Customer(pk=r))] for r in set(roots.values())}
        roots.update({m: r for r, ms in members_of.items() for m in ms})
        return Scope(known | {roots[c] for c in known}, roots, members_of)
    roots = ledger.group_root_ids()
    every: dict[int, list[int]] = defaultdict(list)
    for c, r in roots.items():
        every[r].append(c)
    ids: set[int] | None = None
    if asked is not None:
        ids = {c for c in asked if c in roots}
        ids |= {roots[c] for c in ids}
        if len(ids) > SUBSET_LIMIT:
            ids = None
    return Scope(ids, roots, every)


class _Rates:
    """Conversion to the policy currency at ``on``; an amount in a currency without a rate is None."""

    def __init__(self, to: str, on: dt.date, currencies: set[str]) -> None:
        self.to, self.q = to, quantum(to)
        table = rates_on(on, currencies | {to})
        self.rate: dict[str, Decimal] = {}
        for c in currencies | {to}:
            with contextlib.suppress(LookupError):  # no rate: amounts in it give no figure
                self.rate[c] = table.rate(c, to, on)

    def convert(self, amount: Decimal, currency: str) -> Decimal | None:
        rate = self.rate.get(currency)
        return None if rate is None else convert_rounded(amount, rate, self.q)


def _scope_text(for_group: bool, company: str | None) -> str:
    return f"{'group limit' if for_group else 'credit limit'} ({company or 'all companies'})"


def _trend(sc: Scope, as_of: dt.date, currency: str) -> dict[int, LateTrend]:
    """Amount-weighted average days late of payments applied this quarter and the last, per customer."""
    last_start, this_start, _ = quarter_bounds(as_of)
    late = Greatest(DaysAfter(F("applied_on"), F("target__due_date")), Value(0))
    weighted = ExpressionWrapper(F("amount") * late, output_field=BigIntegerField())
    base = (Allocation.objects.filter(payment__isnull=False, applied_on__gte=last_start, applied_on__lte=as_of)
            .filter(Q(reversed_on__isnull=True) | Q(reversed_on__gt=as_of)))
    base = sc.filter(base, "target__customer_id")
    sums: dict[tuple[int, bool], dict[str, tuple[int, int]]] = defaultdict(dict)
    for this in (False, True):
        qs = base.filter(applied_on__gte=this_start) if this else base.filter(applied_on__lt=this_start)
        for cust, cur, w, a in (qs.values("target__customer_id", "target__currency")
                                .annotate(w=Sum(weighted, output_field=BigIntegerField()),
                                          a=Sum(F("amount"), output_field=BigIntegerField()), n=Count("id"))
                                .values_list("target__customer_id", "target__currency", "w", "a")):
            sums[(cust, this)][cur] = (int(w or 0), int(a or 0))
    rates = _Rates(currency, as_of, {c for per in sums.values() for c in per})
    averages: dict[tuple[int, bool], Decimal] = {}
    for key, per in sums.items():
        if any(c not in rates.rate for c in per):
            continue  # a currency without a rate: no figure rather than a wrong one
        w = sum((from_storage(v[0]) * rates.rate[c] for c, v in per.items()), Decimal(0))
        a = sum((from_storage(v[1]) * rates.rate[c] for c, v in per.items()), Decimal(0))
        avg = weighted_days(w, a)
        if avg is not None:
            averages[key] = avg
    quarter = quarter_of(as_of)
    return {cust: LateTrend(quarter, averages[(cust, True)], averages[(cust, False)])
            for cust, this in averages if this and (cust, False) in averages}


def _shares(sc: Scope, rates_to: str, on: dt.date) -> dict[int, Share]:
    """Each evaluated group top's share of all exposure (customers' own standings, as the dashboard
    sums them)."""
    own = CreditStanding.objects.filter(for_group=False, problem="")
    per_currency = dict(own.values("currency").annotate(s=Sum("exposure")).values_list("currency", "s"))
    rates = _Rates(rates_to, on, set(per_currency))
    total = Decimal(0)
    for cur, amount in per_currency.items():
        converted = rates.convert(amount or Decimal(0), cur)
        if converted is None:
            return {}  # the total cannot be known
        total += converted
    if total <= 0:
        return {}
    tops = set(sc.members_of) if sc.ids is None else {sc.roots[c] for c in sc.ids if c in sc.roots}
    wanted = None if sc.ids is None else {m for t in tops for m in sc.members_of.get(t, [t])}
    rows = own if wanted is None else own.filter(customer_id__in=wanted)
    by_customer: dict[int, Decimal] = defaultdict(Decimal)
    for cust, cur, s in rows.values("customer_id", "currency").annotate(s=Sum("exposure")).values_list(
            "customer_id", "currency", "s"):
        converted = rates.convert(s or Decimal(0), cur)
        if converted is not None:
            by_customer[cust] += converted
    out: dict[int, Share] = {}
    for top in tops:
        members = sc.members_of.get(top, [top])
        exposure = sum((by_customer.get(m, Decimal(0)) for m in members), Decimal(0))
        if exposure > 0:
            out[top] = Share(share_pct(exposure, total), exposure, total, rates_to, len(members) > 1)
    return out


def gather(sc: Scope, t: Thresholds, *, as_of: dt.date, now: dt.datetime, currency: str) -> list[CustomerFacts]:
    """The facts of every evaluated customer that has any (a customer with none has no condition)."""
    limits: dict[int, list[LimitUse]] = defaultdict(list)
    expiries: dict[int, list[Expiry]] = defaultdict(list)
    standings = sc.filter(CreditStanding.objects.filter(limit_amount__isnull=False, problem=""))
    for key, cust, group, code, cur, amount, use, uncovered in (
            standings.filter(utilisation__gte=t.utilisation_pct)
            .values_list("key", "customer_id", "for_group", "company__code", "currency", "limit_amount",
                         "utilisation", "uncovered")):
        limits[cust].append(LimitUse(key, _scope_text(group, code), cur, amount, uncovered, use))
    horizon = as_of + dt.timedelta(days=t.expiry_days)
    for cust, limit_id, group, code, cur, amount, expires in (
            sc.filter(CreditStanding.objects.filter(limit__isnull=False, expires_on__lte=horizon))
            .values_list("customer_id", "limit_id", "for_group", "company__code", "currency", "limit_amount",
                         "expires_on")):
        expiries[cust].append(Expiry("limit", limit_id, f"{_scope_text(group, code)} of {amount:,.2f} {cur}",
                                     expires))
    for cust, cover_id, kind, provider, cur, amount, expires in (
            sc.filter(Cover.objects.filter(ended_on__isnull=True, valid_from__lte=as_of, expires_on__lte=horizon))
            .values_list("customer_id", "id", "kind", "provider", "currency", "amount", "expires_on")):
        expiries[cust].append(Expiry("cover", cover_id, f"{COVER_WORDS.get(kind, kind).lower()} by {provider} "
                                                        f"({amount:,.2f} {cur})", expires))
    overdue_rows: dict[int, tuple[str, Decimal, int]] = {}
    for cust, cur, amount, days in (sc.filter(CreditStanding.objects.filter(for_group=False, overdue__gt=0,
                                                                             problem=""))
                                    .order_by("customer_id", "id")
                                    .values_list("customer_id", "currency", "overdue", "oldest_overdue_days")):
        overdue_rows.setdefault(cust, (cur, amount, days))  # the same customer-wide figure on each own row
    rates = _Rates(currency, as_of, {cur for cur, _a, _d in overdue_rows.values()})
    overdue: dict[int, Overdue] = {}
    for cust, (cur, amount, days) in overdue_rows.items():
        converted = rates.convert(amount, cur)
        if converted is not None:
            overdue[cust] = Overdue(converted, currency, days)
    holds: dict[int, list[Hold]] = defaultdict(list)
    late_from = now - dt.timedelta(hours=t.hold_sla_hours)
    for check_id, cust, order_id, amount, cur, at in (
            sc.filter(CreditCheck.objects.filter(status=CreditCheck.Status.HELD, checked_at__lt=late_from),
                      "order__customer_id")
            .values_list("id", "order__customer_id", "order__order_id", "amount", "currency", "checked_at")):
        holds[cust].append(Hold(check_id, order_id, amount, cur, int((now - at).total_seconds() // 3600)))
    trends = _trend(sc, as_of, currency)
    shares = _shares(sc, currency, as_of)
    who = set(limits) | set(expiries) | set(overdue) | set(holds) | set(trends) | set(shares)
    names = dict(Customer.objects.filter(pk__in=who).values_list("pk", "name")) if len(who) < SUBSET_LIMIT else \
        dict(Customer.objects.values_list("pk", "name"))
    return [CustomerFacts(c, names.get(c, f"customer {c}"), tuple(limits.get(c, ())), tuple(expiries.get(c, ())),
                          overdue.get(c), trends.get(c), tuple(holds.get(c, ())), shares.get(c))
            for c in sorted(who)]
