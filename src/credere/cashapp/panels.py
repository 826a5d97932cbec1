"""What cash application adds to the ledger's pages (registered in ``CashappConfig.ready()``):
how a customer pays, on the customer page; what matching left open on an item, on the item page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from credere.cashapp.selectors import payers as payer_reads
from credere.web import panels


def customer_payers(request: HttpRequest, *, customer: Any) -> dict[str, Any]:
    return {"payers": payer_reads.payer_knowledge(customer.pk)}


def item_adjustments(request: HttpRequest, *, item: Any) -> dict[str, Any] | None:
    adjustments = payer_reads.adjustments_of_item(item.pk)
    return {"adjustments": adjustments} if adjustments else None


def register() -> None:
    panels.register("customer.side", "cashapp/_customer_payers.html", customer_payers)
    panels.register("item.details", "cashapp/_item_adjustments.html", item_adjustments)
