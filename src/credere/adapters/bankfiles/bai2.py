"""BAI2 cash management balance reporting files (version 2).

Records: ``01`` file header, ``02`` group header (as-of date, currency), ``03`` account (account number,
currency, summary amounts such as ``010`` opening and ``015`` closing ledger), ``16`` transaction detail
(type code, amount in the currency's minor unit, funds type and availability, bank reference, customer
reference, text), ``88`` continuation, ``49``/``98``/``99`` trailers with control totals and record counts.

The records are read here line by line so that every error names its line. The ``bai2`` package's parser
checks control totals too, but its errors name no line and it refuses bank-specific type codes, so it is used
for its type-code table (``bai2.constants.TypeCodes``) and date/time parsing only. Checked here, each refusal
naming the record's line: record order; amounts are whole numbers; dates are real dates. Every ``49``/``98``/
``99`` control total (the sum of all amounts below it, summary and detail) and record count is checked too; one
that does not add up does not refuse the file but becomes a :class:`~.values.Discrepancy` of the statements it
covers (an account trailer's of its account, a group's or the file's of every account in it), and
``parse_statements(strict=True)`` refuses it.

Type codes 100–399 are credits (positive amounts), 400–699 debits (negative). ``890`` (non-monetary
information) with no amount is skipped; any other code in a ``16`` record is refused, since its direction is
unknown. Amounts are converted with the currency's ISO 4217 minor units (2 for USD/EUR/HUF, 0 for JPY, 3 for KWD…).
One :class:`~.values.Statement` per ``03`` account.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from bai2.constants import TypeCodes

from credere.domain.currencies import minor_units

from .values import Discrepancy, Statement, StatementError, Transaction

_RECORD_CODES = {"01", "02", "03", "16", "49", "88", "98", "99"}
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")
_NON_MONETARY = "890"
#: Type codes of returned items (a payment or deposited item that came back), credits and debits.
_RETURN_CODES = frozenset({"123", "168", "255", "256", "257", "266", "268", "423", "468", "555", "556", "557", "566",
                           "568"})


@dataclass
class _Record:
    code: str
    line: int
    #: The record's text as in the file: its own, its 88 continuations', and text wrapped onto further lines.
    lines: list[str]
    fields: list[str]
    #: Lines of text a bank wrapped without an 88 record; not records, so not counted in the trailers.
    wrapped: int = 0

    @property
    def count(self) -> int:
        """Records it takes in the trailers' record counts (itself and its 88 continuations)."""
        return len(self.lines) - self.wrapped

    @property
    def location(self) -> str:
        return f"line {self.line}"


@dataclass(frozen=True)
class _Mismatch:
    """A trailer's figure that the records below it do not give."""

    record: _Record
    what: str
    stated: int
    counted: int
    #: An amount in minor units (a control total), not a count.
    amount: bool


@dataclass
class _Account:
    record: _Record
    details: list[_Record] = field(default_factory=list)
    trailer: _Record | None = None
    mismatches: list[_Mismatch] = field(default_factory=list)


@dataclass
class _Group:
    record: _Record
    accounts: list[_Account] = field(default_factory=list)
    trailer: _Record | None = None
    mismatches: list[_Mismatch] = field(default_factory=list)


#: Where one physical line holds several records: a ``/`` followed by the next record's code (``…,/16,165,…``).
_PACKED = re.compile(r"/(?=(?:01|02|03|49|98|99),|16,\d{3},|88,)")


def _physical_records(text: str) -> list[tuple[int, str]]:
    """Each record with the number of the line it is on; a line holding several ``/``-ended records is split."""
    found = []
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        line = raw.strip()
        if line:
            parts = _PACKED.split(line)
            found += [(number, part + "/" if index < len(parts) - 1 else part) for index, part in enumerate(parts)]
    return found


def _records(text: str) -> list[_Record]:
    records: list[_Record] = []
    previous_closed = True
    combined = ""
    for number, line in _physical_records(text):
        code = line[:2]
        if code not in _RECORD_CODES or (len(line) > 2 and line[2] != ","):
            if records and records[-1].code == "16" and not previous_closed:
                # A bank wrapped the 16 record's text onto the next line without an 88 record.
                record = records[-1]
                record.lines.append(line)
                record.wrapped += 1
                content = line[:-1] if line.endswith("/") else line
                record.fields = (",".join(record.fields) + " " + content).split(",")
                previous_closed = line.endswith("/")
                continue
            raise StatementError(f"line {number}", f"{line[:12]!r} does not start with a BAI2 record code (01, 02, 03, 16, 49, 88, 98, 99)")
        content = line[3:]
        closed = content.endswith("/")
        if closed:
            content = content[:-1]
        if code == "88":
            if not records:
                raise StatementError(f"line {number}", "a continuation (88) record before any other record")
            record = records[-1]
            record.lines.append(line)
            combined = ",".join(record.fields)
            combined += ("," if previous_closed else " ") + content
            record.fields = combined.split(",")
        else:
            records.append(_Record(code, number, [line], content.split(",")))
        previous_closed = closed
    return records


