"""Cash application services on the database: statements in, matching, clerks' decisions, policy."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from cashapp.statements import Entry, camt053
from credere.audit.models import AuditEvent
from credere.cashapp.models import (
    Adjustment,
    BankAccount,
    BankTransaction,
    CustomerBankAccount,
    MatchingPolicyVersion,
    MatchProposal,
    MatchRun,
    OnAccount,
    PayerAlias,
    RemittanceAdvice,
    StatementFile,
)
from credere.cashapp.policies import policy_in_force
from credere.cashapp.selectors import workbench as workbench_reads
from credere.cashapp.services import decisions, learning, remittances, runs, statements
from credere.cashapp.services import policy as policy_service
from credere.core.errors import BusinessError
from credere.domain.matching.references import is_date
from credere.identity.authz import NotAllowed
from credere.ledger.models import Allocation, Payment
from credere.ledger.services.documents import upsert_item
from credere.ledger.services.master_data import upsert_customer

pytestmark = pytest.mark.django_db

NORTHWIND_IBAN = "GB29NWBK60161331926819"
NWL_IBAN = "GB94BARC10201530093459"
BALTIC_IBAN = "LT121000011101001000"
#: The day clerks decide (after every statement day below): no test depends on today.
ON = dt.date(2026, 11, 23)


@pytest.fixture
def ledger(admin, company):
    north = upsert_customer(actor=admin, account_number="C100", name="Northwind Logistics Ltd")[0]
    baltic = upsert_customer(actor=admin, account_number="C200", name="Baltic Foods GmbH")[0]
    items = {}
    for customer, number, amount in ((north, "INV-1001", "1190.00"), (north, "INV-1002", "500.00"),
                                     (north, "INV-1003", "250.00"), (north, "INV-1004", "300.00"),
                                     (baltic, "INV-2001", "800.00"), (baltic, "INV-2002", "99.50")):
        items[number] = upsert_item(actor=admin, company=company, customer=customer, document_type="invoice",
                                    document_number=number, document_date=dt.date(2026, 10, 1),
                                    due_date=dt.date(2026, 10, 31), currency="EUR", amount=Decimal(amount))[0]
    return {"north": north, "baltic": baltic, "items": items}


@pytest.fixture
def clerk(make_user):
    return make_user("cash_clerk", username="clerk")


@pytest.fixture
def manager(make_user):
    return make_user("credit_manager", username="manager")


FIRST = [
    Entry("1190.00", "Northwind Logistics Ltd", NORTHWIND_IBAN, "Invoice INV-1001 thank you", "B-0001"),
    Entry("750.00", "NWL SOLUTIONS", NWL_IBAN, "October deliveries", "B-0002"),
    Entry("780.00", "Baltic Foods", BALTIC_IBAN, "INV-2001", "B-0003"),
    Entry("25.00", "Bank", "", "Account fees", "B-0004", credit=False),
]


def _open(item):
    item.refresh_from_db()
    return item.open_amount


def _payment(ref):
    return Payment.objects.get(bank_transaction__bank_reference=ref)


def test_import_applies_what_it_can_and_keeps_everything(clerk, ledger):
    result = statements.import_statement(actor=clerk, data=camt053(FIRST), filename="day1.xml", background=False)
    assert (result.statements, result.new, result.known, len(result.payments)) == (1, 4, 0, 3)
    stored = StatementFile.objects.get()
    assert bytes(stored.content) == camt053(FIRST) and stored.format.startswith("camt.053")
    assert BankAccount.objects.get().account == "DE89370400440532013000"
    fee = BankTransaction.objects.get(bank_reference="B-0004")
    assert fee.amount == Decimal("-25.00") and fee.payment is None and "<Ntry" in fee.raw and "Account fees" in fee.raw
    run = result.run
    assert (run.status, run.payments, run.applied, run.suggested, run.unmatched) == (MatchRun.Status.DONE, 3, 2, 0, 1)
    first = MatchProposal.objects.get(payment=_payment("B-0001"))
    assert first.status == MatchProposal.Status.APPLIED
    assert first.reasons == ["REFERENCE_EXACT", "AMOUNT_EXACT", "PAYER_NAME_EXACT"] and first.confidence == Decimal("0.9950")
    assert _open(ledger["items"]["INV-1001"]) == Decimal("0.00")
    assert _payment("B-0001").unapplied_amount == Decimal("0.00")
    # the payer's account is learned from the applied match
    assert CustomerBankAccount.objects.get(account=NORTHWIND_IBAN).customer == ledger["north"]
    nwl = MatchProposal.objects.get(payment=_payment("B-0002"), status__in=["suggested", "unmatched"])
    assert nwl.payment.unapplied_amount == Decimal("750.00")
    assert AuditEvent.objects.filter(action="statement.imported").count() == 1
    assert AuditEvent.objects.filter(action="matching.run").count() == 1


def test_same_file_again_and_overlapping_statement_add_nothing_twice(clerk, ledger):
    statements.import_statement(actor=clerk, data=camt053(FIRST), filename="day1.xml", match=False)
    payments = Payment.objects.count()
    again = statements.import_statement(actor=clerk, data=camt053(FIRST), filename="day1-again.xml", match=False)
    assert (again.new, again.known, again.payments) == (0, 4, [])
    overlap = FIRST[2:] + [Entry("99.50", "Baltic Foods GmbH", BALTIC_IBAN, "INV-2002", "B-0005")]
    later = statements.import_statement(actor=clerk, data=camt053(overlap, statement_id="STMT-2"),
                                      filename="day2.xml", match=False)
    assert (later.new, later.known, len(later.payments)) == (1, 2, 1)
    assert Payment.objects.count() == payments + 1
    assert BankTransaction.objects.count() == 5
    assert StatementFile.objects.count() == 3  # every file is kept, even one that added nothing


def test_malformed_file_is_refused_whole(clerk, ledger):
    broken = camt053(FIRST).replace(b"<Amt Ccy=\"EUR\">780.00</Amt>", b"<Amt Ccy=\"EUR\">7x0.00</Amt>")
    before = (StatementFile.objects.count(), Payment.objects.count(), BankTransaction.objects.count(),
              AuditEvent.objects.count())
    with pytest.raises(BusinessError) as err:
        statements.import_statement(actor=clerk, data=broken, filename="bad.xml", background=False)
    assert err.value.code == "bad_statement" and "7x0.00" in str(err.value)
    assert err.value.fields[0]["field"] == "file"
    truncated = camt053(FIRST)[:-200]
    with pytest.raises(BusinessError):
        statements.import_statement(actor=clerk, data=truncated, filename="cut.xml", background=False)
    assert before == (StatementFile.objects.count(), Payment.objects.count(), BankTransaction.objects.count(),
                      AuditEvent.objects.count())


def test_unknown_account_needs_a_company_when_there_are_several(clerk, admin, ledger):
    from credere.ledger.services.master_data import upsert_company

    other = upsert_company(actor=admin, code="FR01", name="Credere France", base_currency="EUR")[0]
    with pytest.raises(BusinessError) as err:
        statements.import_statement(actor=clerk, data=camt053(FIRST), filename="x.xml", match=False)
    assert err.value.fields[0]["field"] == "company" and StatementFile.objects.count() == 0
    statements.import_statement(actor=clerk, data=camt053(FIRST), filename="x.xml", company=other, match=False)
    assert BankAccount.objects.get().company == other
    assert Payment.objects.filter(company=other).count() == 3


def test_roles_without_the_right_write_nothing(make_user, ledger):
    collector = make_user("collector")
    with pytest.raises(NotAllowed):
        statements.import_statement(actor=collector, data=camt053(FIRST), filename="x.xml")
    with pytest.raises(NotAllowed):
        runs.run_matching(actor=collector)
    assert StatementFile.objects.count() == 0 and Payment.objects.count() == 0 and MatchRun.objects.count() == 0


def test_manual_match_with_split_learns_the_payer_for_next_time(clerk, ledger):
    statements.import_statement(actor=clerk, data=camt053(FIRST), filename="day1.xml", background=False)
    nwl = _payment("B-0002")
    items = ledger["items"]
    proposal = decisions.manual_match(actor=clerk, applied_on=ON, payment_id=nwl.pk, lines=[
        decisions.ManualLine(items["INV-1002"].pk, Decimal("500.00")),
        decisions.ManualLine(items["INV-1003"].pk, Decimal("250.00"))], note="phoned the customer")
    assert proposal.status == MatchProposal.Status.MANUAL
    assert (_open(items["INV-1002"]), _open(items["INV-1003"])) == (Decimal("0.00"), Decimal("0.00"))
    nwl.refresh_from_db()
    assert nwl.unapplied_amount == Decimal("0.00") and nwl.customer == ledger["north"]
    assert PayerAlias.objects.get(customer=ledger["north"]).key == "nwl solutions"
    assert CustomerBankAccount.objects.get(account=NWL_IBAN).customer == ledger["north"]
    # the next payment from that account, without any reference, is recognised and applied
    second = [Entry("300.00", "NWL SOLUTIONS", NWL_IBAN, "payment", "B-0010", day="2026-11-21")]
    result = statements.import_statement(actor=clerk, data=camt053(second, statement_id="STMT-3"),
                                       filename="day2.xml", background=False)
    new = MatchProposal.objects.get(payment_id=result.payments[0])
    assert "PAYER_ACCOUNT" in new.reasons or "PAYER_ACCOUNT_LEARNED" in new.reasons
    assert new.status == MatchProposal.Status.APPLIED and _open(items["INV-1004"]) == Decimal("0.00")


def test_deduction_then_undo_puts_everything_back(clerk, ledger):
    statements.import_statement(actor=clerk, data=camt053(FIRST), filename="day1.xml", match=False)
    baltic = _payment("B-0003")
    inv = ledger["items"]["INV-2001"]
    proposal = decisions.manual_match(actor=clerk, applied_on=ON, payment_id=baltic.pk, lines=[
        decisions.ManualLine(inv.pk, Decimal("780.00"), deduction=Decimal("20.00"))])
    adjustment = Adjustment.objects.get(proposal=proposal)
    assert (adjustment.kind, adjustment.amount, adjustment.status) == ("deduction", Decimal("20.00"), "open")
    assert [a.applied_on for a in Allocation.objects.filter(payment=baltic)] == [ON]
    assert _open(inv) == Decimal("20.00")
    assert baltic.pk not in set(workbench_reads.workbench_payments().values_list("pk", flat=True))
    with pytest.raises(BusinessError):
        decisions.undo_match(actor=clerk, on=ON, proposal_id=proposal.pk, reason=" ")
    decisions.undo_match(actor=clerk, on=ON, proposal_id=proposal.pk, reason="wrong invoice")
    assert _open(inv) == Decimal("800.00")
    adjustment.refresh_from_db()
    assert adjustment.status == "cancelled"
    baltic.refresh_from_db()
    assert baltic.unapplied_amount == Decimal("780.00")
    assert baltic.pk in set(workbench_reads.workbench_payments().values_list("pk", flat=True))
    assert [a.reversed_on for a in Allocation.objects.filter(payment=baltic)] == [ON]
    assert AuditEvent.objects.filter(action="match.undone", reason="wrong invoice").count() == 1
    with pytest.raises(BusinessError):
        decisions.undo_match(actor=clerk, on=ON, proposal_id=proposal.pk, reason="again")


def test_a_match_to_the_wrong_customer_undone_lets_the_clerk_apply_the_payment_to_the_right_one(clerk, ledger):
    """The first allocation names the payment's customer; undoing the match takes the name back (the bank
    never said whose money it was), so that the clerk can apply it to another customer's invoice."""
    statements.import_statement(actor=clerk, data=camt053(FIRST), filename="day1.xml", match=False)
    nwl = _payment("B-0002")
    assert nwl.customer_id is None
    wrong = decisions.manual_match(actor=clerk, applied_on=ON, payment_id=nwl.pk, lines=[
        decisions.ManualLine(ledger["items"]["INV-2001"].pk, Decimal("750.00"))])
    nwl.refresh_from_db()
    assert nwl.customer_id == ledger["baltic"].pk
    decisions.undo_match(actor=clerk, on=ON, proposal_id=wrong.pk, reason="not Baltic's money")
    nwl.refresh_from_db()
    assert nwl.customer_id is None
    assert AuditEvent.objects.filter(action="payment.customer_cleared", object_id=str(nwl.pk)).count() == 1
    decisions.manual_match(actor=clerk, applied_on=ON, payment_id=nwl.pk, lines=[
        decisions.ManualLine(ledger["items"]["INV-1002"].pk, Decimal("500.00")),
        decisions.ManualLine(ledger["items"]["INV-1003"].pk, Decimal("250.00"))])
    nwl.refresh_from_db()
    assert (nwl.customer_id, nwl.unapplied_amount) == (ledger["north"].pk, Decimal("0.00"))
    assert _open(ledger["items"]["INV-2001"]) == Decimal("800.00")


