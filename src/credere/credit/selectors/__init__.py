"""Reads of credit control, one answer for its pages, its API and its services: risk classes, the
limit in force, exposure and overdue in the limit's currency, the hold queue, a customer's picture.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from django.db.models import Exists, F, Max, Min, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from credere.core.errors import BusinessError
from credere.credit.models import (
    Commitment,
    Cover,
    CreditCheck,
    CreditLimit,
    CreditReview,
    CreditStanding,
    Order,
    RiskClassAssignment,
)
from credere.credit.selectors.sums import (
    add,
    commitment_sums,
    historical,
    order_sums,
    overdue_sums,
    receivable_sums,
    scoped,
)
from credere.domain.aging import convert_with, rate_map
from credere.domain.credit.check import CheckCase, CheckRules, LimitTerms, Outlook, outlook
from credere.domain.credit.cover import CoverTerms
from credere.domain.credit.exposure import Exposure, assemble, currencies_of, headroom, utilisation
from credere.domain.credit.reviews import Candidate, is_overdue
from credere.domain.fx import RateTable
from credere.ledger import selectors as ledger
from credere.ledger.models import Company, Customer, OpenItem
from credere.ledger.services.fx import convert, rates_on


def risk_class_of(customer: Customer, on: dt.date, default: str) -> str:
    row = (RiskClassAssignment.objects.filter(customer=customer, effective_from__lte=on)
           .order_by("-effective_from", "-id").values_list("risk_class", flat=True).first())
    return row or default


def in_force(on: dt.date) -> Q:
    """Limits in force on ``on``: started by then and not yet ended (superseded). Of several for one
    scope the latest to have started applies (approved for a day that has come, a limit applies
    before the daily run makes it the active one)."""
    return Q(valid_from__lte=on) & (Q(ended_on__isnull=True) | Q(ended_on__gt=on))


def limit_for(customer: Customer, company: Company | None, on: dt.date, *, for_group: bool = False) -> CreditLimit | None:
    """The limit in force on ``on``: the latest to have started of those approved, for ``company`` if
    there is one, else for all companies."""
    qs = (CreditLimit.objects.filter(in_force(on), customer=customer, for_group=for_group)
          .order_by("-valid_from", "-id"))
    if company is not None:
        own = qs.filter(company=company).first()
        if own is not None:
            return own
    return qs.filter(company__isnull=True).first()


def limits_in_force(customer_ids: Iterable[int], on: dt.date) -> list[CreditLimit]:
    """Every limit of the customers in force on ``on`` (their own and their groups', per company and
    for all companies), in one read: :func:`pick_limit` answers what :func:`limit_for` would."""
    return latest_in_force(CreditLimit.objects.filter(in_force(on), customer_id__in=sorted(set(customer_ids))))


def pick_limit(limits: Iterable[CreditLimit], customer_id: int, company_id: int | None, *,
               for_group: bool = False) -> CreditLimit | None:
    """Of :func:`limits_in_force`, the one :func:`limit_for` gives: the company's own, else the one
    for all companies."""
    scoped = {x.company_id: x for x in limits if x.customer_id == customer_id and x.for_group == for_group}
    if company_id is not None and company_id in scoped:
        return scoped[company_id]
    return scoped.get(None)


def scheduled_limits(customer: Customer, on: dt.date) -> QuerySet[CreditLimit]:
    """Limits approved to come into force after ``on``."""
    return (CreditLimit.objects.filter(customer=customer, status=CreditLimit.Status.SCHEDULED, valid_from__gt=on)
            .select_related("company").order_by("valid_from", "id"))


def latest_in_force(limits: Iterable[CreditLimit]) -> list[CreditLimit]:
    """Of several limits, the one in force per scope (customer, group or own, company): the latest start."""
    best: dict[tuple[int, bool, int | None], CreditLimit] = {}
    for limit in limits:
        key = (limit.customer_id, limit.for_group, limit.company_id)
        held = best.get(key)
        if held is None or (limit.valid_from, limit.pk) > (held.valid_from, held.pk):
            best[key] = limit
    return list(best.values())


def members(root: Customer) -> list[int]:
    return [m.customer.pk for m in ledger.group_members(root)]


def _rates(needed: set[str], to: str, table: RateTable, on: dt.date) -> dict[str, Decimal]:
    try:
        return rate_map(needed, to, table, on)
    except LookupError as exc:
        raise BusinessError(f"{exc}; load FX rates first", code="no_fx_rate",
                            fields=[{"field": "currency", "message": str(exc)}]) from None


def rates_to(currencies: Iterable[str], to: str, on: dt.date) -> dict[str, Decimal]:
    """The rate of each currency to ``to`` at ``on``; a missing rate is named (never a 500). Amounts
    all in ``to`` need no rate (nothing is read)."""
    needed = set(currencies) | {to}
    return _rates(needed, to, rates_on(on, needed) if len(needed) > 1 else RateTable(), on)


class Rates:
    """The FX rates of one day for the currencies a computation may need, read once — and not at all
    when they are all one currency. The same answers (and the same errors) as :func:`rates_to` and
    :func:`credere.ledger.services.fx.convert`."""

    def __init__(self, on: dt.date, currencies: Iterable[str]) -> None:
        self.on, self.currencies = on, frozenset(currencies)

    @cached_property
    def table(self) -> RateTable:
        """The rates among :attr:`currencies` (a conversion uses only those of its two currencies and EUR)."""
        return rates_on(self.on, set(self.currencies)) if len(self.currencies) > 1 else RateTable()

    def _table_for(self, needed: set[str]) -> RateTable:
        return self.table if needed <= self.currencies else rates_on(self.on, needed)

    def to(self, currencies: Iterable[str], to: str) -> dict[str, Decimal]:
        """As :func:`rates_to`."""
        needed = set(currencies) | {to}
        return _rates(needed, to, self._table_for(needed), self.on)

    def convert(self, amount: Decimal, from_currency: str, to_currency: str) -> Decimal:
        """As :func:`credere.ledger.services.fx.convert`."""
        return convert(amount=amount, from_currency=from_currency, to_currency=to_currency, on=self.on,
                       table=self._table_for({from_currency, to_currency}))


def _convert(per_currency: dict[str, Decimal], to: str, on: dt.date) -> Decimal:
    """Per-currency amounts in ``to`` at the reference rate of ``on``."""
    if not per_currency:
        return Decimal(0)
    return convert_with(per_currency, rates_to(per_currency, to, on), to)


def cover_in_force(on: dt.date) -> Q:
    """Cover in force on ``on``: started, not ended (lapsed, cancelled, released) and not expired."""
    return (Q(valid_from__lte=on) & (Q(ended_on__isnull=True) | Q(ended_on__gt=on))
            & (Q(expires_on__isnull=True) | Q(expires_on__gte=on)))


def _terms(rows: Iterable[Cover]) -> list[tuple[str, CoverTerms]]:
    return [(c.currency, CoverTerms(c.kind, c.amount, c.coverage_pct, c.valid_from, c.expires_on)) for c in rows]


def cover_terms(customer_ids: Iterable[int], on: dt.date) -> list[tuple[str, CoverTerms]]:
    """The customers' cover in force on ``on``, each in its own currency."""
    return _terms(Cover.objects.filter(cover_in_force(on), customer_id__in=list(customer_ids)))