def _integer(record: _Record, index: int, name: str, *, required: bool = True) -> int | None:
    value = record.fields[index].strip() if index < len(record.fields) else ""
    if not value:
        if required:
            raise StatementError(record.location, f"{record.code} record: the {name} is missing")
        return None
    if not _INTEGER.match(value):
        raise StatementError(record.location, f"{record.code} record: the {name} {value!r} is not a whole number")
    return int(value)


def _field(record: _Record, index: int) -> str:
    return record.fields[index].strip() if index < len(record.fields) else ""


def _date(record: _Record, index: int, name: str) -> dt.date | None:
    value = _field(record, index)
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%y%m%d").date()  # noqa: DTZ007 (a date, no time zone involved)
    except ValueError:
        raise StatementError(record.location, f"{record.code} record: the {name} {value!r} is not a date (YYMMDD)") from None


def _time(record: _Record, index: int) -> dt.time:
    value = _field(record, index)
    if value in {"", "2400", "9999"}:
        return dt.time(23, 59, 59) if value else dt.time(0, 0)
    try:
        return dt.datetime.strptime(value.replace(":", "")[:4], "%H%M").time()  # noqa: DTZ007
    except ValueError:
        raise StatementError(record.location, f"{record.code} record: the time {value!r} is not a time (HHMM)") from None


def _availability(record: _Record, fields: list[str], position: int, funds_type: str) -> tuple[int, dt.date | None, list[int]]:
    """Skip the availability fields of a funds type; return the next position, a value date, and amounts."""
    if funds_type == "S":
        amounts = [_integer(record, position + offset, "availability amount", required=False) or 0 for offset in range(3)]
        return position + 3, None, amounts
    if funds_type == "V":
        return position + 2, _date(record, position, "value date"), []
    if funds_type == "D":
        count = _integer(record, position, "number of availability distributions") or 0
        if count < 0 or count > 100:
            raise StatementError(record.location, f"{record.code} record: {count} availability distributions is not plausible")
        amounts = [_integer(record, position + 2 + 2 * i, "availability amount", required=False) or 0 for i in range(count)]
        return position + 1 + 2 * count, None, amounts
    if funds_type not in {"", "0", "1", "2", "Z"}:
        raise StatementError(record.location, f"{record.code} record: the funds type {funds_type!r} is not 0, 1, 2, S, V, D or Z")
    return position, None, []


class _Reader:
    """Walks the records in order, building groups and accounts and checking each trailer as it comes."""

    def __init__(self) -> None:
        self.groups: list[_Group] = []
        self.group: _Group | None = None
        self.account: _Account | None = None
        self.trailer: _Record | None = None
        self.mismatches: list[_Mismatch] = []

    def add(self, record: _Record) -> None:
        if self.trailer is not None:
            raise StatementError(record.location, f"a {record.code} record after the 99 file trailer")
        handler = {
            "02": self._group_header, "03": self._account_header, "16": self._detail, "49": self._account_trailer,
            "98": self._group_trailer, "99": self._file_trailer,
        }.get(record.code)
        if handler is None:
            raise StatementError(record.location, "a second 01 file header")
        handler(record)

    def _group_header(self, record: _Record) -> None:
        if self.group is not None:
            raise StatementError(record.location, "a 02 group header before the previous group's 98 trailer")
        self.group = _Group(record)

    def _account_header(self, record: _Record) -> None:
        if self.group is None or self.account is not None:
            raise StatementError(record.location, "a 03 account record outside a group or before the previous account's 49 trailer")
        self.account = _Account(record)

    def _detail(self, record: _Record) -> None:
        if self.account is None:
            raise StatementError(record.location, "a 16 transaction detail outside an account (03 … 49)")
        self.account.details.append(record)

    def _account_trailer(self, record: _Record) -> None:
        if self.account is None or self.group is None:
            raise StatementError(record.location, "a 49 account trailer without its 03 account record")
        self.account.trailer = record
        self.group.accounts.append(self.account)
        self.account = None

    def _group_trailer(self, record: _Record) -> None:
        if self.group is None or self.account is not None:
            raise StatementError(record.location, "a 98 group trailer without its 02 header, or inside an account")
        self.group.mismatches = _check_group(self.group, record)
        self.group.trailer = record
        self.groups.append(self.group)
        self.group = None

    def _file_trailer(self, record: _Record) -> None:
        if self.group is not None:
            raise StatementError(record.location, "the 99 file trailer comes before the last group's 98 trailer")
        self.trailer = record