def test_undoing_one_of_two_matches_keeps_the_customer_the_other_names(clerk, ledger):
    statements.import_statement(actor=clerk, data=camt053(FIRST), filename="day1.xml", match=False)
    nwl = _payment("B-0002")
    first = decisions.manual_match(actor=clerk, applied_on=ON, payment_id=nwl.pk, lines=[
        decisions.ManualLine(ledger["items"]["INV-1002"].pk, Decimal("500.00"))])
    decisions.manual_match(actor=clerk, applied_on=ON, payment_id=nwl.pk, lines=[
        decisions.ManualLine(ledger["items"]["INV-1003"].pk, Decimal("250.00"))])
    decisions.undo_match(actor=clerk, on=ON, proposal_id=first.pk, reason="wrong invoice")
    nwl.refresh_from_db()
    assert nwl.customer_id == ledger["north"].pk  # the other match still applies its money to Northwind


def test_manual_match_refuses_more_than_is_open_or_unapplied(clerk, ledger):
    statements.import_statement(actor=clerk, data=camt053(FIRST), filename="day1.xml", match=False)
    baltic = _payment("B-0003")
    items = ledger["items"]
    with pytest.raises(BusinessError) as err:
        decisions.manual_match(actor=clerk, applied_on=ON, payment_id=baltic.pk,
                              lines=[decisions.ManualLine(items["INV-2002"].pk, Decimal("100.00"))])
    assert err.value.fields[0]["field"] == "lines[1].amount"
    with pytest.raises(BusinessError) as err:
        decisions.manual_match(actor=clerk, applied_on=ON, payment_id=baltic.pk, lines=[
            decisions.ManualLine(items["INV-2001"].pk, Decimal("800.00")),
            decisions.ManualLine(items["INV-2002"].pk, Decimal("99.50"))])
    assert err.value.fields[0]["field"] == "lines"
    assert Allocation.objects.filter(payment=baltic).count() == 0


