"""SWIFT MT940 (end-of-day statement) and MT942 (intraday report).

The file is split into tags by this module, line by line, so that every error can name its line, and each
tag is read here (the ``mt940`` package is lenient — it drops unknown text, tags before ``:20:``, ``:86:``
without a ``:61:`` and takes ``',,5'`` for an amount until :class:`decimal.Decimal` fails — and its ``:61:``
grammar cuts references at SWIFT's 16 characters, which real files exceed). The structure is checked:

* every statement starts with ``:20:`` and has a ``:25:`` account;
* an MT940 statement has an opening (``:60F:``/``:60M:``) and a closing (``:62F:``/``:62M:``) balance; when the
  opening plus the ``:61:`` amounts is not the closing balance, the statement carries a
  :class:`~.values.Discrepancy` naming the difference (``parse_statements(strict=True)`` refuses it);
* an MT942 whose ``:90D:``/``:90C:`` totals do not match its ``:61:`` lines carries a discrepancy the same way;
* every amount is digits with a decimal comma, every date is a real date.

What real banks send is read as well:

* a bank header before each message (a line ``:940:``, ``940``, a BIC such as ``ABNANL2A``, ``0000 01ABNANL2AXXXX…``)
  is skipped, as are SOH/ETX framing characters and SWIFT block envelopes (``{1:F01…}{2:O940…}{3:{108:…}}{4:``
  … ``-}`` and a ``{5:…}`` trailer); a file may hold several messages;
* a ``:61:`` customer reference longer than SWIFT's 16 characters (a Dutch bank writes the payer's IBAN there)
  and the bank reference after ``//`` are read whole, up to the end of the line;
* amounts padded with zeros beyond SWIFT's 15 characters (``:60F:C260301EUR000000000001234,56``) are read;
* a bank counting 30-day months may write 30 February or 31 April: the month's last day is taken, and the
  transaction's remittance says so (``value date 30.02 read as 28.02``) so that the clerk sees it;
* a line inside ``:86:`` text that looks like a tag (``:20:``, ``:ABC:``) is text unless it is a tag that may
  follow ``:86:`` there (``:61:``, ``:62F:``/``:62M:``, ``:64:``, ``:65:``, ``:86:``, ``:90D:``/``:90C:``, and
  ``:20:`` after the statement's own closing information).

``:86:`` details are read in three shapes: German structured fields (``166?00…?20…?29…?30…?31…?32…``, with the
SEPA keywords ``EREF+``, ``SVWZ+``… in the purpose), slash-coded fields (``/EREF/…/REMI/…/NAME/…/IBAN/…``),
and free text, which becomes the remittance as it stands.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from .swift_details import Details, details_of
from .values import CLOSING_BALANCE, NO_REFERENCE, Discrepancy, Statement, StatementError, Transaction

_TAG = re.compile(r"^:(\d{2}[A-Z]?|NS):")
#: A SWIFT block: {1: basic header, {2: application header, {3: user header, {4: text, {5: trailer.
_ENVELOPE = re.compile(r"^\{[1-5]:")
_AMOUNT = re.compile(r"^\d+(,\d*)?$")
#: SWIFT's 15 characters for an amount (digits and the comma), leading zeros not counted.
_AMOUNT_LENGTH = 15
#: The ``:61:`` statement line's first line; its second line (supplementary details) is read apart.
_STATEMENT_LINE = re.compile(
    r"^(?P<year>\d{2})(?P<month>\d{2})(?P<day>\d{2})"  # value date YYMMDD
    r"(?:(?P<entry_month>\d{2})(?P<entry_day>\d{2})|\s{4})?"  # [entry date MMDD]
    r"(?P<status>R?[DC])(?P<funds_code>[A-Z])?"  # D, C, RD, RC; [funds code]
    r"[ ]?(?P<amount>[\d,]+)"
    r"(?P<id>[A-Z][A-Z0-9 ]{3})?"  # transaction type, e.g. NTRF
    r"(?P<customer_reference>(?:(?!//).)*)"  # 16x in SWIFT; longer (an IBAN) in real files
    r"(?://(?P<bank_reference>.*))?$",  # 16x in SWIFT; read to the end of the line
    re.IGNORECASE,
)
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_BALANCE = re.compile(
    r"^(?P<status>[DC])(?P<year>\d{2})(?P<month>\d{2})(?P<day>\d{2})(?P<currency>.{3})(?P<amount>[\d,]*)$"
)
#: Tags that may follow a transaction's ``:86:`` text; any other tag-like line inside it is text.
_AFTER_TRANSACTION_INFO = frozenset({"61", "62F", "62M", "62", "64", "65", "86", "90D", "90C"})
#: Tags after which an ``:86:`` is the statement's own information, so the next message's ``:20:`` may follow.
_CLOSING_TAGS = frozenset({"62F", "62M", "62", "64", "65", "90D", "90C"})
_SUM_ENTRIES = re.compile(r"^(?P<number>\d{0,5})(?P<currency>[A-Z]{3})(?P<amount>[\d,]{1,16})$")
_FLOOR_LIMIT = re.compile(r"^(?P<currency>[A-Z]{3})(?P<status>[DC]?)(?P<amount>[\d,]{1,16})$")
_DATETIME_INDICATION = re.compile(r"^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})([+-]\d{4})?$")



@dataclass
class _Tag:
    name: str
    line: int
    lines: list[str]

    @property
    def value(self) -> str:
        return "\n".join(self.lines)


@dataclass
class _Block:
    tags: list[_Tag] = field(default_factory=list)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _lines(text: str) -> list[tuple[int, str]]:
    """The text's lines with their numbers; SOH (\\x01) and ETX (\\x03) framing characters around each
    message end a line too (``-}\\x03\\x01{1:…``), keeping the physical line's number."""
    numbered = []
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        numbered += [(number, part) for part in line.replace("\x01", "\x03").split("\x03")]
    return numbered


