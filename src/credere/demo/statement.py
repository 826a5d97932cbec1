"""A demo bank statement for the demo ledger: what customers might pay for its open invoices today.

Seeded and labelled as demo data. It mixes the cases a cash-application clerk meets: exact
references, several invoices in one payment, references with typos or without prefix,
payer names as banks write them, cash discounts and short payments, payments without any
reference, payments that match nothing, and a bank fee. Written as camt.053.001.02 or MT940.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from schwifty import IBAN

from credere.domain.money import quantize
from credere.ledger.models import Company, OpenItem


@dataclass(frozen=True)
class DemoEntry:
    amount: Decimal  # signed
    currency: str
    name: str
    account: str
    text: str
    bank_reference: str


def _account_for(key: str, country: str = "DE") -> str:
    digits = "".join(str(ord(ch) % 10) for ch in key)[-10:].rjust(10, "0")
    return str(IBAN.from_bban(country if country in ("DE", "AT", "NL", "FR", "GB") else "DE",
                              {"DE": "37040044" + digits, "AT": "19043" + digits[:11].ljust(11, "0"),
                               "NL": "ABNA" + digits, "FR": "2004101005" + digits[:11].ljust(11, "0") + "00",
                               "GB": "NWBK601613" + digits[:8]}.get(country, "37040044" + digits)))


def _bank_name(name: str, rng: random.Random) -> str:
    """The payer's name as a bank might write it: upper case, legal form dropped or cut short."""
    words = name.upper().replace(",", "").split()
    if len(words) > 1 and rng.random() < 0.6:
        words = words[:-1]
    return " ".join(words)[:35]


def _typo(reference: str, rng: random.Random) -> str:
    digits = [i for i, ch in enumerate(reference) if ch.isdigit()]
    if not digits:
        return reference
    i = rng.choice(digits[1:] or digits)
    return reference[:i] + reference[i + 1:]  # one digit dropped


def demo_entries(company: Company, *, payments: int, seed: int, on: dt.date) -> list[DemoEntry]:
    rng = random.Random(seed)
    items = list(OpenItem.objects.filter(company=company, document_type=OpenItem.Type.INVOICE, open_amount__gt=0,
                                         currency=company.base_currency, document_date__lte=on)
                 .select_related("customer").order_by("due_date", "id")[:max(5000, 2 * payments)])
    if not items:
        return []
    by_customer: dict[int, list[OpenItem]] = {}
    for item in items:
        by_customer.setdefault(item.customer_id, []).append(item)
    rng.shuffle(items)
    used: set[int] = set()
    entries: list[DemoEntry] = []
    ccy = company.base_currency

    def ref() -> str:
        return f"{on:%y%m%d}{seed % 1000:03d}{len(entries) + 1:05d}"

    for item in items:
        if len(entries) >= payments:
            break
        if item.pk in used:
            continue
        used.add(item.pk)
        customer = item.customer
        account = _account_for(customer.account_number, customer.country)
        roll = rng.random()
        amount, text, name = item.open_amount, f"Invoice {item.document_number}", customer.name
        if roll < 0.40:
            text = rng.choice((f"Invoice {item.document_number}", f"INV {item.document_number} thank you",
                               f"{item.document_number}"))
        elif roll < 0.52:
            others = [o for o in by_customer[item.customer_id] if o.pk not in used][:2]
            used.update(o.pk for o in others)
            amount += sum((o.open_amount for o in others), Decimal(0))
            text = " ".join(["Invoices", item.document_number, *(o.document_number for o in others)])
        elif roll < 0.62:
            text = f"Payment {_typo(item.document_number, rng)}"
            name = _bank_name(customer.name, rng)
        elif roll < 0.70:
            amount = quantize(item.open_amount * Decimal("0.98"), ccy)
            text = f"{item.document_number} less 2% discount"
        elif roll < 0.76:
            amount = item.open_amount - min(Decimal("25.00"), quantize(item.open_amount / 100, ccy))
            text = f"{item.document_number} short: damaged goods"
        elif roll < 0.86:
            text = rng.choice(("Payment", "Monthly settlement", "Transfer"))
        elif roll < 0.93:
            name = _bank_name(customer.name, rng)
            text = "Settlement as agreed"
            account = _account_for(customer.account_number + "X", customer.country)
        else:
            amount = Decimal(rng.randrange(5000, 90000)) / 100
            name, text = rng.choice((("J. Smith", "Refund request"), ("Unknown Trading", "Deposit"),
                                     ("M. Rossi", "Order 55")))
            account = _account_for(name)
        if amount <= 0:
            continue
        entries.append(DemoEntry(amount, ccy, name, account, text, ref()))
    entries.append(DemoEntry(Decimal("-12.50"), ccy, "Bank fees", "", "Account maintenance fee", ref()))
    return entries