def _structure(records: list[_Record]) -> tuple[_Record, list[_Group], _Record, list[_Mismatch]]:
    if not records or records[0].code != "01":
        raise StatementError(records[0].location if records else "", "a BAI2 file starts with a 01 file header")
    header = records[0]
    reader = _Reader()
    for record in records[1:]:
        reader.add(record)
    if reader.trailer is None:
        raise StatementError(records[-1].location, "the file ends without its 99 file trailer; is it cut off?")
    reader.mismatches = _check_file(header, reader.groups, reader.trailer)
    return header, reader.groups, reader.trailer, reader.mismatches


def _amounts(record: _Record) -> list[int]:
    """Every amount of a 03 or 16 record, as counted in the control totals."""
    if record.code == "16":
        return [_integer(record, 1, "amount", required=False) or 0]
    amounts: list[int] = []
    position = 2
    while position < len(record.fields):
        if not any(_field(record, i) for i in range(position, len(record.fields))):
            break
        amounts.append(_integer(record, position + 1, "summary amount", required=False) or 0)
        position, _, _ = _availability(record, record.fields, position + 4, _field(record, position + 3))
    return amounts


def _account_total(account: _Account) -> tuple[int, int]:
    total = sum(_amounts(account.record)) + sum(sum(_amounts(detail)) for detail in account.details)
    records = account.record.count + sum(detail.count for detail in account.details)
    return total, records + (account.trailer.count if account.trailer else 0)


def _check(found: list[_Mismatch], record: _Record, what: str, stated: int | None, counted: int, *,
           amount: bool = False) -> None:
    assert stated is not None  # _integer(required=True) refuses a missing figure
    if stated != counted:
        found.append(_Mismatch(record, what, stated, counted, amount))


def _check_group(group: _Group, trailer: _Record) -> list[_Mismatch]:
    total = 0
    records = group.record.count + trailer.count
    found: list[_Mismatch] = []
    for account in group.accounts:
        assert account.trailer is not None
        account_total, account_records = _account_total(account)
        _check(account.mismatches, account.trailer, "account control total",
               _integer(account.trailer, 0, "account control total"), account_total, amount=True)
        _check(account.mismatches, account.trailer, "number of records",
               _integer(account.trailer, 1, "number of records"), account_records)
        total += account_total
        records += account_records
    _check(found, trailer, "group control total", _integer(trailer, 0, "group control total"), total, amount=True)
    _check(found, trailer, "number of accounts", _integer(trailer, 1, "number of accounts"), len(group.accounts))
    _check(found, trailer, "number of records", _integer(trailer, 2, "number of records"), records)
    return found


def _check_file(header: _Record, groups: list[_Group], trailer: _Record) -> list[_Mismatch]:
    total = 0
    records = header.count + trailer.count
    found: list[_Mismatch] = []
    for group in groups:
        assert group.trailer is not None
        total += _integer(group.trailer, 0, "group control total") or 0
        records += _integer(group.trailer, 2, "number of records") or 0
    _check(found, trailer, "file control total", _integer(trailer, 0, "file control total"), total, amount=True)
    _check(found, trailer, "number of groups", _integer(trailer, 1, "number of groups"), len(groups))
    _check(found, trailer, "number of records", _integer(trailer, 2, "number of records"), records)
    return found


def _discrepancy(mismatch: _Mismatch, units: int) -> Discrepancy:
    record = mismatch.record
    scale = Decimal(10) ** units
    return Discrepancy(
        location=record.location,
        what=mismatch.what,
        expected=(Decimal(mismatch.counted) / scale).quantize(Decimal(1).scaleb(-units)) if mismatch.amount else None,
        stated=(Decimal(mismatch.stated) / scale).quantize(Decimal(1).scaleb(-units)) if mismatch.amount else None,
        message=f"{record.code} record: the {mismatch.what} is {mismatch.stated}, but the records give {mismatch.counted}",
    )


def _minor_units(currency: str, record: _Record) -> int:
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise StatementError(record.location, f"{record.code} record: the currency {currency!r} is not an ISO 4217 code")
    return minor_units(currency)


