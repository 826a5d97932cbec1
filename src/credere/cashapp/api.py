"""Cash application endpoints, mounted at /api/v1/cash.

* ``POST /cash/statements`` — import a bank statement (multipart field ``file``); matching
  follows in the background. ``POST /cash/statements/parse`` shows what a file holds.
* ``GET /cash/statements``, ``GET /cash/transactions`` — what was imported.
* ``POST /cash/runs``, ``GET /cash/runs[/{id}]`` — matching runs.
* ``GET /cash/proposals`` and ``POST /cash/proposals/{id}/accept|undo`` — the workbench.
* ``POST /cash/payments/{id}/match|on-account`` — a clerk's own match, or keep on account.
* ``GET/PUT /cash/policy`` — the matching policy (versioned, audited).
* ``POST /cash/remittances`` — remittance advices (CSV/XLSX).
"""


import datetime as dt
from decimal import Decimal
from pathlib import PurePath
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import StringConstraints

from credere.cashapp import services
from credere.cashapp.models import BankTransaction, MatchingPolicyVersion, MatchProposal, MatchRun, StatementFile
from credere.core.api import Page, PositiveAmountText, acting_user
from credere.core.errors import BusinessError
from credere.domain.matching.reasons import REASON_TEXT
from credere.identity.authz import authorize
from credere.ledger.models import Company, Customer

router = Router(tags=["cash application"])

def _company(code: str | None) -> Company | None:
    if not code:
        return None
    company = Company.objects.filter(code=code).first()
    if company is None:
        raise BusinessError(f"no company with code {code}", code="not_found", status=404,
                            fields=[{"field": "company", "message": "not found"}])
    return company


def _read(file: UploadedFile) -> bytes:
    if file.size and file.size > services.MAX_STATEMENT_BYTES:
        raise BusinessError(f"the file is larger than {services.MAX_STATEMENT_BYTES:,} bytes", code="too_large",
                            status=413, fields=[{"field": "file", "message": "too large"}])
    return bytes(file.read())


# ----------------------------------------------------------------------------- schemas


class StatementImportOut(Schema):
    file_id: int
    file_name: str
    format: str
    statements: int
    new_transactions: int
    known_transactions: int
    payments: list[int] = Field(description="Ids of the payments created for incoming money")
    matching: Literal["queued", "done", "off", "nothing to match"]
    run_id: int | None = None


class StatementFileOut(Schema):
    id: int
    filename: str
    format: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    statements: int
    transactions_new: int
    transactions_known: int


class TransactionOut(Schema):
    id: int
    key: str
    account: str
    booking_date: dt.date
    value_date: dt.date | None
    amount: str
    currency: str
    counterparty_name: str
    counterparty_account: str
    remittance: str
    references: list[str]
    bank_reference: str
    end_to_end_id: str
    payment_id: int | None

    @staticmethod
    def resolve_account(obj: BankTransaction) -> str:
        return obj.bank_account.account

    @staticmethod
    def resolve_amount(obj: BankTransaction) -> str:
        return str(obj.amount)


class TransactionFilters(Schema):
    statement_file: int | None = Field(None, ge=1, le=2**62)
    booking_date_from: dt.date | None = None
    booking_date_to: dt.date | None = None
    incoming: bool | None = None


class RunIn(Schema):
    company: Annotated[str, StringConstraints(max_length=20)] | None = None
    payment_ids: list[Annotated[int, Field(ge=1, le=2**62)]] | None = None


class RunOut(Schema):
    id: int
    trigger: str
    actor: str
    status: str
    policy_version: int | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    payments: int
    applied: int
    suggested: int
    unmatched: int

    @staticmethod
    def resolve_policy_version(obj: MatchRun) -> int | None:
        return obj.policy.version if obj.policy else None


class ReasonOut(Schema):
    code: str
    text: str


class LineOut(Schema):
    item_id: int
    document_number: str
    customer_account: str
    amount: str
    currency: str
    payment_amount: str
    discount: str
    deduction: str