def exposure(customer_ids: Iterable[int], currency: str, on: dt.date, *, company: Company | None = None,
             exclude_order: int | None = None, cover_kinds: Iterable[str], commitment_kinds: Iterable[str]) -> Exposure:
    """Open receivables, counting orders and the commitments of the kinds ``commitment_kinds`` (the
    policy's ``commitment_counts``) of the customers at the end of ``on`` (a past day's from history:
    :mod:`credere.credit.selectors.sums`), converted to ``currency`` at ``on``, less their cover of the
    kinds ``cover_kinds`` (the policy's ``cover_counts``)."""
    ids = list(customer_ids)
    scope = company.pk if company is not None else None
    receivables = scoped(receivable_sums(ids, on), ids, scope)
    open_orders = scoped(order_sums(ids, on, exclude_order=exclude_order), ids, scope)
    committed = scoped(commitment_sums(ids, on, commitment_kinds), ids, scope)
    kinds = list(cover_kinds)
    covers = cover_terms(ids, on) if kinds else []
    return assemble(currency, receivables, open_orders, covers,
                    rates_to(currencies_of(receivables, open_orders, covers, committed), currency, on), on, kinds,
                    committed)


@dataclass(frozen=True)
class Overdue:
    amount: Decimal
    oldest_days: int


