"""The "Limits and use" page: every limit with its exposure, use and headroom, from the stored
standings — "who is over 90 %", sorted and filtered, is one indexed query however large the
portfolio."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from credere.core.errors import BusinessError
from credere.credit import selectors
from credere.credit.models import Commitment, Cover, CreditStanding
from credere.credit.policy import policy_in_force
from credere.credit.selectors import computed
from credere.credit.services import commitments as commitment_service
from credere.credit.services import cover, standing
from credere.identity.authz import can
from credere.ledger import selectors as ledger
from credere.ledger.params import Params, parse_company
from credere.web.access import page
from credere.web.datatable import DETAIL, NORMAL, PRIMARY, Col, DataTable, respond_export


def scope_label(row: CreditStanding) -> str:
    """``Own`` or ``Group pool``, and the company when the limit is for one company only."""
    scope = "Group pool" if row.for_group else "Own"
    return f"{scope}, {row.company.code}" if row.company_id and row.company else scope


def use_tone(value: Decimal | None) -> str:
    if value is None:
        return "neutral"
    return "bad" if value > 100 else "warn" if value >= 90 else "ok"


def standing_columns() -> list[Col]:
    return [
        Col("customer.name", "Customer", link=lambda r: reverse("web:customer", args=[r.customer_id]), lead=True,
            sort="name"),
        Col("scope", "Scope", get=scope_label, priority=NORMAL),
        Col("risk_class", "Risk class", "code", sort="risk_class", priority=NORMAL),
        Col("currency", "Currency", "code", show=False),
        Col("limit_amount", "Limit", "money", currency_key="currency", sort="limit"),
        Col("exposure", "Exposure", "money", currency_key="currency", sort="exposure", priority=DETAIL),
        Col("commitments", "Commitments", "money", currency_key="currency", priority=DETAIL, show=False),
        Col("cover", "Cover", "money", currency_key="currency", priority=DETAIL),
        Col("uncovered", "Uncovered", "money", currency_key="currency"),
        Col("utilisation", "Used", "pct", sort="utilisation", tone=use_tone, priority=PRIMARY),
        Col("headroom", "Headroom", "money", currency_key="currency", sort="headroom", priority=PRIMARY),
        Col("overdue", "Overdue", "money", currency_key="currency", sort="overdue", priority=DETAIL),
        Col("expires_on", "Expires", "date", sort="expires", priority=NORMAL),
        Col("problem", "Note", priority=DETAIL),
    ]


def filters_from(p: Params, risk_classes: list[str]) -> selectors.StandingFilters:
    used = p.integer("min_use", 0, 1000)
    within = p.integer("expiring", 0, 3650)
    return selectors.StandingFilters(
        q=p.text("q", 100), min_utilisation=Decimal(used) if used is not None else None,
        over_limit=p.flag("over"), risk_class=p.choice("risk_class", risk_classes), company=p.company(),
        country=p.text("country", 2).upper(), groups=p.flag("groups"), expiring_within=within)


@page("view_credit")
def limits(request: HttpRequest) -> HttpResponse:
    p = Params(request)
    policy = policy_in_force()
    today = timezone.localdate()
    try:
        on = computed.as_of_day(p.date("as_of", None, "as_of"))
    except BusinessError as exc:
        p.errors.append(str(exc))
        on = today
    f = filters_from(p, list(policy.settings["risk_classes"]))
    columns = standing_columns()
    wanted, _order = DataTable.ordering(request, columns, selectors.STANDING_SORTS, "-utilisation")
    try:
        rows: Any = computed.standings_for(f, on, policy, sort=wanted)
    except BusinessError as exc:  # a past day without FX rates
        p.errors.append(str(exc))
        rows = []
    past = on != today
    table = DataTable(id="main", request=request, rows=rows,
                      caption="Limits and use" + (f" at the end of {on:%d %b %Y}" if past else ""),
                      export_name="limits-and-use" + (f"-{on.isoformat()}" if past else ""),
                      columns=columns, default_sort="-utilisation",
                      empty="No limit matches these filters.",
                      empty_hint="Clear a filter. Limits are requested on a customer's page and approved in Approvals.")
    exported = respond_export(request, [table])
    if exported is not None:
        return exported
    ctx: dict[str, Any] = {
        "table": table, "f": f, "errors": p.errors, "companies": ledger.companies(),
        "risk_classes": policy.settings["risk_classes"], "refreshed_at": selectors.last_refreshed(),
        "may_refresh": can(request.user, "request_limits"), "on": on, "past": past, "today": today,
    }
    return render(request, "credit/limits.html", ctx)


@require_POST
@page("request_limits")
def refresh(request: HttpRequest) -> HttpResponse:
    done = standing.refresh()
    messages.success(request, f"Recomputed {done.rows:,} standings of {done.customers:,} customers "
                              f"in {done.seconds:.1f} s." + (f" {done.problems} could not be computed: see the Note "
                                                              "column." if done.problems else ""))
    return redirect(reverse("web:credit-limits") + ("?" + request.GET.urlencode() if request.GET else ""))


def _back_to(customer_id: int) -> HttpResponse:
    return redirect(reverse("web:customer", args=[customer_id]) + "#credit-head")


@require_POST
@page("request_limits")
def cover_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = ledger.customer(pk)
    if customer is None:
        return render(request, "web/404.html", {"message": f"There is no customer with id {pk}."}, status=404)
    post = request.POST
    expires = (post.get("expires_on") or "").strip()
    try:
        row = cover.record_cover(
            actor=request.user, customer=customer, kind=post.get("kind") or "", provider=post.get("provider") or "",
            reference=post.get("reference") or "", amount=(post.get("amount") or "").strip(),
            currency=post.get("currency") or "", coverage_pct=(post.get("coverage_pct") or "100").strip(),
            note=post.get("note") or "", expires_on=_day(expires, "expires_on"))
    except BusinessError as exc:
        messages.error(request, f"The cover was not recorded: {exc}")
    else:
        messages.success(request, f"Recorded: {row.get_kind_display().lower()} of {row.amount:,.2f} {row.currency} "
                                  f"by {row.provider}.")
    return _back_to(customer.pk)


@require_POST
@page("request_limits")
def cover_end(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        row = cover.end_cover(actor=request.user, cover_id=pk, note=request.POST.get("note") or "")
    except BusinessError as exc:
        messages.error(request, f"The cover was not ended: {exc}")
        found = Cover.objects.filter(pk=pk).values_list("customer_id", flat=True).first()
        return _back_to(found) if found else redirect("web:credit-limits")
    messages.success(request, f"The {row.get_kind_display().lower()} by {row.provider} ended on {row.ended_on}.")
    return _back_to(row.customer_id)


@require_POST
@page("request_limits")
def commitment_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = ledger.customer(pk)
    if customer is None:
        return render(request, "web/404.html", {"message": f"There is no customer with id {pk}."}, status=404)
    post = request.POST
    try:
        company = parse_company(post.get("company") or "") if post.get("company") else None
        row, created = commitment_service.record_commitment(
            actor=request.user, customer=customer, company=company, kind=post.get("kind") or "",
            reference=post.get("reference") or "", amount=(post.get("amount") or "").strip(),
            currency=post.get("currency") or "", note=post.get("note") or "",
            valid_from=_day((post.get("valid_from") or "").strip(), "valid_from"))
    except BusinessError as exc:
        messages.error(request, f"The commitment was not recorded: {exc}")
    else:
        messages.success(request, f"{'Recorded' if created else 'Already recorded'}: "
                                  f"{row.get_kind_display().lower()} {row.reference}, {row.amount:,.2f} {row.currency}.")
    return _back_to(customer.pk)


@require_POST
@page("request_limits")
def commitment_end(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        row = commitment_service.end_commitment(actor=request.user, commitment_id=pk,
                                                note=request.POST.get("note") or "")
    except BusinessError as exc:
        messages.error(request, f"The commitment was not ended: {exc}")
        found = Commitment.objects.filter(pk=pk).values_list("customer_id", flat=True).first()
        return _back_to(found) if found else redirect("web:credit-limits")
    messages.success(request, f"{row.get_kind_display()} {row.reference} ended on {row.ended_on}.")
    return _back_to(row.customer_id)


def _day(value: str, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BusinessError(f"{field}: '{value[:20]}' is not a date", fields=[{"field": field, "message": "not a date"}]
                            ) from None
