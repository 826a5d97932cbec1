"""The page behind each dashboard figure: its value, how it is computed from the figure's own
domain values (:mod:`credere.reporting.views.figure_steps`), and the customers behind it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from credere.core.errors import BusinessError
from credere.domain import metrics as figures
from credere.ledger.models import Customer
from credere.ledger.params import Params
from credere.reporting import services as reports
from credere.reporting.scope import ReportScope, report_scope
from credere.reporting.views.dashboard import (
    FIGURES,
    _accounts_to_ids,
    _as_of_query,
    _customer_query,
    _figure_text,
    _scope_context,
)
from credere.reporting.views.figure_steps import computation
from credere.web.access import page
from credere.web.datatable import Col, DataTable, respond_export

#: Figures whose customers are ranked by overdue rather than by receivables.
_BY_OVERDUE = ("overdue_share", "average_days_delinquent")


def _links(scope: ReportScope, m: figures.Metrics) -> dict[str, str]:
    items = reverse("web:items")
    win, cei = m.dso_window, m.cei_period
    return {
        "receivables": items + scope.query(),
        "current": items + scope.query(due_from=scope.as_of.isoformat()),
        "overdue": items + scope.query(overdue=1),
        "sales": _posted(scope, win),
        "opening": items + "?" + _as_of_query(scope, cei.start),
        "cei_sales": _posted(scope, cei),
        "dso_simple": reverse("web:figure", args=["dso_simple"]) + scope.query(),
        "best_possible_dso": reverse("web:figure", args=["best_possible_dso"]) + scope.query(),
    }


def _posted(scope: ReportScope, period: figures.Period) -> str:
    """The items posted in ``period`` (after its start, up to its end)."""
    return reverse("web:items") + scope.query(status="all", posted_after=period.start.isoformat(),
                                              posted_to=period.end.isoformat())


@page("view_ledger")
def figure(request: HttpRequest, key: str) -> HttpResponse:
    """One figure: its definition, its computation with the actual numbers, and the customers behind it."""
    if key not in FIGURES:
        return render(request, "web/404.html", {"message": f"There is no figure '{key}'."}, status=404)
    p = Params(request)
    scope = report_scope(p)
    ctx: dict[str, Any] = _scope_context(scope, p)
    label, _unit, help_text = FIGURES[key]
    ctx.update({"key": key, "label": label, "help": help_text})
    try:
        m = reports.metrics_report(actor=request.user, as_of=scope.as_of, company=scope.company,
                                   currency=scope.currency)
    except BusinessError as exc:
        ctx["report_error"] = str(exc)
        return render(request, "reporting/figure.html", ctx)
    rc = m.reporting_currency
    steps = computation(key, m, _links(scope, m), lambda period: _posted(scope, period))
    balances = reports.customer_balances(actor=request.user, as_of=scope.as_of, company=scope.company,
                                         currency=scope.currency)
    ranked = sorted(balances.by_account.items(),
                    key=lambda kv: kv[1].overdue if key in _BY_OVERDUE else kv[1].total, reverse=True)
    ids = _accounts_to_ids([a for a, _ in ranked])
    names = dict(Customer.objects.filter(account_number__in=ids).values_list("account_number", "name"))
    rows = [{"account": a, "name": names.get(a, a), "total": b.total, "overdue": b.overdue,
             "share": figures.share(b.total, m.receivables), "oldest_due": b.oldest_due, "pk": ids.get(a)}
            for a, b in ranked]
    table = DataTable(
        id="main", request=request, rows=rows, caption="Customers behind this figure",
        export_name=f"{key}-customers-{scope.as_of}", empty="No customer has receivables on this date.",
        columns=[
            Col("name", "Customer", link=lambda r: reverse("web:customer", args=[r["pk"]]) + _customer_query(scope)
                if r["pk"] else None),
            Col("account", "Account", "code"),
            Col("total", f"Receivables ({rc})", "money", currency=rc),
            Col("overdue", f"Overdue ({rc})", "money", currency=rc),
            Col("share", "Share of receivables", "pct"),
            Col("oldest_due", "Oldest due", "date"),
        ],
    )
    exported = respond_export(request, [table])
    if exported is not None:
        return exported
    ctx.update({"metrics": m, "value": _figure_text(key, m), "computation": steps, "inputs": [asdict(part) for part in steps.parts],
                "table": table, "rc": rc, "notes": [n.replace("_", " ") for n in m.notes]})
    return render(request, "reporting/figure.html", ctx)
