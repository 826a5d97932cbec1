"""The workbench: the queue of open payments, oldest money first, and a panel per payment to
accept a suggestion, match by hand, keep on account or undo.

It answers htmx requests with the fragment to swap (queue and panel) and plain form posts with
a redirect, so it works without scripts too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from credere.cashapp.amounts import parse_amount
from credere.cashapp.policies import policy_in_force
from credere.cashapp.selectors import returns as return_reads
from credere.cashapp.selectors import statements as statement_reads
from credere.cashapp.selectors import workbench as workbench_reads
from credere.cashapp.services import decisions, learning, returns, runs
from credere.cashapp.views.common import error_lines, not_found, reasons
from credere.core.errors import BusinessError
from credere.domain.matching.names import search_word
from credere.identity.authz import can
from credere.ledger.params import Params
from credere.web import formatting
from credere.web.access import is_htmx, page

#: Payments listed in the queue at first, and at most (each "Show more" adds QUEUE_SHOWN).
QUEUE_SHOWN = 100
QUEUE_MOST = 2000


def _filters(request: HttpRequest, source: Any = None) -> tuple[workbench_reads.QueueFilters, list[str], str]:
    """Queue filters from the query string (or the ``qs`` field of a posted form)."""
    if source is None:
        p = Params(request)
    else:
        fake = HttpRequest()
        fake.GET = QueryDict(source)
        p = Params(fake)
    company = p.company()
    currency = p.text("currency", 3).upper()
    min_raw = p.text("min", 30)
    min_amount = parse_amount(min_raw) if min_raw else None
    if min_raw and min_amount is None:
        p.errors.append(f"min: '{min_raw}' is not an amount")
    q = p.text("q", 80)
    shown = p.integer("show", QUEUE_SHOWN, QUEUE_MOST) or QUEUE_SHOWN
    f = workbench_reads.QueueFilters(company=company, currency=currency, min_amount=min_amount, q=q, shown=shown)
    qs = urlencode({k: v for k, v in (("company", company.code if company else ""), ("currency", currency),
                                      ("min", min_raw if min_amount is not None else ""), ("q", q),
                                      ("show", str(shown) if shown != QUEUE_SHOWN else "")) if v})
    return f, p.errors, qs


def _workbench_context(request: HttpRequest, f: workbench_reads.QueueFilters, qs: str, selected_id: int | None,
                       *, errors: list[str] | None = None, notice: str = "",
                       chosen: dict[int, tuple[str, str]] | None = None) -> dict[str, Any]:
    today = timezone.localdate()
    found = workbench_reads.queue_page(f, today=today, selected_id=selected_id)
    ids, entries, selected_id = found.ids, found.entries, found.selected_id
    for e in entries:
        e.age_days = (today - e.received_on).days
        e.age = workbench_reads.age_label(e.age_bucket)
        e.selected = e.pk == selected_id
        e.confidence_text = formatting.confidence(Decimal(e.confidence)) if e.confidence is not None else ""
    groups: list[dict[str, Any]] = []
    for e in entries:
        if not groups or groups[-1]["label"] != e.age:
            groups.append({"label": e.age, "entries": []})
        groups[-1]["entries"].append(e)
    next_id = None
    if selected_id in ids:
        i = ids.index(selected_id)
        next_id = ids[i + 1] if i + 1 < len(ids) else (ids[i - 1] if i > 0 else None)
    elif ids:
        next_id = ids[0]
    panel = _panel_context(request, selected_id, qs, next_id) if selected_id is not None else {}
    if panel and chosen:
        panel["chosen_items"] = workbench_reads.chosen_items(chosen)
    more = ""
    if len(ids) > len(entries) and f.shown < QUEUE_MOST:
        more = urlencode({k: v for k, v in QueryDict(qs).items() if k != "show"} | {"show": str(f.shown + QUEUE_SHOWN)})
    return {"groups": groups, "total": len(ids), "shown": len(entries), "qs": qs, "selected_id": selected_id,
            "more": more, "step": QUEUE_SHOWN, "not_looked_at": workbench_reads.not_looked_at().count(),
            "may_match": can(request.user, "import_statements"),
            "errors": errors or [], "notice": notice, **panel}


def _panel_context(request: HttpRequest, payment_id: int, qs: str, next_id: int | None) -> dict[str, Any]:
    pay = workbench_reads.payment(payment_id)
    if pay is None:
        return {}
    proposal = workbench_reads.open_proposal(pay)
    matches = workbench_reads.applied_matches(pay)
    kept = workbench_reads.on_account(pay)
    identified = (proposal.customer if proposal is not None and proposal.customer_id else None) or pay.customer
    candidates: dict[str, str] = {}
    if identified is not None:
        candidates[identified.account_number] = identified.name
    if proposal is not None:
        for line in proposal.lines.all():
            candidates.setdefault(line.item.customer.account_number, line.item.customer.name)
    for acct, name in workbench_reads.customers_named(search_word(pay.payer_name)):
        candidates.setdefault(acct, name)
    return {
        "pay": pay, "proposal": proposal, "reasons": reasons(proposal.reasons) if proposal else [],
        "confidence": formatting.confidence(Decimal(proposal.confidence)) if proposal else "",
        "auto_apply": formatting.confidence(policy_in_force().matching_policy().auto_apply_confidence),
        "matches": [{"m": m, "reasons": reasons(m.reasons)} for m in matches], "kept": kept,
        "tx": workbench_reads.bank_transaction(pay), "remittance": workbench_reads.remittance_lines(pay),
        "identified": identified, "candidates": sorted(candidates.items(), key=lambda kv: kv[1]),
        "status": workbench_reads.payment_status(pay, proposal.status if proposal else None, kept is not None, bool(matches)),
        "next_id": next_id, "may_allocate": can(request.user, "allocate"),
    }


def _selected(request: HttpRequest, name: str = "payment") -> int | None:
    raw = (request.GET.get(name) or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@page("view_ledger")
def workbench(request: HttpRequest) -> HttpResponse:
    f, errors, qs = _filters(request)
    ctx = _workbench_context(request, f, qs, _selected(request), errors=errors)
    if is_htmx(request) and request.GET.get("fragment") == "workbench":
        return render(request, "cashapp/_workbench.html", ctx)
    today = timezone.localdate()
    waiting = list(return_reads.waiting()[:50])
    for ret in waiting:
        ret.options = return_reads.candidates(ret)  # type: ignore[attr-defined]
    ctx.update({"returns_waiting": waiting, "may_allocate": can(request.user, "allocate"), "f": f, "companies": workbench_reads.companies(),
                "currencies": workbench_reads.queue_currencies(), "summary": statement_reads.summary(today=today), "ranking": workbench_reads.RANKING,
                "min_raw": request.GET.get("min", "")[:30]})
    return render(request, "cashapp/workbench.html", ctx)


@page("view_ledger")
def workbench_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The right-hand panel for one payment (loaded by htmx; a plain visit opens the workbench on it)."""
    if not is_htmx(request):
        _f, _e, qs = _filters(request)
        return redirect(f"{reverse('web:cash-workbench')}?{qs}{'&' if qs else ''}payment={pk}")
    f, _errors, qs = _filters(request)
    ids = workbench_reads.queue_ids(workbench_reads.queue(f, today=timezone.localdate()))
    nxt = ids[ids.index(pk) + 1] if pk in ids and ids.index(pk) + 1 < len(ids) else None
    ctx = _panel_context(request, pk, qs, nxt)
    if not ctx:
        return not_found(request, f"payment with id {pk}")
    ctx["qs"] = qs
    return render(request, "cashapp/_panel.html", ctx)


