"""Reads for the pages: lists, filters, drill-downs, a customer's history. No writes here.

Figures (aging, DSO, CEI...) come from :mod:`credere.reporting.services` and the domain
(:mod:`credere.domain.aging`, :mod:`credere.domain.metrics`); this module only loads the
rows the pages list and hands per-customer rows to the same domain functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from credere.audit.models import AuditEvent
from credere.core.errors import BusinessError
from credere.core.fields import AmountField
from credere.domain import aging as aging_rules
from credere.domain import metrics as figures
from credere.domain.aging import AllocationHistory, open_as_of
from credere.ledger.models import Allocation, Company, Customer, OpenItem, Payment
from credere.ledger.services import rate_table
from credere.reporting import services as reports

# --------------------------------------------------------------------------- options for filters


def companies() -> list[Company]:
    return list(Company.objects.order_by("code"))


def countries() -> list[str]:
    return [c for c in Customer.objects.exclude(country="").order_by("country")
            .values_list("country", flat=True).distinct()]


def industries() -> list[str]:
    return [c for c in Customer.objects.exclude(industry_code="").order_by("industry_code")
            .values_list("industry_code", flat=True).distinct()]


def currencies() -> list[str]:
    return list(OpenItem.objects.order_by("currency").values_list("currency", flat=True).distinct())


def group_roots() -> list[Customer]:
    """Customers at the top of a corporate group that has at least one subsidiary."""
    return list(Customer.objects.filter(parent__isnull=True, children__isnull=False).distinct().order_by("name"))


# --------------------------------------------------------------------------- corporate groups


def group_root(customer: Customer) -> Customer:
    node, seen = customer, {customer.pk}
    while node.parent_id is not None and node.parent_id not in seen:
        seen.add(node.parent_id)
        node = Customer.objects.get(pk=node.parent_id)
    return node


@dataclass
class GroupMember:
    customer: Customer
    depth: int


def group_members(root: Customer) -> list[GroupMember]:
    """The root and every subsidiary below it, depth first, in name order."""
    out: list[GroupMember] = []
    seen: set[int] = set()

    def walk(node: Customer, depth: int) -> None:
        if node.pk in seen or depth > 50:
            return
        seen.add(node.pk)
        out.append(GroupMember(node, depth))
        for child in Customer.objects.filter(parent=node).order_by("name"):
            walk(child, depth + 1)

    walk(root, 0)
    return out


# --------------------------------------------------------------------------- balances from the aging report


@dataclass
class Balance:
    """A customer's receivables as of a date, in the reporting currency and per item currency."""

    total: Decimal = Decimal(0)
    overdue: Decimal = Decimal(0)
    items: int = 0
    oldest_due: dt.date | None = None
    by_currency: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class Balances:
    as_of: dt.date
    currency: str
    by_account: dict[str, Balance]
    report: aging_rules.AgingReport | None = None
    error: str = ""

    def of(self, account: str) -> Balance | None:
        return self.by_account.get(account)


def balances(*, actor: Any, as_of: dt.date, company: Company | None = None, currency: str | None = None) -> Balances:
    """Per-customer receivables from the aging report (one query); an FX gap is reported, not raised."""
    rc = reports.reporting_currency(currency)
    try:
        report = reports.aging_report(actor=actor, as_of=as_of, company=company, currency=currency, by="customer")
    except BusinessError as exc:
        return Balances(as_of, rc, {}, None, str(exc))
    out: dict[str, Balance] = {}
    for line in report.lines:
        b = out.setdefault(line.key, Balance())
        b.total += line.converted_total
        b.overdue += sum(line.converted[1:], Decimal(0))
        b.items += line.items
        b.by_currency[line.currency] = b.by_currency.get(line.currency, Decimal(0)) + line.total
        if line.oldest_due is not None and (b.oldest_due is None or line.oldest_due < b.oldest_due):
            b.oldest_due = line.oldest_due
    return Balances(as_of, report.reporting_currency, out, report)


# --------------------------------------------------------------------------- customers


@dataclass(frozen=True)
class CustomerFilters:
    q: str = ""
    company: Company | None = None
    country: str = ""
    industry: str = ""
    group: Customer | None = None
    status: str = ""
    overdue: bool = False
    currency: str = ""


