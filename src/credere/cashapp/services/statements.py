"""Bank statements in: a file parsed, kept exactly as uploaded, every new transaction stored,
incoming money recorded as ledger payments, and a matching run for them.

A statement whose own figures do not add up (closing balance, MT942 totals, BAI2 control
totals) is imported all the same and flagged with the difference; a clerk acknowledges the
flag with a note. ``strict=True`` refuses such a file instead, as Credere once always did."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from credere.adapters.bankfiles import FORMAT_NAMES, StatementError, discrepancy_to_json, parse_statements
from credere.adapters.bankfiles.csvfile import CsvMapping
from credere.adapters.bankfiles.detect import detect_format
from credere.adapters.bankfiles.identity import transaction_keys
from credere.adapters.bankfiles.values import NO_REFERENCE
from credere.adapters.bankfiles.values import Statement as ParsedStatement
from credere.audit.services import actor_name, record, record_many, snapshot
from credere.cashapp.models import (
    BankAccount,
    BankTransaction,
    MatchRun,
    PaymentReturn,
    RemittanceAdvice,
    RemittanceLine,
    Statement,
    StatementFile,
)
from credere.cashapp.services import returns
from credere.cashapp.services.errors import field_error
from credere.cashapp.services.remittances import link_waiting_advices
from credere.cashapp.services.runs import run_matching
from credere.core import background as background_work
from credere.core.bulk import insert_rows
from credere.core.errors import BusinessError, Conflict
from credere.domain.matching.batch import normalise_account
from credere.domain.money import check_currency
from credere.identity.authz import authorize
from credere.ledger.models import GENERATED_REFERENCE_PREFIX, Company, Payment

#: Statement files larger than this are refused.
MAX_STATEMENT_BYTES = 50 * 1024 * 1024
#: Rows per INSERT when an import writes its payments and transactions.
BULK_ROWS = 500


@dataclass
class ImportResult:
    file: StatementFile
    statements: int
    new: int
    known: int
    payments: list[int] = field(default_factory=list)
    run: MatchRun | None = None
    #: The imported statements whose figures do not add up, for the clerk to acknowledge.
    flagged: list[Statement] = field(default_factory=list)
    #: Returned payments read in the file: paired (their payment reversed) or waiting for a clerk.
    returns: list[PaymentReturn] = field(default_factory=list)

#: The longest acknowledgement note kept.
MAX_NOTE = 2000


def parse_file(data: bytes, *, filename: str = "", csv_mapping: dict[str, Any] | None = None,
               strict: bool = False, saved_mappings: bool = True) -> list[ParsedStatement]:
    """The statements in a file, or a :class:`BusinessError` naming the line or element (with ``strict``,
    also when a statement's figures do not add up).

    A CSV file without a mapping is tried with the mappings saved for bank accounts first, unless
    ``saved_mappings`` is false (``credere cash parse`` without a database)."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise field_error("file", f"the file is {len(data):,} bytes; the limit is {MAX_STATEMENT_BYTES:,}")
    mapping = None
    if csv_mapping:
        try:
            mapping = CsvMapping.from_dict(csv_mapping)
        except (TypeError, ValueError, KeyError) as exc:
            raise field_error("csv_mapping", f"not a valid CSV mapping: {exc}") from None
    try:
        if mapping is None and saved_mappings and detect_format(data, filename) == "csv":
            for saved in BankAccount.objects.filter(csv_mapping__isnull=False).values_list("csv_mapping", flat=True):
                if not isinstance(saved, dict):
                    continue
                try:
                    return parse_statements(data, filename=filename, csv_mapping=CsvMapping.from_dict(saved),
                                            strict=strict)
                except (StatementError, TypeError, ValueError, KeyError):
                    continue  # not this bank's layout
        return parse_statements(data, filename=filename, csv_mapping=mapping, strict=strict)
    except StatementError as exc:
        read_as = f" (read as {FORMAT_NAMES[exc.format]})" if exc.format in FORMAT_NAMES else ""
        raise BusinessError(f"{filename or 'the file'} was not imported{read_as}: {exc}", code="bad_statement",
                            fields=[{"field": "file", "message": str(exc)}]) from None


def _bank_account(statement: ParsedStatement, company: Company | None, actor: Any) -> BankAccount:
    number = normalise_account(statement.account)
    account = BankAccount.objects.select_related("company").filter(account=number).first()
    if account is not None:
        if company is not None and account.company_id != company.pk:
            raise field_error("company", f"bank account {number} belongs to company {account.company.code}, "
                                          f"not {company.code}")
        return account
    if company is None:
        companies = list(Company.objects.all()[:2])
        if len(companies) != 1:
            raise field_error("company", f"bank account {number} is not yet known: say which company it "
                                          "belongs to (it is remembered for later files)", code="unknown_account")
        company = companies[0]
    account = BankAccount.objects.create(company=company, account=number, currency=statement.currency)
    record(actor=actor, action="bank_account.created", obj=account, after=snapshot(account),
           reason="first statement for this account")
    return account


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A bank's timestamp without an offset is taken in the site's time zone."""
    if moment is None or timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment)


def _payment_text(tx: Any) -> str:
    parts = [tx.remittance, *tx.references]
    if tx.end_to_end_id:
        parts.append(tx.end_to_end_id)
    parts += [line.document_number for line in tx.remittance_lines]
    return " ".join(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


def import_statement(*, actor: Any, data: bytes, filename: str = "", company: Company | None = None,
                     csv_mapping: dict[str, Any] | None = None, match: bool = True,
                     background: bool = True, strict: bool = False) -> ImportResult:
    """Import a statement file: every transaction not seen before is kept, incoming money becomes
    a ledger payment, and a matching run for those payments follows (as a background task when
    ``background``, else at once). The same file twice adds nothing; a bad file writes nothing.

    A statement whose figures do not add up is imported and flagged (``ImportResult.flagged``);
    with ``strict`` the whole file is refused instead."""
    authorize(actor, "import_statements")
    statements = parse_file(data, filename=filename, csv_mapping=csv_mapping, strict=strict)
    fmt = statements[0].format if len(statements) else ""
    with transaction.atomic():
        accounts = [_bank_account(st, company, actor) for st in statements]
        stored = StatementFile.objects.create(
            filename=filename[:255], sha256=hashlib.sha256(data).hexdigest(), format=fmt, size=len(data),
            content=data, uploaded_by=actor if getattr(actor, "pk", None) else None, statements=len(statements))
        keyed = [list(zip(transaction_keys(st), st.transactions, strict=True)) for st in statements]
        all_keys = [k for pairs in keyed for k, _ in pairs]
        known = set(BankTransaction.objects.filter(key__in=all_keys).values_list("key", flat=True))
        new = 0
        payments: list[Payment] = []
        rows: list[BankTransaction] = []
        advised: list[tuple[Payment, BankAccount, Any]] = []
        flagged: list[Statement] = []
        for st, account, pairs in zip(statements, accounts, keyed, strict=True):
            row = Statement.objects.create(
                file=stored, bank_account=account, statement_id=st.statement_id[:100], format=st.format,
                kind=st.kind, currency=st.currency, created=_aware(st.created), from_date=st.from_date, to_date=st.to_date,
                opening_balance=st.opening_balance, closing_balance=st.closing_balance,
                flagged=bool(st.discrepancies), expected_closing=st.expected_closing,
                balance_difference=st.balance_difference,
                discrepancies=[discrepancy_to_json(d) for d in st.discrepancies])
            if row.flagged:
                flagged.append(row)
            for key, tx in pairs:
                if key in known:
                    continue
                known.add(key)
                new += 1
                payment = None
                if tx.amount > 0:
                    # no customer yet: a learned account is evidence for matching, not a decision (a
                    # payment service may pay for several customers); the first allocation sets it
                    payment = Payment(
                        company=account.company, reference=f"{GENERATED_REFERENCE_PREFIX}{key[:24]}",
                        bank_reference=(tx.end_to_end_id if tx.end_to_end_id.upper() not in NO_REFERENCE
                                        else tx.bank_reference)[:100],
                        received_on=tx.value_date or tx.booking_date, currency=check_currency(tx.currency),
                        amount=tx.amount, unapplied_amount=tx.amount, payer_name=tx.counterparty_name[:200],
                        payer_account=tx.counterparty_account[:60], reference_text=_payment_text(tx))
                    payments.append(payment)
                    if tx.remittance_lines:
                        advised.append((payment, account, tx))
                rows.append(BankTransaction(
                    key=key, statement=row, bank_account=account, booking_date=tx.booking_date,
                    value_date=tx.value_date, amount=tx.amount, currency=tx.currency,
                    counterparty_name=tx.counterparty_name[:200], counterparty_account=tx.counterparty_account[:60],
                    remittance=tx.remittance, references=list(tx.references), bank_reference=tx.bank_reference[:100],
                    end_to_end_id=tx.end_to_end_id[:100], type_code=tx.type_code[:60], raw=tx.raw, payment=payment,
                    return_reason=tx.return_reason[:300], returned_reference=tx.returned_reference[:100]))
        # written in bulk, in the file's order: the payments first (the transactions and advices name them)
        insert_rows(Payment, payments, batch_size=BULK_ROWS)
        events = [{"action": "payment.created", "object_type": "ledger.payment", "object_id": payment.pk,
                   "object_repr": str(payment), "after": snapshot(payment), "reason": f"bank statement {filename}"}
                  for payment in payments]
        insert_rows(BankTransaction, rows, batch_size=BULK_ROWS)
        returned = [tx_row for tx_row in rows if returns.is_return(tx_row)]
        advices = insert_rows(RemittanceAdvice, [RemittanceAdvice(
            source=RemittanceAdvice.Source.STATEMENT, payment=payment, company=account.company,
            payer_name=tx.counterparty_name[:200], payment_reference=tx.end_to_end_id[:100],
            payment_date=tx.booking_date, currency=tx.currency, amount=tx.amount, filename=filename[:255])
            for payment, account, tx in advised], batch_size=BULK_ROWS)
        insert_rows(RemittanceLine, [
            RemittanceLine(advice=advice, document_number=line.document_number[:60], amount=line.amount,
                           deduction=line.deduction, note=line.note[:200])
            for advice, (_payment, _account, tx) in zip(advices, advised, strict=True)
            for line in tx.remittance_lines], batch_size=BULK_ROWS)
        stored.transactions_new = new
        stored.transactions_known = len(all_keys) - new
        stored.save(update_fields=["transactions_new", "transactions_known"])
        link_waiting_advices(payments)
        record_many(actor=actor, events=events)
        record(actor=actor, action="statement.imported", obj=stored,
               after={"filename": filename, "format": fmt, "statements": len(statements), "new": new,
                      "known": stored.transactions_known, "payments": len(payments),
                      "flagged": [{"statement": row.pk, "discrepancies": row.discrepancies} for row in flagged]})
    result = ImportResult(stored, len(statements), new, stored.transactions_known, [p.pk for p in payments],
                          flagged=flagged)
    # returns after the import's own transaction: each pairs (and reverses its payment) in its own
    result.returns = returns.record_returns(actor=actor, rows=returned)
    if match and payments:
        if background:
            background_work.enqueue_on_commit("cashapp.match_payments", payment_ids=result.payments,
                                         actor=actor_name(actor), statement_file_id=stored.pk)
        else:
            result.run = run_matching(actor=actor, payment_ids=result.payments, trigger="import",
                                      statement_file=stored)
    return result


def save_csv_mapping(*, actor: Any, bank_account: BankAccount, mapping: dict[str, Any]) -> BankAccount:
    """Remember the CSV column mapping of a bank's exports, for the next files of this account."""
    authorize(actor, "edit_mappings")
    try:
        clean = CsvMapping.from_dict(mapping).to_dict()
    except (TypeError, ValueError, KeyError) as exc:
        raise field_error("csv_mapping", f"not a valid CSV mapping: {exc}") from None
    with transaction.atomic():
        before = {"csv_mapping": bank_account.csv_mapping}
        bank_account.csv_mapping = clean
        bank_account.save(update_fields=["csv_mapping"])
        record(actor=actor, action="bank_account.mapping_saved", obj=bank_account, before=before,
               after={"csv_mapping": clean})
    return bank_account


def acknowledge_statement(*, actor: Any, statement_id: int, note: str, file_id: int | None = None) -> Statement:
    """A clerk has looked at a flagged statement's difference: keep who, when and why (audited).

    ``file_id``, when given, must be the statement's file (the API and pages address statements through it)."""
    authorize(actor, "import_statements")
    note = (note or "").strip()
    if not note:
        raise field_error("note", "say what you found out about the difference (for example, the bank's answer)")
    if len(note) > MAX_NOTE:
        raise field_error("note", f"the note is {len(note):,} characters; at most {MAX_NOTE:,} are kept")
    with transaction.atomic():
        qs = Statement.objects.select_for_update().filter(pk=statement_id)
        if file_id is not None:
            qs = qs.filter(file_id=file_id)
        statement = qs.first()
        if statement is None:
            raise field_error("statement_id", f"no statement with id {statement_id}"
                              + (f" in statement file {file_id}" if file_id is not None else ""),
                              code="not_found", status=404)
        if not statement.flagged:
            raise Conflict(f"statement {statement_id} adds up; there is nothing to acknowledge", code="not_flagged")
        if statement.acknowledged_at is not None:
            who = statement.acknowledged_by.get_username() if statement.acknowledged_by else "someone"
            raise Conflict(f"statement {statement_id} was already acknowledged by {who} on "
                           f"{timezone.localtime(statement.acknowledged_at):%Y-%m-%d %H:%M}", code="already_acknowledged")
        statement.acknowledged_at = timezone.now()
        statement.acknowledged_by = actor if getattr(actor, "pk", None) else None
        statement.acknowledgement_note = note
        statement.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"])
        record(actor=actor, action="statement.flag_acknowledged", obj=statement,
               before={"acknowledged": False},
               after={"acknowledged": True, "balance_difference": (None if statement.balance_difference is None
                                                                   else str(statement.balance_difference)),
                      "discrepancies": statement.discrepancies},
               reason=note)
    return statement
