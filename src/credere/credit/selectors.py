"""Reads of credit control, one answer for its pages, its API and its services: risk classes, the
limit in force, exposure and overdue in the limit's currency, the hold queue, a customer's picture.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Min, Q, QuerySet, Sum

from credere.core.errors import BusinessError
from credere.credit.models import CreditCheck, CreditLimit, Order, RiskClassAssignment
from credere.domain.aging import convert_sum
from credere.domain.credit.exposure import Exposure, headroom, utilisation
from credere.ledger import selectors as ledger
from credere.ledger.models import Company, Customer, OpenItem
from credere.ledger.services.fx import rate_table

#: Orders that count in exposure: open, and not held or rejected by the credit check.
COUNTING_ORDERS = Q(status=Order.Status.OPEN) & ~Q(credit_status__in=["held", "rejected"])


def risk_class_of(customer: Customer, on: dt.date, default: str) -> str:
    row = (RiskClassAssignment.objects.filter(customer=customer, effective_from__lte=on)
           .order_by("-effective_from", "-id").values_list("risk_class", flat=True).first())
    return row or default


def limit_for(customer: Customer, company: Company | None, on: dt.date, *, for_group: bool = False) -> CreditLimit | None:
    """The limit in force: the one for ``company`` if there is one, else the one for all companies."""
    qs = CreditLimit.objects.filter(customer=customer, for_group=for_group, status=CreditLimit.Status.ACTIVE,
                                    valid_from__lte=on)
    if company is not None:
        own = qs.filter(company=company).first()
        if own is not None:
            return own
    return qs.filter(company__isnull=True).first()


def members(root: Customer) -> list[int]:
    return [m.customer.pk for m in ledger.group_members(root)]


def _convert(per_currency: dict[str, Decimal], to: str, on: dt.date) -> Decimal:
    """Per-currency amounts in ``to`` at the reference rate of ``on``; a missing rate is named."""
    if not per_currency:
        return Decimal(0)
    try:
        return convert_sum(per_currency, to, rate_table(on, set(per_currency) | {to}), on)
    except LookupError as exc:
        raise BusinessError(f"{exc}; load FX rates first", code="no_fx_rate",
                            fields=[{"field": "currency", "message": str(exc)}]) from None


def exposure(customer_ids: Iterable[int], currency: str, on: dt.date, *, company: Company | None = None,
             exclude_order: int | None = None) -> Exposure:
    """Open receivables and counting orders of the customers, converted to ``currency`` at ``on``."""
    ids = list(customer_ids)
    items = OpenItem.objects.filter(customer_id__in=ids).exclude(open_amount=0)
    orders = Order.objects.filter(COUNTING_ORDERS, customer_id__in=ids).exclude(open_amount=0)
    if company is not None:
        items, orders = items.filter(company=company), orders.filter(company=company)
    if exclude_order is not None:
        orders = orders.exclude(pk=exclude_order)
    receivables = {c: s for c, s in items.values("currency").annotate(s=Sum("open_amount")).values_list("currency", "s")}
    open_orders = {c: s for c, s in orders.values("currency").annotate(s=Sum("open_amount")).values_list("currency", "s")}
    return Exposure(currency, _convert(receivables, currency, on), _convert(open_orders, currency, on))


@dataclass(frozen=True)
class Overdue:
    amount: Decimal
    oldest_days: int


def overdue(customer_ids: Iterable[int], currency: str, on: dt.date) -> Overdue:
    """What is overdue (invoices and debit notes due before ``on``) and the oldest such item's age."""
    qs = OpenItem.objects.filter(customer_id__in=list(customer_ids), due_date__lt=on, open_amount__gt=0)
    per = {c: s for c, s in qs.values("currency").annotate(s=Sum("open_amount")).values_list("currency", "s")}
    oldest = qs.aggregate(m=Min("due_date"))["m"]
    return Overdue(_convert(per, currency, on), (on - oldest).days if oldest else 0)


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
            company: Company | None = None) -> CreditPicture:
    limit = limit_for(customer, company, on)
    currency = limit.currency if limit is not None else policy_currency
    root = ledger.group_root(customer)
    group_limit = limit_for(root, company, on, for_group=True)
    group_exposure = (exposure(members(root), group_limit.currency, on, company=group_limit.company)
                      if group_limit is not None else None)
    return CreditPicture(customer, risk_class_of(customer, on, default_class), limit,
                         root if root.pk != customer.pk or group_limit else None, group_limit, currency,
                         exposure([customer.pk], currency, on, company=limit.company if limit is not None else None),
                         overdue([customer.pk], currency, on), group_exposure)


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