def customers(f: CustomerFilters, *, on: dt.date) -> QuerySet[Customer]:
    qs = Customer.objects.select_related("parent", "payment_terms")
    if f.q:
        qs = qs.filter(Q(name__icontains=f.q) | Q(account_number__icontains=f.q))
    if f.country:
        qs = qs.filter(country=f.country)
    if f.industry:
        qs = qs.filter(industry_code__startswith=f.industry)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.group is not None:
        qs = qs.filter(pk__in=[m.customer.pk for m in group_members(f.group)])
    open_items = OpenItem.objects.filter(customer=OuterRef("pk")).exclude(open_amount=0)
    if f.company is not None:
        qs = qs.filter(Exists(OpenItem.objects.filter(customer=OuterRef("pk"), company=f.company)))
        open_items = open_items.filter(company=f.company)
    if f.currency:
        qs = qs.filter(Exists(open_items.filter(currency=f.currency)))
    if f.overdue:
        qs = qs.filter(Exists(open_items.filter(due_date__lt=on, open_amount__gt=0)))
    return qs


# --------------------------------------------------------------------------- open items, as of any date


def _correction(on: dt.date, through: str, amount: str) -> Coalesce:
    """Per item: the allocations that were not there yet on ``on`` (+) or were there and are reversed now (−)."""
    expr = Case(
        When(applied_on__gt=on, reversed_on__isnull=True, then=F(amount)),
        When(applied_on__lte=on, reversed_on__gt=on, then=F(amount) * -1),
        default=Value(0), output_field=BigIntegerField(),
    )
    sub = (Allocation.objects.filter(**{through: OuterRef("pk")}).order_by().values(through)
           .annotate(s=Sum(expr, output_field=BigIntegerField())).values("s"))
    return Coalesce(Subquery(sub, output_field=BigIntegerField()), Value(0), output_field=BigIntegerField())


def with_open_as_of(qs: QuerySet[OpenItem], on: dt.date | None) -> QuerySet[OpenItem]:
    """Annotate ``open_as_of``: the open amount at the end of ``on`` (today's when ``on`` is None).

    The same rule as the reports (:func:`credere.domain.aging.as_of_correction`): today's
    open amount corrected by the allocations applied or reversed after ``on``.
    """
    if on is None:
        return qs.annotate(open_as_of=F("open_amount"))
    return qs.filter(posting_date__lte=on).annotate(open_as_of=ExpressionWrapper(
        F("open_amount") + _correction(on, "target", "amount") - _correction(on, "credit_note", "source_amount"),
        output_field=AmountField()))


@dataclass(frozen=True)
class ItemFilters:
    q: str = ""
    company: Company | None = None
    customer: Customer | None = None
    customers: Sequence[int] | None = None
    document_type: str = ""
    currency: str = ""
    #: "open" (open amount as of the date is not zero), "settled", or "" for all
    status: str = "open"
    overdue: bool = False
    #: an aging bucket index with ``limits`` (drill-down from the aging report)
    bucket: int | None = None
    limits: tuple[int, ...] = aging_rules.DEFAULT_LIMITS
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    posted_after: dt.date | None = None
    posted_to: dt.date | None = None


def items(f: ItemFilters, *, as_of: dt.date | None, today: dt.date) -> QuerySet[OpenItem]:
    """Open items (or all items) as of ``as_of`` (None: now) with ``open_as_of`` and ``days_past_due``."""
    on = as_of or today
    qs = with_open_as_of(OpenItem.objects.select_related("customer", "company"), as_of)
    if f.q:
        qs = qs.filter(Q(document_number__icontains=f.q) | Q(order_reference__icontains=f.q)
                       | Q(customer_reference__icontains=f.q))
    if f.company is not None:
        qs = qs.filter(company=f.company)
    if f.customer is not None:
        qs = qs.filter(customer=f.customer)
    if f.customers is not None:
        qs = qs.filter(customer_id__in=list(f.customers))
    if f.document_type:
        qs = qs.filter(document_type=f.document_type)
    if f.currency:
        qs = qs.filter(currency=f.currency)
    if f.status == "open":
        qs = qs.exclude(**{"open_as_of": 0})
    elif f.status == "settled":
        qs = qs.filter(**{"open_as_of": 0})
    if f.overdue:
        qs = qs.filter(due_date__lt=on)
    return _dates(qs, f, on)


