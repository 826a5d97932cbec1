"""CSV exports from online banking, read through a column mapping.

A :class:`CsvMapping` names the columns (by their header text) that hold each field. Without one, the header is
matched against common English and German column names (``Buchungstag``, ``Betrag``, ``Verwendungszweck``…),
the date format is found from the booking dates, and the decimal separator from the amounts. A bank's mapping
can be stored as JSON with :meth:`CsvMapping.to_dict` / :meth:`CsvMapping.from_dict`.

The header row is the first row that contains the booking-date column (some banks put a few lines of account
information above it). Rows are numbered as lines of the file, the header being row 1 when it is the first
line, so ``row 5`` is what a spreadsheet shows as row 5. Every error names the row and the column.

One :class:`~.values.Statement` per own account found in the file (a column, or ``default_account``).
Encoding: UTF-8 with or without BOM, otherwise Windows-1252.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .values import Statement, StatementError, Transaction

ISO_DATE = "%Y-%m-%d"
_DATE_FORMATS = (ISO_DATE, "%d.%m.%Y", "%d.%m.%y", "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%Y%m%d")
_HEADER_SEARCH_ROWS = 30

#: Header names recognised without a mapping, normalised (lower case, umlauts spelt out, letters and digits only).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "booking_date": ("bookingdate", "date", "buchungstag", "buchungsdatum", "transactiondate", "postingdate", "datum"),
    "value_date": ("valuedate", "valuta", "valutadatum", "wertstellung", "wertstellungsdatum"),
    "amount": ("amount", "betrag", "betrageur", "umsatz", "transactionamount"),
    "credit": ("credit", "haben", "gutschrift", "creditamount", "paidin", "moneyin"),
    "debit": ("debit", "soll", "lastschrift", "debitamount", "paidout", "moneyout"),
    "currency": ("currency", "waehrung", "wahrung", "ccy"),
    "counterparty_name": (
        "name", "payer", "payee", "counterparty", "counterpartyname", "auftraggeber", "beguenstigter", "empfaenger",
        "beguenstigterzahlungspflichtiger", "auftraggeberbeguenstigter", "nameauftraggeberbeguenstigter",
        "zahlungspflichtiger", "zahlungsbeteiligter", "payerpayee", "payername",
    ),
    "counterparty_account": (
        "iban", "account", "counterpartyaccount", "counterpartyiban", "kontonummeriban", "kontonummer", "ibanauftraggeber",
        "payeraccount",
    ),
    "remittance": ("reference", "purpose", "verwendungszweck", "description", "remittance", "remittanceinformation", "details"),
    "bank_reference": ("bankreference", "transactionid", "transactionreference", "bankreferenz", "primanota"),
    "end_to_end_id": ("endtoendid", "endtoendreference", "kundenreferenzendtoend", "endtoendreferenz"),
    "account": ("auftragskonto", "ownaccount", "owniban", "accountiban", "ownaccountiban"),
}


@dataclass(frozen=True)
class CsvMapping:
    """Which column (by header text) holds which field. Empty means "not in the file"."""

    booking_date: str
    amount: str = ""
    credit: str = ""
    debit: str = ""
    value_date: str = ""
    currency: str = ""
    default_currency: str = ""
    counterparty_name: str = ""
    counterparty_account: str = ""
    remittance: str = ""
    bank_reference: str = ""
    end_to_end_id: str = ""
    account: str = ""
    default_account: str = ""
    date_format: str = ISO_DATE
    decimal_comma: bool = False
    #: Empty: detected from the file (``;``, ``,`` or tab).
    delimiter: str = ""

    def __post_init__(self) -> None:
        if not self.booking_date:
            raise StatementError("CSV mapping", "the booking date column is required")
        if not self.amount and not (self.credit or self.debit):
            raise StatementError("CSV mapping", "give either a signed amount column or credit/debit columns")
        if self.amount and (self.credit or self.debit):
            raise StatementError("CSV mapping", "give either a signed amount column or credit/debit columns, not both")
        if not self.currency and not self.default_currency:
            raise StatementError("CSV mapping", "give a currency column or a default currency")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CsvMapping:
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise StatementError("CSV mapping", f"unknown field(s): {', '.join(unknown)}")
        for name, value in data.items():
            expected = bool if name == "decimal_comma" else str
            if not isinstance(value, expected):
                raise StatementError("CSV mapping", f"{name} must be a {expected.__name__}, not {type(value).__name__}")
        return cls(**data)

    def columns(self) -> dict[str, str]:
        """Field name → column, for the fields read from a column."""
        names = ("booking_date", "value_date", "amount", "credit", "debit", "currency", "counterparty_name",
                 "counterparty_account", "remittance", "bank_reference", "end_to_end_id", "account")
        return {name: getattr(self, name) for name in names if getattr(self, name)}


def normalise_header(text: str) -> str:
    text = text.strip().lower()
    for umlaut, spelt in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelt)
    return re.sub(r"[^a-z0-9]", "", text)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _delimiter(text: str, mapping: CsvMapping | None) -> str:
    if mapping and mapping.delimiter:
        return mapping.delimiter
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        header = max(text.splitlines()[:_HEADER_SEARCH_ROWS] or [""], key=lambda line: max(line.count(d) for d in ";,\t"))
        counts = {d: header.count(d) for d in ";,\t"}
        best = max(counts, key=lambda d: counts[d])
        if not counts[best]:
            raise StatementError("", "the CSV file has no ; , or tab delimiter") from None
        return best


@dataclass
class _Row:
    number: int
    cells: list[str]
    raw: str


def _rows(text: str, delimiter: str) -> list[_Row]:
    lines = text.splitlines(keepends=True)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[_Row] = []
    previous = 0
    try:
        for cells in reader:
            start = previous + 1
            raw = "".join(lines[previous:reader.line_num]).rstrip("\r\n")
            previous = reader.line_num
            if any(cell.strip() for cell in cells):
                rows.append(_Row(start, cells, raw))
    except csv.Error as error:
        raise StatementError(f"row {previous + 1}", f"the CSV is malformed: {error}") from None
    return rows


def _auto_mapping(header: list[str], rows: list[_Row]) -> CsvMapping:
    normalised = {normalise_header(cell): cell for cell in header if cell.strip()}
    found: dict[str, str] = {}
    for name, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            if alias in normalised and normalised[alias] not in found.values():
                found[name] = normalised[alias]
                break
    if "booking_date" not in found:
        raise StatementError("row 1", f"no booking date column recognised among {', '.join(repr(c) for c in header)}; give a CSV mapping")
    if "amount" in found:
        found.pop("credit", None)
        found.pop("debit", None)
    elif not ("credit" in found or "debit" in found):
        raise StatementError("row 1", f"no amount (or credit/debit) column recognised among {', '.join(repr(c) for c in header)}; give a CSV mapping")
    index = {cell: position for position, cell in enumerate(header)}
    amount_columns = [found[name] for name in ("amount", "credit", "debit") if name in found]
    amounts = [row.cells[index[column]].strip() for row in rows for column in amount_columns if index[column] < len(row.cells)]
    decimal_comma = any(re.search(r",\d{1,2}-?$", value) for value in amounts) and not any(
        re.search(r"\.\d{1,2}-?$", value) for value in amounts
    )
    dates = [row.cells[index[found["booking_date"]]].strip() for row in rows if index[found["booking_date"]] < len(row.cells)]
    date_format = _guess_date_format([d for d in dates if d], found["booking_date"])
    return CsvMapping(
        **found,
        default_currency="" if "currency" in found else "EUR",
        date_format=date_format,
        decimal_comma=decimal_comma,
    )


def _guess_date_format(dates: list[str], column: str) -> str:
    if not dates:
        return ISO_DATE
    fitting = []
    for date_format in _DATE_FORMATS:
        try:
            for value in dates:
                dt.datetime.strptime(value, date_format)  # noqa: DTZ007 (a date, no time zone involved)
        except ValueError:
            continue
        fitting.append(date_format)
    if not fitting:
        example = dates[0] if dates else ""
        raise StatementError(f"column {column!r}", f"dates like {example!r} are in no known format; give a date format in the CSV mapping")
    if "%d/%m/%Y" in fitting and "%m/%d/%Y" in fitting:
        raise StatementError(
            f"column {column!r}",
            f"dates like {dates[0]!r} could be day/month or month/day; give a date format in the CSV mapping",
        )
    return fitting[0]


def _amount(text: str, decimal_comma: bool, where: str) -> Decimal | None:
    value = text.strip().replace("\u00a0", "").replace(" ", "").replace("'", "")
    if not value:
        return None
    negative = value.endswith("-") or (value.startswith("(") and value.endswith(")"))
    value = value.strip("()").rstrip("-")
    value = re.sub(r"^[A-Z]{3}|[A-Z]{3}$|[€$£]", "", value)
    if decimal_comma:
        value = value.replace(".", "").replace(",", ".")
    else:
        value = value.replace(",", "")
    if not re.fullmatch(r"[+-]?\d{1,18}(\.\d{1,6})?", value):
        raise StatementError(where, f"{text.strip()!r} is not an amount")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise StatementError(where, f"{text.strip()!r} is not an amount") from None
    return -amount if negative else amount


def _date(text: str, date_format: str, where: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), date_format).date()  # noqa: DTZ007 (a date, no time zone involved)
    except ValueError:
        raise StatementError(where, f"{text.strip()!r} is not a date in the format {date_format}") from None


def _find_header(rows: list[_Row], mapping: CsvMapping | None) -> int:
    for position, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        cells = [cell.strip() for cell in row.cells]
        if mapping is not None:
            if mapping.booking_date in cells:
                return position
        elif any(normalise_header(cell) in HEADER_ALIASES["booking_date"] for cell in cells):
            return position
    if mapping is not None:
        raise StatementError("header", f"no row within the first {_HEADER_SEARCH_ROWS} has the booking date column {mapping.booking_date!r}")
    raise StatementError("header", "no header row with a booking date column (Date, Booking date, Buchungstag…) found; give a CSV mapping")


def _transaction(row: _Row, header: dict[str, int], mapping: CsvMapping) -> tuple[str, Transaction]:
    def cell(name: str) -> tuple[str, str]:
        column = getattr(mapping, name)
        if not column:
            return "", ""
        return row.cells[header[column]].strip(), f"row {row.number}, column {column!r}"

    booking_text, where = cell("booking_date")
    if not booking_text:
        raise StatementError(where, "the booking date is empty")
    booking_date = _date(booking_text, mapping.date_format, where)
    value_text, where = cell("value_date")
    value_date = _date(value_text, mapping.date_format, where) if value_text else None
    if mapping.amount:
        text, where = cell("amount")
        amount = _amount(text, mapping.decimal_comma, where)
        if amount is None:
            raise StatementError(where, "the amount is empty")
    else:
        credit_text, credit_where = cell("credit")
        debit_text, debit_where = cell("debit")
        credit = _amount(credit_text, mapping.decimal_comma, credit_where) if credit_text else None
        debit = _amount(debit_text, mapping.decimal_comma, debit_where) if debit_text else None
        if credit is None and debit is None:
            raise StatementError(f"row {row.number}", "both the credit and the debit column are empty")
        amount = abs(credit or Decimal(0)) - abs(debit or Decimal(0))
    currency = cell("currency")[0].upper() or mapping.default_currency.upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise StatementError(cell("currency")[1] or f"row {row.number}", f"{currency!r} is not an ISO 4217 currency code")
    account = cell("account")[0] or mapping.default_account
    return account, Transaction(
        booking_date=booking_date,
        value_date=value_date,
        amount=amount,
        currency=currency,
        counterparty_name=" ".join(cell("counterparty_name")[0].split()),
        counterparty_account=cell("counterparty_account")[0].replace(" ", ""),
        remittance=" ".join(cell("remittance")[0].split()),
        bank_reference=cell("bank_reference")[0],
        end_to_end_id="" if cell("end_to_end_id")[0].upper() in {"NOTPROVIDED", "NONREF"} else cell("end_to_end_id")[0],
        raw=row.raw,
    )


def parse_csv(data: bytes, mapping: CsvMapping | None = None) -> list[Statement]:
    """Read a CSV bank export; with no mapping, common English and German headers are recognised."""
    text = _decode(data)
    rows = _rows(text, _delimiter(text, mapping))
    header_position = _find_header(rows, mapping)
    header_row = rows[header_position]
    header_cells = [cell.strip() for cell in header_row.cells]
    body = rows[header_position + 1:]
    if mapping is None:
        mapping = _auto_mapping(header_cells, body)
    header = {cell: position for position, cell in enumerate(header_cells) if cell}
    for name, column in mapping.columns().items():
        if column not in header:
            raise StatementError(
                f"row {header_row.number}",
                f"the column {column!r} ({name.replace('_', ' ')}) is not in the header: {', '.join(repr(c) for c in header_cells)}",
            )
    by_account: dict[str, list[Transaction]] = {}
    for row in body:
        if len(row.cells) < len(header_cells):
            raise StatementError(f"row {row.number}", f"the row has {len(row.cells)} columns, the header has {len(header_cells)}")
        account, transaction = _transaction(row, header, mapping)
        by_account.setdefault(account, []).append(transaction)
    statements = []
    for account, transactions in by_account.items():
        statements.append(
            Statement(
                format="csv",
                kind="statement",
                statement_id="",
                account=account,
                currency=transactions[0].currency,
                from_date=min(tx.booking_date for tx in transactions),
                to_date=max(tx.booking_date for tx in transactions),
                transactions=tuple(transactions),
            )
        )
    return statements