def test_put_on_account_and_release(clerk, ledger):
    statements.import_statement(actor=clerk, data=camt053(FIRST), filename="day1.xml", match=False)
    nwl = _payment("B-0002")
    decisions.put_on_account(actor=clerk, payment_id=nwl.pk, customer=ledger["north"], note="ask for remittance")
    assert nwl.pk not in set(workbench_reads.workbench_payments().values_list("pk", flat=True))
    nwl.refresh_from_db()
    assert nwl.customer == ledger["north"] and nwl.unapplied_amount == Decimal("750.00")
    run = runs.run_matching(actor=clerk)
    assert not MatchProposal.objects.filter(run=run, payment=nwl).exists()
    decisions.release_on_account(actor=clerk, payment_id=nwl.pk, reason="remittance came")
    assert OnAccount.objects.get(payment=nwl).released_at is not None
    assert nwl.pk in set(workbench_reads.workbench_payments().values_list("pk", flat=True))


def test_runs_again_never_apply_money_twice(clerk, ledger):
    statements.import_statement(actor=clerk, data=camt053(FIRST), filename="day1.xml", background=False)
    allocations = Allocation.objects.count()
    applied = MatchProposal.objects.filter(status="applied").count()
    second = runs.run_matching(actor=clerk)
    third = runs.run_matching(actor=clerk)
    assert second.applied == third.applied == 0
    assert Allocation.objects.count() == allocations
    assert MatchProposal.objects.filter(status="applied").count() == applied
    # an open proposal is superseded by the newer run's, never left beside it
    for payment in workbench_reads.workbench_payments():
        assert payment.match_proposals.filter(status__in=["suggested", "unmatched"]).count() == 1
    for payment in Payment.objects.all():
        used = payment.allocations.filter(reversed_on__isnull=True).aggregate(s=Sum("source_amount"))["s"] or 0
        assert payment.unapplied_amount == payment.amount - used


