"""The approvals inbox: requests waiting for a decision, what each asks and why, and who may decide."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from credere.approvals import kinds, selectors
from credere.approvals.services import decide as decide_request
from credere.core.errors import BusinessError
from credere.web.access import page


@page("view_credit")
def inbox(request: HttpRequest) -> HttpResponse:
    waiting = list(selectors.pending())
    waits = selectors.waiting(waiting)
    why_not = selectors.decidable_by(request.user, waiting, waits)
    recent = list(selectors.decided()[:20])
    return render(request, "approvals/inbox.html", {
        "waiting": [{"r": r, "why_not": why_not[r.pk], "kind": kinds.get(r.kind).label, "wait": waits[r.pk]}
                    for r in waiting],
        "recent": recent,
    })


@page("view_credit")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    r = selectors.request(pk)
    if r is None:
        return render(request, "web/404.html", {"message": f"There is no approval request {pk}."}, status=404)
    kind = kinds.get(r.kind)
    wait = selectors.waiting([r])[r.pk] if r.status == "pending" else None
    why_not = selectors.decidable_by(request.user, [r], {r.pk: wait})[r.pk] if wait is not None else ""
    needs = (f"{r.required_role.replace('_', ' ').capitalize()} or a higher authority" if r.required_role
             else "no authority in the matrix covers it")
    facts = [(str(k).replace("_", " ").capitalize(), v if v is not None else "—") for k, v in (r.facts or {}).items()]
    return render(request, "approvals/detail.html", {
        "r": r, "kind": kind.label, "subject_url": kind.subject_url(r.subject_id) if kind.subject_url else "",
        "why_not": why_not, "wait": wait, "may_decide": r.status == "pending" and not why_not, "needs": needs, "facts": facts,
    })


@require_POST
@page("decide_approvals")
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"
    try:
        r = decide_request(actor=request.user, request_id=pk, approve=approve, note=request.POST.get("note") or "")
    except BusinessError as exc:
        messages.error(request, str(exc))
        return redirect("web:approval", pk=pk)
    messages.success(request, f"{'Approved' if approve else 'Rejected'}: {r.summary}.")
    return redirect("web:approvals")