def overdue(customer_ids: Iterable[int], currency: str, on: dt.date) -> Overdue:
    """What is overdue at the end of ``on`` (invoices and debit notes due before it) and the oldest
    such item's age."""
    ids = list(customer_ids)
    per_customer, oldest_of = overdue_sums(ids, on)
    per: dict[str, Decimal] = {}
    for c in ids:
        add(per, per_customer.get(c, {}))
    oldest = min((oldest_of[c] for c in ids if c in oldest_of), default=None)
    return Overdue(_convert(per, currency, on), (on - oldest).days if oldest else 0)


def overdue_of(figures: CustomerFigures, currency: str, rates: Rates) -> Overdue:
    """:func:`overdue` of the one customer, from its figures."""
    per, on, oldest = figures.overdue, figures.on, figures.oldest_overdue
    amount = convert_with(per, rates.to(per, currency), currency) if per else Decimal(0)
    return Overdue(amount, (on - oldest).days if oldest else 0)


def _counts(credit_status: str, open_amount: Decimal) -> bool:
    """:data:`COUNTING_ORDERS` (of the open orders), and something open."""
    return credit_status not in ("held", "rejected") and open_amount != 0


class OpenOrder(NamedTuple):
    pk: int
    company_id: int
    currency: str
    open_amount: Decimal
    credit_status: str
    #: an invoice names the order, so its open value may have to fall
    #: (:func:`credere.credit.services.orders.reconcile_invoiced`)
    invoiced: bool


@dataclass(frozen=True)
class CustomerFigures:
    """One customer's open items (by company and currency), overdue, open orders and cover, as read
    once by :func:`figures_of`: an order check computes its exposure and overdue from them
    (:func:`exposure_of`, :func:`overdue_of` — the answers of :func:`exposure` and :func:`overdue`),
    and the customer's standing after the check is made from the same figures."""

    customer_id: int
    on: dt.date
    #: company -> currency -> open amount of the items not settled
    items: dict[int, dict[str, Decimal]]
    #: currency -> what is overdue (invoices and debit notes due before ``on``), every company
    overdue: dict[str, Decimal]
    oldest_overdue: dt.date | None
    #: every open order, held ones too
    orders: list[OpenOrder]
    #: cover in force on ``on`` (as :func:`cover_terms` reads it); empty if not read
    covers: list[Cover]
    #: company -> currency -> commitments of the counting kinds in force on ``on``
    commitments: dict[int, dict[str, Decimal]]

    def receivables(self, company_id: int | None) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for company, per in self.items.items():
            if company_id is None or company == company_id:
                for cur, amount in per.items():
                    out[cur] = out.get(cur, Decimal(0)) + amount
        return out

    def counting_orders(self, company_id: int | None, exclude_order: int | None) -> dict[str, Decimal]:
        """Open orders that count in exposure (:data:`COUNTING_ORDERS`) per currency."""
        out: dict[str, Decimal] = {}
        for o in self.orders:
            if _counts(o.credit_status, o.open_amount) and o.pk != exclude_order and company_id in (None, o.company_id):
                out[o.currency] = out.get(o.currency, Decimal(0)) + o.open_amount
        return out

    def orders_by_company(self, credit_status: dict[int, str]) -> dict[int, dict[str, Decimal]]:
        """Open orders that count in exposure per company and currency, once the orders named in
        ``credit_status`` have that credit status."""
        out: dict[int, dict[str, Decimal]] = defaultdict(dict)
        for o in self.orders:
            if _counts(credit_status.get(o.pk, o.credit_status), o.open_amount):
                per = out[o.company_id]
                per[o.currency] = per.get(o.currency, Decimal(0)) + o.open_amount
        return dict(out)

    def committed(self, company_id: int | None) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for company, per in self.commitments.items():
            if company_id is None or company == company_id:
                add(out, per)
        return out

    def currencies(self) -> set[str]:
        return ({c for per in self.items.values() for c in per} | {o.currency for o in self.orders}
                | {c.currency for c in self.covers} | {c for per in self.commitments.values() for c in per})