def test_accept_a_suggestion(clerk, manager, ledger):
    policy_service.set_policy(actor=manager, settings={"auto_apply_confidence": "1"}, note="clerks confirm everything")
    statements.import_statement(actor=clerk, data=camt053(FIRST[:1]), filename="day1.xml", background=False)
    proposal = MatchProposal.objects.get()
    assert proposal.status == "suggested"
    decisions.accept_proposal(actor=clerk, applied_on=ON, proposal_id=proposal.pk)
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and proposal.decided_by == "clerk"
    assert _open(ledger["items"]["INV-1001"]) == Decimal("0.00")
    with pytest.raises(BusinessError):
        decisions.accept_proposal(actor=clerk, applied_on=ON, proposal_id=proposal.pk)


def test_policy_versions_are_audited_and_checked(clerk, manager, ledger):
    v1 = policy_service.stored_policy_version()
    assert v1.version == 1 and v1.settings["auto_apply_confidence"] == "0.95"
    v2 = policy_service.set_policy(actor=manager, settings={"auto_apply_confidence": "0.97", "max_candidates": "30"},
                             note="tighter after audit")
    assert v2.version == 2 and policy_service.stored_policy_version() == v2
    assert policy_service.policy_of(v2).auto_apply_confidence == Decimal("0.97")
    event = AuditEvent.objects.get(action="matching_policy.changed")
    assert event.before == {"auto_apply_confidence": "0.95", "max_candidates": 40}
    assert event.after == {"auto_apply_confidence": "0.97", "max_candidates": 30} and event.reason == "tighter after audit"
    with pytest.raises(BusinessError) as err:
        policy_service.set_policy(actor=manager, settings={"auto_apply_confidence": "abc", "nonsense": 1}, note="x")
    assert {f["field"] for f in err.value.fields} == {"auto_apply_confidence", "nonsense"}
    with pytest.raises(BusinessError) as err:
        policy_service.set_policy(actor=manager, settings={"auto_apply_confidence": "1.5"}, note="x")
    assert err.value.fields[0]["field"] == "auto_apply_confidence"
    with pytest.raises(NotAllowed):
        policy_service.set_policy(actor=clerk, settings={"auto_apply_confidence": "0.5"}, note="x")
    assert MatchingPolicyVersion.objects.count() == 2
    run = runs.run_matching(actor=clerk)
    assert run.policy == v2