def company_account(company: Company) -> str:
    return _account_for("BANK" + company.code, company.country or "DE")


def to_camt053(company: Company, entries: list[DemoEntry], on: dt.date) -> bytes:
    ccy = company.base_currency
    opening = Decimal("250000.00")
    closing = opening + sum((e.amount for e in entries), Decimal(0))
    rows = []
    for e in entries:
        credit = e.amount > 0
        party = "Dbtr" if credit else "Cdtr"
        account = f"<{party}Acct><Id><IBAN>{e.account}</IBAN></Id></{party}Acct>" if e.account else ""
        rows.append(
            f"<Ntry><Amt Ccy=\"{ccy}\">{abs(e.amount):.2f}</Amt><CdtDbtInd>{'CRDT' if credit else 'DBIT'}</CdtDbtInd>"
            f"<Sts>BOOK</Sts><BookgDt><Dt>{on}</Dt></BookgDt><ValDt><Dt>{on}</Dt></ValDt>"
            f"<AcctSvcrRef>{e.bank_reference}</AcctSvcrRef>"
            f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{'RCDT' if credit else 'CCRD'}</Cd>"
            f"<SubFmlyCd>{'ESCT' if credit else 'CHRG'}</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls><TxDtls><Refs><AcctSvcrRef>{e.bank_reference}</AcctSvcrRef></Refs>"
            f"<RltdPties><{party}><Nm>{escape(e.name)}</Nm></{party}>{account}</RltdPties>"
            f"<RmtInf><Ustrd>{escape(e.text)}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n")
    sid = f"DEMO-{company.code}-{on:%Y%m%d}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">\n<BkToCstmrStmt>\n'
        f"<GrpHdr><MsgId>{sid}</MsgId><CreDtTm>{on}T18:00:00</CreDtTm></GrpHdr>\n"
        f"<Stmt><Id>{sid}</Id><CreDtTm>{on}T18:00:00</CreDtTm>"
        f"<FrToDt><FrDtTm>{on}T00:00:00</FrDtTm><ToDtTm>{on}T23:59:59</ToDtTm></FrToDt>"
        f"<Acct><Id><IBAN>{company_account(company)}</IBAN></Id><Ccy>{ccy}</Ccy></Acct>\n"
        f"<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"{ccy}\">{opening:.2f}</Amt>"
        f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{on}</Dt></Dt></Bal>\n"
        f"<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"{ccy}\">{closing:.2f}</Amt>"
        f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{on}</Dt></Dt></Bal>\n"
        + "".join(rows) + "</Stmt>\n</BkToCstmrStmt>\n</Document>\n").encode()


def _mt_amount(value: Decimal) -> str:
    return f"{abs(value):.2f}".replace(".", ",")


def _mt_text(text: str) -> str:
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")
    return "".join(ch if ch in allowed else " " for ch in text)


def to_mt940(company: Company, entries: list[DemoEntry], on: dt.date) -> bytes:
    ccy = company.base_currency
    opening = Decimal("250000.00")
    closing = opening + sum((e.amount for e in entries), Decimal(0))
    lines = [f":20:DEMO{on:%y%m%d}", f":25:{company_account(company)}", ":28C:00001/001",
             f":60F:C{on:%y%m%d}{ccy}{_mt_amount(opening)}"]
    for e in entries:
        mark = "C" if e.amount > 0 else "D"
        lines.append(f":61:{on:%y%m%d}{on:%m%d}{mark}{_mt_amount(e.amount)}NTRFNONREF//{e.bank_reference}")
        text = _mt_text(e.text)
        chunks = [text[i:i + 27] for i in range(0, len(text), 27)][:10] or [""]
        name = _mt_text(e.name)
        fields = ["166" if e.amount > 0 else "805", "?00GUTSCHRIFT" if e.amount > 0 else "?00ENTGELT"]
        fields += [f"?{20 + i}{chunk}" for i, chunk in enumerate(chunks)]
        if e.account:
            fields.append(f"?31{e.account}")
        fields += [f"?32{name[:27]}", *([f"?33{name[27:54]}"] if len(name) > 27 else [])]
        body = "".join(fields)
        lines.append(":86:" + body[:61])
        lines += [body[i:i + 65] for i in range(61, len(body), 65)]
    lines.append(f":62F:{'C' if closing >= 0 else 'D'}{on:%y%m%d}{ccy}{_mt_amount(closing)}")
    return ("\r\n".join(lines) + "\r\n-").encode("latin-1")
