"""Reading matching input files (items, payments, accounts, FX rates, policy) and writing proposals.

Parsing only: every problem is reported with the file, row and column, and nothing is
matched unless every row of every file is valid.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from credere.adapters.erpfiles import FileFormatError, read_table
from credere.adapters.erpfiles import values as cells
from credere.adapters.erpfiles.headers import Mapping, resolve
from credere.adapters.tables import neutralised
from credere.cashapp.policies import PolicyError, policy_from_settings
from credere.domain.fx import RateTable
from credere.domain.matching import MatchingPolicy, OpenItem, Payment, Proposal
from credere.domain.money import (
    MoneyError,
    check_currency,
    parse_amount,
    quantize,
    whole_written_with_decimals,
    whole_written_with_decimals_warning,
)

ITEM_COLUMNS = ("item_id", "customer_account", "customer_name", "document_number", "references", "currency",
                "amount", "document_date", "due_date", "discount_rate", "discount_days")
ITEM_REQUIRED = ("item_id", "customer_account", "customer_name", "document_number", "currency", "amount",
                 "document_date", "due_date")
PAYMENT_COLUMNS = ("payment_id", "payer_name", "payer_account", "reference_text", "amount", "currency", "date")
PAYMENT_REQUIRED = ("payment_id", "amount", "currency", "date")
ACCOUNT_COLUMNS = ("bank_account", "customer_account")
RATE_COLUMNS = ("rate_date", "base", "quote", "rate", "source")
OUTPUT_COLUMNS = ("match_group_id", "payment_id", "item_id", "amount", "currency", "payment_amount",
                  "payment_currency", "discount", "deduction", "unapplied", "status", "confidence", "reason_codes")
REMITTANCE_COLUMNS = ("payment_reference", "payer_name", "payment_date", "amount", "currency", "document_number",
                      "paid_amount", "deduction", "note")
REMITTANCE_REQUIRED = ("document_number",)
MAX_ERRORS = 50


class InputError(ValueError):
    """Bad input; ``problems`` are lines naming the file, row and column."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _rows(path: Path, known: Sequence[str], required: Sequence[str]) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([f"{path}: cannot read the file ({exc.strerror})"]) from None
    return _table_rows(data, path, known, required)


def _table_rows(data: bytes, path: Path, known: Sequence[str],
                required: Sequence[str]) -> list[tuple[int, dict[str, Any]]]:
    try:
        table = read_table(data, filename=path.name)
    except FileFormatError as exc:
        where = f" row {exc.row}" if exc.row else ""
        raise InputError([f"{path}{where}: {exc}"]) from None
    targets, problems = resolve(table.headers, known, Mapping())
    messages = [f"{path}: column '{p.column}' {p.message}" for p in problems]
    missing = [c for c in required if c not in targets]
    if missing:
        messages.append(f"{path}: missing column(s) {', '.join(missing)} (columns: {', '.join(known)})")
    if messages:
        raise InputError(messages)
    out = []
    for row in table.rows:
        record: dict[str, Any] = {}
        for target, cell in zip(targets, row.cells, strict=False):
            if target is not None:
                record[target] = cell
        out.append((row.number, record))
    return out


class _Collector:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []
        #: currency -> (rows, first value) of whole amounts written with decimals (``1234.00 JPY``)
        self.with_decimals: dict[str, tuple[list[int], Decimal]] = {}

    def note_decimals(self, number: int, amount: Decimal | None, currency: str) -> None:
        if amount is not None and whole_written_with_decimals(amount, currency):
            rows, _example = self.with_decimals.setdefault(currency, ([], amount))
            rows.append(number)

    def warnings(self, column: str = "amount") -> list[str]:
        return [whole_written_with_decimals_warning(column, currency, rows, example, where=str(self.path))
                for currency, (rows, example) in self.with_decimals.items()]

    def get[T](self, number: int, record: dict[str, Any], column: str, parse: Callable[[Any], T],
               default: T | None = None, required: bool = True) -> T | None:
        raw = record.get(column)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                self.problems.append(f"{self.path} row {number}, column {column}: a value is required")
            return default
        try:
            return parse(raw)
        except (ValueError, MoneyError) as exc:
            self.problems.append(f"{self.path} row {number}, column {column}: {exc}")
            return default


def _code(cell: Any) -> str:
    return check_currency(cells.text(cell).upper())


def _written(cell: Any) -> Decimal | None:
    """The amount as written (``1234.00`` keeps its two decimals), for :func:`whole_written_with_decimals`."""
    try:
        return cells.decimal(cell)
    except ValueError:
        return None


