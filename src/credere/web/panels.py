"""Panels that a context adds to another context's page, without that page importing it.

A page names its slots (``"customer.side"``, ``"item.details"``); a context registers a panel
for a slot in its ``AppConfig.ready()``::

    panels.register("customer.side", "cashapp/_customer_payers.html", payers_panel)

The panel's function gets the request and the page's record and returns the template's
context, or ``None`` to show nothing. The page renders :func:`collect` in its slot. So the
ledger's customer page shows what cash application learned about the customer, and credit
control or collections can add theirs, while the ledger imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

PanelContext = Callable[..., dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    template: str
    context: PanelContext
    order: int


_SLOTS: dict[str, list[Panel]] = {}


def register(slot: str, template: str, context: PanelContext, *, order: int = 50) -> None:
    panels = _SLOTS.setdefault(slot, [])
    if any(p.template == template for p in panels):
        return
    panels.append(Panel(template, context, order))
    panels.sort(key=lambda p: p.order)


def collect(slot: str, request: HttpRequest, **page: Any) -> list[SafeString]:
    """The slot's panels rendered in order (``page``: what the page shows, e.g. ``customer=``)."""
    out: list[SafeString] = []
    for panel in _SLOTS.get(slot, []):
        ctx = panel.context(request, **page)
        if ctx is not None:
            out.append(mark_safe(render_to_string(panel.template, {**page, **ctx}, request=request)))  # noqa: S308
    return out
