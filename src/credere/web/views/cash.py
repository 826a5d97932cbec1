"""Cash application in the browser: statements in, the workbench of open payments, the policy.

Every write goes through :mod:`credere.cashapp.services` (authorised, audited, in one
transaction); the views only read the form and show what the service said. The workbench
answers htmx requests with the fragment to swap (queue and panel) and plain form posts with
a redirect, so it works without scripts too.
"""

from __future__ import annotations

import functools
import inspect
import re
from decimal import Decimal
from pathlib import PurePath
from typing import Any
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from credere.cashapp import selectors as cash
from credere.cashapp import services
from credere.cashapp.models import MatchProposal, Statement, StatementFile
from credere.cashapp.policies import SETTINGS
from credere.core.errors import BusinessError
from credere.domain.matching import MatchingPolicy
from credere.domain.matching import reasons as R
from credere.identity.authz import authorize, can
from credere.ledger.models import Company, Customer, OpenItem, Payment
from credere.ledger.params import Params
from credere.web import formatting
from credere.web.access import is_htmx, page

#: Payments listed in the queue at first, and at most (each "Show more" adds QUEUE_SHOWN).
QUEUE_SHOWN = 100
QUEUE_MOST = 2000

#: Plain words for the engine's reason codes (the domain's own table when it has one).
REASON_TEXT: dict[str, str] = R.REASON_TEXT
WARN_REASONS = {"AMBIGUOUS", "PAYER_MISMATCH", "SEVERAL_CUSTOMERS", "NO_AMOUNT_MATCH", "NO_CANDIDATES",
                "NOT_A_RECEIPT", "PARTIAL_PAYMENT", "OVERPAYMENT", "DEDUCTION"}
STATUS_TONES = {"applied": "ok", "accepted": "ok", "manual": "ok", "partly applied": "info", "suggested": "info",
                "unmatched": "warn", "on account": "neutral", "pending": "neutral", "undone": "bad",
                "superseded": "neutral", "running": "info", "done": "ok", "failed": "bad"}

#: What each setting of the matching policy means (from ``MatchingPolicy``'s field comments).
POLICY_HELP: dict[str, str] = {
    "auto_apply_confidence": "Proposals at or above this confidence (0 to 1) are applied without a clerk; "
                             "below it they wait in the workbench as suggestions.",
    "tolerance_currency": "Currency of the absolute tolerances below (converted to the payment's currency with "
                          "the rate table).",
    "deduction_max_amount": "A short payment is accepted as a deduction (applied, and the difference flagged on "
                            "the item) up to this amount…",
    "deduction_max_ratio": "…and up to this share of the item (0.02 = 2 %); both ceilings must hold.",
    "bank_charge_max_amount": "A short payment up to this amount is explained as bank charges.",
    "discount_grace_days": "A cash discount is still accepted this many days after the discount period ended.",
    "max_candidates": "How many open items of one payer (oldest due first) are considered for a combination.",
    "max_combination_size": "The most items one payment may be combined from.",
    "max_search_nodes": "Search budget (visited nodes) of one combination search; keeps a run fast.",
    "min_reference_length": "References: the fewest significant characters a document number must have to count.",
    "min_fuzzy_reference_length": "References: the fewest characters for a near (fuzzy) match.",
    "max_truncation": "A reference the bank cut short may miss up to this many trailing characters.",
    "max_credit_notes": "Open credit notes of a payer tried for netting against its invoices (each alone, then all "
                        "together), oldest first.",
    "amount_only_window_days": "When only the amount points to items and several have it, the one due within this "
                               "many days of the payment is suggested.",
    "name_min_score": "Payer names: similarity score (0–100) needed for a near name match.",
    "weight_reference_exact": "Evidence weight of an exact document reference (probability it alone is right); "
                              "weights combine by noisy-OR.",
    "weight_reference_fuzzy": "Evidence weight of a near document reference.",
    "weight_payer_account": "Evidence weight of a known payer bank account.",
    "weight_payer_name_exact": "Evidence weight of the payer's name matching a customer exactly.",
    "weight_payer_name_fuzzy": "Evidence weight of a near payer name.",
    "weight_payer_reference": "Evidence weight of a reference the payer used before that names them (their "
                              "customer or contract number), learned from clerks' matches.",
    "weight_amount_exact": "Evidence weight of an exact amount.",
    "weight_amount_discount": "Evidence weight of an amount that equals the item less its cash discount.",
    "weight_amount_tolerance": "Evidence weight of an amount within the deduction or bank-charge tolerance.",
    "weight_combination_unique": "Evidence weight of the only combination of items that adds up to the amount.",
    "weight_combination_ambiguous": "Evidence weight of a combination when several add up to the amount.",
    "weight_credit_note_netted": "Evidence weight of a payer's invoices less its credit notes explaining the "
                                 "amount exactly.",
    "weight_amount_only": "Evidence weight when neither payer nor reference is found but exactly one open item has "
                          "the amount (a hint for the clerk, never applied alone at the default threshold).",
    "payer_conflict_factor": "Confidence is multiplied by this when the referenced items belong to another "
                             "customer than the identified payer.",
    "learn_within_batch": "Learn payer accounts and names from confident proposals within the same run.",
    "legal_forms": "Words ignored when comparing names (legal forms and fillers), separated by spaces or commas.",
    "abbreviations": "Abbreviations expanded before names are compared, one per line: short = long.",
}