def test_remittance_advice_links_and_guides_matching(clerk, manager, ledger, company):
    policy_service.set_policy(actor=manager, settings={"auto_apply_confidence": "0.99"}, note="clerks check advices")
    entries = [Entry("799.50", "Baltic Foods", BALTIC_IBAN, "see advice", "B-0020")]
    statements.import_statement(actor=clerk, data=camt053(entries), filename="d.xml", match=False)
    advice = (b"payment_reference;payer_name;payment_date;amount;currency;document_number;paid_amount;deduction\n"
              b"B-0020;Baltic Foods;2026-11-20;799.50;EUR;INV-2001;700.00;100.00\n"
              b"B-0020;Baltic Foods;2026-11-20;799.50;EUR;INV-2002;99.50;\n"
              b"B-9999;Unknown Ltd;2026-11-20;10.00;EUR;INV-1003;10.00;\n")
    result = remittances.import_remittances(actor=clerk, data=advice, filename="advice.csv", company=company)
    assert (result.advices, result.lines, result.linked) == (2, 3, 1)
    linked = RemittanceAdvice.objects.get(payment__isnull=False)
    assert [ln.document_number for ln in linked.lines.all()] == ["INV-2001", "INV-2002"]
    run = runs.run_matching(actor=clerk)
    proposal = MatchProposal.objects.get(run=run)
    lines = {ln.item.document_number: (ln.amount, ln.deduction) for ln in proposal.lines.all()}
    assert lines == {"INV-2001": (Decimal("700.00"), Decimal("100.00")), "INV-2002": (Decimal("99.50"), Decimal(0))}
    assert proposal.reasons[0] == "REMITTANCE_ADVICE" and proposal.status == "suggested"  # 0.98 < 0.99
    decisions.accept_proposal(actor=clerk, applied_on=ON, proposal_id=proposal.pk)
    assert _open(ledger["items"]["INV-2001"]) == Decimal("100.00")
    assert Adjustment.objects.get(proposal=proposal).amount == Decimal("100.00")
    bad = b"payment_reference;document_number;paid_amount\nB-1;;abc\n"
    with pytest.raises(BusinessError) as err:
        remittances.import_remittances(actor=clerk, data=bad, filename="bad.csv", company=company)
    assert "row 2" in str(err.value) and RemittanceAdvice.objects.count() == 2