class ProposalOut(Schema):
    id: int
    payment_id: int
    run_id: int | None
    status: str
    confidence: str
    reasons: list[ReasonOut]
    customer_account: str | None
    unapplied: str
    note: str
    decided_by: str
    lines: list[LineOut]

    @staticmethod
    def resolve_confidence(obj: MatchProposal) -> str:
        return str(obj.confidence)

    @staticmethod
    def resolve_reasons(obj: MatchProposal) -> list[dict[str, str]]:
        return [{"code": r, "text": REASON_TEXT.get(r, r)} for r in obj.reasons]

    @staticmethod
    def resolve_customer_account(obj: MatchProposal) -> str | None:
        return obj.customer.account_number if obj.customer else None

    @staticmethod
    def resolve_unapplied(obj: MatchProposal) -> str:
        return str(obj.unapplied)

    @staticmethod
    def resolve_lines(obj: MatchProposal) -> list[dict[str, Any]]:
        return [{"item_id": ln.item_id, "document_number": ln.item.document_number,
                 "customer_account": ln.item.customer.account_number, "amount": str(ln.amount),
                 "currency": ln.item.currency, "payment_amount": str(ln.payment_amount),
                 "discount": str(ln.discount), "deduction": str(ln.deduction)}
                for ln in obj.lines.all()]


class ProposalFilters(Schema):
    status: Literal["applied", "suggested", "unmatched", "accepted", "manual", "superseded", "undone"] | None = None
    payment_id: int | None = Field(None, ge=1, le=2**62)
    run_id: int | None = Field(None, ge=1, le=2**62)


class UndoIn(Schema):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class MatchLineIn(Schema):
    item_id: int = Field(ge=1, le=2**62)
    amount: PositiveAmountText
    deduction: PositiveAmountText = "0"


class MatchIn(Schema):
    lines: list[MatchLineIn] = Field(min_length=1, max_length=200)
    note: Annotated[str, StringConstraints(max_length=300)] = ""


class OnAccountIn(Schema):
    customer_account: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    note: Annotated[str, StringConstraints(max_length=300)] = ""


class PolicyOut(Schema):
    version: int
    effective_from: dt.datetime
    created_by: str
    note: str
    settings: dict[str, Any]


class PolicyIn(Schema):
    settings: dict[str, Any] = Field(description="The settings to change (others keep their value)")
    note: Annotated[str, StringConstraints(max_length=300)] = ""
    effective_from: dt.datetime | None = Field(None, description="When the version takes effect (default: now)")


class BankAccountIn(Schema):
    account: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class PayersOut(Schema):
    customer_account: str
    bank_accounts: list[dict[str, Any]]
    aliases: list[dict[str, Any]]
    references: list[dict[str, Any]]


class RemittanceOut(Schema):
    advices: int
    lines: int
    linked: int


# ----------------------------------------------------------------------------- statements


@router.post("/statements", response={201: StatementImportOut})
def import_statement(request: HttpRequest, file: File[UploadedFile], company: str | None = None,
                     match: bool = True) -> Status[dict[str, Any]]:
    """Import a bank statement (camt.052/053/054, MT940/942, BAI2, CSV; format read from the content).

    Transactions seen before are skipped; incoming money becomes payments, matched in the
    background unless ``match=false``. A file with an error is refused whole (422, naming
    the line or element)."""
    user = acting_user(request)
    authorize(user, "import_statements")
    name = PurePath(file.name or "statement").name
    result = services.import_statement(actor=user, data=_read(file), filename=name, company=_company(company),
                                       match=match, background=True)
    state = "off" if not match else ("queued" if result.payments else "nothing to match")
    return Status(201, {"file_id": result.file.pk, "file_name": name, "format": result.file.format,
                        "statements": result.statements, "new_transactions": result.new,
                        "known_transactions": result.known, "payments": result.payments, "matching": state})


@router.post("/statements/parse", response=list[dict[str, Any]])
def parse_statement(request: HttpRequest, file: File[UploadedFile], raw: bool = False) -> list[dict[str, Any]]:
    """The statements and transactions a file holds, as they would be imported; writes nothing."""
    from credere.adapters.bankfiles import statements_to_json

    authorize(acting_user(request), "import_statements")
    statements = services.parse_file(_read(file), filename=PurePath(file.name or "").name)
    return statements_to_json(statements, include_raw=raw)


