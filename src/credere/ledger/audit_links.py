"""The pages of the ledger's audited records, for links from the audit log."""

from __future__ import annotations

from django.urls import reverse

from credere.audit import links
from credere.ledger.models import Allocation


def _page(name: str) -> links.Resolver:
    return lambda pk: reverse(f"web:{name}", args=[pk])


def _allocation(pk: int) -> str | None:
    """An allocation is shown on the page of the item it pays."""
    target = Allocation.objects.filter(pk=pk).values_list("target_id", flat=True).first()
    return reverse("web:item", args=[target]) if target else None


def register() -> None:
    links.register("ledger.customer", _page("customer"))
    links.register("ledger.openitem", _page("item"))
    links.register("ledger.payment", _page("payment"))
    links.register("ledger.allocation", _allocation)