def _amount(cell: Any, currency: str, col: _Collector | None = None, number: int = 0) -> Decimal:
    value = parse_amount(cell if isinstance(cell, Decimal | int) and not isinstance(cell, bool) else cells.text(cell),
                         currency)
    if col is not None:
        col.note_decimals(number, _written(cell), currency)
    return value


def _rate(cell: Any) -> Decimal:
    value = cells.decimal(cell)
    if not Decimal(0) <= value < 1:
        raise ValueError(f"'{cells.text(cell)}' is not a rate between 0 and 1 (2 % is 0.02)")
    return value


def _days(cell: Any) -> int:
    value = cells.decimal(cell)
    if value != value.to_integral_value() or value < 0:
        raise ValueError(f"'{cells.text(cell)}' is not a whole number of days")
    return int(value)


def _check_unique(path: Path, ids: list[tuple[int, str]], column: str, problems: list[str]) -> None:
    seen: dict[str, int] = {}
    for number, key in ids:
        if key in seen:
            problems.append(f"{path} row {number}, column {column}: '{key}' already appears in row {seen[key]}")
        seen.setdefault(key, number)


def read_items(path: Path, warnings: list[str] | None = None) -> list[OpenItem]:
    """The open items of a file; whole amounts of a currency without minor unit written with zero decimals
    (``1234.00 JPY``, as SAP exports them) are read and named in ``warnings``."""
    col = _Collector(path)
    items: list[OpenItem] = []
    ids: list[tuple[int, str]] = []
    for number, r in _rows(path, ITEM_COLUMNS, ITEM_REQUIRED):
        currency = col.get(number, r, "currency", _code) or ""
        amount = col.get(number, r, "amount", partial(_amount, currency=currency or "EUR", col=col, number=number))
        if amount is not None and amount == 0:
            col.problems.append(f"{path} row {number}, column amount: the open amount must not be zero "
                                "(negative for an open credit note)")
        item = dict(
            item_id=col.get(number, r, "item_id", cells.text),
            customer_account=col.get(number, r, "customer_account", cells.text),
            customer_name=col.get(number, r, "customer_name", cells.text),
            document_number=col.get(number, r, "document_number", cells.text),
            references=tuple(x.strip() for x in cells.text(r.get("references")).split(";") if x.strip()),
            document_date=col.get(number, r, "document_date", cells.date),
            due_date=col.get(number, r, "due_date", cells.date),
            discount_rate=col.get(number, r, "discount_rate", _rate, Decimal(0), required=False),
            discount_days=col.get(number, r, "discount_days", _days, 0, required=False),
        )
        if item["item_id"]:
            ids.append((number, str(item["item_id"])))
        if len(col.problems) >= MAX_ERRORS:
            break
        if not col.problems:
            value = amount or Decimal(0)
            items.append(OpenItem(currency=currency, amount=abs(value), is_credit=value < 0,
                                  **item))  # type: ignore[arg-type]
    _check_unique(path, ids, "item_id", col.problems)
    if col.problems:
        raise InputError(col.problems[:MAX_ERRORS])
    if warnings is not None:
        warnings += col.warnings()
    return items


def read_payments(path: Path, warnings: list[str] | None = None) -> list[Payment]:
    """The payments of a file; see :func:`read_items` for ``warnings``."""
    col = _Collector(path)
    payments: list[Payment] = []
    ids: list[tuple[int, str]] = []
    for number, r in _rows(path, PAYMENT_COLUMNS, PAYMENT_REQUIRED):
        currency = col.get(number, r, "currency", _code) or ""
        amount = col.get(number, r, "amount", partial(_amount, currency=currency or "EUR", col=col, number=number))
        pid = col.get(number, r, "payment_id", cells.text)
        date = col.get(number, r, "date", cells.date)
        if pid:
            ids.append((number, pid))
        if len(col.problems) >= MAX_ERRORS:
            break
        if not col.problems and pid and amount is not None and date is not None:
            payments.append(Payment(pid, cells.text(r.get("payer_name")), cells.text(r.get("payer_account")),
                                    cells.text(r.get("reference_text")), amount, currency, date))
    _check_unique(path, ids, "payment_id", col.problems)
    if col.problems:
        raise InputError(col.problems[:MAX_ERRORS])
    if warnings is not None:
        warnings += col.warnings()
    return payments


