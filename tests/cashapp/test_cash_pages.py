"""Cash application pages: statements in, the workbench, the policy; every role against every
page, and forged posts answered 403 with nothing changed."""

from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from credere.audit.models import AuditEvent
from credere.cashapp.models import (
    Adjustment,
    BankTransaction,
    MatchingPolicyVersion,
    MatchProposal,
    OnAccount,
    StatementFile,
)
from credere.cashapp.selectors import workbench as workbench_reads
from credere.cashapp.services import decisions, statements
from credere.identity.roles import ROLES
from credere.ledger.models import OpenItem, Payment
from support.portfolio import db_state

pytestmark = pytest.mark.django_db
D = Decimal
ALL = set(ROLES)
IMPORTERS = {"administrator", "credit_manager", "cash_clerk"}
ALLOCATORS = {"administrator", "credit_manager", "cash_clerk"}
POLICY_EDITORS = {"administrator", "credit_manager"}
ACCOUNT = "DE89370400440532013000"


def camt053(entries: list[tuple[str, str, str, str, str]], *, statement_id: str = "STMT-1") -> bytes:
    """A camt.053.001.02 statement of DE01's account: (amount, payer, IBAN, remittance text, bank reference)."""
    rows = []
    total = D(0)
    for amount, name, iban, text, ref in entries:
        credit = not amount.startswith("-")
        total += D(amount)
        party = "Dbtr" if credit else "Cdtr"
        rows.append(f"""
      <Ntry><Amt Ccy="EUR">{amount.lstrip("-")}</Amt><CdtDbtInd>{"CRDT" if credit else "DBIT"}</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-03-30</Dt></BookgDt><ValDt><Dt>2026-03-30</Dt></ValDt><AcctSvcrRef>{ref}</AcctSvcrRef>
        <NtryDtls><TxDtls><Refs><AcctSvcrRef>{ref}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <RltdPties><{party}><Nm>{escape(name)}</Nm></{party}><{party}Acct><Id><IBAN>{iban}</IBAN></Id></{party}Acct></RltdPties>
          <RmtInf><Ustrd>{escape(text)}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
  <GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>2026-03-30T18:00:00</CreDtTm></GrpHdr>
  <Stmt><Id>{statement_id}</Id><CreDtTm>2026-03-30T18:00:00</CreDtTm>
    <FrToDt><FrDtTm>2026-03-30T00:00:00</FrDtTm><ToDtTm>2026-03-30T23:59:59</ToDtTm></FrToDt>
    <Acct><Id><IBAN>{ACCOUNT}</IBAN></Id><Ccy>EUR</Ccy></Acct>
    <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-30</Dt></Dt></Bal>
    <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{1000 + total:.2f}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-30</Dt></Dt></Bal>{"".join(rows)}
  </Stmt></BkToCstmrStmt></Document>
""".encode()


#: INV-2 is paid exactly with its number (applied); Solo pays INV-3 less the credit note CN-1 and
#: says so only by name (suggested); a stranger pays 123.45 (nothing found); the bank takes a fee.
DAY = [
    ("500.00", "Helios Holding AG", "DE02120300000000202051", "Invoice INV-2", "B-1"),
    ("200.00", "Solo Logistics Ltd", "GB33BUKB20201555555555", "March deliveries", "B-2"),
    ("123.45", "Jane Stranger", "FR1420041010050500013M02606", "thanks", "B-3"),
    ("-12.00", "Bank", "", "Account fees", "B-4"),
]


def _upload(c, data=None, name="day.xml", company="DE01"):
    return c.post("/cash/statements/", {"file": SimpleUploadedFile(name, data or camt053(DAY), "application/xml"),
                                        "company": company})


def _pay(ref: str) -> Payment:
    return Payment.objects.get(bank_transaction__bank_reference=ref)


def state() -> str:
    """The ledger, audit, identity and web tables (``db_state``) plus every cash-application table."""
    import hashlib

    from django.apps import apps

    digest = hashlib.sha256(db_state().encode())
    for model in apps.get_app_config("cashapp").get_models():
        rows = list(model._default_manager.order_by("pk").values_list())
        digest.update(f"{model._meta.label}:{len(rows)}:{rows!r}".encode())
    return digest.hexdigest()


@pytest.fixture
def matched(portfolio, role_users):
    """DAY imported by the clerk and matched: B-1 applied, B-2 suggested, B-3 nothing found."""
    clerk = role_users["cash_clerk"]
    result = statements.import_statement(actor=clerk, data=camt053(DAY), filename="day.xml", company=portfolio.de,
                                       background=False)
    assert (result.run.applied, result.run.suggested, result.run.unmatched) == (1, 1, 1)
    return result


def _htmx(c):
    return {"HTTP_HX_REQUEST": "true"}


# --------------------------------------------------------------------------- who sees what


def _pages(m):
    pay = _pay("B-2").pk
    return ["/cash/statements/", f"/cash/statements/{m.file.pk}/", f"/cash/statements/{m.file.pk}/status/",
            "/cash/workbench/", f"/cash/workbench/?payment={pay}", "/cash/policy/"]


@pytest.mark.parametrize("role", sorted(ALL))
def test_every_role_reads_the_cash_pages_and_sees_only_its_actions(role, matched, client_for):
    c = client_for(role)
    for url in _pages(matched):
        r = c.get(url)
        assert r.status_code == 200, (role, url, r.status_code)
    pay = _pay("B-2").pk
    assert c.get(f"/cash/workbench/payments/{pay}/", **_htmx(c)).status_code == 200
    assert c.get(f"/cash/workbench/payments/{pay}/items/?q=INV", **_htmx(c)).status_code == 200
    statements = c.get("/cash/statements/").content.decode()
    assert ('data-testid="statement-upload"' in statements) == (role in IMPORTERS)
    assert ('data-testid="run-matching"' in c.get(f"/cash/statements/{matched.file.pk}/").content.decode()) == (
        role in IMPORTERS)
    bench = c.get(f"/cash/workbench/?payment={pay}").content.decode()
    assert ('data-shortcut="accept"' in bench) == (role in ALLOCATORS)
    assert ('id="item-search"' in bench) == (role in ALLOCATORS)
    applied = c.get(f"/cash/workbench/?payment={_pay('B-1').pk}").content.decode()
    assert ("Undo match" in applied) == (role in ALLOCATORS)
    assert ('data-testid="policy-form"' in c.get("/cash/policy/").content.decode()) == (role in POLICY_EDITORS)
    labels = {i["label"] for s in c.get("/cash/workbench/").context["nav"] if s["label"] == "Cash application"
              for i in s["items"]}
    assert labels == {"Statements", "Workbench", "Matching policy"}


def test_a_user_without_a_role_is_refused_every_cash_page(matched, make_user):
    from django.test import Client

    c = Client()
    c.force_login(make_user())
    for url in _pages(matched):
        assert c.get(url).status_code == 403, url
    assert Client().get("/cash/workbench/")["Location"].startswith("/accounts/login/")


# --------------------------------------------------------------------------- statements in


def test_upload_records_payments_and_the_file_page_follows_matching(portfolio, client_for, role_users):
    c = client_for("cash_clerk")
    r = _upload(c)
    assert r.status_code == 302
    stored = StatementFile.objects.get()
    assert r["Location"] == f"/cash/statements/{stored.pk}/"
    assert (stored.statements, stored.transactions_new, stored.transactions_known) == (1, 4, 0)
    assert sorted(Payment.objects.filter(bank_transaction__isnull=False).values_list("amount", flat=True)) == [
        D("123.45"), D("200.00"), D("500.00")]
    page = c.get(r["Location"])
    html = page.content.decode()
    assert "3 payments recorded. Matching runs in the background." in html
    assert page.context["pending"] is True and 'hx-trigger="every 2s"' in html  # polls until matched
    assert page.context["counts"]["pending"] == 3
    assert "−€12.00" in html or "-€12.00" in html
    # the clerk runs it now (the worker would do the same)
    r = c.post(f"/cash/statements/{stored.pk}/match/")
    assert r.status_code == 302
    page = c.get(r["Location"])
    assert "1 applied, 1 suggested, 1 without a match (of 3 open payments)" in page.content.decode()
    assert page.context["pending"] is False and 'hx-trigger="every 2s"' not in page.content.decode()
    statuses = {t.bank_reference: t.status for t in page.context["transactions"]}
    assert statuses == {"B-1": "applied", "B-2": "suggested", "B-3": "unmatched", "B-4": ""}
    assert [page.context["counts"][k] for k in ("applied", "suggested", "unmatched", "pending")] == [1, 1, 1, 0]
    status = c.get(f"/cash/statements/{stored.pk}/status/", HTTP_HX_REQUEST="true")
    assert status.status_code == 200 and 'data-pending="false"' in status.content.decode()
    # the same file again adds nothing: every transaction is recognised
    r = _upload(c, name="day-again.xml")
    again = StatementFile.objects.order_by("-id").first()
    assert (again.transactions_new, again.transactions_known) == (0, 4)
    assert "0 new transactions, 4 already known (skipped), 0 payments recorded." in c.get(r["Location"]).content.decode()
    assert BankTransaction.objects.count() == 4
    listing = c.get("/cash/statements/")
    assert [f.filename for f in listing.context["files"]] == ["day-again.xml", "day.xml"]
    assert listing.context["runs"][0].applied == 1


def test_a_big_file_is_imported_in_the_background_and_a_refused_one_says_why(portfolio, client_for, settings,
                                                                             django_capture_on_commit_callbacks):
    from credere.cashapp.models import StatementUpload
    from credere.cashapp.tasks import import_statement_upload

    settings.CREDERE_BACKGROUND_STATEMENT_BYTES = 100
    c = client_for("cash_clerk")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        r = _upload(c)
    assert r.status_code == 302 and r["Location"] == "/cash/statements/" and len(queued) == 1
    assert not StatementFile.objects.exists()
    page = c.get("/cash/statements/").content.decode()
    assert "is being imported in the background" in page and "Waiting for a worker" in page
    upload = StatementUpload.objects.get()
    import_statement_upload.call(str(upload.pk))
    assert StatementFile.objects.get().transactions_new == 4
    page = c.get("/cash/statements/")
    assert page.context["uploads"] == []  # done: it is an imported file now
    with django_capture_on_commit_callbacks(execute=False):
        _upload(c, data=camt053(DAY).replace(b"<Amt Ccy=\"EUR\">500.00</Amt>", b"<Amt Ccy=\"EUR\">five</Amt>"),
                name="broken.xml")
    import_statement_upload.call(str(StatementUpload.objects.get(filename="broken.xml").pk))
    html = c.get("/cash/statements/").content.decode()
    assert "broken.xml" in html and "Refused" in html and "five" in html
    assert client_for("credit_manager").get("/cash/statements/").context["uploads"] == []  # only one's own


@pytest.mark.parametrize(("sample", "transactions", "incoming"), [
    ("mt940.sta", 7, 4), ("camt054_v08.xml", 1, 1), ("bai2.txt", 4, 2), ("sparkasse.csv", 4, 2)])
def test_other_formats_upload_through_the_same_form(sample, transactions, incoming, portfolio, client_for):
    from pathlib import Path

    data = (Path(__file__).parents[1] / "data" / "bankfiles" / sample).read_bytes()
    c = client_for("cash_clerk")
    r = _upload(c, data=data, name=sample, company="DE01")
    assert r.status_code == 302, r.content.decode()[:2000]
    stored = StatementFile.objects.get()
    assert stored.filename == sample and stored.transactions_new == BankTransaction.objects.count() == transactions
    assert BankTransaction.objects.filter(amount__gt=0).count() == incoming
    assert Payment.objects.filter(bank_transaction__isnull=False).count() == incoming
    assert c.get(r["Location"]).status_code == 200


def test_a_bad_file_is_refused_with_its_reason_and_nothing_is_written(portfolio, client_for):
    c = client_for("cash_clerk")
    before = state()
    broken = camt053(DAY).replace(b'<Amt Ccy="EUR">200.00</Amt>', b'<Amt Ccy="EUR">2x0.00</Amt>')
    r = _upload(c, data=broken, name="broken.xml")
    assert r.status_code == 422
    errors = list(r.context["errors"])
    assert len(errors) == 1 and errors[0].startswith("broken.xml was not imported") and "2x0.00" in errors[0]
    assert r.content.decode().count("2x0.00") == 1  # the refusal is shown once
    assert state() == before
    r = _upload(c, company="XX99")
    assert r.status_code == 422 and r.context["errors"].of("company") == ["There is no company with code 'XX99'."]
    html = r.content.decode()
    assert 'name="company" aria-describedby="s-company-help" aria-invalid="true"' in html
    assert '<p class="field-error" id="company-error">There is no company with code &#x27;XX99&#x27;.</p>' in html
    assert state() == before


# --------------------------------------------------------------------------- the workbench


def test_the_queue_is_ranked_and_filtered(matched, client_for, role_users):
    c = client_for("cash_clerk")
    decisions.undo_match(actor=role_users["cash_clerk"], reason="back to the queue",
                        proposal_id=MatchProposal.objects.get(payment=_pay("B-1")).pk)
    r = c.get("/cash/workbench/")
    entries = [e for g in r.context["groups"] for e in g["entries"]]
    assert [(e.payer_name, e.unapplied_amount) for e in entries] == [
        ("Helios Holding AG", D("500.00")), ("Solo Logistics Ltd", D("200.00")), ("Jane Stranger", D("123.45"))]
    assert r.context["selected_id"] == entries[0].pk  # the first payment is selected
    assert [e.confidence_text for e in entries] == ["", "92%", "0%"]  # 0.925: whole percent, rounded down
    assert "Oldest money first" in r.content.decode()
    names = [e.payer_name for g in c.get("/cash/workbench/?min=150").context["groups"] for e in g["entries"]]
    assert names == ["Helios Holding AG", "Solo Logistics Ltd"]
    names = [e.payer_name for g in c.get("/cash/workbench/?q=stranger").context["groups"] for e in g["entries"]]
    assert names == ["Jane Stranger"]
    r = c.get("/cash/workbench/?min=abc&company=XX")
    assert "min: 'abc' is not an amount" in r.context["errors"]


def test_a_long_queue_is_shown_a_page_at_a_time(matched, client_for, monkeypatch):
    from credere.cashapp.views import workbench as cash_views

    monkeypatch.setattr(cash_views, "QUEUE_SHOWN", 1)
    c = client_for("cash_clerk")
    r = c.get("/cash/workbench/?currency=EUR")
    assert r.context["shown"] == 1 and r.context["total"] == 2
    assert r.context["more"] == "currency=EUR&show=2" and "Show 1 more (of 2)" in r.content.decode()
    assert 'data-testid="queue-more"' in r.content.decode()
    r = c.get("/cash/workbench/?currency=EUR&show=2")
    assert r.context["shown"] == 2 and r.context["more"] == "" and "show=2" in r.context["qs"]


def test_the_panel_explains_the_suggestion_in_plain_words(matched, client_for):
    c = client_for("cash_clerk")
    pay = _pay("B-2")
    r = c.get(f"/cash/workbench/payments/{pay.pk}/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert r.context["proposal"].status == "suggested" and r.context["confidence"] == "92%"
    codes = [x["code"] for x in r.context["reasons"]]
    assert codes == ["CREDIT_NOTE_NETTED", "COMBINATION", "PAYER_NAME_EXACT"]
    assert all(x["text"] and x["text"] != x["code"] for x in r.context["reasons"])
    html = r.content.decode()
    assert "INV-3" in html and "CN-1" in html and "<html" not in html
    assert c.get(f"/cash/workbench/payments/{pay.pk}/")["Location"] == f"/cash/workbench/?payment={pay.pk}"


def test_item_search_finds_open_items_by_number_customer_and_amount(matched, client_for):
    c = client_for("cash_clerk")
    pay = _pay("B-3").pk

    def found(q):
        r = c.get(f"/cash/workbench/payments/{pay}/items/", {"q": q}, HTTP_HX_REQUEST="true")
        return [i.document_number for i in r.context["items"]]

    assert found("INV-1") == ["INV-1"]
    assert found("Solo") == ["CN-1", "INV-3"]  # earliest due first
    assert found("400") == ["INV-1"]  # the exact open amount
    assert found("410,00") == ["INV-1"]  # within 5 %
    assert found("INV-U1") == []  # another company's item cannot take this payment
    assert found("H1A") == ["INV-1"]


def test_accept_applies_the_suggestion_and_selects_the_next_payment(matched, client_for):
    c = client_for("cash_clerk")
    pay = _pay("B-2")
    proposal = MatchProposal.objects.get(payment=pay, status="suggested")
    nxt = _pay("B-3").pk
    r = c.post(f"/cash/workbench/proposals/{proposal.pk}/accept/", {"next": nxt, "qs": ""}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert r.context["selected_id"] == nxt and "Accepted: " in r.context["notice"]
    assert "€0.00 left unapplied" in r.context["notice"]
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and proposal.decided_by == "clerk"
    assert OpenItem.objects.get(document_number="INV-3").open_amount == D("0.00")
    assert OpenItem.objects.get(document_number="CN-1").open_amount == D("0.00")
    pay.refresh_from_db()
    assert pay.unapplied_amount == D("0.00")
    assert [e.pk for g in r.context["groups"] for e in g["entries"]] == [nxt]
    # accepting twice is refused with the service's message, nothing changes
    before = state()
    r = c.post(f"/cash/workbench/proposals/{proposal.pk}/accept/", {"qs": ""})
    assert r.status_code == 302
    assert "is already accepted by a clerk" in c.get(r["Location"]).content.decode()
    assert state() == before


def _extra_items(portfolio):
    from credere.ledger.services.documents import upsert_item

    out = {}
    for number, amount in (("INV-7", "50.00"), ("INV-8", "80.00")):
        out[number] = upsert_item(actor=portfolio.admin, company=portfolio.de, customer=portfolio.h1,
                                  document_type="invoice", document_number=number,
                                  document_date=portfolio.inv2.document_date, due_date=portfolio.inv2.due_date,
                                  currency="EUR", amount=D(amount))[0]
    return out


def test_manual_match_with_a_split_and_a_deduction_then_undo(matched, portfolio, client_for):
    items = _extra_items(portfolio)
    c = client_for("cash_clerk")
    pay = _pay("B-3")
    i7, i8 = items["INV-7"].pk, items["INV-8"].pk
    form = {"item": [str(i7), str(i8)], f"amount_{i7}": "50.00", f"amount_{i8}": "73,45", f"deduction_{i8}": "6.55",
            "note": "phone call: short by a damaged pallet", "qs": ""}
    # too much for INV-7: the service's message, nothing written
    before = state()
    r = c.post(f"/cash/workbench/payments/{pay.pk}/match/", {**form, f"amount_{i7}": "60.00"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r.context["selected_id"] == pay.pk
    assert r.context["errors"] == ["INV-7 has 50.00 EUR open, but 60.00 plus a deduction of 0.00 would take 10.00 "
                                   "more: lower the amount or the deduction"]
    # the ticked items come back ticked, with what was typed
    kept = {i.document_number: (i.posted_amount, i.posted_deduction) for i in r.context["chosen_items"]}
    assert kept == {"INV-7": ("60.00", ""), "INV-8": ("73,45", "6.55")}
    html = r.content.decode()
    assert f'id="use-{i7}" aria-label="Use INV-7" checked' in html and f'name="amount_{i8}" value="73,45"' in html
    assert state() == before
    # more than the payment: the excess in words
    r = c.post(f"/cash/workbench/payments/{pay.pk}/match/", {**form, f"deduction_{i8}": "", f"amount_{i8}": "80.00"},
               HTTP_HX_REQUEST="true")
    assert r.context["errors"] == ["The ticked items take 130.00 EUR, but only 123.45 EUR of the payment is unapplied "
                                   "— 6.55 EUR too much: lower an amount to apply part of an item, or untick an item"]
    assert len(r.context["chosen_items"]) == 2
    assert state() == before
    r = c.post(f"/cash/workbench/payments/{pay.pk}/match/", {**form, f"amount_{i8}": "lots"}, HTTP_HX_REQUEST="true")
    assert r.context["errors"] == ["amount for INV-8: give the amount to apply, for example 1234.50"]
    assert state() == before
    # the split
    r = c.post(f"/cash/workbench/payments/{pay.pk}/match/", form, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r.context["errors"] == []
    manual = MatchProposal.objects.get(payment=pay, status="manual")
    assert manual.reasons == ["MANUAL", "DEDUCTION"] and manual.note == "phone call: short by a damaged pallet"
    assert [(ln.item.document_number, ln.amount, ln.deduction) for ln in manual.lines.order_by("item_id")] == [
        ("INV-7", D("50.00"), D("0.00")), ("INV-8", D("73.45"), D("6.55"))]
    pay.refresh_from_db()
    assert pay.unapplied_amount == D("0.00")
    assert [(a.item.document_number, a.kind, a.amount) for a in Adjustment.objects.all()] == [
        ("INV-8", "deduction", D("6.55"))]
    assert OpenItem.objects.get(pk=i8).open_amount == D("6.55")  # the deduction stays open, flagged
    # undo needs a reason
    before = state()
    r = c.post(f"/cash/workbench/proposals/{manual.pk}/undo/", {"reason": " ", "qs": ""}, HTTP_HX_REQUEST="true")
    assert any("say why the match is undone" in e for e in r.context["errors"])
    assert state() == before
    r = c.post(f"/cash/workbench/proposals/{manual.pk}/undo/", {"reason": "wrong customer", "qs": ""},
               HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r.context["selected_id"] == pay.pk and "Undone" in r.context["notice"]
    # the payment reads as undone, not as never looked at, and the day's counters come along (out of band)
    assert r.context["status"] == "undone"
    html = r.content.decode()
    assert "Its match was undone" in html and "Matching has not looked at" not in html
    assert 'id="cash-summary"' in html and 'hx-swap-oob="true"' in html
    manual.refresh_from_db()
    pay.refresh_from_db()
    assert manual.status == "undone" and pay.unapplied_amount == D("123.45")
    assert OpenItem.objects.get(pk=i7).open_amount == D("50.00")
    assert OpenItem.objects.get(pk=i8).open_amount == D("80.00")
    assert Adjustment.objects.get().status == "cancelled"
    assert AuditEvent.objects.filter(action="match.undone", reason="wrong customer").count() == 1


def test_put_on_account_takes_the_payment_out_of_the_queue(matched, portfolio, client_for):
    c = client_for("cash_clerk")
    pay = _pay("B-3")
    before = state()
    r = c.post(f"/cash/workbench/payments/{pay.pk}/on-account/", {"customer": "NOPE", "qs": ""}, HTTP_HX_REQUEST="true")
    assert r.context["errors"] == ["customer: no customer has the account number 'NOPE' or a name containing it"]
    assert state() == before
    r = c.post(f"/cash/workbench/payments/{pay.pk}/on-account/", {"customer": "Helios", "qs": ""}, HTTP_HX_REQUEST="true")
    assert r.context["errors"] == ["customer: 'Helios' is in the name of several customers — Helios Holding AG (H1); "
                                   "Helios Trading GmbH (H1A): give the account number"]
    assert state() == before
    # by name: "solo" is one customer's
    r = c.post(f"/cash/workbench/payments/{pay.pk}/on-account/", {"customer": "solo", "note": "prepayment", "qs": ""})
    assert r.status_code == 302
    kept = OnAccount.objects.get(payment=pay)
    assert kept.customer == portfolio.s1 and kept.note == "prepayment" and kept.released_at is None
    page = c.get(r["Location"])
    assert "kept on account for Solo Logistics Ltd (S1)" in page.content.decode()
    assert pay.pk not in [e.pk for g in page.context["groups"] for e in g["entries"]]
    assert MatchProposal.objects.get(payment=pay).status == "superseded"


# --------------------------------------------------------------------------- the policy


def _policy_form(c):
    fields = c.get("/cash/policy/").context["fields"]
    return {f["key"]: f["value"] for f in fields}


def test_a_manager_changes_the_policy_and_a_clerk_may_not(matched, client_for):
    assert MatchingPolicyVersion.objects.count() == 1  # recorded by the first run
    manager, clerk = client_for("credit_manager"), client_for("cash_clerk")
    form = _policy_form(manager)
    # a confidence reads in percent on the page, as everywhere a person reads one
    assert form["auto_apply_confidence"] == "95" and "intl = international" in form["abbreviations"]
    # a note is required
    before = state()
    r = manager.post("/cash/policy/", {**form, "auto_apply_confidence": "90"})
    assert r.status_code == 422 and r.context["errors"].of("note")
    r = manager.post("/cash/policy/", {**form, "auto_apply_confidence": "150", "note": "try"})
    assert r.status_code == 422 and r.context["errors"].of("auto_apply_confidence")
    assert 'id="p-auto_apply_confidence" type="text" inputmode="decimal" name="auto_apply_confidence" value="150"' in (
        r.content.decode())  # what the manager typed is kept
    assert state() == before
    # the clerk's forged post
    assert clerk.post("/cash/policy/", {**form, "auto_apply_confidence": "90", "note": "mine"}).status_code == 403
    assert state() == before
    r = manager.post("/cash/policy/", {**form, "auto_apply_confidence": "90", "note": "fewer clerk checks"})
    assert r.status_code == 302
    v2 = MatchingPolicyVersion.objects.get(version=2)
    assert v2.settings["auto_apply_confidence"] == "0.90" and v2.note == "fewer clerk checks"
    assert v2.created_by == "manager"
    assert {k: v for k, v in v2.settings.items() if k != "auto_apply_confidence"} == {
        k: v for k, v in MatchingPolicyVersion.objects.get(version=1).settings.items() if k != "auto_apply_confidence"}
    page = clerk.get("/cash/policy/")
    assert page.context["current"].number == 2
    newest, changes = page.context["history"][0]
    assert newest.version == 2 and [(ch.key, ch.before, ch.after) for ch in changes] == [
        ("auto_apply_confidence", "0.95", "0.90")]
    assert "Matching policy version 2 is in force." in manager.get("/cash/policy/").content.decode()


# --------------------------------------------------------------------------- forged posts


@pytest.mark.parametrize("role", sorted(ALL - ALLOCATORS))
def test_forged_cash_posts_are_refused_and_change_nothing(role, matched, portfolio, client_for):
    c = client_for(role)
    applied = MatchProposal.objects.get(payment=_pay("B-1"))
    suggested = MatchProposal.objects.get(payment=_pay("B-2"))
    stranger = _pay("B-3").pk
    form = _policy_form(client_for("credit_manager"))
    before = state()
    posts = [
        ("/cash/statements/", {"file": SimpleUploadedFile("x.xml", camt053(DAY, statement_id="S9")),
                               "company": "DE01"}),
        (f"/cash/statements/{matched.file.pk}/match/", {}),
        (f"/cash/workbench/payments/{stranger}/run/", {}),
        (f"/cash/workbench/proposals/{suggested.pk}/accept/", {}),
        (f"/cash/workbench/payments/{stranger}/match/", {"item": [str(portfolio.inv1.pk)],
                                                        f"amount_{portfolio.inv1.pk}": "100.00"}),
        (f"/cash/workbench/payments/{stranger}/on-account/", {"customer": "S1"}),
        (f"/cash/workbench/proposals/{applied.pk}/undo/", {"reason": "forged"}),
        ("/cash/policy/", {**form, "auto_apply_confidence": "0.5", "note": "forged"}),
        (f"/cash/workbench/payments/{stranger}/release/", {}),
    ]
    if role not in {"administrator", "credit_manager", "credit_analyst"}:
        posts.append((f"/cash/customers/{portfolio.s1.pk}/bank-accounts/", {"account": "GB33BUKB20201555555555"}))
    for url, data in posts:
        assert c.post(url, data).status_code == 403, (role, url)
        assert c.post(url, data, HTTP_HX_REQUEST="true").status_code == 403, (role, url)
    assert state() == before


def test_cash_posts_need_the_csrf_token(matched, role_users):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(role_users["cash_clerk"])
    before = state()
    suggested = MatchProposal.objects.get(payment=_pay("B-2"))
    assert c.post(f"/cash/workbench/proposals/{suggested.pk}/accept/").status_code == 403
    assert c.post("/cash/statements/", {"file": SimpleUploadedFile("x.xml", camt053(DAY))}).status_code == 403
    assert state() == before


def test_the_customer_page_shows_how_they_pay_and_money_kept_on_account(matched, portfolio, client_for):
    clerk = client_for("cash_clerk")
    pay = _pay("B-3")
    clerk.post(f"/cash/workbench/payments/{pay.pk}/on-account/",
               {"customer": "S1", "note": "prepayment", "qs": "", "remember": "1"})
    html = clerk.get(f"/customers/{portfolio.s1.pk}/").content.decode()
    assert "FR1420041010050500013M02606" in html  # learned: the clerk said to remember the payer
    assert "“Jane Stranger”" in html and "Kept on account" in html and "Back to the workbench" in html
    assert "Add bank account" not in html  # clerks do not edit customers
    r = clerk.post(f"/cash/workbench/payments/{pay.pk}/release/")
    assert r.status_code == 302 and r["Location"].endswith(f"?payment={pay.pk}")
    assert OnAccount.objects.get(payment=pay).released_at is not None
    assert pay.pk in set(workbench_reads.workbench_payments().values_list("pk", flat=True))
    # released, the payer is no longer taken for S1: only that decision had taught it
    assert "FR1420041010050500013M02606" not in clerk.get(f"/customers/{portfolio.s1.pk}/").content.decode()
    analyst = client_for("credit_analyst")
    assert "Add bank account" in analyst.get(f"/customers/{portfolio.s1.pk}/").content.decode()
    r = analyst.post(f"/cash/customers/{portfolio.s1.pk}/bank-accounts/", {"account": "GB33 BUKB 2020 1555 5555 54"})
    page = analyst.get(r["Location"]).content.decode()
    assert "not a valid IBAN" in page
    r = analyst.post(f"/cash/customers/{portfolio.s1.pk}/bank-accounts/", {"account": "NL91ABNA0417164300"})
    page = analyst.get(r["Location"]).content.decode()
    assert "Bank account NL91ABNA0417164300 recorded for Solo Logistics Ltd" in page


def test_the_item_page_shows_what_a_match_left_open(matched, portfolio, client_for, role_users):
    pay = _pay("B-3")
    decisions.manual_match(actor=role_users["cash_clerk"], payment_id=pay.pk, lines=[
        decisions.ManualLine(portfolio.inv1.pk, D("100.00"), deduction=D("23.45"))])
    html = client_for("collector").get(f"/items/{portfolio.inv1.pk}/").content.decode()
    assert "Left open by cash application" in html and "Deduction (short payment)" in html
    # the payment is named by the bank's reference, not by Credere's internal key
    assert pay.label == "B-3" and f">{pay.label}<" in html and pay.reference not in html


def test_the_file_as_uploaded_can_be_downloaded(matched, client_for):
    r = client_for("auditor").get(f"/cash/statements/{matched.file.pk}/download/")
    assert r.status_code == 200 and r.content == camt053(DAY)
    assert r["Content-Disposition"] == "attachment; filename*=UTF-8''day.xml"
    assert "download the file as uploaded" in client_for("auditor").get(
        f"/cash/statements/{matched.file.pk}/").content.decode()
    assert client_for("sales").get(f"/cash/statements/{matched.file.pk}/download/").status_code == 403


def test_the_policy_page_reads_without_writing_and_refuses_a_change_without_a_note(portfolio, client_for):
    from credere.domain.matching.policy import setting_help

    manager = client_for("credit_manager")
    before = state()
    r = manager.get("/cash/policy/")
    assert r.status_code == 200 and r.context["current"].version is None and r.context["current"].number == 1
    assert state() == before and MatchingPolicyVersion.objects.count() == 0  # not even the defaults as version 1
    # each setting's meaning comes from the policy's own definition
    assert {f["key"]: f["help"] for f in r.context["fields"]} == {f["key"]: setting_help(f["key"])
                                                                  for f in r.context["fields"]}
    assert all(f["help"] for f in r.context["fields"])
    form = {f["key"]: f["value"] for f in r.context["fields"]}
    r = manager.post("/cash/policy/", {**form, "auto_apply_confidence": "90", "note": "   "})
    assert r.status_code == 422
    assert r.context["errors"].of("note") == ["say why the policy changes (it is kept with the version)"]
    assert list(r.context["errors"]) == ["Check the field marked below."]
    assert state() == before


def test_searching_an_exact_amount_lists_the_item_with_that_amount_first(matched, portfolio, client_for):
    from credere.ledger.services.documents import upsert_item

    for number, amount in (("INV-400", "1400.00"), ("INV-9", "399.00")):
        upsert_item(actor=portfolio.admin, company=portfolio.de, customer=portfolio.h1, document_type="invoice",
                    document_number=number, document_date=portfolio.inv2.document_date,
                    due_date=portfolio.inv2.due_date, currency="EUR", amount=D(amount))
    c = client_for("cash_clerk")
    pay = _pay("B-3").pk
    r = c.get(f"/cash/workbench/payments/{pay}/items/", {"q": "400.00"}, HTTP_HX_REQUEST="true")
    assert [i.document_number for i in r.context["items"]][:2] == ["INV-1", "INV-9"]


def test_the_payments_nothing_is_proposed_for_are_matched_again_in_one_action(matched, portfolio, client_for):
    c = client_for("cash_clerk")
    solo = _pay("B-2")
    proposal = MatchProposal.objects.get(payment=solo, status="suggested")
    decisions.accept_proposal(actor=portfolio.admin, proposal_id=proposal.pk)
    decisions.undo_match(actor=portfolio.admin, proposal_id=proposal.pk, reason="to check again")
    assert list(workbench_reads.not_looked_at()) == [solo]
    page = c.get("/cash/workbench/")
    assert "Match the 1 payment nothing is proposed for" in page.content.decode()
    entries = {e.pk: e for g in page.context["groups"] for e in g["entries"]}
    assert entries[solo.pk].was_undone and "Match undone" in page.content.decode()
    r = c.post("/cash/workbench/run-not-looked-at/", {"qs": ""}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "over 1 payment: 0 applied, 1 suggested" in r.context["notice"]
    assert MatchProposal.objects.filter(payment=solo, status="suggested").count() == 1
    assert list(workbench_reads.not_looked_at()) == []
    assert "nothing is proposed for" not in r.content.decode()
    # who may not run matching does not see the button and is refused
    assert "nothing is proposed for" not in client_for("collector").get("/cash/workbench/").content.decode()
    assert client_for("collector").post("/cash/workbench/run-not-looked-at/", {"qs": ""}).status_code == 403