@page("view_ledger")
def workbench_items(request: HttpRequest, pk: int) -> HttpResponse:
    """Open items to match by hand: by document number, customer or amount, across customers."""
    pay = workbench_reads.payment(pk)
    if pay is None:
        return not_found(request, f"payment with id {pk}")
    q = (request.GET.get("q") or "").strip()[:60]
    chosen = [int(x) for x in request.GET.getlist("chosen") if x.isdigit() and len(x) < 12]
    found = workbench_reads.search_items(q, company=pay.company, exclude=chosen)
    return render(request, "cashapp/_items.html", {"items": found, "q": q, "pay": pay})


def _after_action(request: HttpRequest, *, payment_id: int, stay: bool, notice: str = "",
                  errors: list[str] | None = None, chosen: dict[int, tuple[str, str]] | None = None) -> HttpResponse:
    """Answer a workbench action: the next payment selected (or this one again on an error)."""
    f, _e, qs = _filters(request, request.POST.get("qs", ""))
    ids = workbench_reads.queue_ids(workbench_reads.queue(f, today=timezone.localdate()))
    raw_next = (request.POST.get("next") or "").strip()
    wanted: int | None
    if errors or (stay and payment_id in ids):
        wanted = payment_id
    elif raw_next.isdigit() and int(raw_next) in ids:
        wanted = int(raw_next)
    else:
        wanted = ids[0] if ids else None
    if is_htmx(request):
        ctx = _workbench_context(request, f, qs, wanted, errors=errors, notice=notice,
                                 chosen=chosen if errors else None)
        # the day's counters above the queue change with every decision: sent along, swapped out of band
        ctx.update({"summary": statement_reads.summary(today=timezone.localdate()), "summary_oob": True})
        return render(request, "cashapp/_workbench.html", ctx)
    for e in errors or []:
        messages.error(request, e)
    if notice:
        messages.success(request, notice)
    url = reverse("web:cash-workbench")
    params = "&".join(p for p in (qs, f"payment={wanted}" if wanted else "") if p)
    return redirect(f"{url}?{params}" if params else url)