def test_background_task_runs_the_matching(clerk, ledger, django_capture_on_commit_callbacks):
    from credere.cashapp.tasks import match_payments

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = statements.import_statement(actor=clerk, data=camt053(FIRST), filename="day1.xml")
    assert len(callbacks) == 1 and MatchRun.objects.count() == 0
    outcome = match_payments.call(payment_ids=result.payments, actor="clerk", statement_file_id=result.file.pk)
    run = MatchRun.objects.get()
    assert outcome.startswith(f"run {run.pk}:") and run.statement_file == result.file and run.trigger == "import"
    assert match_payments.call(payment_ids=result.payments, actor="nobody").startswith("skipped")


def test_a_credit_note_is_netted_against_the_invoice_and_the_cash_pays_the_rest(clerk, admin, company, ledger):
    credit = upsert_item(actor=admin, company=company, customer=ledger["baltic"], document_type="credit_note",
                         document_number="CN-1", document_date=dt.date(2026, 10, 5), due_date=dt.date(2026, 10, 5),
                         currency="EUR", amount=Decimal("-99.50"))[0]
    entries = [Entry("700.50", "Baltic Foods GmbH", BALTIC_IBAN, "INV-2001 INV-2002 CN-1", "B-0030")]
    statements.import_statement(actor=clerk, data=camt053(entries), filename="d.xml", background=False)
    proposal = MatchProposal.objects.get()
    lines = {ln.item.document_number: (ln.amount, ln.payment_amount) for ln in proposal.lines.all()}
    assert lines == {"INV-2001": (Decimal("800.00"), Decimal("800.00")), "CN-1": (Decimal("-99.50"), Decimal("-99.50"))}
    assert proposal.status == "applied" and "CREDIT_NOTE_NETTED" in proposal.reasons
    assert (_open(credit), _open(ledger["items"]["INV-2001"]), _open(ledger["items"]["INV-2002"])) == (
        Decimal("0.00"), Decimal("0.00"), Decimal("99.50"))
    allocations = {(a.target.document_number, a.credit_note.document_number if a.credit_note else None,
                    a.payment_id is not None, a.amount, a.applied_on)
                   for a in Allocation.objects.select_related("target", "credit_note")}
    # credit first, then cash, both on the day the bank booked the payment
    assert allocations == {("INV-2001", "CN-1", False, Decimal("99.50"), dt.date(2026, 11, 20)),
                           ("INV-2001", None, True, Decimal("700.50"), dt.date(2026, 11, 20))}
    assert _payment("B-0030").unapplied_amount == Decimal("0.00")


def test_customer_bank_accounts_entered_by_hand_are_checked(make_user, ledger):
    analyst = make_user("credit_analyst")
    row = learning.add_customer_bank_account(actor=analyst, customer=ledger["north"], account="gb29 nwbk 6016 1331 9268 19")
    assert (row.account, row.source, row.customer) == (NORTHWIND_IBAN, "manual", ledger["north"])
    with pytest.raises(BusinessError) as err:
        learning.add_customer_bank_account(actor=analyst, customer=ledger["baltic"], account=NORTHWIND_IBAN)
    assert err.value.code == "duplicate"
    with pytest.raises(BusinessError) as err:
        learning.add_customer_bank_account(actor=analyst, customer=ledger["baltic"], account="GB29NWBK60161331926818")
    assert err.value.fields[0]["field"] == "account" and "not a valid IBAN" in str(err.value)
    assert learning.add_customer_bank_account(actor=analyst, customer=ledger["baltic"], account="0532013000")
    with pytest.raises(NotAllowed):
        learning.add_customer_bank_account(actor=make_user("collector"), customer=ledger["baltic"], account="123456")
    assert CustomerBankAccount.objects.count() == 2


