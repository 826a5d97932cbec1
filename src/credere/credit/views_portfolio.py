"""The portfolio and stress-test pages: where the exposure is, how concentrated, what it may cost,
and what a saved scenario would do to it — figures side by side, charts, exports."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from babel import Locale
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from credere.core.errors import BusinessError
from credere.credit.models import StressScenario
from credere.credit.policy import policy_in_force
from credere.credit.selectors import computed
from credere.credit.selectors.portfolio import portfolio, run_stress
from credere.credit.services import stress as stress_service
from credere.domain.credit.portfolio import Slice, Stressed
from credere.domain.industries import SECTIONS
from credere.identity.authz import can
from credere.ledger.params import Params
from credere.web.access import page
from credere.web.datatable import DETAIL, NORMAL, PRIMARY, Col, DataTable, respond_export
from credere.web.forms import FormErrors

_EN = Locale("en")


def country_name(code: str) -> str:
    return str(_EN.territories.get(code, code)) if code and code != "—" else "No country"


def concentration_words(points: Decimal) -> str:
    """The usual reading of an HHI (competition authorities' thresholds)."""
    if points < 1500:
        return "not concentrated"
    return "moderately concentrated" if points <= 2500 else "highly concentrated"


def _slice_rows(parts: list[Slice], label: Any, ead: Decimal) -> list[dict[str, Any]]:
    return [{"key": s.key, "label": label(s.key), "customers": s.customers, "limits": s.limits, "exposure": s.exposure,
             "cover": s.cover, "ead": s.ead, "share": (s.ead * 100 / ead).quantize(Decimal("0.01")) if ead else None,
             "el": s.expected_loss} for s in parts]


def _slice_table(request: HttpRequest, tid: str, caption: str, rows: list[dict[str, Any]], cur: str,
                 extra: list[Col] | None = None) -> DataTable:
    return DataTable(id=tid, request=request, rows=rows, per_page=None, caption=caption,
                     export_name=f"portfolio-{tid}", empty="No exposure.", columns=[
                         Col("label", caption.split(" by ")[-1].capitalize(), lead=True),
                         Col("customers", "Customers", "int", priority=DETAIL),
                         Col("limits", "Limits", "money", currency=cur, priority=DETAIL),
                         Col("exposure", "Exposure", "money", currency=cur, priority=NORMAL),
                         Col("cover", "Cover", "money", currency=cur, priority=DETAIL),
                         Col("ead", "Uncovered", "money", currency=cur),
                         Col("share", "Share", "pct", priority=NORMAL),
                         *(extra or []),
                         Col("el", "Expected loss", "money", currency=cur)])


def _chart(labels: list[str], datasets: list[dict[str, Any]], currency: str, **extra: Any) -> dict[str, Any]:
    return {"labels": labels, "datasets": datasets, "currency": currency, "kind": "bar", **extra}


@page("view_credit")
def portfolio_page(request: HttpRequest) -> HttpResponse:
    policy = policy_in_force()
    today = timezone.localdate()
    p = Params(request)
    try:
        on = computed.as_of_day(p.date("as_of", None, "as_of"))
        pf = portfolio(policy, on)
    except BusinessError as exc:
        return render(request, "credit/portfolio.html", {"error": str(exc), "today": today})
    cur = pf.currency
    risk = pf.risk
    by_class = _slice_rows(pf.by_risk_class, lambda k: f"Class {k}", pf.ead)
    for r in by_class:
        r["pd"], r["lgd"] = risk.pd(r["key"]), risk.lgd(r["key"])
    tables = [
        _slice_table(request, "class", "Exposure by risk class", by_class, cur, [
            Col("pd", "PD", "pct", priority=NORMAL, title="Probability of default within a year (policy)"),
            Col("lgd", "LGD", "pct", priority=DETAIL, title="Loss given default (policy)")]),
        _slice_table(request, "country", "Exposure by country", _slice_rows(pf.by_country, country_name, pf.ead), cur),
        _slice_table(request, "industry", "Exposure by industry",
                     _slice_rows(pf.by_industry, lambda k: SECTIONS.get(k, "No industry code"), pf.ead), cur),
    ]
    company_table = DataTable(
        id="company", request=request, per_page=None, caption="Exposure by company", export_name="portfolio-company",
        rows=[{"code": c, "name": n, "exposure": e} for c, n, e in pf.by_company], empty="No exposure.",
        columns=[Col("name", "Company", lead=True), Col("code", "Code", "code"),
                 Col("exposure", f"Exposure before cover ({cur})", "money", currency=cur)])
    currency_table = DataTable(
        id="currency", request=request, per_page=None, caption="Exposure by currency", export_name="portfolio-currency",
        rows=[{"currency": c, "owed": a, "converted": v} for c, a, v in pf.by_currency], empty="No exposure.",
        columns=[Col("currency", "Currency", "code", priority=PRIMARY, lead=True),
                 Col("owed", "Owed in the currency", "money", currency_key="currency"),
                 Col("converted", f"In {cur}", "money", currency=cur)])
    top_table = DataTable(
        id="top", request=request, per_page=None, caption="The 20 largest corporate groups and customers",
        export_name="portfolio-top", empty="No exposure.",
        rows=[{"rank": i + 1, "name": c.name, "pk": c.pk, "ead": e, "share": s} for i, (c, e, s) in enumerate(pf.top)],
        columns=[Col("rank", "#", "int", priority=DETAIL),
                 Col("name", "Group or customer", link=lambda r: reverse("web:customer", args=[r["pk"]]), lead=True),
                 Col("ead", f"Uncovered ({cur})", "money", currency=cur), Col("share", "Share", "pct")])
    all_tables = [*tables, company_table, currency_table, top_table]
    exported = respond_export(request, all_tables)
    if exported is not None:
        return exported
    chart = _chart([r["label"] for r in by_class], [
        {"label": f"Uncovered ({cur})", "data": [str(r["ead"]) for r in by_class]},
        {"label": f"Expected loss ({cur})", "data": [str(r["el"]) for r in by_class]}], cur, grouped=True)
    return render(request, "credit/portfolio.html", {
        "pf": pf, "tables": tables, "company_table": company_table, "currency_table": currency_table,
        "top_table": top_table, "chart": chart, "hhi_words": concentration_words(pf.hhi),
        "el_share": (pf.expected_loss * 100 / pf.ead).quantize(Decimal("0.01")) if pf.ead else None,
        "on": on, "today": today, "past": on != today, "errors": p.errors,
    })


# --------------------------------------------------------------------------- stress tests


def _form_settings(post: Any) -> tuple[dict[str, Any], FormErrors]:
    """The scenario's settings from the form's text fields (JSON objects or ``KEY=VALUE`` lines)."""
    errors = FormErrors()
    out: dict[str, Any] = {}
    for key in ("pd_by_country", "pd_by_industry", "fx_pct"):
        text = (post.get(key) or "").strip()
        table: dict[str, str] = {}
        for n, line in enumerate(t for t in text.replace(",", "\n").splitlines() if t.strip()):
            if "=" not in line:
                errors.add(key, f"line {n + 1}: write CODE=VALUE, e.g. DE=1.5")
                break
            code, value = line.split("=", 1)
            table[code.strip().upper()] = value.strip()
        out[key] = table
    out["delay_days"] = (post.get("delay_days") or "0").strip()
    for key in ("default_customers", "default_groups"):
        out[key] = [a.strip() for a in (post.get(key) or "").replace(",", " ").split() if a.strip()]
    if not (post.get("name") or "").strip():
        errors.add("name", "give the scenario a name")
    try:  # every setting's problem at once, not only the first the form found
        stress_service.clean({k: v for k, v in out.items() if k not in errors.fields})
    except BusinessError as exc:
        _take(errors, exc)
    return out, errors


def _take(errors: FormErrors, exc: BusinessError) -> None:
    """A service's refusal at the form's fields (``pd_by_country.DE`` is shown at *pd_by_country*)."""
    for f in exc.fields or []:
        name = str(f.get("field", ""))
        base, _, code = name.partition(".")
        if base == "settings" and code:
            base, _, code = code.partition(".")
        errors.add(base or "name", f"{code}: {f.get('message', '')}" if code else str(f.get("message", "")))
    if not exc.fields:
        errors.add_general(str(exc))


def _as_text(table: dict[str, str]) -> str:
    return "\n".join(f"{k}={v}" for k, v in table.items())


def _scenario_form(row: StressScenario | None, post: Any = None) -> dict[str, Any]:
    if post is not None:
        return {k: post.get(k, "") for k in ("name", "description", "pd_by_country", "pd_by_industry", "delay_days",
                                             "default_customers", "default_groups", "fx_pct")}
    s = row.settings if row else {}
    return {"name": row.name if row else "", "description": row.description if row else "",
            "pd_by_country": _as_text(s.get("pd_by_country", {})), "pd_by_industry": _as_text(s.get("pd_by_industry", {})),
            "delay_days": s.get("delay_days", 0), "default_customers": " ".join(s.get("default_customers", [])),
            "default_groups": " ".join(s.get("default_groups", [])), "fx_pct": _as_text(s.get("fx_pct", {}))}


@page("view_credit")
def stress_list(request: HttpRequest) -> HttpResponse:
    may_edit = can(request.user, "request_limits")
    errors = FormErrors()
    form = _scenario_form(None)
    if request.method == "POST":
        if not may_edit:
            return render(request, "web/403.html", status=403)
        settings, errors = _form_settings(request.POST)
        form = _scenario_form(None, request.POST)
        if not errors:
            try:
                row = stress_service.save(actor=request.user, name=request.POST.get("name") or "",
                                          description=request.POST.get("description") or "", settings=settings)
            except BusinessError as exc:
                _take(errors, exc)
            else:
                messages.success(request, f"Saved the scenario {row.name}.")
                return redirect("web:credit-stress-result", pk=row.pk)
    rows = list(StressScenario.objects.all())
    table = DataTable(
        id="main", request=request, rows=rows, per_page=None, caption="Saved scenarios", export_name="stress-scenarios",
        empty="No scenario saved yet.", empty_hint="Describe one below: PD multipliers, a payment delay, "
                                                   "defaults of named customers, FX moves.",
        columns=[Col("name", "Scenario", link=lambda r: reverse("web:credit-stress-result", args=[r.pk]), lead=True),
                 Col("description", "What it tests", priority=NORMAL),
                 Col("updated_by", "Changed by", priority=DETAIL), Col("updated_at", "Changed", "datetime"),
                 Col("archived", "State", "badge", display=lambda v: "Archived" if v else "In use",
                     tone=lambda v: "neutral" if v else "ok")])
    return render(request, "credit/stress_list.html", {"table": table, "form": form, "errors": errors,
                                                        "may_edit": may_edit,
                                                        "policy_currency": policy_in_force().currency})


def _stressed_rows(result: Any, rows: list[Stressed]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        c = result.names.get(r.before.customer_id)
        out.append({"pk": r.before.customer_id, "name": c.name if c else "", "account": c.account_number if c else "",
                    "class": r.before.risk_class, "limit": r.before.limit, "ead_before": r.before.ead,
                    "ead_after": r.after.ead, "pd_before": r.pd_before, "pd_after": r.pd_after,
                    "el_before": r.el_before, "el_after": r.el_after, "el_change": r.el_after - r.el_before})
    return out


def _stressed_table(request: HttpRequest, tid: str, caption: str, rows: list[dict[str, Any]], cur: str,
                    empty: str) -> DataTable:
    return DataTable(id=tid, request=request, rows=rows, per_page=50, caption=caption, export_name=f"stress-{tid}",
                     empty=empty, columns=[
                         Col("name", "Customer", link=lambda r: reverse("web:customer", args=[r["pk"]]), lead=True),
                         Col("class", "Risk class", "code", priority=DETAIL),
                         Col("limit", "Limit", "money", currency=cur, priority=NORMAL),
                         Col("ead_before", "Uncovered before", "money", currency=cur, priority=NORMAL),
                         Col("ead_after", "Uncovered after", "money", currency=cur),
                         Col("pd_after", "PD after", "pct", priority=NORMAL),
                         Col("el_before", "Expected loss before", "money", currency=cur, priority=DETAIL),
                         Col("el_after", "Expected loss after", "money", currency=cur),
                         Col("el_change", "Change", "money", currency=cur, priority=NORMAL)])


@page("view_credit")
def stress_result(request: HttpRequest, pk: int) -> HttpResponse:
    row = StressScenario.objects.filter(pk=pk).first()
    if row is None:
        return render(request, "web/404.html", {"message": f"There is no stress scenario {pk}."}, status=404)
    may_edit = can(request.user, "request_limits")
    errors = FormErrors()
    form = _scenario_form(row)
    if request.method == "POST":
        if not may_edit:
            return render(request, "web/403.html", status=403)
        if request.POST.get("archive") in ("1", "0"):
            stress_service.archive(actor=request.user, scenario_id=row.pk, archived=request.POST["archive"] == "1")
            messages.success(request, f"Scenario {row.name} {'archived' if request.POST['archive'] == '1' else 'restored'}.")
            return redirect("web:credit-stress-result", pk=row.pk)
        settings, errors = _form_settings(request.POST)
        form = _scenario_form(row, request.POST)
        if not errors:
            try:
                row = stress_service.save(actor=request.user, name=request.POST.get("name") or "",
                                          description=request.POST.get("description") or "", settings=settings,
                                          scenario_id=row.pk)
            except BusinessError as exc:
                _take(errors, exc)
            else:
                messages.success(request, f"Saved the scenario {row.name}.")
                return redirect("web:credit-stress-result", pk=row.pk)
    policy = policy_in_force()
    try:
        result = run_stress(policy, timezone.localdate(), row.settings)
    except BusinessError as exc:
        return render(request, "credit/stress_result.html", {"s": row, "error": str(exc), "form": form,
                                                              "errors": errors, "may_edit": may_edit,
                                                              "policy_currency": policy.currency})
    cur = result.currency
    breaches = _stressed_table(request, "breaches", "Customers that would exceed their limit",
                               _stressed_rows(result, result.breaches), cur, "No customer would exceed its limit.")
    defaults = _stressed_table(request, "defaults", "Customers in default in this scenario",
                               _stressed_rows(result, result.defaults), cur, "No customer defaults in this scenario.")
    movers = _stressed_table(request, "movers", "Largest changes of expected loss",
                             _stressed_rows(result, result.movers), cur, "The scenario changes no expected loss.")
    classes = DataTable(
        id="classes", request=request, per_page=None, caption="Expected loss by risk class", export_name="stress-classes",
        rows=[{"label": f"Class {k}", "before": b, "after": a, "change": a - b} for k, b, a in result.by_risk_class],
        empty="No exposure.", columns=[Col("label", "Risk class", lead=True),
                                       Col("before", "Before", "money", currency=cur),
                                       Col("after", "After", "money", currency=cur),
                                       Col("change", "Change", "money", currency=cur)])
    exported = respond_export(request, [classes, breaches, defaults, movers])
    if exported is not None:
        return exported
    chart = _chart([f"Class {k}" for k, _b, _a in result.by_risk_class], [
        {"label": f"Expected loss before ({cur})", "data": [str(b) for _k, b, _a in result.by_risk_class]},
        {"label": f"Expected loss after ({cur})", "data": [str(a) for _k, _b, a in result.by_risk_class]}],
        cur, grouped=True)
    return render(request, "credit/stress_result.html", {
        "s": row, "r": result, "classes": classes, "breaches": breaches, "defaults": defaults, "movers": movers,
        "chart": chart, "form": form, "errors": errors, "may_edit": may_edit, "policy_currency": cur,
        "settings_text": json.dumps(row.settings, indent=1),
        "el_change": result.el_after - result.el_before,
    })
