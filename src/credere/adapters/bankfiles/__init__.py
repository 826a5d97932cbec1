"""Bank statement files in, :class:`~.values.Statement` values out; pure Python, no Django.

``parse_statements(data)`` recognises the format from the content (camt.052/053/054, MT940, MT942, BAI2, CSV),
reads it, and raises :class:`~.values.StatementError` naming the line, row or element and the reason when the
file cannot be read completely. Nothing is skipped silently: a file either reads completely or is refused.

A file that reads completely but whose own figures do not add up (a closing balance that is not the opening
balance plus the entries, MT942 totals, BAI2 control totals) is read, and each statement concerned carries its
:class:`~.values.Discrepancy` values; ``strict=True`` refuses such a file instead, naming the first disagreement.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from credere.domain.currencies import minor_units

from .bai2 import parse_bai2
from .camt import MAX_BYTES, parse_camt
from .csvfile import CsvMapping, parse_csv
from .detect import FORMAT_NAMES, detect_format
from .identity import transaction_keys
from .swift import parse_swift
from .values import Discrepancy, RemittanceLine, Statement, StatementError, Transaction

__all__ = [
    "MAX_BYTES",
    "CsvMapping",
    "Discrepancy",
    "RemittanceLine",
    "Statement",
    "StatementError",
    "Transaction",
    "FORMAT_NAMES",
    "detect_format",
    "discrepancy_to_json",
    "parse_statements",
    "statements_to_json",
    "transaction_keys",
]


def _quantise(amount: Decimal | None, currency: str, location: str) -> Decimal | None:
    """Give an amount the currency's ISO 4217 decimals (``100`` EUR → ``100.00``); refuse extra precision."""
    if amount is None or not currency:
        return amount
    exponent = Decimal(1).scaleb(-minor_units(currency))
    try:
        quantised = amount.quantize(exponent)
    except InvalidOperation:
        raise StatementError(location, f"the amount {amount} is too large") from None
    if quantised != amount:
        raise StatementError(location, f"the amount {amount} has more decimals than {currency} allows")
    return quantised


def _finish(statement: Statement, number: int) -> Statement:
    location = f"statement {number} ({statement.statement_id or statement.account})"
    if not statement.account.strip():
        raise StatementError(location, "the statement names no account")
    transactions = []
    for index, transaction in enumerate(statement.transactions, start=1):
        amount = _quantise(transaction.amount, transaction.currency, f"{location}, transaction {index}")
        assert amount is not None
        transactions.append(replace(transaction, amount=amount))
    return Statement(
        format=statement.format,
        kind=statement.kind,
        statement_id=statement.statement_id,
        account=statement.account,
        currency=statement.currency,
        created=statement.created,
        from_date=statement.from_date,
        to_date=statement.to_date,
        opening_balance=_quantise(statement.opening_balance, statement.currency, f"{location}, opening balance"),
        closing_balance=_quantise(statement.closing_balance, statement.currency, f"{location}, closing balance"),
        transactions=tuple(transactions),
        discrepancies=tuple(
            replace(
                discrepancy,
                expected=_quantise(discrepancy.expected, statement.currency, f"{location}, {discrepancy.what}"),
                stated=_quantise(discrepancy.stated, statement.currency, f"{location}, {discrepancy.what}"),
            )
            for discrepancy in statement.discrepancies
        ),
    )


def parse_statements(
    data: bytes, *, filename: str = "", csv_mapping: CsvMapping | None = None, strict: bool = False
) -> list[Statement]:
    """Read every statement in ``data``; raise :class:`StatementError` if the file cannot be read completely.

    With ``strict``, a statement whose figures do not add up is refused too (the first disagreement is named).
    """
    if len(data) > MAX_BYTES:
        raise StatementError("", f"the file is {len(data):,} bytes; statement files over {MAX_BYTES:,} bytes (50 MiB) are refused")
    data = _as_utf8_text(data)
    kind = "csv" if csv_mapping is not None else detect_format(data, filename)
    try:
        if kind == "camt":
            statements = parse_camt(data)
        elif kind == "mt940":
            statements = parse_swift(data, "statement")
        elif kind == "mt942":
            statements = parse_swift(data, "report")
        elif kind == "bai2":
            statements = parse_bai2(data)
        else:
            statements = parse_csv(data, csv_mapping)
        if not statements:
            raise StatementError("", f"the {FORMAT_NAMES[kind]} file contains no statement")
        finished = [_finish(statement, number) for number, statement in enumerate(statements, start=1)]
        if strict:
            for statement in finished:
                for discrepancy in statement.discrepancies:
                    raise StatementError(discrepancy.location, discrepancy.message)
    except RecursionError:
        raise _named(StatementError("", "the file is nested too deeply to be a bank statement"), kind) from None
    except StatementError as error:
        raise _named(error, kind) from None
    return finished


