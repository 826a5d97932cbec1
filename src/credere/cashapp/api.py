"""Cash application endpoints, mounted at /api/v1/cash.

* ``POST /cash/statements`` — import a bank statement (multipart field ``file``); matching
  follows in the background. A big file is imported by the worker (202, then
  ``GET /cash/statement-uploads/{id}``). ``POST /cash/statements/parse`` shows what a file holds.
* ``GET /cash/statements[/{file_id}]``, ``GET /cash/transactions`` — what was imported; a
  statement whose figures do not add up is flagged, and ``POST /cash/statements/{file_id}/
  statements/{statement_id}/acknowledge`` records that a clerk has looked at its difference.
* ``POST /cash/runs``, ``GET /cash/runs[/{id}]`` — matching runs.
* ``GET /cash/proposals`` and ``POST /cash/proposals/{id}/accept|undo`` — the workbench.
* ``POST /cash/payments/{id}/match|on-account`` — a clerk's own match, or keep on account.
* ``GET/PUT /cash/policy`` — the matching policy (versioned, audited).
* ``POST /cash/remittances`` — remittance advices (CSV/XLSX).
* ``GET /cash/returns``, ``POST /cash/returns/{id}/pair|dismiss`` — payments the bank sent back.
"""


import uuid
from decimal import Decimal
from pathlib import PurePath
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import StringConstraints

from credere.cashapp.models import (
    BankTransaction,
    MatchProposal,
    MatchRun,
    PaymentReturn,
    StatementFile,
    StatementUpload,
)
from credere.cashapp.policies import PolicyInForce, policy_in_force
from credere.cashapp.schemas import (
    AcknowledgeIn,
    BankAccountIn,
    MatchIn,
    OnAccountIn,
    PayersOut,
    PaymentReturnOut,
    PolicyIn,
    PolicyOut,
    ProposalFilters,
    ProposalOut,
    RemittanceOut,
    ReturnDismissIn,
    ReturnPairIn,
    RunIn,
    RunOut,
    StatementFileDetailOut,
    StatementFileOut,
    StatementImportOut,
    StatementOut,
    StatementQueuedOut,
    StatementUploadOut,
    TransactionFilters,
    TransactionOut,
    UndoIn,
)
from credere.cashapp.selectors import payers as payer_reads
from credere.cashapp.selectors import returns as return_reads
from credere.cashapp.selectors import statements as statement_reads
from credere.cashapp.selectors import workbench as workbench_reads
from credere.cashapp.services import decisions, learning, remittances, returns, runs, statement_uploads, statements
from credere.cashapp.services import policy as policy_service
from credere.core.api import Page, acting_user
from credere.core.errors import BusinessError
from credere.identity.authz import authorize
from credere.identity.privacy import shown
from credere.ledger.models import Company, Customer

router = Router(tags=["cash application"])

def _company(code: str | None) -> Company | None:
    if not code:
        return None
    company = workbench_reads.company(code)
    if company is None:
        raise BusinessError(f"no company with code {code}", code="not_found", status=404,
                            fields=[{"field": "company", "message": "not found"}])
    return company


def _read(file: UploadedFile) -> bytes:
    if file.size and file.size > statements.MAX_STATEMENT_BYTES:
        raise BusinessError(f"the file is larger than {statements.MAX_STATEMENT_BYTES:,} bytes", code="too_large",
                            status=413, fields=[{"field": "file", "message": "too large"}])
    return bytes(file.read())


# ----------------------------------------------------------------------------- statements


@router.post("/statements", response={201: StatementImportOut, 202: StatementQueuedOut})
def import_statement(request: HttpRequest, file: File[UploadedFile], company: str | None = None,
                     match: bool = True, strict: bool = False, background: bool = False) -> Status[dict[str, Any]]:
    """Import a bank statement (camt.052/053/054, MT940/942, BAI2, CSV; format read from the content).

    Transactions seen before are skipped; incoming money becomes payments, matched in the
    background unless ``match=false``. A file with an error is refused whole (422, naming
    the line or element). A statement whose closing balance or control totals do not match its
    entries is imported and listed in ``flagged_statements``; ``strict=true`` refuses it instead.

    A file over ``CREDERE_BACKGROUND_STATEMENT_BYTES`` (default 2 MB), or any file with
    ``background=true``, is imported by the background worker: 202 with a ``status_url`` to GET
    until ``finished`` (then ``result`` holds what this call answers for a small file, or ``error``
    why the file was refused)."""
    user = acting_user(request)
    authorize(user, "import_statements")
    name = PurePath(file.name or "statement").name
    data = _read(file)
    if background or len(data) > statement_uploads.background_threshold():
        upload = statement_uploads.queue(actor=user, data=data, filename=name, company=_company(company),
                                         match=match, strict=strict, source="api")
        return Status(202, {"upload_id": str(upload.pk), "state": upload.state,
                            "status_url": f"/api/v1/cash/statement-uploads/{upload.pk}"})
    result = statements.import_statement(actor=user, data=data, filename=name, company=_company(company),
                                       match=match, background=True, strict=strict)
    return Status(201, statement_uploads.result_of(result, match=match) | {"file_name": name})