def _money(amount: Decimal, currency: str) -> str:
    return formatting.money(amount, currency)


@require_POST
@page("allocate")
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = workbench_reads.proposal(pk)
    if proposal is None:
        return not_found(request, f"proposal with id {pk}")
    pay = proposal.payment
    try:
        decisions.accept_proposal(actor=request.user, proposal_id=pk)
    except BusinessError as exc:
        return _after_action(request, payment_id=pay.pk, stay=True, errors=error_lines(exc))
    pay = workbench_reads.payment(pay.pk) or pay
    items = ", ".join(workbench_reads.proposal_documents(proposal))
    return _after_action(request, payment_id=pay.pk, stay=False,
                         notice=f"Accepted: payment {pay.label} applied to {items}; "
                                f"{_money(pay.unapplied_amount, pay.currency)} left unapplied.")


def _posted_items(request: HttpRequest) -> dict[int, tuple[str, str]]:
    """The ticked items of a hand match as posted: item id -> (amount, deduction) as typed."""
    return {int(raw): ((request.POST.get(f"amount_{raw}") or "")[:30], (request.POST.get(f"deduction_{raw}") or "")[:30])
            for raw in request.POST.getlist("item") if raw.isdigit() and len(raw) <= 12}


def _worded(exc: BusinessError) -> list[str]:
    """A service's refusal as a clerk reads it: the messages of the fields it names, without the API's field
    paths (``lines[2].amount``), else its message."""
    messages_ = [str(f.get("message", "")) for f in exc.fields or [] if f.get("message")]
    return [m[:1].upper() + m[1:] for m in messages_] or error_lines(exc)


def _manual_lines(request: HttpRequest) -> tuple[list[decisions.ManualLine], list[str]]:
    lines: list[decisions.ManualLine] = []
    errors: list[str] = []
    ids = [raw for raw in request.POST.getlist("item") if raw.isdigit() and len(raw) <= 12]
    numbers = workbench_reads.document_numbers([int(x) for x in ids])
    for raw in request.POST.getlist("item"):
        if raw not in ids:
            errors.append(f"item: '{raw[:20]}' is not an item id")
            continue
        label = numbers.get(int(raw), f"item {raw}")
        amount = parse_amount(request.POST.get(f"amount_{raw}", ""))
        deduction_raw = (request.POST.get(f"deduction_{raw}") or "").strip()
        deduction = parse_amount(deduction_raw) if deduction_raw else Decimal(0)
        if amount is None:
            errors.append(f"amount for {label}: give the amount to apply, for example 1234.50")
        elif deduction is None:
            errors.append(f"deduction for {label}: '{deduction_raw[:20]}' is not an amount")
        else:
            lines.append(decisions.ManualLine(item_id=int(raw), amount=amount, deduction=deduction))
    if not lines and not errors:
        errors.append("items: tick at least one open item to apply the payment to")
    return lines, errors


