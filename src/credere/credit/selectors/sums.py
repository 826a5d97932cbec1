"""Sums of receivables, orders and overdue per customer, company and currency, on any day.

Today's (or a later day's) come from today's open amounts; a past day's are exact as of the end of
that day: the receivables as the aging reports them (today's open amounts corrected by the
allocations applied or reversed since, :func:`credere.ledger.selectors.with_open_as_of`), the
orders as their recorded states say (:class:`credere.credit.models.OrderState`). One read for the
order check, a customer's picture and the standings.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from credere.credit.models import Commitment, Order, OrderState
from credere.ledger import selectors as ledger
from credere.ledger.models import Allocation, OpenItem

#: Orders that count in exposure: open, and not held or rejected by the credit check
#: (:attr:`credere.credit.models.Order.counts_in_exposure` in Python).
COUNTING_ORDERS = Q(status=Order.Status.OPEN) & ~Q(credit_status__in=["held", "rejected"])

Sums = dict[int, dict[int, dict[str, Decimal]]]  # customer -> company -> currency -> amount


def historical(on: dt.date) -> bool:
    """Is ``on`` a past day (read from history), or today or later (read from today's figures)?"""
    return on < timezone.localdate()


def _into(out: Sums, rows: Iterable[tuple[int, int, str, Decimal | None]], sign: int = 1) -> Sums:
    for cust, comp, cur, total in rows:
        if total:
            per = out[cust][comp]
            per[cur] = per.get(cur, Decimal(0)) + sign * total
    return out


def _grouped(qs: Any, prefix: str, amount: str) -> Any:
    return (qs.values(f"{prefix}customer_id", f"{prefix}company_id", f"{prefix}currency").annotate(s=Sum(amount))
            .values_list(f"{prefix}customer_id", f"{prefix}company_id", f"{prefix}currency", "s"))


def receivable_sums(needed: Iterable[int] | None, on: dt.date) -> Sums:
    """Open receivables per customer, company and currency at the end of ``on``."""
    ids = None if needed is None else list(needed)
    items = OpenItem.objects.all() if ids is None else OpenItem.objects.filter(customer_id__in=ids)
    out: Sums = defaultdict(lambda: defaultdict(dict))
    if not historical(on):
        return _into(out, _grouped(items.exclude(open_amount=0), "", "open_amount"))
    _into(out, _grouped(items.filter(posting_date__lte=on), "", "open_amount"))
    # today's open amounts, corrected as the aging does: an allocation applied after ``on`` was not
    # there yet (it is added back), one reversed after ``on`` was (it is taken off again)
    later = Q(applied_on__gt=on, reversed_on__isnull=True)
    undone = Q(applied_on__lte=on, reversed_on__gt=on)
    for when, sign in ((later, 1), (undone, -1)):
        targets = Allocation.objects.filter(when, target__posting_date__lte=on)
        notes = Allocation.objects.filter(when, credit_note__isnull=False, credit_note__posting_date__lte=on)
        if ids is not None:
            targets, notes = targets.filter(target__customer_id__in=ids), notes.filter(credit_note__customer_id__in=ids)
        _into(out, _grouped(targets, "target__", "amount"), sign)
        _into(out, _grouped(notes, "credit_note__", "source_amount"), -sign)
    return out


def order_sums(needed: Iterable[int] | None, on: dt.date, *, exclude_order: int | None = None) -> Sums:
    """Open orders that count in exposure per customer, company and currency at the end of ``on``."""
    ids = None if needed is None else list(needed)
    out: Sums = defaultdict(lambda: defaultdict(dict))
    if not historical(on):
        orders = Order.objects.filter(COUNTING_ORDERS).exclude(open_amount=0)
        if ids is not None:
            orders = orders.filter(customer_id__in=ids)
        if exclude_order is not None:
            orders = orders.exclude(pk=exclude_order)
        return _into(out, _grouped(orders, "", "open_amount"))
    states = OrderState.objects.filter(on__lte=on)
    if ids is not None:
        states = states.filter(customer_id__in=ids)
    if exclude_order is not None:
        states = states.exclude(order_id=exclude_order)
    latest = states.values("order_id").annotate(m=Max("id")).values("m")
    return _into(out, _grouped(OrderState.objects.filter(id__in=latest, counts=True), "", "open_amount"))


def counting_commitments(on: dt.date, kinds: Iterable[str]) -> QuerySet[Commitment]:
    """Commitments of the ``kinds`` (the policy's ``commitment_counts``) in force at the end of ``on``."""
    return Commitment.objects.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on), valid_from__lte=on,
                                     kind__in=list(kinds))


def commitment_sums(needed: Iterable[int] | None, on: dt.date, kinds: Iterable[str]) -> Sums:
    """Commitments of the ``kinds`` (the policy's ``commitment_counts``) in force at the end of
    ``on``, per customer, company and currency."""
    wanted = list(kinds)
    out: Sums = defaultdict(lambda: defaultdict(dict))
    if not wanted:
        return out
    qs = counting_commitments(on, wanted)
    if needed is not None:
        qs = qs.filter(customer_id__in=list(needed))
    return _into(out, _grouped(qs, "", "amount"))


def overdue_sums(needed: Iterable[int] | None, on: dt.date) -> tuple[dict[int, dict[str, Decimal]], dict[int, dt.date]]:
    """What each customer has overdue at the end of ``on`` (invoices and debit notes due before it
    and still open then) per currency, and its oldest such item's due date."""
    qs = OpenItem.objects.filter(due_date__lt=on)
    if needed is not None:
        qs = qs.filter(customer_id__in=list(needed))
    if historical(on):
        qs = ledger.with_open_as_of(qs, on).filter(**{"open_as_of__gt": 0})  # an annotation
        amount = "open_as_of"
    else:
        qs, amount = qs.filter(open_amount__gt=0), "open_amount"
    per: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for cust, cur, total in (qs.values("customer_id", "currency").annotate(s=Sum(amount))
                             .values_list("customer_id", "currency", "s")):
        per[cust][cur] = total
    oldest = dict(qs.values("customer_id").annotate(m=Min("due_date")).values_list("customer_id", "m"))
    return per, oldest


def add(into: dict[str, Decimal], per: dict[str, Decimal]) -> None:
    for cur, amount in per.items():
        into[cur] = into.get(cur, Decimal(0)) + amount


def scoped(sums: Sums, customers: Iterable[int], company: int | None) -> dict[str, Decimal]:
    """The customers' sums per currency, in one company or (``None``) in all."""
    out: dict[str, Decimal] = {}
    for c in customers:
        for comp, per in sums.get(c, {}).items():
            if company is None or comp == company:
                add(out, per)
    return out