@router.get("/statement-uploads/{upload_id}", response=StatementUploadOut)
def get_statement_upload(request: HttpRequest, upload_id: uuid.UUID) -> dict[str, Any]:
    """A statement file handed to the background worker: its state and, once imported, what the import found
    (or why the file was refused). Only the user who sent it sees it."""
    user = acting_user(request)
    authorize(user, "view_ledger")
    upload = statement_uploads.owned(upload_id, user)
    if upload is None:
        raise BusinessError(f"no statement upload {upload_id} of yours", code="not_found", status=404)
    return {"upload_id": str(upload.pk), "file_name": upload.filename, "size": upload.size, "sha256": upload.sha256,
            "state": upload.state, "state_label": upload.get_state_display(),
            "finished": upload.state in (StatementUpload.State.DONE, StatementUpload.State.FAILED),
            "file_id": upload.file_id, "result": upload.result, "error": upload.error,
            "created_at": upload.created_at, "updated_at": upload.updated_at}


@router.post("/statements/parse", response=list[dict[str, Any]])
def parse_statement(request: HttpRequest, file: File[UploadedFile], raw: bool = False) -> list[dict[str, Any]]:
    """The statements and transactions a file holds, as they would be imported; writes nothing."""
    from credere.adapters.bankfiles import statements_to_json

    authorize(acting_user(request), "import_statements")
    parsed = statements.parse_file(_read(file), filename=PurePath(file.name or "").name)
    return statements_to_json(parsed, include_raw=raw)


@router.get("/statements", response=list[StatementFileOut])
@paginate(Page)
def list_statement_files(request: HttpRequest) -> QuerySet[StatementFile]:
    authorize(acting_user(request), "view_ledger")
    return statement_reads.statement_files()


@router.get("/statements/{file_id}", response=StatementFileDetailOut)
def get_statement_file(request: HttpRequest, file_id: int) -> Any:
    """A statement file with its statements, each with its balances check and acknowledgement."""
    authorize(acting_user(request), "view_ledger")
    file: Any = statement_reads.statement_files().filter(pk=file_id).first()
    if file is None:
        raise BusinessError(f"no statement file with id {file_id}", code="not_found", status=404)
    file.statement_list = statement_reads.file_statements(file)
    return file


@router.post("/statements/{file_id}/statements/{statement_id}/acknowledge", response=StatementOut)
def acknowledge_statement(request: HttpRequest, file_id: int, statement_id: int, data: AcknowledgeIn) -> Any:
    """Acknowledge the difference of a statement that does not add up, with a note (audited)."""
    return statements.acknowledge_statement(actor=acting_user(request), statement_id=statement_id, file_id=file_id,
                                            note=data.note)


@router.get("/transactions", response=list[TransactionOut])
@paginate(Page)
def list_transactions(request: HttpRequest, filters: Query[TransactionFilters]) -> QuerySet[BankTransaction]:
    authorize(acting_user(request), "view_ledger")
    return statement_reads.transactions(statement_file=filters.statement_file, booking_date_from=filters.booking_date_from,
                             booking_date_to=filters.booking_date_to, incoming=filters.incoming)


# ----------------------------------------------------------------------------- runs and proposals


@router.post("/runs", response={201: RunOut})
def start_run(request: HttpRequest, data: RunIn) -> Status[MatchRun]:
    """Match unapplied payments now (all, one company's, or those given)."""
    run = runs.run_matching(actor=acting_user(request), payment_ids=data.payment_ids,
                                company=_company(data.company), trigger="api")
    return Status(201, run)