@require_POST
@page("allocate")
def manual_match(request: HttpRequest, pk: int) -> HttpResponse:
    pay = workbench_reads.payment(pk)
    if pay is None:
        return not_found(request, f"payment with id {pk}")
    lines, errors = _manual_lines(request)
    chosen = _posted_items(request)
    if errors:
        return _after_action(request, payment_id=pk, stay=True, errors=errors, chosen=chosen)
    try:
        proposal = decisions.manual_match(actor=request.user, payment_id=pk, lines=lines,
                                         note=(request.POST.get("note") or "").strip()[:300],
                                         remember=request.POST.get("remember", "1") == "1")
    except BusinessError as exc:
        return _after_action(request, payment_id=pk, stay=True, errors=_worded(exc), chosen=chosen)
    pay = workbench_reads.payment(pk) or pay
    items = ", ".join(workbench_reads.proposal_documents(proposal))
    left = pay.unapplied_amount
    return _after_action(request, payment_id=pk, stay=left > 0,
                         notice=f"Matched by hand: payment {pay.label} applied to {items}; "
                                f"{_money(left, pay.currency)} left unapplied.")


@require_POST
@page("allocate")
def put_on_account(request: HttpRequest, pk: int) -> HttpResponse:
    pay = workbench_reads.payment(pk)
    if pay is None:
        return not_found(request, f"payment with id {pk}")
    wanted = (request.POST.get("customer") or "").strip()[:80]
    found = workbench_reads.customers_matching(wanted)
    if len(found) != 1:
        if not wanted:
            msg = "customer: give the account number or the name of the customer to keep the money for"
        elif not found:
            msg = f"customer: no customer has the account number '{wanted}' or a name containing it"
        else:
            names = "; ".join(f"{c.name} ({c.account_number})" for c in found)
            msg = f"customer: '{wanted}' is in the name of several customers — {names}: give the account number"
        return _after_action(request, payment_id=pk, stay=True, errors=[msg])
    customer = found[0]
    try:
        decisions.put_on_account(actor=request.user, payment_id=pk, customer=customer,
                                note=(request.POST.get("note") or "").strip()[:300],
                                remember=request.POST.get("remember") == "1")
    except BusinessError as exc:
        return _after_action(request, payment_id=pk, stay=True, errors=error_lines(exc))
    return _after_action(request, payment_id=pk, stay=False,
                         notice=f"Payment {pay.label} kept on account for {customer.name} ({customer.account_number}).")


@require_POST
@page("allocate")
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = workbench_reads.proposal(pk)
    if proposal is None:
        return not_found(request, f"proposal with id {pk}")
    pay = proposal.payment
    try:
        decisions.undo_match(actor=request.user, proposal_id=pk, reason=(request.POST.get("reason") or "").strip())
    except BusinessError as exc:
        return _after_action(request, payment_id=pay.pk, stay=True, errors=error_lines(exc))
    pay = workbench_reads.payment(pay.pk) or pay
    return _after_action(request, payment_id=pay.pk, stay=True,
                         notice=f"Undone: the match of payment {pay.label} is reversed; "
                                f"{_money(pay.unapplied_amount, pay.currency)} is unapplied again.")


@require_POST
@page("allocate")
def release_on_account(request: HttpRequest, pk: int) -> HttpResponse:
    pay = workbench_reads.payment(pk)
    if pay is None:
        return not_found(request, f"payment with id {pk}")
    try:
        decisions.release_on_account(actor=request.user, payment_id=pk, reason="back to the workbench")
    except BusinessError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("web:payment", args=[pk]))
    messages.success(request, f"Payment {pay.label} is back in the workbench.")
    return redirect(f"{reverse('web:cash-workbench')}?payment={pk}")


@require_POST
@page("edit_customers")
def add_bank_account(request: HttpRequest, pk: int) -> HttpResponse:
    customer = workbench_reads.customer(pk)
    if customer is None:
        return not_found(request, f"customer with id {pk}")
    try:
        row = learning.add_customer_bank_account(actor=request.user, customer=customer,
                                                 account=(request.POST.get("account") or "")[:80])
    except BusinessError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Bank account {row.account} recorded for {customer.name}: payments from it "
                                  "are recognised as theirs.")
    return redirect(reverse("web:customer", args=[pk]) + "#payers")


