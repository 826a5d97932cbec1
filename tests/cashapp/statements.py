"""Build small camt.053.001.02 statements for tests (the real format, written out in full)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Entry:
    amount: str
    name: str = ""
    iban: str = ""
    text: str = ""
    ref: str = ""
    day: str = "2026-11-20"
    credit: bool = True
    end_to_end: str = "NOTPROVIDED"
    #: A returned payment: the ISO reason code (and the entry's end-to-end id is the returned payment's).
    return_code: str = ""


def _return(e: Entry) -> str:
    if not e.return_code:
        return ""
    return f"<RtrInf><Rsn><Cd>{e.return_code}</Cd></Rsn><AddtlInf>as the bank says</AddtlInf></RtrInf>"


def camt053(entries: list[Entry], *, account: str = "DE89370400440532013000", statement_id: str = "STMT-1",
            currency: str = "EUR") -> bytes:
    total = sum((Decimal(e.amount) * (1 if e.credit else -1) for e in entries), Decimal(0))
    rows = []
    for e in entries:
        party = "Dbtr" if e.credit else "Cdtr"
        rows.append(f"""
      <Ntry>
        <Amt Ccy="{currency}">{e.amount}</Amt>
        <CdtDbtInd>{"CRDT" if e.credit else "DBIT"}</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>{e.day}</Dt></BookgDt>
        <ValDt><Dt>{e.day}</Dt></ValDt>
        <AcctSvcrRef>{escape(e.ref)}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><AcctSvcrRef>{escape(e.ref)}</AcctSvcrRef><EndToEndId>{escape(e.end_to_end)}</EndToEndId></Refs>
          <RltdPties><{party}><Nm>{escape(e.name)}</Nm></{party}>
            <{party}Acct><Id><IBAN>{escape(e.iban)}</IBAN></Id></{party}Acct></RltdPties>
          <RmtInf><Ustrd>{escape(e.text)}</Ustrd></RmtInf>{_return(e)}
        </TxDtls></NtryDtls>
      </Ntry>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>2026-11-20T18:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{statement_id}</Id>
      <CreDtTm>2026-11-20T18:00:00</CreDtTm>
      <FrToDt><FrDtTm>2026-11-20T00:00:00</FrDtTm><ToDtTm>2026-11-20T23:59:59</ToDtTm></FrToDt>
      <Acct><Id><IBAN>{account}</IBAN></Id><Ccy>{currency}</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="{currency}">1000.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-20</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="{currency}">{abs(1000 + total):.2f}</Amt>
        <CdtDbtInd>{"CRDT" if 1000 + total >= 0 else "DBIT"}</CdtDbtInd><Dt><Dt>2026-11-20</Dt></Dt></Bal>{"".join(rows)}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()