@router.get("/runs", response=list[RunOut])
@paginate(Page)
def list_runs(request: HttpRequest) -> QuerySet[MatchRun]:
    authorize(acting_user(request), "view_ledger")
    return statement_reads.match_runs()


@router.get("/runs/{run_id}", response=RunOut)
def get_run(request: HttpRequest, run_id: int) -> MatchRun:
    authorize(acting_user(request), "view_ledger")
    run = statement_reads.run(run_id)
    if run is None:
        raise BusinessError(f"no matching run with id {run_id}", code="not_found", status=404)
    return run


@router.get("/proposals", response=list[ProposalOut])
@paginate(Page)
def list_proposals(request: HttpRequest, filters: Query[ProposalFilters]) -> QuerySet[MatchProposal]:
    authorize(acting_user(request), "view_ledger")
    return workbench_reads.proposals(status=filters.status, payment_id=filters.payment_id, run_id=filters.run_id)


def _proposal(pk: int) -> MatchProposal:
    proposal = workbench_reads.proposal(pk)
    if proposal is None:
        raise BusinessError(f"no proposal with id {pk}", code="not_found", status=404)
    return proposal


@router.post("/proposals/{proposal_id}/accept", response=ProposalOut)
def accept(request: HttpRequest, proposal_id: int) -> MatchProposal:
    """Apply a suggestion as proposed; Credere learns the payer's account and name."""
    decisions.accept_proposal(actor=acting_user(request), proposal_id=proposal_id)
    return _proposal(proposal_id)


@router.post("/proposals/{proposal_id}/undo", response=ProposalOut)
def undo(request: HttpRequest, proposal_id: int, data: UndoIn) -> MatchProposal:
    """Reverse every allocation of an applied match (audited, with the reason)."""
    decisions.undo_match(actor=acting_user(request), proposal_id=proposal_id, reason=data.reason)
    return _proposal(proposal_id)


@router.post("/payments/{payment_id}/match", response={201: ProposalOut})
def match_payment(request: HttpRequest, payment_id: int, data: MatchIn) -> Status[MatchProposal]:
    """Apply a payment to the items a clerk chose (amounts in each item's currency; a deduction
    leaves that much open on the item, flagged to resolve)."""
    lines = [decisions.ManualLine(ln.item_id, Decimal(ln.amount), Decimal(ln.deduction)) for ln in data.lines]
    proposal = decisions.manual_match(actor=acting_user(request), payment_id=payment_id, lines=lines, note=data.note,
                                      remember=data.remember)
    return Status(201, _proposal(proposal.pk))


@router.post("/payments/{payment_id}/on-account", response={201: dict[str, Any]})
def on_account(request: HttpRequest, payment_id: int, data: OnAccountIn) -> Status[dict[str, Any]]:
    """Keep a payment's unapplied money on a customer's account."""
    customer = workbench_reads.customer_by_account(data.customer_account)
    if customer is None:
        raise BusinessError(f"no customer {data.customer_account}", code="not_found", status=404,
                            fields=[{"field": "customer_account", "message": "not found"}])
    row = decisions.put_on_account(actor=acting_user(request), payment_id=payment_id, customer=customer, note=data.note,
                                   remember=data.remember)
    return Status(201, {"payment_id": payment_id, "customer_account": customer.account_number,
                        "since": row.created_at.isoformat()})


# ----------------------------------------------------------------------------- what Credere learned about payers


def _customer(account: str) -> Customer:
    customer = workbench_reads.customer_by_account(account)
    if customer is None:
        raise BusinessError(f"no customer {account}", code="not_found", status=404,
                            fields=[{"field": "account_number", "message": "not found"}])
    return customer


@router.get("/customers/{account_number}/payers", response=PayersOut)
def customer_payers(request: HttpRequest, account_number: str) -> dict[str, Any]:
    """The bank accounts, bank-written names and references a customer's payments arrive under."""
    user = acting_user(request)
    authorize(user, "view_ledger")
    customer = _customer(account_number)
    known = payer_reads.payer_knowledge(customer.pk)
    return {
        "customer_account": customer.account_number,
        "bank_accounts": [{"account": shown(user, "account", a.account), "source": a.source, "created_by": a.created_by,
                           "created_at": a.created_at.isoformat()} for a in known["bank_accounts"]],
        "aliases": [{"name": n.name, "key": n.key, "created_by": n.created_by, "created_at": n.created_at.isoformat()}
                    for n in known["aliases"]],
        "references": [{"reference": r.key, "example": r.example, "created_by": r.created_by,
                        "created_at": r.created_at.isoformat()} for r in known["references"]],
    }