def _as_utf8_text(data: bytes) -> bytes:
    """A text statement saved as UTF-16 (with a byte-order mark, or without one: every other byte NUL) as
    UTF-8, which the text formats' readers take; XML keeps its own encoding (its reader honours it). NUL bytes
    otherwise mean the file is not text: said so, rather than "not a recognised format"."""
    head = data[:4096]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
            encoding = "utf-16-le"
        elif even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
            encoding = "utf-16-be"
        else:
            raise StatementError("", f"the file has NUL bytes (the first at byte {data.index(0) + 1:,}): it is "
                                     "not a text or XML bank statement — a binary file, or text in an encoding "
                                     "Credere does not read (save it as UTF-8)")
    else:
        return data
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise StatementError("", f"the file looks like {encoding.upper()} text but byte {exc.start + 1:,} is not "
                                 f"valid {encoding.upper()}: save it as UTF-8") from None
    if "\x00" in text:
        raise StatementError("", f"the file, read as {encoding.upper()}, has NUL characters: it is not a text "
                                 "bank statement")
    if text.lstrip("\ufeff \t\r\n").startswith("<"):  # XML without a byte-order mark: its declaration follows
        return data if encoding == "utf-16" else re.sub(
            r"""^(\s*<\?xml[^>]*encoding=["'])[^"']*""", r"\g<1>UTF-8", text, count=1).encode("utf-8")
    return text.lstrip("\ufeff").encode("utf-8")


def _named(error: StatementError, kind: str) -> StatementError:
    error.format = kind
    return error


def discrepancy_to_json(discrepancy: Discrepancy) -> dict[str, Any]:
    """A disagreement as JSON-safe values (amounts as strings)."""
    def text(amount: Decimal | None) -> str | None:
        return None if amount is None else str(amount)

    return {
        "location": discrepancy.location,
        "what": discrepancy.what,
        "expected": text(discrepancy.expected),
        "stated": text(discrepancy.stated),
        "difference": text(discrepancy.difference),
        "message": discrepancy.message,
    }


def _remittance_line_json(line: RemittanceLine) -> dict[str, Any]:
    return {
        "document_number": line.document_number,
        "amount": None if line.amount is None else str(line.amount),
        "deduction": None if line.deduction is None else str(line.deduction),
        "note": line.note,
    }


def _transaction_json(transaction: Transaction, key: str, include_raw: bool) -> dict[str, Any]:
    result: dict[str, Any] = {
        "key": key,
        "booking_date": transaction.booking_date.isoformat(),
        "value_date": transaction.value_date.isoformat() if transaction.value_date else None,
        "amount": str(transaction.amount),
        "currency": transaction.currency,
        "counterparty_name": transaction.counterparty_name,
        "counterparty_account": transaction.counterparty_account,
        "remittance": transaction.remittance,
        "references": list(transaction.references),
        "bank_reference": transaction.bank_reference,
        "end_to_end_id": transaction.end_to_end_id,
        "type_code": transaction.type_code,
        "remittance_lines": [_remittance_line_json(line) for line in transaction.remittance_lines],
        "return_reason": transaction.return_reason,
        "returned_reference": transaction.returned_reference,
    }
    if include_raw:
        result["raw"] = transaction.raw
    return result


def statements_to_json(statements: list[Statement], *, include_raw: bool = False) -> list[dict[str, Any]]:
    """JSON-safe dictionaries: dates in ISO form, amounts as strings, each transaction with its identity ``key``."""
    result = []
    for statement in statements:
        keys = transaction_keys(statement)
        result.append(
            {
                "format": statement.format,
                "kind": statement.kind,
                "statement_id": statement.statement_id,
                "account": statement.account,
                "currency": statement.currency,
                "created": statement.created.isoformat() if statement.created else None,
                "from_date": statement.from_date.isoformat() if statement.from_date else None,
                "to_date": statement.to_date.isoformat() if statement.to_date else None,
                "opening_balance": None if statement.opening_balance is None else str(statement.opening_balance),
                "closing_balance": None if statement.closing_balance is None else str(statement.closing_balance),
                "reconciles": not statement.discrepancies,
                "balance_difference": (None if statement.balance_difference is None
                                       else str(statement.balance_difference)),
                "discrepancies": [discrepancy_to_json(discrepancy) for discrepancy in statement.discrepancies],
                "transactions": [
                    _transaction_json(transaction, key, include_raw)
                    for transaction, key in zip(statement.transactions, keys, strict=True)
                ],
            }
        )
    return result