def read_accounts(path: Path) -> dict[str, str]:
    col = _Collector(path)
    out: dict[str, str] = {}
    for number, r in _rows(path, ACCOUNT_COLUMNS, ACCOUNT_COLUMNS):
        account = col.get(number, r, "bank_account", cells.text)
        customer = col.get(number, r, "customer_account", cells.text)
        if account and customer:
            out[account] = customer
    if col.problems:
        raise InputError(col.problems[:MAX_ERRORS])
    return out


def read_rates(path: Path) -> RateTable:
    col = _Collector(path)
    rows: list[tuple[str, str, dt.date, Decimal]] = []
    for number, r in _rows(path, RATE_COLUMNS, RATE_COLUMNS[:4]):
        day = col.get(number, r, "rate_date", cells.date)
        base = col.get(number, r, "base", _code)
        quote = col.get(number, r, "quote", _code)
        rate = col.get(number, r, "rate", cells.decimal)
        if rate is not None and rate <= 0:
            col.problems.append(f"{path} row {number}, column rate: a rate must be greater than zero")
        if day and base and quote and rate:
            rows.append((base, quote, day, rate))
    if col.problems:
        raise InputError(col.problems[:MAX_ERRORS])
    return RateTable.from_rows(rows)


def read_policy(path: Path) -> MatchingPolicy:
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except OSError as exc:
        raise InputError([f"{path}: cannot read the file ({exc.strerror})"]) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError([f"{path}: not valid JSON ({exc})"]) from None
    if not isinstance(data, dict):
        raise InputError([f"{path}: the policy is a JSON object of settings"])
    try:
        return policy_from_settings(data)
    except PolicyError as exc:
        raise InputError([f"{path}: '{k}': {v}" for k, v in exc.problems.items()]) from None


@dataclasses.dataclass(frozen=True)
class RemittanceRow:
    row: int
    payment_reference: str
    payer_name: str
    payment_date: dt.date | None
    amount: Decimal | None
    currency: str
    document_number: str
    paid_amount: Decimal | None
    deduction: Decimal | None
    note: str


def read_remittances(data: bytes, filename: str) -> list[RemittanceRow]:
    """Rows of a remittance advice file (CSV/XLSX); every problem names the row and column."""
    path = Path(filename or "remittances.csv")
    rows = _table_rows(data, path, REMITTANCE_COLUMNS, REMITTANCE_REQUIRED)
    col = _Collector(path)
    out = []
    for number, rec in rows:
        currency = col.get(number, rec, "currency", _code, default="", required=False) or ""
        money = partial(_amount, currency=currency or "EUR")
        reference = cells.text(rec.get("payment_reference") or "").strip()
        payer = cells.text(rec.get("payer_name") or "").strip()
        if not reference and not payer:
            col.problems.append(f"{path} row {number}: give a payment_reference or a payer_name")
        out.append(RemittanceRow(
            number, reference, payer, col.get(number, rec, "payment_date", cells.date, required=False),
            col.get(number, rec, "amount", money, required=False), currency,
            col.get(number, rec, "document_number", cells.text) or "",
            col.get(number, rec, "paid_amount", money, required=False),
            col.get(number, rec, "deduction", money, required=False),
            cells.text(rec.get("note") or "").strip()))
        if len(col.problems) >= MAX_ERRORS:
            break
    if col.problems:
        raise InputError(col.problems[:MAX_ERRORS])
    if not out:
        raise InputError([f"{path}: the file has no rows"])
    return out


def write_matches(proposals: Sequence[Proposal], payments: Sequence[Payment], items: Sequence[OpenItem]) -> str:
    by_payment = {p.payment_id: p for p in payments}
    currency = {it.item_id: it.currency for it in items}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(OUTPUT_COLUMNS)
    for n, proposal in enumerate(proposals, start=1):
        payment = by_payment[proposal.payment_id]
        group = f"M{n:06d}"
        codes = ";".join(proposal.reasons)
        if not proposal.links:
            writer.writerow((group, neutralised(proposal.payment_id), "", "", "", "", payment.currency, "", "",
                             proposal.unapplied, "unmatched", proposal.confidence, codes))
            continue
        status = "applied" if proposal.auto_apply else "suggested"
        for link in proposal.links:
            writer.writerow((group, neutralised(proposal.payment_id), neutralised(link.item_id), link.amount,
                             currency[link.item_id],
                             link.payment_amount, payment.currency, quantize(link.discount, currency[link.item_id]),
                             quantize(link.deduction, currency[link.item_id]),
                             proposal.unapplied, status, proposal.confidence, codes))
    return out.getvalue()
