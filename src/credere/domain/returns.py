"""Returned payments: why a bank sent a payment back, in words, and which payment a return is the return of.

Banks give the reason as an ISO 20022 external return reason code (camt ``RtrInf/Rsn/Cd``, an MT940 ``/RTRN/``
code), a BAI2 return type code with its name, or an MT940 reversal mark. :func:`reason_in_words` reads any of
them; :func:`pair` picks the one payment a return names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

#: ISO 20022 ExternalReturnReason1Code: the codes banks send with returned credit transfers and direct debits.
ISO_REASONS: dict[str, str] = {
    "AC01": "the account number is wrong",
    "AC03": "the creditor account number is invalid",
    "AC04": "the account is closed",
    "AC06": "the account is blocked",
    "AC13": "the debtor account is a consumer account",
    "AG01": "the transaction is forbidden on this account",
    "AG02": "the bank operation code is invalid",
    "AM01": "the amount is zero",
    "AM02": "the amount is more than allowed",
    "AM04": "the funds are insufficient",
    "AM05": "the payment is a duplicate",
    "AM09": "the amount is wrong",
    "ARDT": "the transfer was already returned",
    "BE01": "the debtor's name does not match the account",
    "BE04": "the creditor's address is missing",
    "BE05": "the creditor is not recognised",
    "CNOR": "the creditor's bank is not registered",
    "CURR": "the currency is wrong",
    "CUST": "the customer asked for it",
    "DNOR": "the debtor's bank is not registered",
    "DUPL": "the payment is a duplicate",
    "ED05": "settlement failed",
    "FF01": "the file format is invalid",
    "FOCR": "the payer asked to cancel it",
    "FRAD": "it is suspected fraud",
    "MD01": "there is no mandate",
    "MD02": "mandate data are missing or wrong",
    "MD06": "the payer asked for a refund",
    "MD07": "the account holder has died",
    "MS02": "the customer gave no reason",
    "MS03": "the bank gave no reason",
    "NARR": "see the bank's text",
    "NOAS": "the beneficiary did not answer",
    "NOOR": "the original transaction was not received",
    "RC01": "the bank identifier (BIC) is wrong",
    "RR01": "the debtor's account or identification is missing (regulatory)",
    "RR02": "the debtor's name or address is missing (regulatory)",
    "RR03": "the creditor's name or address is missing (regulatory)",
    "RR04": "a regulatory reason",
    "SL01": "a service of the debtor's bank",
    "TM01": "it arrived after the cut-off time",
    "UPAY": "the payment was not justified",
}

_CODE = re.compile(r"\b([A-Z]{2}\d{2}|[A-Z]{4})\b")


def reason_in_words(reason: str) -> str:
    """``AC04 Account closed`` → ``AC04: the account is closed (Account closed)``; a BAI2 type or a reversal
    mark as the bank wrote it; ``returned by the bank`` when nothing is said."""
    reason = " ".join((reason or "").split())
    if not reason:
        return "returned by the bank"
    found = _CODE.match(reason)
    if found and found.group(1) in ISO_REASONS:
        code = found.group(1)
        rest = reason[found.end():].strip(" :-")
        words = f"{code}: {ISO_REASONS[code]}"
        return f"{words} ({rest})" if rest and rest.lower() != ISO_REASONS[code] else words
    return reason


@dataclass(frozen=True, slots=True)
class Returnable:
    """A payment a return could be the return of."""

    payment_id: int
    #: What the payment is known by at the bank: its end-to-end id and the bank's references ("" where none).
    references: tuple[str, ...]
    amount: Decimal
    currency: str
    received_on: dt.date


def _key(reference: str) -> str:
    return "".join(ch for ch in reference.upper() if ch.isalnum())


def pair(returned_reference: str, amount: Decimal, currency: str, on: dt.date,
         payments: Sequence[Returnable]) -> int | None:
    """The payment a return of ``amount`` (positive) booked ``on`` returns: the one whose references include
    ``returned_reference``, in the same currency, of the same amount, received no later than the return;
    None when there is none or more than one."""
    key = _key(returned_reference)
    if len(key) < 4:
        return None
    found = [p.payment_id for p in payments
             if p.currency == currency and p.amount == amount and p.received_on <= on
             and key in {_key(r) for r in p.references if r}]
    return found[0] if len(found) == 1 else None