@require_POST
@page("allocate")
def forget_learned(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove what Credere learned about a customer's payer (an account, a name, a reference)."""
    customer = workbench_reads.customer(pk)
    if customer is None:
        return not_found(request, f"customer with id {pk}")
    kind, key = request.POST.get("kind") or "", (request.POST.get("key") or "")[:200]
    try:
        if kind not in ("account", "name", "reference"):
            raise BusinessError("kind: choose account, name or reference",
                                fields=[{"field": "kind", "message": "choose account, name or reference"}])
        learning.forget(actor=request.user, kind=kind, key=key, reason=request.POST.get("reason") or "")
    except BusinessError as exc:
        messages.error(request, f"Nothing was removed: {exc}")
    else:
        messages.success(request, f"Credere no longer takes {key} for {customer.name}'s; a later decision may "
                                  "teach it again.")
    return redirect(reverse("web:customer", args=[pk]) + "#payers")


@require_POST
@page("import_statements")
def match_payment(request: HttpRequest, pk: int) -> HttpResponse:
    pay = workbench_reads.payment(pk)
    if pay is None:
        return not_found(request, f"payment with id {pk}")
    try:
        run = runs.run_matching(actor=request.user, payment_ids=[pk], trigger="manual")
    except BusinessError as exc:
        return _after_action(request, payment_id=pk, stay=True, errors=error_lines(exc))
    return _after_action(request, payment_id=pk, stay=True,
                         notice=f"Matching run {run.pk}: {run.applied} applied, {run.suggested} suggested, "
                                f"{run.unmatched} without a match.")


@require_POST
@page("import_statements")
def match_not_looked_at(request: HttpRequest) -> HttpResponse:
    """Match, in one run, every payment of the workbench that has no proposal waiting (never matched, or
    whose match was undone)."""
    ids = list(workbench_reads.not_looked_at().values_list("pk", flat=True))
    if not ids:
        return _after_action(request, payment_id=0, stay=False, notice="Every payment in the workbench has been "
                                                                        "looked at by matching.")
    try:
        run = runs.run_matching(actor=request.user, payment_ids=ids, trigger="manual")
    except BusinessError as exc:
        return _after_action(request, payment_id=0, stay=False, errors=error_lines(exc))
    return _after_action(request, payment_id=0, stay=False,
                         notice=f"Matching run {run.pk} over {run.payments} payment{'s' if run.payments != 1 else ''}: "
                                f"{run.applied} applied, {run.suggested} suggested, {run.unmatched} without a match.")


@require_POST
@page("allocate")
def return_pair(request: HttpRequest, pk: int) -> HttpResponse:
    """Pair a returned payment with the payment it returns (chosen among those of its amount)."""
    raw = (request.POST.get("payment") or "").strip()
    try:
        if not raw.isdigit() or len(raw) > 12:
            raise BusinessError("payment: choose the payment this return is the return of",
                                fields=[{"field": "payment", "message": "choose a payment"}])
        ret = returns.pair_return(actor=request.user, return_id=pk, payment_id=int(raw),
                                  note=(request.POST.get("note") or "").strip()[:300])
    except BusinessError as exc:
        messages.error(request, f"Nothing was changed: {'; '.join(_worded(exc))}")
    else:
        label = ret.payment.label if ret.payment else ""
        messages.success(request, f"Return paired: payment {label} is reversed and the invoices it paid are open "
                                  "again.")
    return redirect(reverse("web:cash-workbench") + "#returns")


@require_POST
@page("allocate")
def return_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """Dismiss a returned payment that concerns no payment received, with a note."""
    try:
        returns.dismiss_return(actor=request.user, return_id=pk, note=(request.POST.get("note") or "")[:300])
    except BusinessError as exc:
        messages.error(request, f"Nothing was changed: {'; '.join(_worded(exc))}")
    else:
        messages.success(request, "Return dismissed.")
    return redirect(reverse("web:cash-workbench") + "#returns")