def _continues_info(tags: list[_Tag], name: str, next_name: str) -> bool:
    """Whether a tag-like line ``:name:`` inside an ``:86:`` is text of that :86: rather than a new tag.

    ``next_name`` is the next tag-like line's name: a ``:20:`` followed by ``:21:`` or ``:25:`` starts the next
    message (an MT942 may end with a transaction's :86: and no ``-``).
    """
    if name in _AFTER_TRANSACTION_INFO:
        return False
    if name != "20":
        return True
    # After the statement's closing information, an :86: may be followed by the next message's :20:.
    return not (len(tags) >= 2 and tags[-2].name in _CLOSING_TAGS) and next_name not in {"21", "25"}


def _next_tag_name(lines: list[tuple[int, str]], start: int) -> str:
    """The name of the first tag-like line from ``start`` on (a few lines ahead at most), else ``""``."""
    for _number, line in lines[start:start + 5]:
        match = _TAG.match(line)
        if match:
            return match.group(1)
    return ""


def _tags(text: str) -> list[_Tag]:
    """Split the text into tags with the line number each starts on; continuation lines join their tag.

    Text between messages (a bank header before ``:20:``, envelope blocks, the ``-`` that ends a message) is
    skipped; text before the first tag that is not followed by a ``:20:`` is refused.
    """
    found: list[_Tag] = []
    #: Lines after the end of a message (or the file's start) that no tag has claimed yet: a bank header.
    header: list[tuple[int, str]] = []
    between = True
    lines = _lines(text)
    for index, (number, raw_line) in enumerate(lines):
        line = raw_line.rstrip()
        if _ENVELOPE.match(line):
            # SWIFT envelope ({1:…}{2:…}{3:{108:…}}{4:) before the message text; {5:…} trailers after it.
            line = line.partition("{4:")[2]
            between = True
        if line.startswith("-") and set(line) <= {"-", "}"} or line.startswith("-}"):
            between = True
            continue
        match = _TAG.match(line)
        if (match and found and found[-1].name == "86" and not between
                and _continues_info(found, match.group(1), _next_tag_name(lines, index + 1))):
            found[-1].lines.append(line)
            continue
        if match:
            if header and match.group(1) != "20":
                first_number, first_line = header[0]
                raise StatementError(f"line {first_number}", f"text before the first tag: {first_line[:40]!r}")
            header = []
            between = False
            found.append(_Tag(match.group(1), number, [line[match.end():]]))
        elif not line.strip():
            continue
        elif found and not between:
            found[-1].lines.append(line)
        else:
            header.append((number, line))
    if header and not found:
        first_number, first_line = header[0]
        raise StatementError(f"line {first_number}", f"text before the first tag: {first_line[:40]!r}")
    return found


