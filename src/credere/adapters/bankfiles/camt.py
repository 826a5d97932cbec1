"""ISO 20022 cash management messages: camt.053 statements, camt.052 reports, camt.054 notifications.

Message versions .001.01 to .001.08 are read; elements are found by local name, so the namespace version does
not matter beyond the check that it is one of those. Version .001.01 differs in names, all read here: the
message element carries its version (``BkToCstmrStmtV01``, ``BkToCstmrAcctRptV01``,
``BkToCstmrDbtCdtNtfctnV01``), ``TxDtls`` sit directly in the ``Ntry`` (no ``NtryDtls``) with their amount only
in ``AmtDtls/TxAmt/Amt``, a balance's type is ``Tp/Cd``, an account ``Id`` may be ``BBAN``, ``UPIC`` or
``PrtryAcct/Id``, and structured remittance says ``RfrdDocInf/RfrdDocNb``, ``CdtrRefInf/CdtrRef`` and one
``RfrdDocAmt`` per amount. The XML is parsed safely: a DOCTYPE (and with it any
entity declaration) is refused, external resources are never fetched, entities are never expanded, and files
over :data:`MAX_BYTES` are refused before parsing.

Decisions worth knowing:

* Only **booked** entries (``Sts`` ``BOOK``, or no status at all) become transactions, in every message kind.
  Pending (``PDNG``), information-only (``INFO``) and future (``FUTR``) entries are not bookings: the
  end-of-day camt.053 carries them once they are booked, and taking them earlier would count the money twice
  or count money that never arrives.
* A batch entry with several ``TxDtls`` gives one transaction per ``TxDtls`` with its own amount; the amounts
  must add up to the entry amount, otherwise the file is refused. With a single ``TxDtls`` the entry amount
  (what was booked) is used. When no ``TxDtls`` of the batch has an amount, the entry is one transaction at
  the entry amount carrying every detail's references, remittance lines and texts.
* An entry without a booking and a value date is booked on the statement's date (``FrToDt/ToDtTm``, else its
  ``CreDtTm``, else the group header's ``CreDtTm``), and its remittance says so.
* For a camt.053 with an opening (``OPBD``/``PRCD``) and a closing (``CLBD``) balance, the booked entries must
  reconcile the two; a statement that does not carries a :class:`~.values.Discrepancy` with the difference (and
  is refused by ``parse_statements(strict=True)``).
* Every error names the element path, e.g. ``Stmt[1]/Ntry[3]/Amt: 'abc' is not an amount``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
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
    # .001.01 has BBAN, UPIC and PrtryAcct/Id where later versions have Othr/Id.
    return (_text(account, "Id", "IBAN") or _text(account, "Id", "Othr", "Id") or _text(account, "Id", "BBAN")
            or _text(account, "Id", "PrtryAcct", "Id") or _text(account, "Id", "UPIC"))


def _remittance_lines(remittance: Element | None, path: str) -> tuple[list[str], list[RemittanceLine]]:
    references: list[str] = []
    lines: list[RemittanceLine] = []
    for s, structured in enumerate(_children(remittance, "Strd"), start=1):
        spath = f"{path}/RmtInf/Strd[{s}]"
        # .001.01 names them CdtrRefInf/CdtrRef and RfrdDocInf/RfrdDocNb.
        creditor_reference = _text(structured, "CdtrRefInf", "Ref") or _text(structured, "CdtrRefInf", "CdtrRef")
        if creditor_reference:
            references.append(creditor_reference)
        numbers = [_text(doc, "Nb") or _text(doc, "RfrdDocNb") for doc in _children(structured, "RfrdDocInf")]
        numbers = [number for number in numbers if number]
        references.extend(numbers)
        paid: Decimal | None = None
        deduction: Decimal | None = None
        note = ""
        # One RfrdDocAmt with several amounts (.001.02 on), or several with one amount each (.001.01).
        all_amounts = _children(structured, "RfrdDocAmt")
        if all_amounts and len(numbers) == 1:
            parts: list[Decimal] = []
            for a, amounts in enumerate(all_amounts, start=1):
                apath = f"{spath}/RfrdDocAmt" + (f"[{a}]" if len(all_amounts) > 1 else "")
                remitted = _child(amounts, "RmtdAmt")
                if remitted is not None:
                    paid = _amount(remitted, f"{apath}/RmtdAmt")[0]
                discount = _child(amounts, "DscntApldAmt")
                if discount is not None:
                    # v2 carries the amount directly, later versions wrap it in DscntApldAmt/Amt.
                    inner = _child(discount, "Amt")
                    parts.append(_amount(inner if inner is not None else discount, f"{apath}/DscntApldAmt")[0])
                for adjustment in _children(amounts, "AdjstmntAmtAndRsn"):
                    parts.append(_amount(_child(adjustment, "Amt"), f"{apath}/AdjstmntAmtAndRsn/Amt")[0])
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
    return_reason, returned_reference = _return(details, end_to_end, bank_reference)
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
        return_reason=return_reason,
        returned_reference=returned_reference,
    )


def _return(details: Element | None, end_to_end: str, bank_reference: str) -> tuple[str, str]:
    """A returned payment's reason (``RtrInf/Rsn/Cd`` or ``Prtry``, ``RtrRsn`` in .001.01, with its
    ``AddtlInf``) and the returned payment's end-to-end id (else the bank's reference)."""
    information = _child(details, "RtrInf")
    if information is None:
        return "", ""
    code = (_text(information, "Rsn", "Cd") or _text(information, "Rsn", "Prtry")
            or _text(information, "RtrRsn", "Cd") or _text(information, "RtrRsn", "Prtry"))
    texts = [_text(line) for line in [*_children(information, "AddtlInf"), *_children(information, "AddtlRtrRsnInf")]]
    reason = " ".join(part for part in [code, *texts] if part) or "returned"
    return reason, end_to_end or bank_reference


def _entry_transactions(entry: Element, path: str, statement_date: tuple[dt.date, str] | None) -> list[Transaction]:
    amount, currency = _amount(_child(entry, "Amt"), f"{path}/Amt")
    sign = _sign(entry, path)
    booking_date = _date(_child(entry, "BookgDt"), f"{path}/BookgDt")
    value_date = _date(_child(entry, "ValDt"), f"{path}/ValDt")
    date_note = ""
    if booking_date is None:
        booking_date = value_date
    if booking_date is None:
        if statement_date is None:
            raise StatementError(path, "the entry has neither a booking date (BookgDt) nor a value date (ValDt), "
                                       "and the statement gives no date to take instead")
        booking_date, source = statement_date
        date_note = f"(no booking or value date in the file; booked on {booking_date.isoformat()}, the {source})"
    raw = etree.tostring(entry, encoding="unicode", with_tail=False)
    # .001.01 puts TxDtls directly in the entry; later versions in NtryDtls.
    details = [tx for group in _children(entry, "NtryDtls") for tx in _children(group, "TxDtls")]
    details += _children(entry, "TxDtls")
    details_path = "NtryDtls/TxDtls" if _children(entry, "NtryDtls") else "TxDtls"

    def build(detail: Element | None, tx_path: str, signed: Decimal) -> Transaction:
        transaction = _transaction_details(
            detail, path=tx_path, sign=sign, booking_date=booking_date, value_date=value_date, amount=signed,
            currency=currency, entry=entry, raw=raw,
        )
        if date_note:
            transaction = replace(transaction, remittance=" ".join(filter(None, [transaction.remittance, date_note])))
        return transaction

    if len(details) <= 1:
        return [build(details[0] if details else None, f"{path}/{details_path}[1]" if details else path, sign * amount)]
    own_amounts = [_child(detail, "Amt") if _child(detail, "Amt") is not None else _child(detail, "AmtDtls", "TxAmt", "Amt")
                   for detail in details]
    if all(own is None for own in own_amounts):
        # A batch whose details carry no amounts: one transaction at the entry amount, with every detail's
        # references and texts (the bank booked one amount; how it splits is not said).
        return [_combined([build(detail, f"{path}/{details_path}[{index}]", sign * amount)
                           for index, detail in enumerate(details, start=1)])]
    transactions: list[Transaction] = []
    total = Decimal(0)
    for index, (detail, own) in enumerate(zip(details, own_amounts, strict=True), start=1):
        tx_path = f"{path}/{details_path}[{index}]"
        if own is None:
            raise StatementError(tx_path, "a batch entry's transaction has no amount (Amt or AmtDtls/TxAmt/Amt) "
                                          "while others of the batch have one")
        own_path = f"{tx_path}/Amt" if _child(detail, "Amt") is not None else f"{tx_path}/AmtDtls/TxAmt/Amt"
        tx_amount, tx_currency = _amount(own, own_path)
        if tx_currency != currency:
            raise StatementError(own_path, f"the currency {tx_currency} differs from the entry currency {currency}")
        signed = _sign(detail, tx_path, default=sign) * tx_amount
        total += signed
        transactions.append(build(detail, tx_path, signed))
    if total != sign * amount:
        raise StatementError(
            f"{path}/{details_path.split('/')[0]}",
            f"the {len(details)} transactions of the batch add up to {total}, not the entry amount {sign * amount}",
        )
    return transactions


def _one(values: list[str]) -> str:
    """The value the parts agree on (ignoring empty ones), else nothing."""
    distinct = list(dict.fromkeys(value for value in values if value))
    return distinct[0] if len(distinct) == 1 else ""


def _combined(parts: list[Transaction]) -> Transaction:
    """One transaction for a batch entry whose details carry no amounts: every detail's references, remittance
    lines and texts; a name, account, end-to-end id or bank reference only where the details agree (several
    end-to-end ids become references)."""
    end_to_end_ids = list(dict.fromkeys(tx.end_to_end_id for tx in parts if tx.end_to_end_id))
    references = [ref for tx in parts for ref in tx.references]
    if len(end_to_end_ids) > 1:
        references += end_to_end_ids
    first = parts[0]
    return replace(
        first,
        counterparty_name=_one([tx.counterparty_name for tx in parts]),
        counterparty_account=_one([tx.counterparty_account for tx in parts]),
        remittance=" ".join(dict.fromkeys(tx.remittance for tx in parts if tx.remittance)),
        references=tuple(dict.fromkeys(references)),
        bank_reference=_one([tx.bank_reference for tx in parts]) or first.bank_reference,
        end_to_end_id=end_to_end_ids[0] if len(end_to_end_ids) == 1 else "",
        type_code=_one([tx.type_code for tx in parts]) or first.type_code,
        remittance_lines=tuple(line for tx in parts for line in tx.remittance_lines),
    )


def _balances(statement: Element, path: str) -> tuple[Decimal | None, Decimal | None, str]:
    opening: dict[str, Decimal] = {}
    closing: Decimal | None = None
    currency = ""
    for index, balance in enumerate(_children(statement, "Bal"), start=1):
        bpath = f"{path}/Bal[{index}]"
        code = (_text(balance, "Tp", "CdOrPrtry", "Cd") or _text(balance, "Tp", "CdOrPrtry", "Prtry")
                or _text(balance, "Tp", "Cd") or _text(balance, "Tp", "Prtry"))  # .001.01: no CdOrPrtry
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
    # For an entry without a booking or value date: the period's end, else when the statement was created.
    statement_date: tuple[dt.date, str] | None = None
    if to_date is not None:
        statement_date = (to_date, "statement's end date FrToDt/ToDtTm")
    elif own_created:
        statement_date = (_datetime(own_created, f"{path}/CreDtTm").date(), "statement's creation date CreDtTm")
    elif created is not None:
        statement_date = (created.date(), "message's creation date GrpHdr/CreDtTm")
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
        entry_transactions = _entry_transactions(entry, epath, statement_date)
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
    if not 1 <= int(version) <= 8:
        raise StatementError("Document", f"camt.{message}.001.{version} is not supported (versions .001.01 to .001.08 are)")
    root_name, statement_name, kind = _MESSAGES[message]
    if version == "01":
        root_name += "V01"  # BkToCstmrStmtV01, BkToCstmrAcctRptV01, BkToCstmrDbtCdtNtfctnV01
    body = _child(root, root_name)
    if body is None:
        raise StatementError("Document", f"the {root_name} element of a camt.{message} message is missing")
    created_text = _text(body, "GrpHdr", "CreDtTm")
    created = _datetime(created_text, f"{root_name}/GrpHdr/CreDtTm") if created_text else None
    return [
        _statement(element, f"{statement_name}[{index}]", message=message, version=version, kind=kind, created=created)
        for index, element in enumerate(_children(body, statement_name), start=1)
    ]
