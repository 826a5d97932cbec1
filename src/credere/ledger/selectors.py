"""Reads of the ledger for its pages and its API: lists with filters, open amounts as of any
date, corporate groups, allocations, audit timelines and search. No writes here.

The same question has one answer everywhere: the customer, item and payment lists of the
pages and of ``/api/v1`` filter through these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
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
from credere.core.fields import AmountField
from credere.domain import aging as aging_rules
from credere.ledger.models import Allocation, Company, Contact, Customer, OpenItem, Payment

# --------------------------------------------------------------------------- options for filters


def company_by_code(code: str) -> Company | None:
    return Company.objects.filter(code=code).first()


def customer(pk: int) -> Customer | None:
    return Customer.objects.filter(pk=pk).first()


def customer_by_account(account: str) -> Customer | None:
    return Customer.objects.filter(account_number=account).first()


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


def group_root_id(customer_id: int) -> int:
    """The id of the top of the customer's corporate group (its own id when it has no parent).

    The one walk up a group: a loop in the parents (bad data) ends the walk where it closes.
    """
    node, seen = customer_id, {customer_id}
    while (parent := Customer.objects.filter(pk=node).values_list("parent_id", flat=True).first()) is not None:
        if parent in seen:
            break
        seen.add(parent)
        node = parent
    return node


def group_root_ids() -> dict[int, int]:
    """Every customer's group top, in one read (a loop in the parents ends where it closes)."""
    parents: dict[int, int | None] = dict(Customer.objects.values_list("pk", "parent_id"))
    out: dict[int, int] = {}
    for start in parents:
        path, node, seen = [], start, set()
        while node not in out:
            parent = parents.get(node)
            if parent is None or parent in seen or parent not in parents:
                out[node] = node
                break
            seen.add(node)
            path.append(node)
            node = parent
        for n in path:
            out[n] = out[node]
    return out


def group_root(customer: Customer) -> Customer:
    if customer.parent_id is None:
        return customer
    return Customer.objects.get(pk=group_root_id(customer.pk))


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
    #: an exact document number
    document_number: str = ""
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
    if f.document_number:
        qs = qs.filter(document_number=f.document_number)
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


@dataclass(frozen=True)
class ItemTotal:
    currency: str
    count: int
    amount: Decimal
    open: Decimal


def item_totals(qs: QuerySet[OpenItem]) -> list[ItemTotal]:
    """Per currency, the number of items of a filtered list (from :func:`items`), their amount and
    their open amount as of the list's date: exact sums, in one aggregate query."""
    rows = (qs.order_by().values("currency")
            .annotate(n=Count("pk"), total=Sum("amount", output_field=AmountField()),
                      open_total=Sum("open_as_of", output_field=AmountField()))
            .order_by("currency"))
    return [ItemTotal(currency=r["currency"], count=r["n"], amount=r["total"], open=r["open_total"]) for r in rows]


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


def held_counts(customer: Customer) -> dict[str, int]:
    """How much personal data is held about a customer's people and payers (reads only; for the page)."""
    from credere.audit import personal as audit_personal
    from credere.audit.models import PersonalValue
    from credere.core import personal

    payments = Payment.objects.filter(customer=customer)
    ids = list(payments.values_list("pk", flat=True))
    counts = {
        "identifiers": int(bool(customer.registration_id)) + int(bool(customer.tax_id)),
        "contacts": customer.contacts.count(),
        "payments with a payer name or account": payments.exclude(payer_name="", payer_account="").count(),
    }
    for holder in personal.holders():
        if holder.export is not None:
            counts.update({title: len(rows) for title, rows in holder.export(customer.pk).items()})
    counts["values in the audit trail"] = PersonalValue.objects.filter(
        audit_personal.values_of(customer_id=customer.pk, objects=[("ledger.payment", str(i)) for i in ids]),
        erased_at__isnull=True).count()
    return counts


def contacts_by_email(email: str) -> list[Contact]:
    """The contact entries with this e-mail address (as typed, or lower case), with their customers."""
    email = (email or "").strip()
    if not email:
        return []
    found = {c.pk: c for variant in sorted({email, email.lower()})
             for c in Contact.objects.filter(email=variant).select_related("customer")}
    return list(found.values())
