"""ISO 20022 cash management messages: camt.053 statements, camt.052 reports, camt.054 notifications.

Message versions .001.02 to .001.08 are read; elements are found by local name, so the namespace version does
not matter beyond the check that it is one of those. The XML is parsed safely: a DOCTYPE (and with it any
entity declaration) is refused, external resources are never fetched, entities are never expanded, and files
over :data:`MAX_BYTES` are refused before parsing.

Decisions worth knowing:

* Only **booked** entries (``Sts`` ``BOOK``, or no status at all) become transactions, in every message kind.
  Pending (``PDNG``), information-only (``INFO``) and future (``FUTR``) entries are not bookings: the
  end-of-day camt.053 carries them once they are booked, and taking them earlier would count the money twice
  or count money that never arrives.
* A batch entry with several ``TxDtls`` gives one transaction per ``TxDtls`` with its own amount; the amounts
  must add up to the entry amount, otherwise the file is refused. With a single ``TxDtls`` the entry amount
  (what was booked) is used.
* For a camt.053 with an opening (``OPBD``/``PRCD``) and a closing (``CLBD``) balance, the booked entries must
  reconcile the two; a statement that does not carries a :class:`~.values.Discrepancy` with the difference (and
  is refused by ``parse_statements(strict=True)``).
* Every error names the element path, e.g. ``Stmt[1]/Ntry[3]/Amt: 'abc' is not an amount``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from lxml import etree

from .values import CLOSING_BALANCE, Discrepancy, RemittanceLine, Statement, StatementError, Transaction

MAX_BYTES = 50 * 1024 * 1024

_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.001\.(\d{2})$")
_MESSAGES = {
    # message: (root element, statement element, kind)
    "053": ("BkToCstmrStmt", "Stmt", "statement"),
    "052": ("BkToCstmrAcctRpt", "Rpt", "report"),
    "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn", "notification"),
}
_AMOUNT = re.compile(r"^\d{1,18}(\.\d{0,5})?$")
_BOOKED = {"BOOK", ""}
_NOT_PROVIDED = "NOTPROVIDED"
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

type Element = etree._Element


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        dtd_validation=False,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _local(element: Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _children(element: Element | None, name: str) -> list[Element]:
    if element is None:
        return []
    return [child for child in element if _local(child) == name]


def _child(element: Element | None, *path: str) -> Element | None:
    for name in path:
        if element is None:
            return None
        found = _children(element, name)
        element = found[0] if found else None
    return element


def _text(element: Element | None, *path: str) -> str:
    found = _child(element, *path)
    if found is None or found.text is None:
        return ""
    return " ".join(found.text.split())


def _read_xml(data: bytes) -> Element:
    if len(data) > MAX_BYTES:
        raise StatementError("", f"the file is {len(data):,} bytes; camt files over {MAX_BYTES:,} bytes (50 MiB) are refused")
    if _DOCTYPE.search(data[:4096]) or _DOCTYPE.search(data):
        raise StatementError("", "the XML declares a DOCTYPE or entities, which bank statements never do; refused for safety")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as error:
        line = error.lineno or (error.position[0] if error.position else 0)
        raise StatementError(f"line {line}", f"the XML is malformed: {error.msg}") from None
    except ValueError as error:  # e.g. an encoding declaration lxml refuses
        raise StatementError("", f"the XML cannot be read: {error}") from None
    document = root.getroottree()
    if document.docinfo.doctype or document.docinfo.internalDTD is not None:
        raise StatementError("", "the XML declares a DOCTYPE or entities, which bank statements never do; refused for safety")
    return root


def _amount(element: Element | None, path: str) -> tuple[Decimal, str]:
    if element is None:
        raise StatementError(path, "the amount is missing")
    text = (element.text or "").strip()
    if not _AMOUNT.match(text):
        raise StatementError(path, f"{text!r} is not an amount")
    currency = (element.get("Ccy") or "").strip()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise StatementError(path, f"the currency (Ccy) {currency!r} is not an ISO 4217 code")
    return Decimal(text), currency


def _sign(element: Element | None, path: str, *, default: int | None = None) -> int:
    indicator = _text(element, "CdtDbtInd")
    if indicator == "CRDT":
        return 1
    if indicator == "DBIT":
        return -1
    if not indicator and default is not None:
        return default
    raise StatementError(f"{path}/CdtDbtInd", f"{indicator!r} is not CRDT or DBIT")


def _date(element: Element | None, path: str) -> dt.date | None:
    """Read a ``Dt`` or ``DtTm`` choice (as in ``BookgDt``, ``ValDt``)."""
    if element is None:
        return None
    day = _text(element, "Dt")
    if day:
        try:
            return dt.date.fromisoformat(day[:10])
        except ValueError:
            raise StatementError(f"{path}/Dt", f"{day!r} is not a date") from None
    moment = _text(element, "DtTm")
    if moment:
        return _datetime(moment, f"{path}/DtTm").date()
    raise StatementError(path, "neither Dt nor DtTm is given")


def _datetime(text: str, path: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise StatementError(path, f"{text!r} is not a date and time") from None


def _type_code(element: Element | None) -> str:
    code = _child(element, "BkTxCd")
    if code is None:
        return ""
    domain = _child(code, "Domn")
    if domain is not None:
        parts = [_text(domain, "Cd"), _text(domain, "Fmly", "Cd"), _text(domain, "Fmly", "SubFmlyCd")]
        return "/".join(part for part in parts if part)
    return _text(code, "Prtry", "Cd")


def _party_name(party: Element | None) -> str:
    return _text(party, "Nm") or _text(party, "Pty", "Nm")


def _account_id(account: Element | None) -> str:
    return _text(account, "Id", "IBAN") or _text(account, "Id", "Othr", "Id")


def _remittance_lines(remittance: Element | None, path: str) -> tuple[list[str], list[RemittanceLine]]:
    references: list[str] = []
    lines: list[RemittanceLine] = []
    for s, structured in enumerate(_children(remittance, "Strd"), start=1):
        spath = f"{path}/RmtInf/Strd[{s}]"
        creditor_reference = _text(structured, "CdtrRefInf", "Ref")
        if creditor_reference:
            references.append(creditor_reference)
        numbers = [_text(doc, "Nb") for doc in _children(structured, "RfrdDocInf")]
        numbers = [number for number in numbers if number]
        references.extend(numbers)
        amounts = _child(structured, "RfrdDocAmt")
        paid: Decimal | None = None
        deduction: Decimal | None = None
        note = ""
        if amounts is not None and len(numbers) == 1:
            remitted = _child(amounts, "RmtdAmt")
            if remitted is not None:
                paid = _amount(remitted, f"{spath}/RfrdDocAmt/RmtdAmt")[0]
            parts: list[Decimal] = []
            discount = _child(amounts, "DscntApldAmt")
            if discount is not None:
                # v2 carries the amount directly, later versions wrap it in DscntApldAmt/Amt.
                inner = _child(discount, "Amt")
                parts.append(_amount(inner if inner is not None else discount, f"{spath}/RfrdDocAmt/DscntApldAmt")[0])
            for adjustment in _children(amounts, "AdjstmntAmtAndRsn"):
                parts.append(_amount(_child(adjustment, "Amt"), f"{spath}/RfrdDocAmt/AdjstmntAmtAndRsn/Amt")[0])
                reason = " ".join(filter(None, [_text(adjustment, "Rsn"), _text(adjustment, "AddtlInf")]))
                if reason:
                    note = " ".join(filter(None, [note, reason]))
            if parts:
                deduction = sum(parts, Decimal(0))
        for number in numbers:
            lines.append(RemittanceLine(document_number=number, amount=paid, deduction=deduction, note=note))
    return references, lines


def _transaction_details(
    details: Element | None,
    *,
    path: str,
    sign: int,
    booking_date: dt.date,
    value_date: dt.date | None,
    amount: Decimal,
    currency: str,
    entry: Element,
    raw: str,
) -> Transaction:
    credit = amount > 0 or (amount == 0 and sign > 0)
    parties = _child(details, "RltdPties")
    if credit:
        name, account = _party_name(_child(parties, "Dbtr")), _account_id(_child(parties, "DbtrAcct"))
    else:
        name, account = _party_name(_child(parties, "Cdtr")), _account_id(_child(parties, "CdtrAcct"))
    remittance = _child(details, "RmtInf")
    unstructured = " ".join(_text(line) for line in _children(remittance, "Ustrd") if _text(line))
    references, lines = _remittance_lines(remittance, path)
    if not unstructured:
        unstructured = _text(details, "AddtlTxInf") or _text(entry, "AddtlNtryInf")
    end_to_end = _text(details, "Refs", "EndToEndId")
    if end_to_end.upper() == _NOT_PROVIDED:
        end_to_end = ""
    bank_reference = _text(details, "Refs", "AcctSvcrRef") or _text(entry, "AcctSvcrRef")
    return Transaction(
        booking_date=booking_date,
        value_date=value_date,
        amount=amount,
        currency=currency,
        counterparty_name=name,
        counterparty_account=account,
        remittance=unstructured,
        references=tuple(references),
        bank_reference=bank_reference,
        end_to_end_id=end_to_end,
        type_code=_type_code(details) or _type_code(entry),
        remittance_lines=tuple(lines),
        raw=raw,
    )


def _entry_transactions(entry: Element, path: str) -> list[Transaction]:
    amount, currency = _amount(_child(entry, "Amt"), f"{path}/Amt")
    sign = _sign(entry, path)
    booking_date = _date(_child(entry, "BookgDt"), f"{path}/BookgDt")
    value_date = _date(_child(entry, "ValDt"), f"{path}/ValDt")
    if booking_date is None:
        booking_date = value_date
    if booking_date is None:
        raise StatementError(path, "the entry has neither a booking date (BookgDt) nor a value date (ValDt)")
    raw = etree.tostring(entry, encoding="unicode", with_tail=False)
    details = [tx for group in _children(entry, "NtryDtls") for tx in _children(group, "TxDtls")]
    def build(detail: Element | None, tx_path: str, signed: Decimal) -> Transaction:
        return _transaction_details(
            detail, path=tx_path, sign=sign, booking_date=booking_date, value_date=value_date, amount=signed,
            currency=currency, entry=entry, raw=raw,
        )

    if len(details) <= 1:
        return [build(details[0] if details else None, f"{path}/NtryDtls/TxDtls[1]" if details else path, sign * amount)]
    transactions: list[Transaction] = []
    total = Decimal(0)
    for index, detail in enumerate(details, start=1):
        tx_path = f"{path}/NtryDtls/TxDtls[{index}]"
        own = _child(detail, "Amt")
        own_path = f"{tx_path}/Amt"
        if own is None:
            own, own_path = _child(detail, "AmtDtls", "TxAmt", "Amt"), f"{tx_path}/AmtDtls/TxAmt/Amt"
        if own is None:
            raise StatementError(tx_path, "a batch entry's transaction has no amount (Amt or AmtDtls/TxAmt/Amt)")
        tx_amount, tx_currency = _amount(own, own_path)
        if tx_currency != currency:
            raise StatementError(own_path, f"the currency {tx_currency} differs from the entry currency {currency}")
        signed = _sign(detail, tx_path, default=sign) * tx_amount
        total += signed
        transactions.append(build(detail, tx_path, signed))
    if total != sign * amount:
        raise StatementError(
            f"{path}/NtryDtls",
            f"the {len(details)} transactions of the batch add up to {total}, not the entry amount {sign * amount}",
        )
    return transactions


def _balances(statement: Element, path: str) -> tuple[Decimal | None, Decimal | None, str]:
    opening: dict[str, Decimal] = {}
    closing: Decimal | None = None
    currency = ""
    for index, balance in enumerate(_children(statement, "Bal"), start=1):
        bpath = f"{path}/Bal[{index}]"
        code = _text(balance, "Tp", "CdOrPrtry", "Cd") or _text(balance, "Tp", "CdOrPrtry", "Prtry")
        if code not in {"OPBD", "PRCD", "CLBD"}:
            continue
        amount, ccy = _amount(_child(balance, "Amt"), f"{bpath}/Amt")
        currency = currency or ccy
        signed = _sign(balance, bpath) * amount
        if code == "CLBD":
            closing = signed
        else:
            opening[code] = signed
    return opening.get("OPBD", opening.get("PRCD")), closing, currency


def _statement(element: Element, path: str, *, message: str, version: str, kind: str, created: dt.datetime | None) -> Statement:
    account = _child(element, "Acct")
    account_id = _account_id(account)
    if not account_id:
        raise StatementError(f"{path}/Acct/Id", "the statement's account (IBAN or Othr/Id) is missing")
    statement_id = _text(element, "Id")
    own_created = _text(element, "CreDtTm")
    if own_created:
        created = _datetime(own_created, f"{path}/CreDtTm")
    period = _child(element, "FrToDt")
    from_date = to_date = None
    if period is not None:
        start, end = _text(period, "FrDtTm"), _text(period, "ToDtTm")
        from_date = _datetime(start, f"{path}/FrToDt/FrDtTm").date() if start else None
        to_date = _datetime(end, f"{path}/FrToDt/ToDtTm").date() if end else None
    opening, closing, balance_currency = _balances(element, path)
    transactions: list[Transaction] = []
    booked_total = Decimal(0)
    for index, entry in enumerate(_children(element, "Ntry"), start=1):
        epath = f"{path}/Ntry[{index}]"
        status_element = _child(entry, "Sts")
        status = _text(status_element, "Cd") or _text(status_element) if status_element is not None else ""
        if status not in _BOOKED:
            if status not in {"PDNG", "INFO", "FUTR"}:
                raise StatementError(f"{epath}/Sts", f"{status!r} is not an entry status (BOOK, PDNG, INFO, FUTR)")
            continue
        entry_transactions = _entry_transactions(entry, epath)
        booked_total += sum((tx.amount for tx in entry_transactions), Decimal(0))
        transactions.extend(entry_transactions)
    currency = _text(account, "Ccy") or balance_currency or (transactions[0].currency if transactions else "")
    discrepancies = []
    if kind == "statement" and opening is not None and closing is not None and opening + booked_total != closing:
        discrepancies.append(Discrepancy(
            location=path, what=CLOSING_BALANCE, expected=opening + booked_total, stated=closing,
            message=f"the opening balance {opening} plus the booked entries {booked_total} is "
                    f"{opening + booked_total}, not the closing balance {closing}",
        ))
    return Statement(
        format=f"camt.{message}.001.{version}",
        kind=kind,
        statement_id=statement_id,
        account=account_id,
        currency=currency,
        created=created,
        from_date=from_date,
        to_date=to_date,
        opening_balance=opening,
        closing_balance=closing,
        transactions=tuple(transactions),
        discrepancies=tuple(discrepancies),
    )


def parse_camt(data: bytes) -> list[Statement]:
    """Read every statement, report or notification in a camt.052/053/054 file."""
    root = _read_xml(data)
    namespace = etree.QName(root).namespace or ""
    match = _NAMESPACE.match(namespace)
    if _local(root) != "Document" or match is None:
        raise StatementError(_local(root) or "root", f"the root element is not a camt.052/053/054 Document (namespace {namespace!r})")
    message, version = match.group(1), match.group(2)
    if not 2 <= int(version) <= 8:
        raise StatementError("Document", f"camt.{message}.001.{version} is not supported (versions .001.02 to .001.08 are)")
    root_name, statement_name, kind = _MESSAGES[message]
    body = _child(root, root_name)
    if body is None:
        raise StatementError("Document", f"the {root_name} element of a camt.{message} message is missing")
    created_text = _text(body, "GrpHdr", "CreDtTm")
    created = _datetime(created_text, f"{root_name}/GrpHdr/CreDtTm") if created_text else None
    return [
        _statement(element, f"{statement_name}[{index}]", message=message, version=version, kind=kind, created=created)
        for index, element in enumerate(_children(body, statement_name), start=1)
    ]