def _transaction(record: _Record, *, currency: str, units: int, as_of: dt.date) -> Transaction | None:
    type_code = _field(record, 0)
    if not re.fullmatch(r"\d{3}", type_code):
        raise StatementError(record.location, f"16 record: the type code {type_code!r} is not three digits")
    cents = _integer(record, 1, "amount", required=False)
    number = int(type_code)
    if type_code == _NON_MONETARY and not cents:
        return None
    if 100 <= number <= 399:
        sign = 1
    elif 400 <= number <= 699:
        sign = -1
    else:
        known = TypeCodes.get(type_code)
        description = f" ({known.description})" if known else ""
        raise StatementError(record.location, f"16 record: type code {type_code}{description} is neither a credit (100-399) nor a debit (400-699)")
    if cents is None:
        raise StatementError(record.location, "16 record: the amount is missing")
    if cents < 0:
        raise StatementError(record.location, f"16 record: the amount {cents} is negative; the type code gives the direction")
    position, value_date, _ = _availability(record, record.fields, 3, _field(record, 2))
    bank_reference = _field(record, position)
    customer_reference = _field(record, position + 1)
    text = " ".join(",".join(record.fields[position + 2:]).split())
    amount = (Decimal(cents) / (Decimal(10) ** units)).quantize(Decimal(1).scaleb(-units)) * sign
    return Transaction(
        booking_date=as_of,
        value_date=value_date,
        amount=amount,
        currency=currency,
        remittance=text,
        references=(customer_reference,) if customer_reference else (),
        bank_reference=bank_reference,
        type_code=type_code,
        raw="\n".join(record.lines),
        return_reason=_return_reason(type_code),
        returned_reference=(customer_reference or bank_reference) if type_code in _RETURN_CODES else "",
    )


def _return_reason(type_code: str) -> str:
    """``555 Deposited Item Returned`` for a return type code, else nothing."""
    if type_code not in _RETURN_CODES:
        return ""
    known = TypeCodes.get(type_code)
    return f"{type_code} {known.description}" if known else type_code


def _balances(record: _Record, units: int) -> tuple[Decimal | None, Decimal | None]:
    opening = closing = None
    position = 2
    while position < len(record.fields):
        if not any(_field(record, i) for i in range(position, len(record.fields))):
            break
        code = _field(record, position)
        amount = _integer(record, position + 1, "summary amount", required=False)
        if amount is not None and code in {"010", "015"}:
            value = Decimal(amount) / (Decimal(10) ** units)
            if code == "010":
                opening = value
            else:
                closing = value
        position, _, _ = _availability(record, record.fields, position + 4, _field(record, position + 3))
    return opening, closing


def parse_bai2(data: bytes) -> list[Statement]:
    """Read every account of a BAI2 file; one Statement per ``03`` account record."""
    text = data.removeprefix(b"\xef\xbb\xbf").decode("latin-1")
    records = _records(text)
    header, groups, _trailer, file_mismatches = _structure(records)
    version = _field(header, 7)
    if version and version != "2":
        raise StatementError(header.location, f"01 record: version {version!r} is not BAI2 (2)")
    created_date = _date(header, 2, "creation date")
    created = dt.datetime.combine(created_date, _time(header, 3)) if created_date else None
    file_id = _field(header, 4)
    statements: list[Statement] = []
    for group in groups:
        as_of = _date(group.record, 3, "as-of date")
        if as_of is None:
            raise StatementError(group.record.location, "02 record: the as-of date is missing")
        group_currency = _field(group.record, 5) or "USD"
        modifier = _field(group.record, 6)
        kind = "report" if modifier in {"1", "3"} else "statement"
        for account in group.accounts:
            number = _field(account.record, 0)
            if not number:
                raise StatementError(account.record.location, "03 record: the account number is missing")
            currency = _field(account.record, 1) or group_currency
            units = _minor_units(currency, account.record)
            opening, closing = _balances(account.record, units)
            transactions = [
                tx for detail in account.details
                if (tx := _transaction(detail, currency=currency, units=units, as_of=as_of)) is not None
            ]
            statements.append(
                Statement(
                    format="bai2",
                    kind=kind,
                    statement_id=file_id,
                    account=number,
                    currency=currency,
                    created=created,
                    from_date=as_of,
                    to_date=as_of,
                    opening_balance=opening,
                    closing_balance=closing,
                    transactions=tuple(transactions),
                    discrepancies=tuple(
                        _discrepancy(mismatch, units)
                        for mismatch in [*account.mismatches, *group.mismatches, *file_mismatches]
                    ),
                )
            )
    return statements
