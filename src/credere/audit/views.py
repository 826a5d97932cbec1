"""The audit log: browse and search, see before/after, export, verify the hash chain."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from credere.adapters import tables
from credere.audit import labels, links
from credere.audit.models import AuditEvent
from credere.audit.personal import resolved
from credere.audit.selectors import EXPORT_COLUMNS, events, export_rows
from credere.audit.services import verify_chain
from credere.identity.authz import authorize
from credere.web.access import page
from credere.web.datatable import NORMAL, PRIMARY, Col, DataTable
from credere.web.params import Params

AUDIT_FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _filters(p: Params) -> dict[str, Any]:
    return {
        "object_type": p.text("object_type", 80) or None, "object_id": p.text("object_id", 80) or None,
        "actor": p.text("actor", 150) or None, "action": p.text("action", 80) or None,
        "since": p.date("since"), "until": p.date("until"), "search": p.text("q", 200) or None,
    }


def _object_url(e: AuditEvent) -> str | None:
    return links.page_of(e)


@page("view_audit")
def audit(request: HttpRequest) -> HttpResponse:
    p = Params(request)
    f = _filters(p)
    qs = events(**f)
    fmt = request.GET.get("export")
    if fmt is not None:
        if fmt not in AUDIT_FORMATS:
            return HttpResponse("Choose an export format: csv, xlsx or json.", status=400,
                                content_type="text/plain; charset=utf-8")
        data = tables.render(fmt, EXPORT_COLUMNS, export_rows(qs, request.user), "Audit trail")
        response = HttpResponse(data, content_type=AUDIT_FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="audit-trail.{fmt}"'
        return response
    order = "seq" if request.GET.get("order") == "oldest" else "-seq"
    export_query = request.GET.copy()
    export_query.pop("page", None)
    base = export_query.urlencode()
    links = [{"format": f.upper(), "url": f"?{base}&export={f}" if base else f"?export={f}"} for f in AUDIT_FORMATS]
    table = DataTable(
        id="main", request=request, rows=qs.order_by(order), caption="Events", per_page=50, custom_exports=links,
        empty="No event matches these filters.",
        columns=[
            Col("seq", "#", "int", link=lambda e: reverse("web:audit-event", args=[e.seq])),
            Col("occurred_at", "When", "datetime"),
            Col("actor", "Who", "code", priority=NORMAL),
            Col("action", "Action", "badge", display=labels.action_label,
                tone=lambda v: "bad" if ("reversed" in v or "rejected" in v or "revoked" in v) else "info"),
            Col("object_type", "Record type", display=labels.type_label),
            Col("object_repr", "Record", get=labels.record_label, link=_object_url),
            Col("reason", "Reason", priority=PRIMARY),
        ],
    )
    object_types = list(AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct())
    actions = sorted({a.split(".")[0] for a in AuditEvent.objects.values_list("action", flat=True).distinct()})
    return render(request, "audit/list.html", {
        "table": table, "f": f, "errors": p.errors, "object_types": object_types, "actions": actions,
        "order": order,
    })


@page("view_audit")
def audit_event(request: HttpRequest, seq: int) -> HttpResponse:
    event = AuditEvent.objects.filter(seq=seq).first()
    if event is None:
        return render(request, "web/404.html", {"message": f"There is no audit event #{seq}."}, status=404)
    event = resolved([event], request.user)[0]  # personal values, kept by reference, shown again
    return render(request, "audit/event.html", {
        "e": event, "object_url": _object_url(event),
        "previous": AuditEvent.objects.filter(seq__lt=seq).order_by("-seq").values_list("seq", flat=True).first(),
        "next": AuditEvent.objects.filter(seq__gt=seq).order_by("seq").values_list("seq", flat=True).first(),
        "related": reverse("web:audit") + f"?object_type={event.object_type}&object_id={event.object_id}",
    })


@require_POST
@page("verify_audit")
def audit_verify(request: HttpRequest) -> HttpResponse:
    authorize(request.user, "verify_audit")
    count, problems = verify_chain()
    return render(request, "audit/verify.html", {"count": count, "problems": problems, "intact": not problems})