def test_a_reference_naming_the_payer_is_learned_from_a_manual_match(clerk, ledger):
    first = [Entry("500.00", "ACME PAYMENT SERVICES", "DE02120300000000202051", "Kundennr. 558812 Okt 2026", "R-1")]
    statements.import_statement(actor=clerk, data=camt053(first), filename="a.xml", background=False)
    pay = _payment("R-1")
    assert MatchProposal.objects.get(payment=pay).status in ("unmatched", "suggested")
    items = ledger["items"]
    decisions.manual_match(actor=clerk, applied_on=ON, payment_id=pay.pk,
                          lines=[decisions.ManualLine(items["INV-1002"].pk, Decimal("500.00"))])
    from credere.cashapp.models import PayerReference

    learned = {r.key: r.customer for r in PayerReference.objects.all()}
    assert learned["558812"] == ledger["north"]
    assert not {"2026", "50000", "KUNDENNR", "OKT"} & set(learned)  # not the year, the amount or plain words
    assert is_date("20261120") and is_date("201126") and not is_date("558812")
    # next month: another bank account and name, the same customer number
    second = [Entry("250.00", "ACME PAY SVC", "DE89370400440532013000", "Kundennr. 558812 Nov 2026", "R-2",
                    day="2026-11-21")]
    statements.import_statement(actor=clerk, data=camt053(second, statement_id="S2"), filename="b.xml",
                              background=False)
    proposal = MatchProposal.objects.get(payment=_payment("R-2"))
    assert "PAYER_REFERENCE_LEARNED" in proposal.reasons
    assert [ln.item.document_number for ln in proposal.lines.all()] == ["INV-1003"]
    # a second customer writing the same number makes it identify neither
    baltic_pay = [Entry("99.50", "X", "", "Kundennr. 558812", "R-3", day="2026-11-22")]
    statements.import_statement(actor=clerk, data=camt053(baltic_pay, statement_id="S3"), filename="c.xml",
                              match=False)
    decisions.manual_match(actor=clerk, applied_on=ON, payment_id=_payment("R-3").pk,
                          lines=[decisions.ManualLine(items["INV-2002"].pk, Decimal("99.50"))])
    assert PayerReference.objects.get(key="558812").customer is None


@pytest.mark.parametrize("sample", ["camt053_v02.xml", "mt940.sta", "bai2.txt", "sparkasse.csv"])
def test_mutated_statement_files_are_imported_whole_or_not_at_all(clerk, ledger, company, sample):
    """Seeded mutations of real-format samples through the import service: a clear refusal with
    nothing written, or a complete import; never another error."""
    import random
    from pathlib import Path

    original = (Path(__file__).parents[1] / "data" / "bankfiles" / sample).read_bytes()
    rng = random.Random(sample)
    tables = (StatementFile, BankTransaction, Payment, AuditEvent)
    refused = imported = 0
    for n in range(25):
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            kind, at = rng.randrange(4), rng.randrange(len(data))
            if kind == 0:
                data[at] = rng.randrange(256)
            elif kind == 1:
                del data[at:at + rng.randint(1, 40)]
            elif kind == 2:
                data[at:at] = rng.choice([b"\n", b"<", b":61:", b",", b"-", b"\x00", b"99"])
            else:
                data = data[:at]
        before = [m.objects.count() for m in tables]
        try:
            result = statements.import_statement(actor=clerk, data=bytes(data), filename=f"m{n}-{sample}",
                                               company=company, match=False)
        except BusinessError as exc:
            assert exc.code in ("bad_statement", "invalid") and exc.fields, exc
            assert [m.objects.count() for m in tables] == before
            refused += 1
        else:
            assert StatementFile.objects.count() == before[0] + 1
            assert BankTransaction.objects.filter(statement__file=result.file).count() == result.new
            imported += 1
    assert refused > 10