def _dates(qs: QuerySet[OpenItem], f: ItemFilters, on: dt.date) -> QuerySet[OpenItem]:
    if f.bucket is not None:
        buckets = aging_rules.make_buckets(f.limits)
        if 0 <= f.bucket < len(buckets):
            b = buckets[f.bucket]
            if b.min_days is not None:
                qs = qs.filter(due_date__lte=on - dt.timedelta(days=b.min_days))
            if b.max_days is not None:
                qs = qs.filter(due_date__gte=on - dt.timedelta(days=b.max_days))
    if f.due_from:
        qs = qs.filter(due_date__gte=f.due_from)
    if f.due_to:
        qs = qs.filter(due_date__lte=f.due_to)
    if f.posted_after:
        qs = qs.filter(posting_date__gt=f.posted_after)
    if f.posted_to:
        qs = qs.filter(posting_date__lte=f.posted_to)
    return qs


def days_past_due(item: OpenItem, on: dt.date) -> int:
    return (on - item.due_date).days


# --------------------------------------------------------------------------- payments and allocations


@dataclass(frozen=True)
class PaymentFilters:
    q: str = ""
    company: Company | None = None
    customer: Customer | None = None
    currency: str = ""
    unapplied: bool = False
    received_from: dt.date | None = None
    received_to: dt.date | None = None


def payments(f: PaymentFilters) -> QuerySet[Payment]:
    qs = Payment.objects.select_related("company", "customer")
    if f.q:
        qs = qs.filter(Q(reference__icontains=f.q) | Q(payer_name__icontains=f.q)
                       | Q(reference_text__icontains=f.q))
    if f.company is not None:
        qs = qs.filter(company=f.company)
    if f.customer is not None:
        qs = qs.filter(customer=f.customer)
    if f.currency:
        qs = qs.filter(currency=f.currency)
    if f.unapplied:
        qs = qs.filter(unapplied_amount__gt=0)
    if f.received_from:
        qs = qs.filter(received_on__gte=f.received_from)
    if f.received_to:
        qs = qs.filter(received_on__lte=f.received_to)
    return qs


def allocations_of_customer(customer: Customer) -> QuerySet[Allocation]:
    return (Allocation.objects.filter(target__customer=customer)
            .select_related("target", "payment", "credit_note").order_by("-applied_on", "-id"))


def allocations_of_item(item: OpenItem) -> QuerySet[Allocation]:
    return (Allocation.objects.filter(Q(target=item) | Q(credit_note=item))
            .select_related("target", "payment", "credit_note").order_by("applied_on", "id"))


def allocations_of_payment(payment: Payment) -> QuerySet[Allocation]:
    return Allocation.objects.filter(payment=payment).select_related("target").order_by("applied_on", "id")


# --------------------------------------------------------------------------- audit timelines


def customer_timeline(customer: Customer, limit: int = 100) -> list[AuditEvent]:
    """Audited events of the customer, its items, payments and their allocations (newest first)."""
    item_ids = [str(i) for i in OpenItem.objects.filter(customer=customer).values_list("pk", flat=True)]
    payment_ids = [str(i) for i in Payment.objects.filter(customer=customer).values_list("pk", flat=True)]
    alloc_ids = [str(i) for i in Allocation.objects.filter(target__customer=customer).values_list("pk", flat=True)]
    cond = Q(object_type="ledger.customer", object_id=str(customer.pk))
    for kind, ids in (("ledger.openitem", item_ids), ("ledger.payment", payment_ids),
                      ("ledger.allocation", alloc_ids)):
        for start in range(0, len(ids), 500):
            cond |= Q(object_type=kind, object_id__in=ids[start:start + 500])
    return list(AuditEvent.objects.filter(cond).order_by("-seq")[:limit])


def item_history(item: OpenItem) -> list[AuditEvent]:
    alloc_ids = [str(i) for i in allocations_of_item(item).values_list("pk", flat=True)]
    cond = Q(object_type="ledger.openitem", object_id=str(item.pk))
    if alloc_ids:
        cond |= Q(object_type="ledger.allocation", object_id__in=alloc_ids)
    return list(AuditEvent.objects.filter(cond).order_by("-seq"))