def _amount(text: str, location: str, tag: str) -> Decimal:
    """Digits with a decimal comma; zeros padding the amount beyond SWIFT's 15 characters are allowed."""
    if not _AMOUNT.match(text) or len(text.lstrip("0")) > _AMOUNT_LENGTH:
        raise StatementError(location, f":{tag}: amount {text!r} is not valid")
    return Decimal(text.replace(",", "."))


def _day_in_month(year: int, month: int, day: int) -> tuple[int, str]:
    """The day, or the month's last day for a day a 30-day-month calendar has (30 February, 31 April…), with a
    note saying so; ``(0, "")`` for a day no calendar has."""
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return 0, ""
    last = calendar.monthrange(year, month)[1]
    if day <= last:
        return day, ""
    return last, f"{day:02}.{month:02} read as {last:02}.{month:02}"


def _date(year: str, month: str, day: str, location: str, tag: str) -> tuple[dt.date, str]:
    """A YYMMDD date; 30 February (banks counting 30-day months) is the month's last day, with a note."""
    full_year = 2000 + int(year)
    real_day, note = _day_in_month(full_year, int(month), int(day))
    if not real_day:
        raise StatementError(location, f":{tag}: {year}{month}{day} is not a valid date (YYMMDD)")
    return dt.date(full_year, int(month), real_day), note


def _balance(tag: _Tag) -> tuple[Decimal, str, dt.date]:
    location = f"line {tag.line}"
    match = _BALANCE.match(tag.value)
    if match is None or match.end() != len(tag.value):
        raise StatementError(location, f":{tag.name}: {tag.value!r} is not a balance (D/C, YYMMDD, currency, amount)")
    amount = _amount(match["amount"], location, tag.name)
    currency = match["currency"]
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise StatementError(location, f":{tag.name}: {currency!r} is not a currency code")
    date, _note = _date(match["year"], match["month"], match["day"], location, tag.name)
    return (amount if match["status"].upper() == "C" else -amount), currency, date


def _entry_date(value_date: dt.date, month: int, day: int, location: str) -> tuple[dt.date, str]:
    """The ``:61:`` entry date (MMDD, no year): the year closest to the value date (December/January)."""
    candidates = []
    for year in (value_date.year - 1, value_date.year, value_date.year + 1):
        real_day, note = _day_in_month(year, month, day)
        if not real_day:
            raise StatementError(location, f":61: entry date {month:02}{day:02} is not a valid date (MMDD)")
        candidates.append((abs((dt.date(year, month, real_day) - value_date).days), dt.date(year, month, real_day), note))
    _distance, date, note = min(candidates, key=lambda candidate: candidate[0])
    return date, note


def _transaction(line: _Tag, info: _Tag | None, currency: str) -> Transaction:
    location = f"line {line.line}"
    match = _STATEMENT_LINE.match(line.lines[0].rstrip())
    if match is None:
        raise StatementError(location, f":61: {line.lines[0]!r} is not a statement line")
    amount = _amount(match["amount"], location, '61')
    value_date, value_note = _date(match["year"], match["month"], match["day"], location, "61")
    notes = [f"value date {value_note}"] if value_note else []
    booking_date = value_date
    entry_month, entry_day = (match["entry_month"] or "").strip(), (match["entry_day"] or "").strip()
    if entry_month and entry_day:
        booking_date, entry_note = _entry_date(value_date, int(entry_month), int(entry_day), location)
        if entry_note:
            notes.append(f"entry date {entry_note}")
    mark = match["status"].upper()
    signed = -amount if mark in {"D", "RC"} else amount
    customer_reference = (match["customer_reference"] or "").strip()
    bank_reference = (match["bank_reference"] or "").strip()
    if bank_reference.upper() in NO_REFERENCE:
        bank_reference = ""
    details = details_of(info.value) if info is not None else Details()
    if _IBAN.fullmatch(customer_reference.replace(" ", "").upper()):
        # A Dutch bank writes the other party's IBAN where SWIFT has the customer reference.
        details.account = details.account or customer_reference.replace(" ", "").upper()
    elif not bank_reference and customer_reference.upper() not in NO_REFERENCE:
        bank_reference = customer_reference
    supplementary = " ".join(" ".join(line.lines[1:]).split())
    if supplementary and supplementary not in details.remittance:
        # The :61: second line (supplementary details) often names the invoices when :86: does not.
        details.remittance = " ".join(filter(None, [details.remittance, supplementary]))
    if notes:
        # Visible to the clerk wherever the transaction's text is shown.
        details.remittance = " ".join(filter(None, [details.remittance, f"({'; '.join(notes)})"]))
    raw_lines = [f":61:{line.lines[0]}", *line.lines[1:]]
    if info is not None:
        raw_lines += [f":86:{info.lines[0]}", *info.lines[1:]]
    type_code = "/".join(part for part in [(match["id"] or "").strip(), details.gvc] if part)
    # A return: the :86: /RTRN/ reason code, else the reversal mark (RC: a credit reversed, RD: a debit reversed).
    return_reason = details.return_code or {"RC": "RC reversal of a credit", "RD": "RD reversal of a debit"}.get(mark, "")
    original_reference = "" if customer_reference.upper() in NO_REFERENCE or _IBAN.fullmatch(
        customer_reference.replace(" ", "").upper()) else customer_reference
    return Transaction(
        booking_date=booking_date,
        value_date=value_date,
        amount=signed,
        currency=currency,
        counterparty_name=details.name,
        counterparty_account=details.account,
        remittance=details.remittance,
        references=tuple(details.references),
        bank_reference=bank_reference,
        end_to_end_id=details.end_to_end_id,
        type_code=type_code,
        raw="\n".join(raw_lines),
        return_reason=return_reason,
        returned_reference=(details.end_to_end_id or original_reference or bank_reference) if return_reason else "",
    )


