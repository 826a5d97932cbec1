"""Credit control's review pages: the worklist of reviews due, one review with its facts and the
completion form, and starting a review from the customer page."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from credere.core.errors import BusinessError
from credere.credit import selectors
from credere.credit.models import CreditReview
from credere.credit.policy import policy_in_force
from credere.credit.services import reviews as review_service
from credere.domain.credit.reviews import OUTCOMES, TRIGGERS
from credere.identity.authz import authorize, can
from credere.ledger import selectors as ledger
from credere.web.access import page
from credere.web.datatable import PRIMARY, Col, DataTable
from credere.web.forms import FormErrors

#: The figures a review shows, in its order: (key, label, kind)
FACTS: tuple[tuple[str, str, str], ...] = (
    ("risk_class", "Risk class", "text"), ("limit", "Credit limit", "money"),
    ("limit_expires_on", "Limit expires", "date"), ("exposure", "Exposure", "money"),
    ("receivables", "Receivables", "money"), ("open_orders", "Open orders", "money"),
    ("commitments", "Shipped not invoiced and other commitments", "money"),
    ("headroom", "Headroom", "money"), ("utilisation", "Limit used", "pct"), ("overdue", "Overdue", "money"),
    ("oldest_overdue_days", "Oldest overdue item", "days"),
    ("days_late_last_90", "Average days late, paid in the last 90 days", "days"),
    ("days_late_previous_90", "Average days late, paid in the 90 days before", "days"),
)
STATUS_WORDS = {"overdue": "Overdue", **dict(CreditReview.Status.choices)}
STATUS_TONES = {"overdue": "bad", "open": "warn", "completed": "ok"}
FORM_FIELDS = frozenset({"outcome", "note", "new_limit", "currency", "new_risk_class"})


def _not_found(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "web/404.html", {"message": f"There is no {what}."}, status=404)


def _review_link(row: Any) -> str:
    return reverse("web:credit-review", args=[row.review.pk])


@page("view_credit")
def reviews(request: HttpRequest) -> HttpResponse:
    policy = policy_in_force()
    status = request.GET.get("status", "open")
    f = selectors.ReviewFilters(
        status=status if status in CreditReview.Status.values else "",
        overdue=request.GET.get("overdue") == "1",
        trigger=request.GET.get("trigger", "") if request.GET.get("trigger", "") in TRIGGERS else "",
        risk_class=request.GET.get("risk_class", "") if request.GET.get("risk_class", "") in
        policy.settings["risk_classes"] else "")
    rows = selectors.reviews(f, on=timezone.localdate(), policy_currency=policy.currency,
                             default_class=policy.settings["default_risk_class"],
                             cover_kinds=policy.settings["cover_counts"],
                             commitment_kinds=policy.settings["commitment_counts"])
    table = DataTable(
        id="main", request=request, rows=rows, caption="Credit reviews", export_name="credit-reviews",
        empty="No review matches." if (f.overdue or f.trigger or f.risk_class or status != "open")
        else "No review is due.",
        empty_hint="Reviews open when they fall due (by risk class, see the credit policy) or when a limit expires.",
        columns=[
            Col("review.due_on", "Due", "date", link=_review_link, priority=PRIMARY),
            Col("review.customer.name", "Customer", link=_review_link, lead=True, priority=PRIMARY),
            Col("risk_class", "Risk class", "code", priority=PRIMARY),
            Col("review.trigger", "Why", display=lambda t: TRIGGERS.get(t, t)),
            Col("currency", "Currency", "code", show=False),
            Col("limit", "Credit limit", "money", currency_key="currency"),
            Col("utilisation", "Limit used", "pct"),
            Col("overdue", "Overdue", "money", currency_key="currency"),
            Col("status", "Status", "badge", get=lambda r: "overdue" if r.overdue_review else r.review.status,
                display=lambda s: STATUS_WORDS.get(s, s), tone=lambda s: STATUS_TONES.get(s, "neutral")),
        ],
    )
    return render(request, "credit/reviews.html", {
        "table": table, "f": f, "status": status, "triggers": TRIGGERS.items(),
        "statuses": CreditReview.Status.choices, "risk_classes": policy.settings["risk_classes"],
        "may_schedule": can(request.user, "request_limits"),
    })


@require_POST
@page("request_limits")
def schedule(request: HttpRequest) -> HttpResponse:
    opened = review_service.schedule(actor=request.user)
    messages.success(request, f"{len(opened)} review{'s' if len(opened) != 1 else ''} opened." if opened
                     else "No further review is due: nothing opened.")
    return redirect("web:credit-reviews")


def _facts(facts: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key, label, kind in FACTS:
        value = facts.get(key)
        if kind == "date" and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        elif kind in ("money", "pct", "days") and isinstance(value, str):
            with contextlib.suppress(InvalidOperation):
                value = Decimal(value)
        out.append({"key": key, "label": label, "kind": kind, "value": value})
    return out


@page("view_credit")
def review(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.review(pk)
    if row is None:
        return _not_found(request, f"credit review {pk}")
    policy = policy_in_force()
    errors = FormErrors(known=FORM_FIELDS)
    posted: dict[str, str] = {}
    if request.method == "POST":
        authorize(request.user, "request_limits")
        posted = {k: str(request.POST.get(k, "")).strip() for k in FORM_FIELDS}
        try:
            if request.POST.get("action") == "cancel":
                review_service.cancel(actor=request.user, review=row, note=posted["note"])
                messages.success(request, f"The review of {row.customer.name} was cancelled.")
                return redirect("web:credit-reviews")
            done = review_service.complete(
                actor=request.user, review=row, outcome=posted["outcome"], note=posted["note"],
                new_risk_class=posted["new_risk_class"] or None, new_limit=posted["new_limit"] or None,
                currency=posted["currency"] or None)
        except BusinessError as exc:
            errors.add_error(exc)
        else:
            text = f"Review of {row.customer.name} completed: {done.get_outcome_display().lower()}."
            if done.approval_id:
                text += " The request waits for an approver."
            messages.success(request, text)
            return redirect("web:credit-review", pk=row.pk)
    on = timezone.localdate()
    live_error = ""
    if row.status == CreditReview.Status.OPEN:
        try:
            facts = review_service.facts_of(row.customer, on, policy)
        except BusinessError as exc:
            facts, live_error = {}, str(exc)
    else:
        facts = row.facts or {}
    currency = facts.get("currency") or policy.currency
    return render(request, "credit/review.html", {
        "r": row, "facts": _facts(facts), "currency": currency, "live": row.status == CreditReview.Status.OPEN,
        "live_error": live_error, "trigger": TRIGGERS.get(row.trigger, row.trigger), "errors": errors,
        "posted": posted, "outcomes": OUTCOMES.items(), "risk_classes": policy.settings["risk_classes"],
        "current_class": facts.get("risk_class", ""),
        "may_complete": row.status == CreditReview.Status.OPEN and can(request.user, "request_limits"),
        "overdue": row.status == CreditReview.Status.OPEN and row.due_on < on,
        "earlier": list(selectors.reviews_of(row.customer).exclude(pk=row.pk)[:10]),
    }, status=422 if errors else 200)


@require_POST
@page("request_limits")
def start(request: HttpRequest, pk: int) -> HttpResponse:
    customer = ledger.customer(pk)
    if customer is None:
        return _not_found(request, f"customer with id {pk}")
    try:
        row = review_service.open_review(actor=request.user, customer=customer,
                                         reason=request.POST.get("reason") or "")
    except BusinessError as exc:
        messages.error(request, f"The review was not started: {exc}")
        return redirect(reverse("web:customer", args=[customer.pk]) + "#credit-head")
    messages.success(request, f"Review of {customer.name} started.")
    return redirect("web:credit-review", pk=row.pk)
