"""A stable identity for each transaction of a bank statement, so that nothing is imported twice.

The same money movement reaches us more than once: the same file imported again, a camt.052 intraday report
followed by the camt.053 statement for that day, two MT940 files whose days overlap. Each transaction gets a
key built from what the bank says about it, never from where it sits in a file, so the same movement gets the
same key in each of them.

The rule (the key is the first 32 hex digits of the SHA-256 of these values):

1. The statement's **account**, normalised to upper-case letters and digits (``DE89 3704…`` = ``DE893704…``).
2. If the transaction has a **bank reference** (camt ``AcctSvcrRef``, MT940 ``:61:`` reference, BAI2 bank
   reference) that is not ``NONREF``/``NOTPROVIDED``: ``ref``, the bank reference, the booking date, the
   amount and the currency. The bank gives each booking its own reference, so this is the identity.
3. Otherwise the **content**: ``content``, booking date, amount, currency, the counterparty's account
   (letters and digits, upper case), the counterparty's name and the remittance text (both upper case with
   whitespace collapsed) and the end-to-end id.
4. **Batch entries**: a camt entry split into several transactions (``TxDtls``) shares one bank reference; each
   of its transactions adds its position within the entry (0, 1, 2…).
5. **Occurrence**: when two transactions of one statement have identical values for 1–4 (two genuinely
   identical payments on the same day), the first gets 0, the second 1, and so on, so both are kept. The
   count restarts in each statement, so a file imported twice yields the same keys again.

Amounts are compared by value (``100.0`` = ``100.00``), dates as ISO dates.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from decimal import Decimal

from .values import NO_REFERENCE, Statement, Transaction


def _alnum(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _words(text: str) -> str:
    return " ".join(text.upper().split())


def _amount(amount: Decimal) -> str:
    return format(amount.normalize(), "f") if amount else "0"


def _batch_positions(statement: Statement) -> list[int | None]:
    """Position within its camt entry for transactions split from a batch entry (same ``raw`` Ntry), else None."""
    positions: list[int | None] = [None] * len(statement.transactions)
    if not statement.format.startswith("camt"):
        return positions
    transactions = statement.transactions
    start = 0
    while start < len(transactions):
        end = start + 1
        while end < len(transactions) and transactions[end].raw and transactions[end].raw == transactions[start].raw:
            end += 1
        if end - start > 1:
            for offset in range(end - start):
                positions[start + offset] = offset
        start = end
    return positions


def _material(transaction: Transaction) -> list[str]:
    reference = transaction.bank_reference.strip()
    if reference.upper() not in NO_REFERENCE:
        return ["ref", reference, transaction.booking_date.isoformat(), _amount(transaction.amount), transaction.currency]
    return [
        "content",
        transaction.booking_date.isoformat(),
        _amount(transaction.amount),
        transaction.currency,
        _alnum(transaction.counterparty_account),
        _words(transaction.counterparty_name),
        _words(transaction.remittance),
        transaction.end_to_end_id.strip(),
    ]


def transaction_keys(statement: Statement) -> list[str]:
    """One key per transaction of ``statement``, in order; see the module docstring for the rule."""
    account = _alnum(statement.account)
    seen: Counter[str] = Counter()
    keys = []
    for transaction, position in zip(statement.transactions, _batch_positions(statement), strict=True):
        material = [account, *_material(transaction)]
        if position is not None:
            material += ["batch", str(position)]
        identity = json.dumps(material, ensure_ascii=False)
        material.append(str(seen[identity]))
        seen[identity] += 1
        keys.append(hashlib.sha256(json.dumps(material, ensure_ascii=False).encode("utf-8")).hexdigest()[:32])
    return keys
