"""Credit control's pages: the hold queue, one credit check, and the customer page's credit actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from credere.core.errors import BusinessError
from credere.credit import selectors
from credere.credit.services import checks, limits
from credere.identity.authz import can
from credere.ledger import selectors as ledger
from credere.web.access import page
from credere.web.datatable import PRIMARY, Col, DataTable


def _number(value: Any) -> Any:
    """A stored figure as a number; the facts that are words or dates (the customer's status, an expiry)
    stay as they are."""
    if not isinstance(value, str):
        return value
    try:
        return Decimal(value)
    except InvalidOperation:
        return value


def _not_found(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "web/404.html", {"message": f"There is no {what}."}, status=404)


@page("view_credit")
def holds(request: HttpRequest) -> HttpResponse:
    table = DataTable(
        id="main", request=request, rows=selectors.holds(), caption="Held orders", export_name="held-orders",
        empty="No order is waiting for a credit decision.",
        empty_hint="Orders the credit check holds (over the limit, overdue, blocked…) wait here for credit staff.",
        columns=[
            Col("order.order_id", "Order", "code", link=lambda c: reverse("web:credit-check", args=[c.pk]), lead=True),
            Col("order.customer.name", "Customer", link=lambda c: reverse("web:customer", args=[c.order.customer_id])),
            Col("order.company.code", "Company", "code"),
            Col("checked_at", "Held since", "datetime"),
            Col("currency", "Currency", "code", show=False),
            Col("amount", "Amount", "money", currency_key="currency"),
            Col("risk_class", "Risk class", "code"),
            Col("reason", "Why", get=lambda c: c.why_held, priority=PRIMARY),
        ],
    )
    return render(request, "credit/holds.html", {"table": table})


@page("view_credit")
def check(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.check(pk)
    if row is None:
        return _not_found(request, f"credit check {pk}")
    if request.method == "POST":
        release = request.POST.get("decision") == "release"
        try:
            checks.decide_hold(actor=request.user, check_id=row.pk, release=release,
                               note=request.POST.get("note") or "")
        except BusinessError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Order {row.order.order_id} {'released' if release else 'rejected'}.")
            return redirect("web:credit-holds")
        return redirect("web:credit-check", pk=row.pk)
    figures = {k: _number(v) for k, v in (row.facts or {}).items()}
    return render(request, "credit/check.html", {
        "c": row, "f": figures, "order": row.order, "history": list(row.order.checks.order_by("-checked_at")),
        "may_release": can(request.user, "release_orders") and row.status == "held",
    })


@require_POST
@page("request_limits")
def limit_request(request: HttpRequest, pk: int) -> HttpResponse:
    customer = ledger.customer(pk)
    if customer is None:
        return _not_found(request, f"customer with id {pk}")
    expires = (request.POST.get("expires_on") or "").strip()
    starts = (request.POST.get("valid_from") or "").strip()
    try:
        req = limits.request_limit(
            actor=request.user, customer=customer, amount=(request.POST.get("amount") or "").strip(),
            currency=(request.POST.get("currency") or "").strip().upper(), reason=request.POST.get("reason") or "",
            for_group=request.POST.get("for_group") == "1",
            expires_on=dt.date.fromisoformat(expires) if expires else None,
            valid_from=dt.date.fromisoformat(starts) if starts else None)
    except (BusinessError, ValueError) as exc:
        messages.error(request, f"The limit was not requested: {exc}")
    else:
        messages.success(request, f"Requested: {req.summary}. It waits for approval.")
    return redirect(reverse("web:customer", args=[customer.pk]) + "#credit-head")


@require_POST
@page("request_limits")
def risk_class(request: HttpRequest, pk: int) -> HttpResponse:
    customer = ledger.customer(pk)
    if customer is None:
        return _not_found(request, f"customer with id {pk}")
    try:
        row = limits.set_risk_class(actor=request.user, customer=customer,
                                    risk_class=(request.POST.get("risk_class") or "").strip(),
                                    reason=request.POST.get("reason") or "")
    except BusinessError as exc:
        messages.error(request, f"The risk class was not changed: {exc}")
    else:
        messages.success(request, f"{customer.name} is in risk class {row.risk_class} from {row.effective_from}.")
    return redirect(reverse("web:customer", args=[customer.pk]) + "#credit-head")