def figures_of(customer_id: int, on: dt.date, *, covers: bool, commitment_kinds: Iterable[str]) -> CustomerFigures:
    """Read today's :class:`CustomerFigures` in four queries (one less without ``covers``, one less
    without ``commitment_kinds``)."""
    if historical(on):
        raise ValueError("figures_of reads today's open amounts; a past day's exposure is exposure()")
    late = Q(due_date__lt=on, open_amount__gt=0)
    items: dict[int, dict[str, Decimal]] = defaultdict(dict)
    overdue: dict[str, Decimal] = {}
    oldest: dt.date | None = None
    for company_id, cur, total, late_total, late_first in (
            OpenItem.objects.filter(customer_id=customer_id).exclude(open_amount=0).order_by()
            .values("company_id", "currency")
            .annotate(s=Sum("open_amount"), o=Sum("open_amount", filter=late), m=Min("due_date", filter=late))
            .values_list("company_id", "currency", "s", "o", "m")):
        items[company_id][cur] = total
        if late_total is not None:
            overdue[cur] = overdue.get(cur, Decimal(0)) + late_total
            oldest = late_first if oldest is None else min(oldest, late_first)
    invoiced = Exists(OpenItem.objects.filter(document_type=OpenItem.Type.INVOICE, company_id=OuterRef("company_id"),
                                              order_reference=OuterRef("order_id")))
    orders = [OpenOrder(*row) for row in (
        Order.objects.filter(customer_id=customer_id, status=Order.Status.OPEN).order_by().annotate(invoiced=invoiced)
        .values_list("pk", "company_id", "currency", "open_amount", "credit_status", "invoiced"))]
    kinds = list(commitment_kinds)
    committed = commitment_sums([customer_id], on, kinds).get(customer_id, {}) if kinds else {}
    return CustomerFigures(customer_id, on, dict(items), overdue, oldest, orders,
                           list(Cover.objects.filter(cover_in_force(on), customer_id=customer_id)) if covers else [],
                           {k: dict(v) for k, v in committed.items()})


def exposure_of(figures: CustomerFigures, currency: str, rates: Rates, *, company_id: int | None = None,
                exclude_order: int | None = None, cover_kinds: Iterable[str] = ()) -> Exposure:
    """:func:`exposure` of the one customer, from its figures."""
    receivables = figures.receivables(company_id)
    open_orders = figures.counting_orders(company_id, exclude_order)
    committed = figures.committed(company_id)
    kinds = list(cover_kinds)
    covers = _terms(figures.covers) if kinds else []
    return assemble(currency, receivables, open_orders, covers,
                    rates.to(currencies_of(receivables, open_orders, covers, committed), currency), figures.on, kinds,
                    committed)


@dataclass(frozen=True)
class CreditPicture:
    """A customer's credit position as the credit page and ``GET /credit/customers/{account}`` show it."""

    customer: Customer
    risk_class: str
    limit: CreditLimit | None
    group_root: Customer | None
    group_limit: CreditLimit | None
    currency: str
    exposure: Exposure
    overdue: Overdue
    group_exposure: Exposure | None

    @property
    def utilisation(self) -> Decimal | None:
        return utilisation(self.exposure.uncovered, self.limit.amount) if self.limit else None

    @property
    def headroom(self) -> Decimal | None:
        return headroom(self.exposure.uncovered, self.limit.amount) if self.limit else None

    @property
    def group_utilisation(self) -> Decimal | None:
        if self.group_limit is None or self.group_exposure is None:
            return None
        return utilisation(self.group_exposure.uncovered, self.group_limit.amount)


