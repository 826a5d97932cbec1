"""The alert inbox and an alert's page (acknowledge, assign, resolve, each with a note), the customer
owner set on the customer's credit card, and "run the alert rules now"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from credere.core.errors import BusinessError
from credere.credit.models import Alert
from credere.credit.selectors import alerts as reads
from credere.credit.services import alerts as service
from credere.domain.credit.alerts import KINDS
from credere.identity.authz import can
from credere.ledger import selectors as ledger
from credere.ledger.params import Params
from credere.web.access import page
from credere.web.datatable import DETAIL, PRIMARY, Col, DataTable
from credere.web.forms import FormErrors

SEVERITY_TONE = {"high": "bad", "medium": "warn", "low": "info"}
STATUS_TONE = {"open": "warn", "acknowledged": "info", "resolved": "ok", "cleared": "neutral"}
SEVERITY_LABELS = dict(Alert.Severity.choices)
STATUS_LABELS = dict(Alert.Status.choices)
ACTIONS = ("acknowledge", "assign", "resolve")


def _customer_credit(alert: Alert) -> str:
    return reverse("web:customer", args=[alert.customer_id]) + "#credit-head"


def columns() -> list[Col]:
    return [
        Col("severity", "Severity", "badge", display=lambda v: SEVERITY_LABELS.get(v, v),
            tone=lambda v: SEVERITY_TONE.get(v, "neutral")),
        Col("customer.name", "Customer", link=_customer_credit),
        Col("title", "Alert", link=lambda a: reverse("web:credit-alert", args=[a.pk]), lead=True, priority=PRIMARY),
        Col("kind", "Kind", get=lambda a: reads.kind_label(a.kind), priority=DETAIL),
        Col("raised_at", "Raised", "datetime"),
        Col("status", "Status", "badge", display=lambda v: STATUS_LABELS.get(v, v),
            tone=lambda v: STATUS_TONE.get(v, "neutral")),
        Col("assigned_to", "Assigned to", get=lambda a: reads.person_label(a.assigned_to), priority=DETAIL),
    ]


@page("view_credit")
def inbox(request: HttpRequest) -> HttpResponse:
    p = Params(request)
    f = reads.AlertFilters(mine=p.choice("scope", ["mine", "all"], "mine") == "mine",
                           status=p.choice("status", list(reads.STATUSES), "active"),
                           kind=p.choice("kind", list(KINDS)), severity=p.choice("severity", list(SEVERITY_LABELS)),
                           customer=p.customer())
    table = DataTable(
        id="main", request=request, rows=reads.inbox(request.user, f), caption="Alerts", export_name="alerts",
        columns=columns(),
        empty="No alert matches these filters." if f.mine is False or f.status != "active" else
        "No open alert for the customers you look after.",
        empty_hint="Your inbox holds the alerts of the customers you own (set on a customer's credit card) and "
                   "those assigned to you. Choose “Everyone's” to see all.")
    return render(request, "credit/alerts.html", {
        "table": table, "f": f, "errors": p.errors, "statuses": reads.STATUSES, "kinds": KINDS,
        "severities": SEVERITY_LABELS, "counts": reads.counts(request.user),
        "may_run": can(request.user, "request_limits")})


def rule_text(alert: Alert) -> str:
    """The policy's threshold that raised the alert, in words."""
    facts: dict[str, Any] = alert.facts or {}
    t = facts.get("threshold", "")
    return {
        "utilisation": f"from {t} % of a limit used",
        "limit_expiry": f"{t} days before a limit expires",
        "cover_expiry": f"{t} days before cover expires",
        "overdue": f"from {facts.get('threshold_days', '')} days past due, or {facts.get('threshold_amount', '')} "
                   f"{facts.get('currency', '')} overdue",
        "late_trend": f"when payments come {t} days later on average than the quarter before",
        "hold_sla": f"when an order is held longer than {t} hours",
        "concentration": f"from {t} % of all exposure",
    }.get(alert.kind, "")


def _alert_page(request: HttpRequest, alert: Alert, errors: FormErrors, posted: dict[str, str],
                status: int = 200) -> HttpResponse:
    may_act = can(request.user, "request_limits") and alert.is_active
    return render(request, "credit/alert.html", {
        "a": alert, "kind": reads.kind_label(alert.kind), "rule": rule_text(alert), "errors": errors,
        "posted": posted, "may_act": may_act, "notes": list(alert.notes.all()),
        "people": reads.credit_people() if may_act else [], "severity_tone": SEVERITY_TONE.get(alert.severity),
        "status_tone": STATUS_TONE.get(alert.status), "assigned": reads.person_label(alert.assigned_to),
        "resolver": reads.person_label(alert.resolved_by)}, status=status)


@page("view_credit")
def alert(request: HttpRequest, pk: int) -> HttpResponse:
    row = reads.alert(pk)
    if row is None:
        return render(request, "web/404.html", {"message": f"There is no alert {pk}."}, status=404)
    if request.method != "POST":
        return _alert_page(request, row, FormErrors(), {})
    action = request.POST.get("action", "")
    note = request.POST.get("note") or ""
    errors = FormErrors()
    if action not in ACTIONS:
        errors.add_general("Choose acknowledge, assign or resolve.")
        return _alert_page(request, row, errors, {}, 422)
    try:
        if action == "acknowledge":
            service.acknowledge(actor=request.user, alert_id=row.pk, note=note)
        elif action == "assign":
            service.assign(actor=request.user, alert_id=row.pk, to=request.POST.get("assigned_to") or "", note=note)
        else:
            service.resolve(actor=request.user, alert_id=row.pk, note=note)
    except BusinessError as exc:
        for fe in exc.fields or []:
            errors.add(f"{action}-{fe.get('field')}", str(fe.get("message", "")))
        if not exc.fields:
            errors.add_general(str(exc))
        return _alert_page(request, reads.alert(pk) or row, errors, {"action": action, "note": note}, 422)
    done = {"acknowledge": "Acknowledged", "assign": "Assigned", "resolve": "Resolved"}[action]
    messages.success(request, f"{done}: {row.title}")
    return redirect("web:credit-alert", pk=row.pk)


@require_POST
@page("request_limits")
def run(request: HttpRequest) -> HttpResponse:
    done = service.run()
    messages.success(request, f"Alert rules evaluated in {done.seconds:.1f} s: {done.raised:,} raised, "
                              f"{done.still_true:,} still true, {done.cleared:,} cleared.")
    return redirect(reverse("web:credit-alerts") + ("?" + request.GET.urlencode() if request.GET else ""))


@require_POST
@page("request_limits")
def owner(request: HttpRequest, pk: int) -> HttpResponse:
    customer = ledger.customer(pk)
    if customer is None:
        return render(request, "web/404.html", {"message": f"There is no customer with id {pk}."}, status=404)
    try:
        row = service.set_owner(actor=request.user, customer=customer, owner=request.POST.get("owner") or None)
    except BusinessError as exc:
        messages.error(request, f"The owner was not changed: {exc}")
    else:
        messages.success(request, f"{reads.person_label(row.owner)} looks after {customer.name}'s credit."
                         if row is not None else f"Nobody looks after {customer.name}'s credit now.")
    return redirect(reverse("web:customer", args=[customer.pk]) + "#credit-head")