def _not_found(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "web/404.html", {"message": f"There is no {what}."}, status=404)


def _error_lines(exc: BusinessError) -> list[str]:
    """The service's message, then each field it names (if the message does not already say it)."""
    out = [str(exc)]
    for f in exc.fields or []:
        text = f"{f.get('field', '')}: {f.get('message', '')}".strip(": ")
        if text and text not in out[0]:
            out.append(text)
    return out


def reason_text(code: str) -> str:
    return REASON_TEXT.get(code, code.replace("_", " ").capitalize())


def _reasons(codes: list[str]) -> list[dict[str, str]]:
    return [{"code": c, "text": reason_text(c), "tone": "warn" if c in WARN_REASONS else "ok"} for c in codes or []]


# --------------------------------------------------------------------------- statements


@page("view_ledger")
def statements(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    company_code = ""
    if request.method == "POST":
        authorize(request.user, "import_statements")
        company_code = (request.POST.get("company") or "").strip()[:20]
        company = Company.objects.filter(code=company_code).first() if company_code else None
        upload = request.FILES.get("file")
        if company_code and company is None:
            errors.append(f"company: no company with code '{company_code}'")
        elif upload is None:
            errors.append("file: choose a bank statement file (camt.053/052/054, MT940/MT942, BAI2 or CSV)")
        else:
            name = PurePath((upload.name or "statement").replace("\\", "/")).name[:255] or "statement"
            try:
                result = services.import_statement(actor=request.user, data=upload.read(), filename=name,
                                                   company=company)
            except BusinessError as exc:
                errors.extend(_error_lines(exc))
            else:
                text = (f"{name}: {result.statements} statement{'s' if result.statements != 1 else ''}, "
                        f"{result.new} new transaction{'s' if result.new != 1 else ''}, "
                        f"{result.known} already known (skipped), {len(result.payments)} payment"
                        f"{'s' if len(result.payments) != 1 else ''} recorded.")
                if result.payments:
                    text += " Matching runs in the background."
                messages.success(request, text)
                return redirect("web:cash-file", pk=result.file.pk)
    today = timezone.localdate()
    return render(request, "web/cash/statements.html", { "files": list(cash.statement_files()[:50]),
        "runs": _runs(cash.runs(15)), "errors": errors, "companies": list(Company.objects.order_by("code")),
        "company_code": company_code, "may_import": can(request.user, "import_statements"),
        "summary": cash.summary(today=today), "today": today,
    }, status=422 if errors else 200)


def _runs(runs: list[Any]) -> list[Any]:
    for r in runs:
        r.tone = STATUS_TONES.get(r.status, "neutral")
    return runs


def _file_context(request: HttpRequest, file: StatementFile) -> dict[str, Any]:
    transactions: list[Any] = cash.file_transactions(file)
    for t in transactions:
        t.tone = STATUS_TONES.get(t.status, "neutral")
    pending = cash.file_pending(file)
    incoming = [t for t in transactions if t.payment_id]
    return {
        "file": file, "transactions": transactions, "pending": pending, "runs": _runs(cash.runs(10, file)),
        "counts": {s: len([t for t in incoming if t.status == s])
                   for s in ("applied", "partly applied", "suggested", "unmatched", "on account", "pending")},
        "may_match": can(request.user, "import_statements"),
    }


@page("view_ledger")
def statement_file(request: HttpRequest, pk: int) -> HttpResponse:
    file = StatementFile.objects.defer("content").select_related("uploaded_by").filter(pk=pk).first()
    if file is None:
        return _not_found(request, f"statement file with id {pk}")
    ctx = _file_context(request, file)
    ctx.update({"statements": list(Statement.objects.filter(file=file).select_related("bank_account__company"))})
    return render(request, "web/cash/file.html", ctx)


@page("export_data")
def statement_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file exactly as it was uploaded."""
    file = StatementFile.objects.filter(pk=pk).first()
    if file is None:
        return _not_found(request, f"statement file with id {pk}")
    name = file.filename or f"statement-{file.pk}"
    response = HttpResponse(bytes(file.content), content_type="application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@page("view_ledger")
def statement_file_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The file's transactions and runs, polled every 2 s while matching has not finished."""
    file = StatementFile.objects.defer("content").filter(pk=pk).first()
    if file is None:
        return _not_found(request, f"statement file with id {pk}")
    return render(request, "web/cash/_file_status.html", _file_context(request, file))


@require_POST
@page("import_statements")
def statement_file_match(request: HttpRequest, pk: int) -> HttpResponse:
    file = StatementFile.objects.defer("content").filter(pk=pk).first()
    if file is None:
        return _not_found(request, f"statement file with id {pk}")
    try:
        run = services.run_matching(actor=request.user, payment_ids=cash.file_payment_ids(file), trigger="manual",
                                    statement_file=file)
    except BusinessError as exc:
        messages.error(request, " ".join(_error_lines(exc)))
    else:
        messages.success(request, f"Matching run {run.pk}: {run.applied} applied, {run.suggested} suggested, "
                                  f"{run.unmatched} without a match (of {run.payments} open payments).")
    return redirect("web:cash-file", pk=file.pk)


# --------------------------------------------------------------------------- the workbench


def _filters(request: HttpRequest, source: Any = None) -> tuple[cash.QueueFilters, list[str], str]:
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
    min_amount = cash.parse_amount(min_raw) if min_raw else None
    if min_raw and min_amount is None:
        p.errors.append(f"min: '{min_raw}' is not an amount")
    q = p.text("q", 80)
    shown = p.integer("show", QUEUE_SHOWN, QUEUE_MOST) or QUEUE_SHOWN
    f = cash.QueueFilters(company=company, currency=currency, min_amount=min_amount, q=q, shown=shown)
    qs = urlencode({k: v for k, v in (("company", company.code if company else ""), ("currency", currency),
                                      ("min", min_raw if min_amount is not None else ""), ("q", q),
                                      ("show", str(shown) if shown != QUEUE_SHOWN else "")) if v})
    return f, p.errors, qs


def _workbench_context(request: HttpRequest, f: cash.QueueFilters, qs: str, selected_id: int | None,
                       *, errors: list[str] | None = None, notice: str = "") -> dict[str, Any]:
    today = timezone.localdate()
    queue = cash.queue(f, today=today)
    ids = cash.queue_ids(queue)
    entries: list[Any] = list(queue[:f.shown])
    if selected_id is None or (selected_id not in ids and not Payment.objects.filter(pk=selected_id).exists()):
        selected_id = ids[0] if ids else None
    extra = None
    if selected_id is not None and selected_id not in {e.pk for e in entries}:
        extra = queue.filter(pk=selected_id).first()
        if extra is not None:
            entries.append(extra)
    for e in entries:
        e.age_days = (today - e.received_on).days
        e.age = cash.age_label(e.age_bucket)
        e.selected = e.pk == selected_id
        e.confidence_text = formatting.percent(Decimal(e.confidence) * 100, 1) if e.confidence is not None else ""
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
    more = ""
    if len(ids) > len(entries) and f.shown < QUEUE_MOST:
        more = urlencode({k: v for k, v in QueryDict(qs).items() if k != "show"} | {"show": str(f.shown + QUEUE_SHOWN)})
    return {"groups": groups, "total": len(ids), "shown": len(entries), "qs": qs, "selected_id": selected_id,
            "more": more, "step": QUEUE_SHOWN,
            "errors": errors or [], "notice": notice, **panel}


def _panel_context(request: HttpRequest, payment_id: int, qs: str, next_id: int | None) -> dict[str, Any]:
    pay = Payment.objects.select_related("company", "customer").filter(pk=payment_id).first()
    if pay is None:
        return {}
    proposal = cash.open_proposal(pay)
    matches = cash.applied_matches(pay)
    kept = cash.on_account(pay)
    identified = (proposal.customer if proposal is not None and proposal.customer_id else None) or pay.customer
    candidates: dict[str, str] = {}
    if identified is not None:
        candidates[identified.account_number] = identified.name
    if proposal is not None:
        for line in proposal.lines.all():
            candidates.setdefault(line.item.customer.account_number, line.item.customer.name)
    words = [w for w in (pay.payer_name or "").split() if len(w) > 3][:1]
    if words:
        for acct, name in Customer.objects.filter(name__icontains=words[0]).values_list(
                "account_number", "name")[:20]:
            candidates.setdefault(acct, name)
    return {
        "pay": pay, "proposal": proposal, "reasons": _reasons(proposal.reasons) if proposal else [],
        "confidence": formatting.percent(Decimal(proposal.confidence) * 100, 1) if proposal else "",
        "matches": [{"m": m, "reasons": _reasons(m.reasons)} for m in matches], "kept": kept,
        "tx": cash.bank_transaction(pay), "remittance": cash.remittance_lines(pay),
        "identified": identified, "candidates": sorted(candidates.items(), key=lambda kv: kv[1]),
        "status": cash.payment_status(pay, proposal.status if proposal else None, kept is not None, bool(matches)),
        "next_id": next_id, "may_allocate": can(request.user, "allocate"),
        "may_match": can(request.user, "import_statements"),
    }


def _selected(request: HttpRequest, name: str = "payment") -> int | None:
    raw = (request.GET.get(name) or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@page("view_ledger")
def workbench(request: HttpRequest) -> HttpResponse:
    f, errors, qs = _filters(request)
    ctx = _workbench_context(request, f, qs, _selected(request), errors=errors)
    if is_htmx(request) and request.GET.get("fragment") == "workbench":
        return render(request, "web/cash/_workbench.html", ctx)
    today = timezone.localdate()
    ctx.update({"f": f, "companies": list(Company.objects.order_by("code")),
                "currencies": cash.queue_currencies(), "summary": cash.summary(today=today), "ranking": cash.RANKING,
                "min_raw": request.GET.get("min", "")[:30]})
    return render(request, "web/cash/workbench.html", ctx)


@page("view_ledger")
def workbench_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The right-hand panel for one payment (loaded by htmx; a plain visit opens the workbench on it)."""
    if not is_htmx(request):
        _f, _e, qs = _filters(request)
        return redirect(f"{reverse('web:cash-workbench')}?{qs}{'&' if qs else ''}payment={pk}")
    f, _errors, qs = _filters(request)
    ids = cash.queue_ids(cash.queue(f, today=timezone.localdate()))
    nxt = ids[ids.index(pk) + 1] if pk in ids and ids.index(pk) + 1 < len(ids) else None
    ctx = _panel_context(request, pk, qs, nxt)
    if not ctx:
        return _not_found(request, f"payment with id {pk}")
    ctx["qs"] = qs
    return render(request, "web/cash/_panel.html", ctx)


@page("view_ledger")
def workbench_items(request: HttpRequest, pk: int) -> HttpResponse:
    """Open items to match by hand: by document number, customer or amount, across customers."""
    pay = Payment.objects.filter(pk=pk).first()
    if pay is None:
        return _not_found(request, f"payment with id {pk}")
    q = (request.GET.get("q") or "").strip()[:60]
    chosen = [int(x) for x in request.GET.getlist("chosen") if x.isdigit() and len(x) < 12]
    found = cash.search_items(q, company=pay.company, exclude=chosen)
    return render(request, "web/cash/_items.html", {"items": found, "q": q, "pay": pay})


def _after_action(request: HttpRequest, *, payment_id: int, stay: bool, notice: str = "",
                  errors: list[str] | None = None) -> HttpResponse:
    """Answer a workbench action: the next payment selected (or this one again on an error)."""
    f, _e, qs = _filters(request, request.POST.get("qs", ""))
    ids = cash.queue_ids(cash.queue(f, today=timezone.localdate()))
    raw_next = (request.POST.get("next") or "").strip()
    wanted: int | None
    if errors or (stay and payment_id in ids):
        wanted = payment_id
    elif raw_next.isdigit() and int(raw_next) in ids:
        wanted = int(raw_next)
    else:
        wanted = ids[0] if ids else None
    if is_htmx(request):
        ctx = _workbench_context(request, f, qs, wanted, errors=errors, notice=notice)
        return render(request, "web/cash/_workbench.html", ctx)
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
    proposal = MatchProposal.objects.select_related("payment").filter(pk=pk).first()
    if proposal is None:
        return _not_found(request, f"proposal with id {pk}")
    pay = proposal.payment
    try:
        services.accept_proposal(actor=request.user, proposal_id=pk)
    except BusinessError as exc:
        return _after_action(request, payment_id=pay.pk, stay=True, errors=_error_lines(exc))
    pay.refresh_from_db()
    items = ", ".join(line.item.document_number for line in proposal.lines.select_related("item"))
    return _after_action(request, payment_id=pay.pk, stay=False,
                         notice=f"Accepted: {pay.reference} applied to {items}; "
                                f"{_money(pay.unapplied_amount, pay.currency)} left unapplied.")


def _manual_lines(request: HttpRequest) -> tuple[list[services.ManualLine], list[str]]:
    lines: list[services.ManualLine] = []
    errors: list[str] = []
    ids = [raw for raw in request.POST.getlist("item") if raw.isdigit() and len(raw) <= 12]
    numbers = dict(OpenItem.objects.filter(pk__in=[int(x) for x in ids]).values_list("pk", "document_number"))
    for raw in request.POST.getlist("item"):
        if raw not in ids:
            errors.append(f"item: '{raw[:20]}' is not an item id")
            continue
        label = numbers.get(int(raw), f"item {raw}")
        amount = cash.parse_amount(request.POST.get(f"amount_{raw}", ""))
        deduction_raw = (request.POST.get(f"deduction_{raw}") or "").strip()
        deduction = cash.parse_amount(deduction_raw) if deduction_raw else Decimal(0)
        if amount is None:
            errors.append(f"amount for {label}: give the amount to apply, for example 1234.50")
        elif deduction is None:
            errors.append(f"deduction for {label}: '{deduction_raw[:20]}' is not an amount")
        else:
            lines.append(services.ManualLine(item_id=int(raw), amount=amount, deduction=deduction))
    if not lines and not errors:
        errors.append("items: tick at least one open item to apply the payment to")
    return lines, errors


@require_POST
@page("allocate")
def manual_match(request: HttpRequest, pk: int) -> HttpResponse:
    pay = Payment.objects.filter(pk=pk).first()
    if pay is None:
        return _not_found(request, f"payment with id {pk}")
    lines, errors = _manual_lines(request)
    if errors:
        return _after_action(request, payment_id=pk, stay=True, errors=errors)
    try:
        proposal = services.manual_match(actor=request.user, payment_id=pk, lines=lines,
                                         note=(request.POST.get("note") or "").strip()[:300])
    except BusinessError as exc:
        return _after_action(request, payment_id=pk, stay=True, errors=_error_lines(exc))
    pay.refresh_from_db()
    items = ", ".join(line.item.document_number for line in proposal.lines.select_related("item"))
    left = pay.unapplied_amount
    return _after_action(request, payment_id=pk, stay=left > 0,
                         notice=f"Matched by hand: {pay.reference} applied to {items}; "
                                f"{_money(left, pay.currency)} left unapplied.")


@require_POST
@page("allocate")
def put_on_account(request: HttpRequest, pk: int) -> HttpResponse:
    pay = Payment.objects.filter(pk=pk).first()
    if pay is None:
        return _not_found(request, f"payment with id {pk}")
    account = (request.POST.get("customer") or "").strip()[:40]
    customer = Customer.objects.filter(account_number=account).first() if account else None
    if customer is None:
        msg = f"customer: no customer with account number '{account}'" if account else \
            "customer: give the account number of the customer to keep the money for"
        return _after_action(request, payment_id=pk, stay=True, errors=[msg])
    try:
        services.put_on_account(actor=request.user, payment_id=pk, customer=customer,
                                note=(request.POST.get("note") or "").strip()[:300])
    except BusinessError as exc:
        return _after_action(request, payment_id=pk, stay=True, errors=_error_lines(exc))
    return _after_action(request, payment_id=pk, stay=False,
                         notice=f"{pay.reference} kept on account for {customer.name} ({customer.account_number}).")


@require_POST
@page("allocate")
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = MatchProposal.objects.select_related("payment").filter(pk=pk).first()
    if proposal is None:
        return _not_found(request, f"proposal with id {pk}")
    pay = proposal.payment
    try:
        services.undo_match(actor=request.user, proposal_id=pk, reason=(request.POST.get("reason") or "").strip())
    except BusinessError as exc:
        return _after_action(request, payment_id=pay.pk, stay=True, errors=_error_lines(exc))
    pay.refresh_from_db()
    return _after_action(request, payment_id=pay.pk, stay=True,
                         notice=f"Undone: the match of {pay.reference} is reversed; "
                                f"{_money(pay.unapplied_amount, pay.currency)} is unapplied again.")


@require_POST
@page("allocate")
def release_on_account(request: HttpRequest, pk: int) -> HttpResponse:
    pay = Payment.objects.filter(pk=pk).first()
    if pay is None:
        return _not_found(request, f"payment with id {pk}")
    try:
        services.release_on_account(actor=request.user, payment_id=pk, reason="back to the workbench")
    except BusinessError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("web:payment", args=[pk]))
    messages.success(request, f"{pay.reference} is back in the workbench.")
    return redirect(f"{reverse('web:cash-workbench')}?payment={pk}")


@require_POST
@page("edit_customers")
def add_bank_account(request: HttpRequest, pk: int) -> HttpResponse:
    customer = Customer.objects.filter(pk=pk).first()
    if customer is None:
        return _not_found(request, f"customer with id {pk}")
    try:
        row = services.add_customer_bank_account(actor=request.user, customer=customer,
                                                 account=(request.POST.get("account") or "")[:80])
    except BusinessError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Bank account {row.account} recorded for {customer.name}: payments from it "
                                  "are recognised as theirs.")
    return redirect(reverse("web:customer", args=[pk]) + "#payers")


@require_POST
@page("import_statements")
def match_payment(request: HttpRequest, pk: int) -> HttpResponse:
    pay = Payment.objects.filter(pk=pk).first()
    if pay is None:
        return _not_found(request, f"payment with id {pk}")
    try:
        run = services.run_matching(actor=request.user, payment_ids=[pk], trigger="manual")
    except BusinessError as exc:
        return _after_action(request, payment_id=pk, stay=True, errors=_error_lines(exc))
    return _after_action(request, payment_id=pk, stay=True,
                         notice=f"Matching run {run.pk}: {run.applied} applied, {run.suggested} suggested, "
                                f"{run.unmatched} without a match.")


# --------------------------------------------------------------------------- the policy


@functools.cache
def _field_comments() -> dict[str, str]:
    """The ``#:`` comment above each field of ``MatchingPolicy`` (for a setting added after ``POLICY_HELP``)."""
    out: dict[str, str] = {}
    pending: list[str] = []
    try:
        source = inspect.getsource(MatchingPolicy)
    except (OSError, TypeError):
        return out
    for line in source.splitlines():
        text = line.strip()
        if text.startswith("#:"):
            pending.append(text[2:].strip())
            continue
        name = re.match(r"^(\w+)\s*:", text)
        if name and pending:
            out[name.group(1)] = " ".join(pending)
        pending = []
    return out


def _policy_fields(settings: dict[str, Any]) -> list[dict[str, Any]]:
    defaults = MatchingPolicy()
    out = []
    for key in SETTINGS:
        default = getattr(defaults, key)
        value = settings.get(key, "")
        if isinstance(default, bool):
            kind, shown = "bool", "true" if value in (True, "true") else "false"
        elif key == "abbreviations":
            kind = "lines"
            shown = "\n".join(f"{k} = {v}" for k, v in (value.items() if isinstance(value, dict) else value))
        elif isinstance(default, tuple):
            kind, shown = "words", " ".join(value)
        else:
            kind, shown = "text", str(value)
        out.append({"key": key, "label": key.replace("_", " ").capitalize(), "help": POLICY_HELP.get(key) or _field_comments().get(key, ""),
                    "kind": kind, "value": shown})
    return out


def _policy_form(request: HttpRequest) -> tuple[dict[str, Any], list[str]]:
    """Posted settings as the service takes them; abbreviations become an object."""
    settings: dict[str, Any] = {}
    errors: list[str] = []
    for key in SETTINGS:
        if key not in request.POST:
            continue
        raw = str(request.POST.get(key, "")).strip()
        if key == "abbreviations":
            pairs: dict[str, str] = {}
            for n, line in enumerate(raw.splitlines(), start=1):
                if not line.strip():
                    continue
                short, sep, long = line.partition("=")
                if not sep or not short.strip() or not long.strip():
                    errors.append(f"abbreviations, line {n}: write 'short = long' ('{line.strip()[:40]}')")
                    continue
                pairs[short.strip()] = long.strip()
            settings[key] = pairs
        else:
            settings[key] = raw
    return settings, errors


@page("view_ledger")
def policy(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    note = ""
    posted: dict[str, Any] | None = None
    if request.method == "POST":
        authorize(request.user, "edit_matching_policy")
        note = (request.POST.get("note") or "").strip()[:300]
        settings, errors = _policy_form(request)
        posted = dict(request.POST.items())
        if not note:
            errors.append("note: say why the policy changes (it is kept with the version)")
        if not errors:
            try:
                version = services.set_policy(actor=request.user, settings=settings, note=note)
            except BusinessError as exc:
                errors.extend(_error_lines(exc))
            else:
                messages.success(request, f"Matching policy version {version.version} is in force.")
                return redirect("web:cash-policy")
    current = cash.policy_in_force()
    fields = _policy_fields(current.settings)
    if posted is not None:
        for fld in fields:
            if fld["key"] in posted:
                fld["value"] = posted[fld["key"]]
    return render(request, "web/cash/policy.html", { "current": current, "fields": fields,
        "history": cash.policy_history(), "errors": errors, "note": note,
        "may_edit": can(request.user, "edit_matching_policy"),
    }, status=422 if errors else 200)


from django.urls import path  # noqa: E402  (interim: these pages move to cashapp)

urlpatterns = [
    path("cash/statements/", statements, name="cash-statements"),
    path("cash/statements/<int:pk>/", statement_file, name="cash-file"),
    path("cash/statements/<int:pk>/status/", statement_file_status, name="cash-file-status"),
    path("cash/statements/<int:pk>/download/", statement_file_download, name="cash-file-download"),
    path("cash/statements/<int:pk>/match/", statement_file_match, name="cash-file-match"),
    path("cash/workbench/", workbench, name="cash-workbench"),
    path("cash/workbench/payments/<int:pk>/", workbench_panel, name="cash-panel"),
    path("cash/workbench/payments/<int:pk>/items/", workbench_items, name="cash-items"),
    path("cash/workbench/payments/<int:pk>/match/", manual_match, name="cash-manual-match"),
    path("cash/workbench/payments/<int:pk>/on-account/", put_on_account, name="cash-on-account"),
    path("cash/workbench/payments/<int:pk>/run/", match_payment, name="cash-match-payment"),
    path("cash/workbench/proposals/<int:pk>/accept/", accept, name="cash-accept"),
    path("cash/workbench/proposals/<int:pk>/undo/", undo, name="cash-undo"),
    path("cash/policy/", policy, name="cash-policy"),
    path("cash/customers/<int:pk>/bank-accounts/", add_bank_account, name="cash-customer-account"),
    path("cash/workbench/payments/<int:pk>/release/", release_on_account, name="cash-release"),
]