def _statements(blocks: list[list[_Tag]], kind: str) -> list[Statement]:
    return [_statement(block, kind) for block in blocks]


def _intraday_discrepancies(totals: dict[str, tuple[_Tag, int, Decimal]], transactions: list[Transaction]) -> list[Discrepancy]:
    found = []
    for name, (tag, count, total) in totals.items():
        mine = [tx.amount for tx in transactions if (tx.amount < 0) == (name == "90D")]
        own_total = abs(sum(mine, Decimal(0)))
        if count != len(mine) or total != own_total:
            found.append(Discrepancy(
                location=f"line {tag.line}", what="debit total" if name == "90D" else "credit total",
                expected=own_total, stated=total,
                message=f":{name}: says {count} entries for {total}, the statement lines give {len(mine)} for {own_total}",
            ))
    return found


@dataclass
class _Builder:
    """Collects one statement's tags; each ``_tag_…`` method reads one kind of tag."""

    kind: str
    account: str = ""
    currency: str = ""
    opening: Decimal | None = None
    closing: Decimal | None = None
    from_date: dt.date | None = None
    to_date: dt.date | None = None
    created: dt.datetime | None = None
    closing_tag: _Tag | None = None
    transactions: list[Transaction] = field(default_factory=list)
    totals: dict[str, tuple[_Tag, int, Decimal]] = field(default_factory=dict)

    def read(self, tag: _Tag, location: str) -> None:
        name = tag.name
        if name == "25":
            self.account = tag.value.strip()
        elif name in {"60F", "60M", "60"}:
            self.opening, self.currency, self.from_date = _balance(tag)
        elif name in {"62F", "62M", "62"}:
            self._closing(tag, location)
        elif name in {"64", "65"}:
            _balance(tag)
        elif name == "34F":
            self._floor_limit(tag, location)
        elif name == "13D":
            match = _DATETIME_INDICATION.match(tag.value.strip())
            if match is None:
                raise StatementError(location, f":13D: {tag.value!r} is not a date and time (YYMMDDhhmm±hhmm)")
            self.created = _created(match, location)
        elif name in {"90D", "90C"}:
            match = _SUM_ENTRIES.match(tag.value.strip())
            if match is None:
                raise StatementError(location, f":{name}: {tag.value!r} is not a number and sum of entries")
            self.totals[name] = (tag, int(match["number"] or 0), _amount(match["amount"], location, name))
        elif name == "20":
            raise StatementError(location, ":20: inside a statement")

    def _closing(self, tag: _Tag, location: str) -> None:
        self.closing, currency, self.to_date = _balance(tag)
        self.closing_tag = tag
        if self.currency and currency != self.currency:
            raise StatementError(location, f":{tag.name}: currency {currency} differs from the opening balance's {self.currency}")
        self.currency = self.currency or currency

    def _floor_limit(self, tag: _Tag, location: str) -> None:
        match = _FLOOR_LIMIT.match(tag.value.strip())
        if match is None:
            raise StatementError(location, f":34F: {tag.value!r} is not a floor limit (currency, D/C, amount)")
        _amount(match["amount"], location, "34F")
        self.currency = self.currency or match["currency"]