def object_link_target(event: AuditEvent) -> tuple[str, int] | None:
    """(page, id) of the ledger object an audit event is about, for links from the audit log."""
    if not event.object_id.isdigit():
        return None
    pk = int(event.object_id)
    if event.object_type == "ledger.customer":
        return "customer", pk
    if event.object_type == "ledger.openitem":
        return "item", pk
    if event.object_type == "ledger.payment":
        return "payment", pk
    if event.object_type == "ledger.allocation":
        target = Allocation.objects.filter(pk=pk).values_list("target_id", flat=True).first()
        return ("item", target) if target else None
    return None


# --------------------------------------------------------------------------- search


@dataclass
class SearchResults:
    customers: list[Customer]
    items: list[OpenItem]
    payments: list[Payment]

    @property
    def count(self) -> int:
        return len(self.customers) + len(self.items) + len(self.payments)


def search(q: str, limit: int = 8) -> SearchResults:
    """Customers by name or account number, items by document number, payments by reference."""
    q = q.strip()
    if len(q) < 2:
        return SearchResults([], [], [])
    cust = list(Customer.objects.filter(Q(account_number__iexact=q)))
    cust += list(Customer.objects.filter(Q(name__icontains=q) | Q(account_number__istartswith=q))
                 .exclude(pk__in=[c.pk for c in cust]).order_by("name")[:limit])
    found = list(OpenItem.objects.filter(document_number__iexact=q).select_related("customer", "company"))
    found += list(OpenItem.objects.filter(document_number__icontains=q).exclude(pk__in=[i.pk for i in found])
                  .select_related("customer", "company").order_by("-document_date")[:limit])
    pays = list(Payment.objects.filter(reference__icontains=q).select_related("customer", "company")
                .order_by("-received_on")[:limit // 2])
    return SearchResults(cust[:limit], found[:limit], pays)


# --------------------------------------------------------------------------- a few customers, from their own rows


@dataclass(frozen=True)
class _Ledger:
    """The items (pk, customer_id, type, posted, due, currency, amount) and allocation history of some customers."""

    rows: list[tuple[int, int, str, dt.date, dt.date, str, Decimal]]
    history: dict[int, list[AllocationHistory]]

    def open_on(self, on: dt.date) -> Iterator[tuple[int, int, dt.date, str, Decimal]]:
        """(item, customer, due date, currency, open amount) of every item open at the end of ``on``."""
        for pk, customer_id, kind, posted, due, cur, amount in self.rows:
            if posted > on:
                continue
            value = open_as_of(amount, self.history.get(pk, ()), on, credit_note=kind == OpenItem.Type.CREDIT_NOTE)
            if value:
                yield pk, customer_id, due, cur, value


def _ledger(customer_ids: Sequence[int], until: dt.date) -> _Ledger:
    rows = list(OpenItem.objects.filter(customer_id__in=list(customer_ids), posting_date__lte=until)
                .values_list("pk", "customer_id", "document_type", "posting_date", "due_date", "currency", "amount"))
    history: dict[int, list[AllocationHistory]] = {}
    for target_id, credit_id, amount, source_amount, applied, reversed_on in (
            Allocation.objects.filter(Q(target__customer_id__in=list(customer_ids))
                                      | Q(credit_note__customer_id__in=list(customer_ids)))
            .values_list("target_id", "credit_note_id", "amount", "source_amount", "applied_on", "reversed_on")):
        history.setdefault(target_id, []).append(AllocationHistory(amount, applied, reversed_on))
        if credit_id is not None:
            history.setdefault(credit_id, []).append(AllocationHistory(source_amount, applied, reversed_on))
    return _Ledger(rows, history)


@dataclass(frozen=True)
class CustomersAging:
    report: aging_rules.AgingReport | None
    error: str = ""

    def balance(self, account: str) -> Balance:
        b = Balance()
        if self.report is None:
            return b
        for line in self.report.lines:
            if line.key == account:
                b.total += line.converted_total
                b.overdue += sum(line.converted[1:], Decimal(0))
                b.items += line.items
                b.by_currency[line.currency] = line.total
                if line.oldest_due is not None and (b.oldest_due is None or line.oldest_due < b.oldest_due):
                    b.oldest_due = line.oldest_due
        return b


def customers_aging(*, customers: Sequence[Customer], as_of: dt.date, currency: str | None = None,
                    limits: Sequence[int] = aging_rules.DEFAULT_LIMITS) -> CustomersAging:
    """The aging of a few customers (one customer, a corporate group) as of ``as_of``.

    Computed from their own items with :func:`credere.domain.aging.open_as_of` and assembled by
    :func:`credere.domain.aging.assemble_aging` — the portfolio report's rules — so that only
    the rates of their own currencies are needed.
    """
    to = reports.reporting_currency(currency)
    buckets = aging_rules.make_buckets(limits)
    accounts = {c.pk: c.account_number for c in customers}
    names = {c.account_number: c.name for c in customers}
    n = len(buckets)
    cells: dict[tuple[str, str], list[Any]] = {}
    for _pk, customer_id, due, cur, value in _ledger(list(accounts), as_of).open_on(as_of):
        key = (accounts[customer_id], cur)
        cell = cells.setdefault(key, [[Decimal(0)] * n, 0, None])
        cell[0][aging_rules.bucket_of(due, as_of, buckets)] += value
        cell[1] += 1
        if value > 0 and (cell[2] is None or due < cell[2]):
            cell[2] = due
    rows = [aging_rules.AgingRow(key=k, currency=c, amounts=tuple(v[0]), items=v[1], oldest_due=v[2])
            for (k, c), v in cells.items()]
    try:
        rates = rate_table(as_of, {c for _k, c in cells} | {to})
        report = aging_rules.assemble_aging(rows, as_of=as_of, by="customer", buckets=buckets, reporting_currency=to,
                                            rates=rates, names=names)
    except LookupError as exc:
        return CustomersAging(None, f"{exc}; load FX rates first")
    except aging_rules.ReportError as exc:
        return CustomersAging(None, str(exc))
    return CustomersAging(report)


# --------------------------------------------------------------------------- a customer's history


@dataclass(frozen=True)
class CustomerHistory:
    points: tuple[figures.Metrics, ...]
    error: str = ""


def customer_history(*, customer: Customer, as_of: dt.date, currency: str | None = None,
                     months: int = 12, dso_days: int = 90) -> CustomerHistory:
    """The customer's DSO, best possible DSO, days delinquent and overdue at each month-end.

    The customer's items and allocations are loaded once; open amounts as of each date come
    from :func:`credere.domain.aging.open_as_of` and the figures from
    :func:`credere.domain.metrics.compute_metrics` — the same definitions as the portfolio.
    """
    to = reports.reporting_currency(currency)
    ends = figures.month_ends(as_of, months)
    plans = [figures.plan_metrics(e, dso_days=dso_days, cei_months=1) for e in ends]
    start = min(p.sales_start(figures.COUNTBACK_MONTHS) for p in plans)
    ledger = _ledger([customer.pk], ends[-1])
    daily: dict[dt.date, dict[str, Decimal]] = {}
    for _pk, _c, _kind, posted, _due, cur, amount in ledger.rows:
        if posted > start:
            day = daily.setdefault(posted, {})
            day[cur] = day.get(cur, Decimal(0)) + amount
    sales = figures.SalesLedger(start, ends[-1], daily)

    def receivables(on: dt.date) -> figures.Receivables:
        total: dict[str, Decimal] = {}
        current: dict[str, Decimal] = {}
        for _pk, _c, due, cur, value in ledger.open_on(on):
            total[cur] = total.get(cur, Decimal(0)) + value
            if due >= on:
                current[cur] = current.get(cur, Decimal(0)) + value
        return figures.Receivables(on, total, current)

    try:
        currencies = {r[5] for r in ledger.rows} | {to}
        rates = rate_table(ends[-1], currencies)
        points = tuple(figures.compute_metrics(p, closing=receivables(p.as_of), opening=receivables(p.cei_period.start),
                                               sales=sales, reporting_currency=to, rates=rates) for p in plans)
    except LookupError as exc:
        return CustomerHistory((), f"{exc}; load FX rates first")
    except aging_rules.ReportError as exc:
        return CustomerHistory((), str(exc))
    return CustomerHistory(points)