def test_a_policy_version_can_take_effect_later(manager, ledger):
    from django.utils import timezone

    v1 = policy_service.stored_policy_version()
    later = timezone.now() + dt.timedelta(days=7)
    v2 = policy_service.set_policy(actor=manager, settings={"auto_apply_confidence": "0.99"}, note="from next week",
                             effective_from=later)
    assert policy_service.stored_policy_version() == v1
    assert policy_in_force(at=later + dt.timedelta(seconds=1)).version == v2
    with pytest.raises(BusinessError) as err:
        policy_service.set_policy(actor=manager, settings={"auto_apply_confidence": "0.9"}, note="x",
                                  effective_from=timezone.now() - dt.timedelta(days=1))
    assert err.value.fields[0]["field"] == "effective_from"


def test_an_account_paying_for_two_customers_identifies_neither(clerk, ledger):
    statements.import_statement(actor=clerk, data=camt053(FIRST[:1]), filename="a.xml", background=False)
    assert CustomerBankAccount.objects.get(account=NORTHWIND_IBAN).customer == ledger["north"]
    # the same account now pays a Baltic invoice (a payment service paying for both)
    other = [Entry("99.50", "PAYSERVICE", NORTHWIND_IBAN, "thanks", "S-1", day="2026-11-21")]
    statements.import_statement(actor=clerk, data=camt053(other, statement_id="S2"), filename="b.xml",
                              background=False)
    pay = _payment("S-1")
    assert pay.customer is None  # a learned account never decides the customer at import
    decisions.manual_match(actor=clerk, applied_on=ON, payment_id=pay.pk,
                          lines=[decisions.ManualLine(ledger["items"]["INV-2002"].pk, Decimal("99.50"))])
    row = CustomerBankAccount.objects.get(account=NORTHWIND_IBAN)
    assert row.shared and row.customer == ledger["north"]
    assert NORTHWIND_IBAN not in runs.known_accounts()
    assert AuditEvent.objects.filter(action="customer_bank_account.shared").count() == 1


def test_reading_the_policy_stores_nothing_until_a_change_or_a_run(clerk, manager, ledger):
    assert policy_in_force().version is None and policy_in_force().number == 1
    with pytest.raises(BusinessError) as err:
        policy_service.set_policy(actor=manager, settings={"auto_apply_confidence": "0.9"}, note="  ")
    assert err.value.fields == [{"field": "note", "message": "say why the policy changes (it is kept with the version)"}]
    assert MatchingPolicyVersion.objects.count() == 0  # a refusal stores not even the defaults
    assert not AuditEvent.objects.filter(action__startswith="matching_policy").exists()
    run = runs.run_matching(actor=clerk)
    assert run.policy.version == 1 and run.policy.settings == policy_in_force().settings
    assert AuditEvent.objects.filter(action="matching_policy.created").count() == 1


def test_a_few_cents_short_is_applied_by_the_run_and_the_difference_recorded_then_undone(clerk, ledger):
    short = [Entry("1189.97", "Northwind Logistics Ltd", NORTHWIND_IBAN, "RE INV-1001", "B-0101")]
    statements.import_statement(actor=clerk, data=camt053(short), filename="short.xml", background=False)
    paid = _payment("B-0101")
    proposal = MatchProposal.objects.get(payment=paid)
    assert proposal.status == MatchProposal.Status.APPLIED and "SMALL_DIFFERENCE" in proposal.reasons
    adjustment = Adjustment.objects.get(proposal=proposal)
    assert (adjustment.kind, adjustment.amount, adjustment.status) == ("small_difference", Decimal("0.03"), "open")
    assert adjustment.get_kind_display().startswith("Small difference")
    paid.refresh_from_db()
    assert paid.unapplied_amount == Decimal("0.00")
    decisions.undo_match(actor=clerk, on=ON, proposal_id=proposal.pk, reason="wrong invoice")
    adjustment.refresh_from_db()
    assert adjustment.status == "cancelled" and _open(ledger["items"]["INV-1001"]) == Decimal("1190.00")