def picture(customer: Customer, on: dt.date, *, policy_currency: str, default_class: str,
            cover_kinds: Iterable[str], commitment_kinds: Iterable[str], company: Company | None = None
            ) -> CreditPicture:
    limit = limit_for(customer, company, on)
    currency = limit.currency if limit is not None else policy_currency
    root = ledger.group_root(customer)
    group_limit = limit_for(root, company, on, for_group=True)
    group_exposure = (exposure(members(root), group_limit.currency, on, company=group_limit.company,
                               cover_kinds=cover_kinds, commitment_kinds=commitment_kinds)
                      if group_limit is not None else None)
    return CreditPicture(customer, risk_class_of(customer, on, default_class), limit,
                         root if root.pk != customer.pk or group_limit else None, group_limit, currency,
                         exposure([customer.pk], currency, on, company=limit.company if limit is not None else None,
                                  cover_kinds=cover_kinds, commitment_kinds=commitment_kinds),
                         overdue([customer.pk], currency, on), group_exposure)


def outlook_of(pic: CreditPicture, rules: CheckRules, on: dt.date) -> Outlook:
    """May the customer order, and how much? The order check's rules on the picture's figures (a
    group limit in another currency than the customer's is left to the check, as there)."""
    group = (pic.group_limit is not None and pic.group_exposure is not None
             and pic.group_limit.currency == pic.currency)
    return outlook(CheckCase(
        as_of=on, order_amount=Decimal(0), customer_status=pic.customer.status, risk_class=pic.risk_class,
        exposure=pic.exposure, limit=limit_terms(pic.limit), oldest_overdue_days=pic.overdue.oldest_days,
        overdue_amount=pic.overdue.amount, group_exposure=pic.group_exposure if group else None,
        group_limit=limit_terms(pic.group_limit) if group else None), rules)


def limit_terms(limit: CreditLimit | None) -> LimitTerms | None:
    """A stored limit as the check's rules read it."""
    return LimitTerms(limit.amount, limit.currency, limit.expires_on) if limit is not None else None


def holds() -> QuerySet[CreditCheck]:
    """The hold queue: held orders, oldest first, then the largest."""
    return (CreditCheck.objects.filter(status=CreditCheck.Status.HELD)
            .select_related("order", "order__customer", "order__company").order_by("checked_at", "-amount"))


def checks_of(customer: Customer) -> QuerySet[CreditCheck]:
    return CreditCheck.objects.filter(order__customer=customer).select_related("order", "order__company")


def check(pk: int) -> CreditCheck | None:
    return CreditCheck.objects.select_related("order", "order__customer", "order__company").filter(pk=pk).first()


def order(company: Company, order_id: str) -> Order | None:
    return Order.objects.filter(company=company, order_id=order_id).select_related("customer").first()


def limits_of(customer: Customer) -> QuerySet[CreditLimit]:
    return CreditLimit.objects.filter(customer=customer).select_related("company")


def risk_history(customer: Customer) -> QuerySet[RiskClassAssignment]:
    return RiskClassAssignment.objects.filter(customer=customer)


# --------------------------------------------------------------------------- stored standings


@dataclass(frozen=True)
class StandingFilters:
    q: str = ""
    #: at least this share of the limit used, in percent
    min_utilisation: Decimal | None = None
    over_limit: bool = False
    risk_class: str = ""
    company: Company | None = None
    country: str = ""
    #: only rows with a limit (the default), or everyone
    with_limit: bool = True
    #: only groups' limits
    groups: bool = False
    #: limits expiring within this many days (expired ones included)
    expiring_within: int | None = None