@router.post("/customers/{account_number}/bank-accounts", response={201: dict[str, str]})
def add_bank_account(request: HttpRequest, account_number: str, data: BankAccountIn) -> Status[dict[str, str]]:
    """Record a bank account a customer pays from (an IBAN is checked)."""
    row = learning.add_customer_bank_account(actor=acting_user(request), customer=_customer(account_number),
                                             account=data.account)
    return Status(201, {"account": row.account, "customer_account": account_number, "source": row.source})


class ForgetIn(Schema):
    kind: Literal["account", "name", "reference"]
    key: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="The account, the name's key or the reference, as GET …/payers lists them")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


@router.post("/customers/{account_number}/learned/forget", response=dict[str, int])
def forget_learned(request: HttpRequest, account_number: str, data: ForgetIn) -> dict[str, int]:
    """Remove what Credere learned about a payer (audited); a later decision may teach it again."""
    _customer(account_number)
    return {"lessons_taken_back": learning.forget(actor=acting_user(request), kind=data.kind, key=data.key,
                                                  reason=data.reason)}


# ----------------------------------------------------------------------------- policy, remittances


def _policy_out(current: PolicyInForce) -> dict[str, Any]:
    version = current.version
    if version is None:
        return {"version": current.number, "effective_from": None, "created_by": "system",
                "note": "Built-in defaults", "settings": current.settings}
    return {"version": version.version, "effective_from": version.effective_from, "created_by": version.created_by,
            "note": version.note, "settings": version.settings}


@router.get("/policy", response=PolicyOut)
def get_policy(request: HttpRequest) -> dict[str, Any]:
    """The policy in force (reading it stores nothing: until a change or a run, the built-in defaults)."""
    authorize(acting_user(request), "view_ledger")
    return _policy_out(policy_in_force())


@router.put("/policy", response=PolicyOut)
def put_policy(request: HttpRequest, data: PolicyIn) -> dict[str, Any]:
    """A new version of the matching policy with the given settings changed (audited)."""
    version = policy_service.set_policy(actor=acting_user(request), settings=data.settings, note=data.note,
                                        effective_from=data.effective_from)
    return _policy_out(PolicyInForce(version, dict(version.settings)))


@router.post("/remittances", response={201: RemittanceOut})
def import_remittances(request: HttpRequest, file: File[UploadedFile], company: str) -> Status[dict[str, int]]:
    """Remittance advices from a customer (CSV/XLSX: payment_reference, payer_name, payment_date,
    amount, currency, document_number, paid_amount, deduction, note)."""
    found = _company(company)
    if found is None:
        raise BusinessError("say which company the advices are for", code="invalid",
                            fields=[{"field": "company", "message": "is required"}])
    result = remittances.import_remittances(actor=acting_user(request), data=_read(file),
                                         filename=PurePath(file.name or "remittances.csv").name, company=found)
    return Status(201, {"advices": result.advices, "lines": result.lines, "linked": result.linked})


@router.get("/returns", response=list[PaymentReturnOut])
@paginate(Page)
def list_returns(request: HttpRequest, status: str = "") -> QuerySet[PaymentReturn]:
    """Returned payments read from statements, newest first (``status``: paired, unpaired, dismissed)."""
    authorize(acting_user(request), "view_ledger")
    if status and status not in PaymentReturn.Status.values:
        raise BusinessError(f"status: choose one of {', '.join(PaymentReturn.Status.values)}",
                            fields=[{"field": "status", "message": "paired, unpaired or dismissed"}])
    return return_reads.returns(status=status)


@router.post("/returns/{return_id}/pair", response=PaymentReturnOut)
def pair_return(request: HttpRequest, return_id: int, data: ReturnPairIn) -> PaymentReturn:
    """Pair a waiting return with the payment it returns: the payment's allocations are reversed (audited)."""
    return returns.pair_return(actor=acting_user(request), return_id=return_id, payment_id=data.payment_id,
                               note=data.note)


@router.post("/returns/{return_id}/dismiss", response=PaymentReturnOut)
def dismiss_return(request: HttpRequest, return_id: int, data: ReturnDismissIn) -> PaymentReturn:
    """Say a waiting return concerns no payment received (it returns an outgoing payment, say)."""
    return returns.dismiss_return(actor=acting_user(request), return_id=return_id, note=data.note)