@router.get("/statements", response=list[StatementFileOut])
@paginate(Page)
def list_statement_files(request: HttpRequest) -> QuerySet[StatementFile]:
    authorize(acting_user(request), "view_ledger")
    return StatementFile.objects.defer("content").order_by("-uploaded_at", "-id")


@router.get("/transactions", response=list[TransactionOut])
@paginate(Page)
def list_transactions(request: HttpRequest, filters: Query[TransactionFilters]) -> QuerySet[BankTransaction]:
    authorize(acting_user(request), "view_ledger")
    qs = BankTransaction.objects.select_related("bank_account").order_by("-booking_date", "-id")
    if filters.statement_file:
        qs = qs.filter(statement__file_id=filters.statement_file)
    if filters.booking_date_from:
        qs = qs.filter(booking_date__gte=filters.booking_date_from)
    if filters.booking_date_to:
        qs = qs.filter(booking_date__lte=filters.booking_date_to)
    if filters.incoming is not None:
        qs = qs.filter(amount__gt=0) if filters.incoming else qs.filter(amount__lt=0)
    return qs


# ----------------------------------------------------------------------------- runs and proposals


@router.post("/runs", response={201: RunOut})
def start_run(request: HttpRequest, data: RunIn) -> Status[MatchRun]:
    """Match unapplied payments now (all, one company's, or those given)."""
    run = services.run_matching(actor=acting_user(request), payment_ids=data.payment_ids,
                                company=_company(data.company), trigger="api")
    return Status(201, run)


@router.get("/runs", response=list[RunOut])
@paginate(Page)
def list_runs(request: HttpRequest) -> QuerySet[MatchRun]:
    authorize(acting_user(request), "view_ledger")
    return MatchRun.objects.select_related("policy").order_by("-id")


@router.get("/runs/{run_id}", response=RunOut)
def get_run(request: HttpRequest, run_id: int) -> MatchRun:
    authorize(acting_user(request), "view_ledger")
    run = MatchRun.objects.select_related("policy").filter(pk=run_id).first()
    if run is None:
        raise BusinessError(f"no matching run with id {run_id}", code="not_found", status=404)
    return run


def _proposals() -> QuerySet[MatchProposal]:
    return MatchProposal.objects.select_related("customer").prefetch_related("lines__item__customer")


@router.get("/proposals", response=list[ProposalOut])
@paginate(Page)
def list_proposals(request: HttpRequest, filters: Query[ProposalFilters]) -> QuerySet[MatchProposal]:
    authorize(acting_user(request), "view_ledger")
    qs = _proposals().order_by("-id")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.payment_id:
        qs = qs.filter(payment_id=filters.payment_id)
    if filters.run_id:
        qs = qs.filter(run_id=filters.run_id)
    return qs


def _proposal(pk: int) -> MatchProposal:
    proposal = _proposals().filter(pk=pk).first()
    if proposal is None:
        raise BusinessError(f"no proposal with id {pk}", code="not_found", status=404)
    return proposal


@router.post("/proposals/{proposal_id}/accept", response=ProposalOut)
def accept(request: HttpRequest, proposal_id: int) -> MatchProposal:
    """Apply a suggestion as proposed; Credere learns the payer's account and name."""
    services.accept_proposal(actor=acting_user(request), proposal_id=proposal_id)
    return _proposal(proposal_id)


@router.post("/proposals/{proposal_id}/undo", response=ProposalOut)
def undo(request: HttpRequest, proposal_id: int, data: UndoIn) -> MatchProposal:
    """Reverse every allocation of an applied match (audited, with the reason)."""
    services.undo_match(actor=acting_user(request), proposal_id=proposal_id, reason=data.reason)
    return _proposal(proposal_id)


@router.post("/payments/{payment_id}/match", response={201: ProposalOut})
def match_payment(request: HttpRequest, payment_id: int, data: MatchIn) -> Status[MatchProposal]:
    """Apply a payment to the items a clerk chose (amounts in each item's currency; a deduction
    leaves that much open on the item, flagged to resolve)."""
    lines = [services.ManualLine(ln.item_id, Decimal(ln.amount), Decimal(ln.deduction)) for ln in data.lines]
    proposal = services.manual_match(actor=acting_user(request), payment_id=payment_id, lines=lines, note=data.note)
    return Status(201, _proposal(proposal.pk))