#: sort keys of the standings list -> order_by fields
STANDING_SORTS: dict[str, list[str]] = {
    "utilisation": ["utilisation", "id"], "headroom": ["headroom", "id"], "exposure": ["exposure", "id"],
    "limit": ["limit_amount", "id"], "name": ["customer__name", "id"], "expires": ["expires_on", "id"],
    "overdue": ["overdue", "id"], "risk_class": ["risk_class", "id"],
}


def standings(f: StandingFilters, on: dt.date, *, sort: str = "-utilisation") -> QuerySet[CreditStanding]:
    """Stored standings matching the filters (indexed: utilisation, headroom, risk class, expiry), in the
    order ``sort`` names (a key of :data:`STANDING_SORTS`, ``-`` for descending); rows whose use could
    not be computed (a missing FX rate) come last either way."""
    desc = sort.startswith("-")
    fields = STANDING_SORTS.get(sort.lstrip("-"), STANDING_SORTS["utilisation"])
    return _standings(f, on).order_by(*[F(x).desc(nulls_last=True) if desc else F(x).asc(nulls_last=True)
                                        for x in fields])


def _standings(f: StandingFilters, on: dt.date) -> QuerySet[CreditStanding]:
    qs = CreditStanding.objects.select_related("customer", "company")
    if f.with_limit or f.min_utilisation is not None or f.over_limit or f.expiring_within is not None:
        qs = qs.filter(limit_amount__isnull=False)
    if f.min_utilisation is not None:
        qs = qs.filter(utilisation__gte=f.min_utilisation)
    if f.over_limit:
        qs = qs.filter(headroom__lt=0)
    if f.risk_class:
        qs = qs.filter(risk_class=f.risk_class)
    if f.company is not None:
        qs = qs.filter(Q(company=f.company) | Q(company__isnull=True))
    if f.country:
        qs = qs.filter(customer__country=f.country)
    if f.groups:
        qs = qs.filter(for_group=True)
    if f.expiring_within is not None:
        qs = qs.filter(expires_on__lte=on + dt.timedelta(days=f.expiring_within))
    if f.q:
        qs = qs.filter(Q(customer__name__icontains=f.q) | Q(customer__account_number__iexact=f.q))
    return qs


def last_refreshed() -> dt.datetime | None:
    latest: dt.datetime | None = CreditStanding.objects.aggregate(m=Max("refreshed_at"))["m"]
    return latest


@dataclass(frozen=True)
class CreditTotals:
    """Credit control's headline figures, in one currency (the policy's)."""

    currency: str
    limits: Decimal
    exposure: Decimal
    uncovered: Decimal
    limited: int
    over_90: int
    over_limit: int
    expired: int
    held: int
    held_amount: Decimal
    problems: int
    refreshed_at: dt.datetime | None

    @property
    def utilisation(self) -> Decimal | None:
        return utilisation(self.uncovered, self.limits)


def totals(currency: str, on: dt.date) -> CreditTotals:
    """Limits of customers' own limits (groups' pools would count members twice) and the exposure
    of every customer, per currency summed in SQL, converted once each."""
    own = CreditStanding.objects.filter(for_group=False)
    everything = own.filter(company__isnull=True)  # one row per customer, all companies
    per: dict[str, dict[str, Decimal]] = {
        "limits": {c: s or Decimal(0) for c, s in own.values("currency").annotate(s=Sum("limit_amount"))
                   .values_list("currency", "s")},
        "exposure": {c: s for c, s in everything.values("currency").annotate(s=Sum("exposure"))
                     .values_list("currency", "s")}}
    limited_uncovered = {c: s or Decimal(0) for c, s in own.filter(limit_amount__isnull=False).values("currency")
                         .annotate(u=Sum("uncovered")).values_list("currency", "u")}
    rates = rates_to(set(per["exposure"]) | set(per["limits"]), currency, on)
    held = CreditCheck.objects.filter(status=CreditCheck.Status.HELD)
    held_per = {c: s for c, s in held.values("currency").annotate(s=Sum("amount")).values_list("currency", "s")}
    limited = own.filter(limit_amount__isnull=False)
    return CreditTotals(
        currency, convert_with(per["limits"], rates, currency), convert_with(per["exposure"], rates, currency),
        convert_with(limited_uncovered, rates, currency), limited.count(),
        limited.filter(utilisation__gte=90).count(), limited.filter(headroom__lt=0).count(),
        limited.filter(expires_on__lt=on).count(), held.count(), _convert(held_per, currency, on),
        CreditStanding.objects.exclude(problem="").count(), last_refreshed())