_AFTER_LINES = {"62F", "62M", "62", "64", "65", "90D", "90C"}


def _statement(block: list[_Tag], kind: str) -> Statement:
    first = block[0]
    state = _Builder(kind)
    index = 1
    while index < len(block):
        tag = block[index]
        location = f"line {tag.line}"
        if tag.name == "61":
            if not state.currency:
                raise StatementError(location, ":61: comes before the opening balance (:60F:/:60M:) or floor limit (:34F:) that gives the currency")
            info = block[index + 1] if index + 1 < len(block) and block[index + 1].name == "86" else None
            state.transactions.append(_transaction(tag, info, state.currency))
            index += 2 if info is not None else 1
            continue
        if tag.name == "86" and block[index - 1].name not in _AFTER_LINES:
            raise StatementError(location, ":86: does not follow a :61: statement line")
        # An :86: after the closing balance or the totals is information for the account owner, not a transaction.
        state.read(tag, location)
        index += 1
    transactions = state.transactions
    discrepancies = _check_statement(first, kind, state.account, state.opening, state.closing, state.closing_tag,
                                     transactions)
    if kind == "report":
        discrepancies += _intraday_discrepancies(state.totals, transactions)
    dates = [tx.booking_date for tx in transactions]
    return Statement(
        format="mt940" if kind == "statement" else "mt942",
        kind=kind,
        statement_id=first.value.strip(),
        account=state.account,
        currency=state.currency,
        created=state.created,
        from_date=state.from_date if kind == "statement" else min(dates, default=None),
        to_date=state.to_date if kind == "statement" else max(dates, default=None),
        opening_balance=state.opening,
        closing_balance=state.closing,
        transactions=tuple(transactions),
        discrepancies=tuple(discrepancies),
    )


def _created(match: re.Match[str], location: str) -> dt.datetime:
    year, month, day, hour, minute, offset = match.groups()
    try:
        zone = None
        if offset:
            minutes = int(offset[1:3]) * 60 + int(offset[3:5])
            zone = dt.timezone(dt.timedelta(minutes=-minutes if offset[0] == "-" else minutes))
        return dt.datetime(2000 + int(year), int(month), int(day), int(hour), int(minute), tzinfo=zone)
    except ValueError:
        raise StatementError(location, f":13D: {match.group(0)!r} is not a valid date and time") from None


def _check_statement(
    first: _Tag,
    kind: str,
    account: str,
    opening: Decimal | None,
    closing: Decimal | None,
    closing_tag: _Tag | None,
    transactions: list[Transaction],
) -> list[Discrepancy]:
    """Refuse a statement without its account or balances; return the closing balance's disagreement, if any."""
    location = f"line {first.line}"
    if not account:
        raise StatementError(location, "the statement starting here has no :25: account")
    if kind != "statement":
        return []
    if opening is None:
        raise StatementError(location, "the statement starting here has no opening balance (:60F:/:60M:)")
    if closing is None or closing_tag is None:
        raise StatementError(location, "the statement starting here has no closing balance (:62F:/:62M:); is the file cut off?")
    moved = sum((tx.amount for tx in transactions), Decimal(0))
    if opening + moved == closing:
        return []
    return [Discrepancy(
        location=f"line {closing_tag.line}", what=CLOSING_BALANCE, expected=opening + moved, stated=closing,
        message=f":{closing_tag.name}: the opening balance {opening} plus the statement lines {moved} is "
                f"{opening + moved}, not the closing balance {closing}",
    )]


def parse_swift(data: bytes, kind: str) -> list[Statement]:
    """Read an MT940 (``kind="statement"``) or MT942 (``kind="report"``) file; one Statement per ``:20:``."""
    tags = _tags(_decode(data))
    if not tags:
        raise StatementError("", "no SWIFT tags found")
    if tags[0].name != "20":
        raise StatementError(f"line {tags[0].line}", f":{tags[0].name}: comes before the first :20: transaction reference")
    blocks: list[list[_Tag]] = []
    for tag in tags:
        if tag.name == "20":
            blocks.append([])
        blocks[-1].append(tag)
    return _statements(blocks, kind)
