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
from credere.cashapp.services import runs
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
            try:
                result = statement_service.import_statement(actor=request.user, data=upload.read(), filename=name,
                                                            company=company)
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
                return redirect("web:cash-file", pk=result.file.pk)
    today = timezone.localdate()
    return render(request, "cashapp/statements.html", {"files": list(statement_reads.statement_files()[:50]),
        "runs": with_tones(statement_reads.runs(15)), "errors": errors, "companies": workbench_reads.companies(),
        "company_code": company_code, "may_import": can(request.user, "import_statements"),
        "summary": statement_reads.summary(today=today), "today": today,
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


@page("export_data")
def statement_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file exactly as it was uploaded."""
    file = statement_reads.statement_file(pk, content=True)
    if file is None:
        return not_found(request, f"statement file with id {pk}")
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
