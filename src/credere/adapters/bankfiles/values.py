"""What a bank statement file says, whatever its format: plain frozen values, no Django."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


class StatementError(ValueError):
    """A file that cannot be read as a bank statement; ``location`` names the line or element."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"{location}: {reason}" if location else reason)
        self.location = location
        self.reason = reason
        #: The format the file was read as (``mt940``, ``bai2``…), once it was recognised.
        self.format = ""


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """Figures of a statement that do not add up: the file was read completely, but its own totals disagree.

    A bank's file whose closing balance, MT942 totals or BAI2 control totals do not match its entries is still
    imported (unless the user asks for strict reading): its transactions are real bookings, and the clerk
    acknowledges the difference. ``expected`` is what the entries give, ``stated`` what the file says.
    """

    #: Where the disagreeing figure is: ``line 14``, ``Stmt[1]``.
    location: str
    #: Which figure: ``closing balance``, ``debit total``, ``credit total``, ``account control total``…
    what: str
    #: ``None`` for a disagreeing count (records, accounts, entries) rather than an amount.
    expected: Decimal | None
    stated: Decimal | None
    #: The whole disagreement in words, e.g. ``:62F: the opening balance 100.00 plus … is …, not …``.
    message: str

    @property
    def difference(self) -> Decimal | None:
        """What the file states minus what its entries give (``None`` for a disagreeing count)."""
        if self.stated is None or self.expected is None:
            return None
        return self.stated - self.expected


#: ``Discrepancy.what`` of a closing balance that is not the opening balance plus the entries.
CLOSING_BALANCE = "closing balance"

#: What banks write where there is no reference ("NOTPROVIDED" in camt, "NONREF" in MT940).
NO_REFERENCE = frozenset({"", "NONREF", "NOTPROVIDED"})


@dataclass(frozen=True, slots=True)
class RemittanceLine:
    """One document a payer says a payment settles (structured remittance or a remittance advice)."""

    document_number: str
    #: Amount paid for the document, if stated (payment currency).
    amount: Decimal | None = None
    #: Amount the payer deducted (discount, short payment), if stated.
    deduction: Decimal | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Transaction:
    booking_date: dt.date
    value_date: dt.date | None
    #: Signed: positive is money in (credit), negative is money out (debit).
    amount: Decimal
    currency: str
    counterparty_name: str = ""
    #: IBAN or account number of the other party, as given.
    counterparty_account: str = ""
    #: Unstructured remittance / purpose text, joined with single spaces.
    remittance: str = ""
    #: Structured references (creditor reference, referred document numbers, end-to-end id if meaningful).
    references: tuple[str, ...] = ()
    #: The account-servicing bank's reference (AcctSvcrRef, MT940 :61: bank reference, BAI2 bank ref).
    bank_reference: str = ""
    end_to_end_id: str = ""
    #: Bank transaction code as given (camt domain/family/subfamily or proprietary, MT940 GVC/type, BAI2 type code).
    type_code: str = ""
    remittance_lines: tuple[RemittanceLine, ...] = ()
    #: The transaction's source text (XML element or lines), kept as it was in the file.
    raw: str = ""
    #: For a returned payment (or a reversal): why, as the bank says it — a camt ``RtrInf`` reason code with its
    #: text (``AC04 Account closed``), an MT940 ``/RTRN/`` code or the ``RC``/``RD`` reversal mark, a BAI2
    #: return type code with its name (``555 Deposited Item Returned``). Empty for any other transaction.
    return_reason: str = ""
    #: What the returned payment was known by: its end-to-end id, else the reference the bank gives for it.
    returned_reference: str = ""


@dataclass(frozen=True, slots=True)
class Statement:
    #: Detected format, e.g. ``camt.053.001.02``, ``mt940``, ``mt942``, ``bai2``, ``csv``.
    format: str
    #: ``statement`` (end of day), ``report`` (intraday, camt.052 / MT942), ``notification`` (camt.054).
    kind: str
    statement_id: str
    #: IBAN or account number of the statement's own account, as given.
    account: str
    currency: str
    created: dt.datetime | None = None
    from_date: dt.date | None = None
    to_date: dt.date | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    transactions: tuple[Transaction, ...] = field(default=())
    #: Figures of the file that do not add up (empty when everything reconciles).
    discrepancies: tuple[Discrepancy, ...] = ()

    @property
    def expected_closing(self) -> Decimal | None:
        """The opening balance plus every transaction: what the closing balance should be."""
        if self.opening_balance is None:
            return None
        return self.opening_balance + sum((tx.amount for tx in self.transactions), Decimal(0))

    @property
    def balance_difference(self) -> Decimal | None:
        """The stated closing balance minus the opening balance plus the entries, when the file's balances are
        checked (an end-of-day statement) and do not reconcile; ``None`` otherwise."""
        for discrepancy in self.discrepancies:
            if discrepancy.what == CLOSING_BALANCE:
                return discrepancy.difference
        return None
