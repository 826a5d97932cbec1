"""Request and response bodies of the cash application API."""

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from credere.cashapp.models import BankTransaction, MatchProposal, MatchRun, Statement
from credere.cashapp.policies import SETTINGS
from credere.core.api import Day, PositiveAmountText
from credere.domain.matching.policy import setting_help
from credere.domain.matching.reasons import REASON_TEXT
from credere.ledger.schemas import shown_to_caller

#: The settings a policy change may name, each with its meaning (from ``MatchingPolicy``).
SETTINGS_DESCRIPTION = "The settings to change (others keep their value):\n" + "\n".join(
    f"- `{key}`: {setting_help(key)}" for key in SETTINGS)


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
    flagged_statements: list[int] = Field(
        description="Ids of the imported statements whose figures do not add up (closing balance, MT942 totals, "
                    "BAI2 control totals): imported all the same, to be acknowledged")


class StatementQueuedOut(Schema):
    upload_id: str
    state: Literal["queued"]
    status_url: str = Field(description="GET it until finished is true")


class StatementUploadOut(Schema):
    upload_id: str
    file_name: str
    size: int
    sha256: str
    state: Literal["queued", "importing", "done", "failed"]
    state_label: str
    finished: bool
    file_id: int | None = Field(description="The statement file it became, once imported")
    result: dict[str, Any] | None = Field(description="What the import found, as POST /cash/statements answers a "
                                                      "small file")
    error: str = Field(description="Why the file was refused (nothing of it was imported)")
    created_at: dt.datetime
    updated_at: dt.datetime


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
    flagged_statements: int = Field(description="Statements of the file whose figures do not add up")
    unacknowledged_flags: int = Field(description="Those of them that no one has acknowledged yet")


class DiscrepancyOut(Schema):
    location: str = Field(description="Where the figure is in the file, e.g. 'line 14' or 'Stmt[1]'")
    what: str = Field(description="closing balance, debit total, credit total, account control total, …")
    expected: str | None = Field(description="What the entries give (null for a count of records)")
    stated: str | None = Field(description="What the file states")
    difference: str | None = Field(description="stated minus expected")
    message: str


class StatementOut(Schema):
    id: int
    account: str
    statement_id: str
    format: str
    kind: str
    currency: str
    from_date: dt.date | None
    to_date: dt.date | None
    opening_balance: str | None
    closing_balance: str | None
    flagged: bool = Field(description="The statement's figures do not add up; its transactions were imported")
    expected_closing: str | None = Field(description="The opening balance plus the statement's entries")
    balance_difference: str | None = Field(description="The stated closing balance minus the expected one")
    discrepancies: list[DiscrepancyOut]
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    acknowledgement_note: str

    @staticmethod
    def resolve_account(obj: Statement) -> str:
        return obj.bank_account.account

    @staticmethod
    def resolve_acknowledged_by(obj: Statement) -> str | None:
        return obj.acknowledged_by.get_username() if obj.acknowledged_by else None

    @staticmethod
    def _text(amount: Any) -> str | None:
        return None if amount is None else str(amount)

    @staticmethod
    def resolve_opening_balance(obj: Statement) -> str | None:
        return StatementOut._text(obj.opening_balance)

    @staticmethod
    def resolve_closing_balance(obj: Statement) -> str | None:
        return StatementOut._text(obj.closing_balance)

    @staticmethod
    def resolve_expected_closing(obj: Statement) -> str | None:
        return StatementOut._text(obj.expected_closing)

    @staticmethod
    def resolve_balance_difference(obj: Statement) -> str | None:
        return StatementOut._text(obj.balance_difference)


class StatementFileDetailOut(StatementFileOut):
    statement_list: list[StatementOut] = Field(description="The file's statements, each with its balances check")


class AcknowledgeIn(Schema):
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] = Field(
        description="What the clerk found out about the difference (kept in the audit trail)")


class TransactionOut(Schema):
    id: int
    key: str
    account: str
    booking_date: dt.date
    value_date: dt.date | None
    amount: str
    currency: str
    counterparty_name: str
    counterparty_account: str = Field(description="In full for callers who may view personal data, else masked "
                                                  "(`DE89 •••• 3000`)")
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

    @staticmethod
    def resolve_counterparty_account(obj: BankTransaction, context: Any) -> str:
        return shown_to_caller(context, "account", obj.counterparty_account)


class TransactionFilters(Schema):
    statement_file: int | None = Field(None, ge=1, le=2**62)
    booking_date_from: Day | None = None
    booking_date_to: Day | None = None
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
    remember: bool = Field(True, description="Learn the payer's account, name and references for the customer")


class OnAccountIn(Schema):
    customer_account: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    note: Annotated[str, StringConstraints(max_length=300)] = ""
    remember: bool = Field(False, description="Learn the payer's account and name for the customer (an unknown "
                                              "payer's money kept for now teaches nothing by default)")


class PolicyOut(Schema):
    version: int
    effective_from: dt.datetime | None = Field(
        description="When the version took effect; null while the built-in defaults are in force and not yet "
                    "stored (they are stored as version 1 by the first change or the first matching run)")
    created_by: str
    note: str
    settings: dict[str, Any]


class PolicyIn(Schema):
    settings: dict[str, Any] = Field(description=SETTINGS_DESCRIPTION)
    note: Annotated[str, StringConstraints(max_length=300)] = Field(
        "", description="Why the policy changes (kept with the version and in the audit trail): required")
    effective_from: dt.datetime | None = Field(None, description="When the version takes effect (default: now)")


class BankAccountIn(Schema):
    account: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class PayersOut(Schema):
    customer_account: str
    bank_accounts: list[dict[str, Any]] = Field(
        description="Each with its `account`: in full for callers who may view personal data, else masked "
                    "(`DE89 •••• 3000`)")
    aliases: list[dict[str, Any]]
    references: list[dict[str, Any]]


class RemittanceOut(Schema):
    advices: int
    lines: int
    linked: int


class PaymentReturnOut(Schema):
    id: int
    company: str
    amount: str = Field(description="The money that went back (positive), in `currency`")
    currency: str
    returned_on: dt.date
    returned_reference: str = Field(description="What the bank says the returned payment was known by")
    reason: str = Field(description="Why, in words (an ISO 20022 return reason, a BAI2 type, a reversal mark)")
    status: str = Field(description="paired (the payment is reversed), unpaired (waiting for a clerk) or dismissed")
    payment_id: int | None = Field(description="The payment returned, once paired")
    note: str
    decided_by: str

    @staticmethod
    def resolve_company(obj: Any) -> str:
        return str(obj.company.code)

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return str(obj.amount)


class ReturnPairIn(Schema):
    payment_id: int = Field(description="The payment the return is the return of (same company, amount, currency)")
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""


class ReturnDismissIn(Schema):
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] = Field(
        description="Why the return concerns no payment received (kept in the audit trail)")