def covers_of(customer: Customer) -> QuerySet[Cover]:
    """A customer's cover, in force and ended, the newest first."""
    return Cover.objects.filter(customer=customer).order_by("-valid_from", "-id")


def commitments_of(customer: Customer) -> QuerySet[Commitment]:
    """A customer's commitments (shipped not invoiced, other), open and ended, the newest first."""
    return Commitment.objects.filter(customer=customer).select_related("company").order_by("-valid_from", "-id")

# ------------------------------------------------------------------------------------------ reviews
def risk_classes_of(customer_ids: Iterable[int], on: dt.date, default: str) -> dict[int, str]:
    """Each customer's risk class on ``on`` in one read (``default`` for those nobody classified)."""
    ids = list(customer_ids)
    out = dict.fromkeys(ids, default)
    seen: set[int] = set()
    for cid, cls in (RiskClassAssignment.objects.filter(customer_id__in=ids, effective_from__lte=on)
                     .order_by("customer_id", "-effective_from", "-id").values_list("customer_id", "risk_class")):
        if cid not in seen:
            seen.add(cid)
            out[cid] = cls
    return out


def review_candidates(on: dt.date, default_class: str) -> list[Candidate]:
    """Customers with a limit in force on ``on`` (their own or their group's), with the latest limit's
    start, the earliest expiry and the last completed review; those with an open review are left out."""
    limits: dict[int, tuple[dt.date, dt.date | None]] = {}
    current = latest_in_force(CreditLimit.objects.filter(in_force(on))
                              .only("pk", "customer_id", "for_group", "company_id", "valid_from", "expires_on"))
    for cid, start, expires in ((x.customer_id, x.valid_from, x.expires_on) for x in current):
        first, soonest = limits.get(cid, (start, expires))
        ends = [d for d in (soonest, expires) if d is not None]
        limits[cid] = (max(first, start), min(ends) if ends else None)
    busy = set(CreditReview.objects.filter(status=CreditReview.Status.OPEN).values_list("customer_id", flat=True))
    last = dict(CreditReview.objects.filter(status=CreditReview.Status.COMPLETED, customer_id__in=list(limits))
                .values("customer_id").annotate(m=Max("completed_at")).values_list("customer_id", "m"))
    classes = risk_classes_of(limits, on, default_class)
    return [Candidate(cid, classes[cid], start, expires, timezone.localdate(last[cid]) if last.get(cid) else None)
            for cid, (start, expires) in sorted(limits.items()) if cid not in busy]


