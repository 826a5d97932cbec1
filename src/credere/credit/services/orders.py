"""An order's open value falls as it is invoiced: an invoice that names the order (its order
reference is the ERP's order number, in the same company) takes its amount off the order, so
exposure never counts the same sale twice — once as an open order and once as a receivable.

Run after the ledger changes (before the standings are refreshed). Each change is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from credere.audit.services import record, snapshot
from credere.credit.models import Order, OrderState
from credere.credit.selectors import rates_to
from credere.domain.aging import convert_with
from credere.ledger.models import OpenItem


def record_states(orders: Iterable[Order]) -> None:
    """Each order's value as it counts in exposure from today on (:class:`OrderState`): call it
    after every change of an order, in the same transaction."""
    today, now = timezone.localdate(), timezone.now()
    OrderState.objects.bulk_create([
        OrderState(order_id=o.pk, customer_id=o.customer_id, company_id=o.company_id, currency=o.currency,
                   open_amount=o.open_amount, counts=o.counts_in_exposure, on=today, recorded_at=now)
        for o in orders], batch_size=1000)


def reconcile_invoiced(customer_ids: Iterable[int] | None = None) -> int:
    """Bring the open value of open orders in line with the invoices naming them; how many changed."""
    orders = Order.objects.filter(status=Order.Status.OPEN)
    if customer_ids is not None:
        orders = orders.filter(customer_id__in=list(customer_ids))
    wanted = {(o.company_id, o.order_id): o for o in orders.only("pk", "company_id", "order_id")}
    if not wanted:
        return 0
    invoiced: dict[tuple[int, str], dict[str, Decimal]] = {}
    rows = (OpenItem.objects.filter(document_type=OpenItem.Type.INVOICE,
                                    order_reference__in={ref for _, ref in wanted},
                                    company_id__in={c for c, _ in wanted})
            .values("company_id", "order_reference", "currency").annotate(s=Sum("amount"))
            .values_list("company_id", "order_reference", "currency", "s"))
    for company, ref, currency, total in rows:
        invoiced.setdefault((company, ref), {})[currency] = total
    changed = 0
    today = timezone.localdate()
    for key in sorted(k for k in wanted if k in invoiced):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=wanted[key].pk)
            if order.status != Order.Status.OPEN:
                continue
            per = invoiced[key]
            billed = convert_with(per, rates_to(per, order.currency, today), order.currency)
            left = max(order.amount - billed, Decimal(0))
            if left == order.open_amount:
                continue
            before = snapshot(order)
            order.open_amount = left
            if left == 0:
                order.status = Order.Status.INVOICED
            order.save(update_fields=["open_amount", "status", "updated_at"])
            record_states([order])
            record(actor=None, action="order.invoiced", obj=order, before=before, after=snapshot(order),
                   reason=f"invoiced {billed} {order.currency} under order {order.order_id}")
            changed += 1
    return changed