@router.post("/payments/{payment_id}/on-account", response={201: dict[str, Any]})
def on_account(request: HttpRequest, payment_id: int, data: OnAccountIn) -> Status[dict[str, Any]]:
    """Keep a payment's unapplied money on a customer's account."""
    customer = Customer.objects.filter(account_number=data.customer_account).first()
    if customer is None:
        raise BusinessError(f"no customer {data.customer_account}", code="not_found", status=404,
                            fields=[{"field": "customer_account", "message": "not found"}])
    row = services.put_on_account(actor=acting_user(request), payment_id=payment_id, customer=customer, note=data.note)
    return Status(201, {"payment_id": payment_id, "customer_account": customer.account_number,
                        "since": row.created_at.isoformat()})


# ----------------------------------------------------------------------------- what Credere learned about payers


def _customer(account: str) -> Customer:
    customer = Customer.objects.filter(account_number=account).first()
    if customer is None:
        raise BusinessError(f"no customer {account}", code="not_found", status=404,
                            fields=[{"field": "account_number", "message": "not found"}])
    return customer


@router.get("/customers/{account_number}/payers", response=PayersOut)
def customer_payers(request: HttpRequest, account_number: str) -> dict[str, Any]:
    """The bank accounts, bank-written names and references a customer's payments arrive under."""
    from credere.cashapp.selectors import payer_knowledge

    authorize(acting_user(request), "view_ledger")
    customer = _customer(account_number)
    known = payer_knowledge(customer.pk)
    return {
        "customer_account": customer.account_number,
        "bank_accounts": [{"account": a.account, "source": a.source, "created_by": a.created_by,
                           "created_at": a.created_at.isoformat()} for a in known["bank_accounts"]],
        "aliases": [{"name": n.name, "created_by": n.created_by, "created_at": n.created_at.isoformat()}
                    for n in known["aliases"]],
        "references": [{"reference": r.key, "example": r.example, "created_by": r.created_by,
                        "created_at": r.created_at.isoformat()} for r in known["references"]],
    }


@router.post("/customers/{account_number}/bank-accounts", response={201: dict[str, str]})
def add_bank_account(request: HttpRequest, account_number: str, data: BankAccountIn) -> Status[dict[str, str]]:
    """Record a bank account a customer pays from (an IBAN is checked)."""
    row = services.add_customer_bank_account(actor=acting_user(request), customer=_customer(account_number),
                                             account=data.account)
    return Status(201, {"account": row.account, "customer_account": account_number, "source": row.source})


# ----------------------------------------------------------------------------- policy, remittances


def _policy_out(version: MatchingPolicyVersion) -> dict[str, Any]:
    return {"version": version.version, "effective_from": version.effective_from, "created_by": version.created_by,
            "note": version.note, "settings": version.settings}


@router.get("/policy", response=PolicyOut)
def get_policy(request: HttpRequest) -> dict[str, Any]:
    authorize(acting_user(request), "view_ledger")
    return _policy_out(services.current_policy_version())


@router.put("/policy", response=PolicyOut)
def put_policy(request: HttpRequest, data: PolicyIn) -> dict[str, Any]:
    """A new version of the matching policy with the given settings changed (audited)."""
    return _policy_out(services.set_policy(actor=acting_user(request), settings=data.settings, note=data.note,
                                           effective_from=data.effective_from))


@router.post("/remittances", response={201: RemittanceOut})
def import_remittances(request: HttpRequest, file: File[UploadedFile], company: str) -> Status[dict[str, int]]:
    """Remittance advices from a customer (CSV/XLSX: payment_reference, payer_name, payment_date,
    amount, currency, document_number, paid_amount, deduction, note)."""
    found = _company(company)
    if found is None:
        raise BusinessError("say which company the advices are for", code="invalid",
                            fields=[{"field": "company", "message": "is required"}])
    result = services.import_remittances(actor=acting_user(request), data=_read(file),
                                         filename=PurePath(file.name or "remittances.csv").name, company=found)
    return Status(201, {"advices": result.advices, "lines": result.lines, "linked": result.linked})