def paid_items(customer: Customer, since: dt.date, until: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Invoices and debit notes of the customer settled in full between ``since`` (excluded) and
    ``until``: ``(due date, day the last allocation settled it)``."""
    return list(OpenItem.objects.filter(customer=customer, open_amount=0, amount__gt=0)
                .annotate(paid_on=Max("allocations__applied_on", filter=Q(allocations__reversed_on__isnull=True)))
                .filter(paid_on__gt=since, paid_on__lte=until).values_list("due_date", "paid_on"))


@dataclass(frozen=True)
class ReviewFilters:
    status: str = CreditReview.Status.OPEN
    overdue: bool = False
    trigger: str = ""
    risk_class: str = ""
    customer: Customer | None = None


class ReviewRow:
    """One review in the worklist with the customer's figures: from its stored standing (all
    companies), or — before one is stored — computed when first shown."""

    def __init__(self, review: CreditReview, risk_class: str, on: dt.date, policy_currency: str,
                 default_class: str, cover_kinds: Iterable[str], commitment_kinds: Iterable[str],
                 standing: CreditStanding | None = None) -> None:
        self.review, self.risk_class, self.on = review, risk_class, on
        self._currency, self._default, self._cover_kinds = policy_currency, default_class, list(cover_kinds)
        self._commitment_kinds = list(commitment_kinds)
        self._picture: CreditPicture | None = None
        self._standing = standing
        self.error = standing.problem if standing is not None else ""

    def __getattr__(self, name: str) -> Any:
        """The review's own fields (``due_on``, ``status``…) read through the row."""
        if name.startswith("_") or name == "review":
            raise AttributeError(name)
        return getattr(self.review, name)

    @property
    def customer(self) -> Customer:
        return self.review.customer

    @property
    def overdue_review(self) -> bool:
        return self.review.status == CreditReview.Status.OPEN and is_overdue(self.review.due_on, self.on)

    @property
    def picture(self) -> CreditPicture | None:
        if self._picture is None and not self.error:
            try:
                self._picture = picture(self.review.customer, self.on, policy_currency=self._currency,
                                        default_class=self._default, cover_kinds=self._cover_kinds,
                                        commitment_kinds=self._commitment_kinds)
            except BusinessError as exc:  # a missing FX rate: the row says so
                self.error = str(exc)
        return self._picture

    def _figure(self, stored: str, live: Any) -> Any:
        if self._standing is not None:
            return None if self.error else getattr(self._standing, stored)
        p = self.picture
        return live(p) if p is not None else None

    @property
    def currency(self) -> str | None:
        return self._figure("currency", lambda p: p.currency)  # type: ignore[no-any-return]

    @property
    def limit(self) -> Decimal | None:
        return self._figure("limit_amount", lambda p: p.limit.amount if p.limit is not None else None)  # type: ignore[no-any-return]

    @property
    def utilisation(self) -> Decimal | None:
        return self._figure("utilisation", lambda p: p.utilisation)  # type: ignore[no-any-return]

    @property
    def overdue(self) -> Decimal | None:
        return self._figure("overdue", lambda p: p.overdue.amount)  # type: ignore[no-any-return]


def reviews(f: ReviewFilters, *, on: dt.date, policy_currency: str, default_class: str,
            cover_kinds: Iterable[str], commitment_kinds: Iterable[str]) -> list[ReviewRow]:
    """The review worklist: due date first (then customer), with the filters applied."""
    qs = CreditReview.objects.select_related("customer").order_by("due_on", "customer__name", "id")
    if f.status:
        qs = qs.filter(status=f.status)
    if f.trigger:
        qs = qs.filter(trigger=f.trigger)
    if f.overdue:
        qs = qs.filter(status=CreditReview.Status.OPEN, due_on__lt=on)
    if f.customer is not None:
        qs = qs.filter(customer=f.customer)
    rows = list(qs)
    classes = risk_classes_of({r.customer_id for r in rows}, on, default_class)
    # today's worklist reads the stored standings (one query); another day's computes each row shown
    stored = ({s.customer_id: s for s in CreditStanding.objects.filter(
        customer_id__in=qs.values("customer_id"), for_group=False, company__isnull=True)}
        if on == timezone.localdate() else {})
    out = [ReviewRow(r, classes[r.customer_id], on, policy_currency, default_class, cover_kinds, commitment_kinds,
                     stored.get(r.customer_id)) for r in rows]
    return [r for r in out if r.risk_class == f.risk_class] if f.risk_class else out


def review(pk: int) -> CreditReview | None:
    return CreditReview.objects.select_related("customer").filter(pk=pk).first()


def reviews_of(customer: Customer) -> QuerySet[CreditReview]:
    return CreditReview.objects.filter(customer=customer).order_by("-due_on", "-id")


def open_review_of(customer: Customer) -> CreditReview | None:
    return CreditReview.objects.filter(customer=customer, status=CreditReview.Status.OPEN).first()
