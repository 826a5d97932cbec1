"""Bank statements in: upload a file, see its transactions and what matching made of them."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from credere.cashapp.models import StatementFile
from credere.cashapp.selectors import statements as statement_reads
from credere.cashapp.selectors import workbench as workbench_reads
from credere.cashapp.services import runs, statement_uploads
from credere.cashapp.services import statements as statement_service
from credere.cashapp.views.common import error_lines, not_found, with_tones
from credere.core.errors import BusinessError
from credere.identity.authz import authorize, can
from credere.web.access import page
from credere.web.forms import FormErrors


@page("view_ledger")
def statements(request: HttpRequest) -> HttpResponse:
    errors = FormErrors(known=frozenset({"file", "company"}))
    company_code = ""
    strict = request.method == "POST" and request.POST.get("strict") == "1"
    if request.method == "POST":
        authorize(request.user, "import_statements")
        company_code = (request.POST.get("company") or "").strip()[:20]
        company = workbench_reads.company(company_code)
        upload = request.FILES.get("file")
        if company_code and company is None:
            errors.add("company", f"There is no company with code '{company_code}'.")
        elif upload is None:
            errors.add("file", "Choose a bank statement file (camt.053/052/054, MT940/MT942, BAI2 or CSV).")
        else:
            name = PurePath((upload.name or "statement").replace("\\", "/")).name[:255] or "statement"
            data = upload.read()
            try:
                if len(data) > statement_uploads.background_threshold():
                    statement_uploads.queue(actor=request.user, data=data, filename=name, company=company,
                                            strict=strict)
                    messages.success(request, f"{name} ({len(data) / 1048576:.1f} MB) is being imported in the "
                                              "background: it appears under Imported files when it is done, and "
                                              "here below if it is refused.")
                    return redirect("web:cash-statements")
                result = statement_service.import_statement(actor=request.user, data=data, filename=name,
                                                            company=company, strict=strict)
            except BusinessError as exc:
                errors.add_general(str(exc))
            else:
                text = (f"{name}: {result.statements} statement{'s' if result.statements != 1 else ''}, "
                        f"{result.new} new transaction{'s' if result.new != 1 else ''}, "
                        f"{result.known} already known (skipped), {len(result.payments)} payment"
                        f"{'s' if len(result.payments) != 1 else ''} recorded.")
                if result.payments:
                    text += " Matching runs in the background."
                messages.success(request, text)
                if result.flagged:
                    several = len(result.flagged) != 1
                    messages.warning(request, f"{len(result.flagged)} statement{'s' if several else ''} of this file "
                                              f"do{'' if several else 'es'} not add up: its transactions were "
                                              "imported; see the difference below and acknowledge it once you know "
                                              "why.")
                return redirect("web:cash-file", pk=result.file.pk)
    today = timezone.localdate()
    return render(request, "cashapp/statements.html", {"files": list(statement_reads.statement_files()[:50]),
        "runs": with_tones(statement_reads.runs(15)), "errors": errors, "companies": workbench_reads.companies(),
        "company_code": company_code, "may_import": can(request.user, "import_statements"), "strict": strict,
        "summary": statement_reads.summary(today=today), "today": today,
        "uploads": statement_uploads.recent(request.user),
    }, status=422 if errors else 200)


def _file_context(request: HttpRequest, file: StatementFile) -> dict[str, Any]:
    transactions: list[Any] = with_tones(statement_reads.file_transactions(file))
    incoming = [t for t in transactions if t.payment_id]
    return {
        "file": file, "transactions": transactions, "pending": statement_reads.file_pending(file),
        "runs": with_tones(statement_reads.runs(10, file)),
        "counts": {s: len([t for t in incoming if t.status == s])
                   for s in ("applied", "partly applied", "suggested", "unmatched", "on account", "pending")},
        "may_match": can(request.user, "import_statements"),
    }


@page("view_ledger")
def statement_file(request: HttpRequest, pk: int) -> HttpResponse:
    file = statement_reads.statement_file(pk)
    if file is None:
        return not_found(request, f"statement file with id {pk}")
    ctx = _file_context(request, file)
    ctx.update({"statements": statement_reads.file_statements(file)})
    return render(request, "cashapp/file.html", ctx)


@require_POST
@page("import_statements")
def statement_acknowledge(request: HttpRequest, pk: int, statement_pk: int) -> HttpResponse:
    """A clerk acknowledges the difference of a statement that does not add up, with a note."""
    file = statement_reads.statement_file(pk)
    if file is None:
        return not_found(request, f"statement file with id {pk}")
    note = request.POST.get("note") or ""
    try:
        statement_service.acknowledge_statement(actor=request.user, statement_id=statement_pk, file_id=file.pk,
                                                note=note)
    except BusinessError as exc:
        if exc.status == 404:
            return not_found(request, f"statement with id {statement_pk} in this file")
        note_errors = [f["message"] for f in exc.fields if f.get("field") == "note"]
        if not note_errors:  # already acknowledged, or nothing to acknowledge: the page says how it stands
            messages.error(request, " ".join(error_lines(exc)))
            return redirect("web:cash-file", pk=file.pk)
        ctx = _file_context(request, file)
        ctx.update({"statements": statement_reads.file_statements(file), "ack_statement": statement_pk,
                    "ack_note": note[:2000], "ack_error": note_errors[0]})
        return render(request, "cashapp/file.html", ctx, status=422)
    messages.success(request, "The difference is acknowledged; your note is kept in the audit trail.")
    return redirect("web:cash-file", pk=file.pk)


@page("export_data")
def statement_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file exactly as it was uploaded."""
    file = statement_reads.statement_file(pk, content=True)
    if file is None:
        return not_found(request, f"statement file with id {pk}")
    if not file.content:
        return render(request, "web/404.html", {"message": f"The bytes of {file.filename or 'this file'} were deleted "
                      "when its retention period ended (CREDERE_RETENTION_STATEMENT_YEARS); its transactions are "
                      "kept."}, status=410)
    name = file.filename or f"statement-{file.pk}"
    response = HttpResponse(bytes(file.content), content_type="application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@page("view_ledger")
def statement_file_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The file's transactions and runs, polled every 2 s while matching has not finished."""
    file = statement_reads.statement_file(pk)
    if file is None:
        return not_found(request, f"statement file with id {pk}")
    return render(request, "cashapp/_file_status.html", _file_context(request, file))


@require_POST
@page("import_statements")
def statement_file_match(request: HttpRequest, pk: int) -> HttpResponse:
    file = statement_reads.statement_file(pk)
    if file is None:
        return not_found(request, f"statement file with id {pk}")
    try:
        run = runs.run_matching(actor=request.user, payment_ids=statement_reads.file_payment_ids(file), trigger="manual",
                                statement_file=file)
    except BusinessError as exc:
        messages.error(request, " ".join(error_lines(exc)))
    else:
        messages.success(request, f"Matching run {run.pk}: {run.applied} applied, {run.suggested} suggested, "
                                  f"{run.unmatched} without a match (of {run.payments} open payments).")
    return redirect("web:cash-file", pk=file.pk)
