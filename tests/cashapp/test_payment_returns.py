"""Returned payments: a return on a statement reverses the payment it names, tells the collector, and waits for
a clerk when it names none."""

import datetime as dt
from decimal import Decimal

import pytest

from cashapp.statements import Entry, camt053
from credere.audit.models import AuditEvent
from credere.cashapp.models import MatchProposal, PaymentReturn
from credere.cashapp.selectors import workbench as workbench_reads
from credere.cashapp.services import returns, statements
from credere.core.errors import BusinessError, Conflict
from credere.credit.models import Alert
from credere.domain.returns import reason_in_words
from credere.ledger.models import Allocation, Payment
from credere.ledger.services import allocations
from credere.ledger.services.documents import upsert_item
from credere.ledger.services.master_data import upsert_customer

pytestmark = pytest.mark.django_db

IBAN = "GB29NWBK60161331926819"


@pytest.fixture
def clerk(make_user):
    return make_user("cash_clerk", username="clerk")


@pytest.fixture
def paid(admin, company, clerk):
    """Northwind's INV-1001 paid in full by a payment applied automatically."""
    north = upsert_customer(actor=admin, account_number="C100", name="Northwind Logistics Ltd")[0]
    item = upsert_item(actor=admin, company=company, customer=north, document_type="invoice",
                       document_number="INV-1001", document_date=dt.date(2026, 10, 1),
                       due_date=dt.date(2026, 10, 31), currency="EUR", amount=Decimal("1190.00"))[0]
    day1 = [Entry("1190.00", "Northwind Logistics Ltd", IBAN, "Invoice INV-1001", "B-0001", end_to_end="E2E-77")]
    statements.import_statement(actor=clerk, data=camt053(day1, statement_id="S1"), filename="day1.xml",
                                background=False)
    payment = Payment.objects.get(bank_reference="E2E-77")
    assert payment.unapplied_amount == Decimal("0.00")
    return {"customer": north, "item": item, "payment": payment}


def _return_file(amount="1190.00", end_to_end="E2E-77", code="AC04", statement_id="S2"):
    entry = Entry(amount, "Northwind Logistics Ltd", IBAN, "RETURN", "R-0001", day="2026-11-21", credit=False,
                  end_to_end=end_to_end, return_code=code)
    return camt053([entry], statement_id=statement_id)


def test_a_return_reverses_the_payment_it_names_and_alerts_the_collector(paid, clerk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = statements.import_statement(actor=clerk, data=_return_file(), filename="day2.xml", background=False)
    [ret] = result.returns
    payment, item = paid["payment"], paid["item"]
    payment.refresh_from_db()
    item.refresh_from_db()
    assert (ret.status, ret.payment_id, ret.amount) == ("paired", payment.pk, Decimal("1190.00"))
    assert ret.reason == "AC04: the account is closed (as the bank says)"
    assert payment.returned_on == dt.date(2026, 11, 21) and payment.return_reason == ret.reason
    assert item.open_amount == Decimal("1190.00")
    assert [a.reversed_on for a in Allocation.objects.filter(payment=payment)] == [dt.date(2026, 11, 21)]
    assert MatchProposal.objects.get(payment=payment).status == "undone"
    # out of the workbench for good: no money to apply
    assert payment not in workbench_reads.workbench_payments()
    with pytest.raises(Conflict, match="returned by the bank"):
        allocations.allocate(actor=clerk, target_id=item.pk, amount=Decimal("10.00"), applied_on=dt.date(2026, 11, 22),
                             payment_id=payment.pk)
    alert = Alert.objects.get(kind="payment_returned")
    assert alert.customer == paid["customer"] and alert.severity == "high"
    assert "returned by the bank on 2026-11-21 — AC04: the account is closed" in alert.title
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"payment_return.recorded", "payment.returned", "payment_return.paired", "allocation.reversed",
            "match.undone"} <= actions
    # the same file again adds nothing
    again = statements.import_statement(actor=clerk, data=_return_file(), filename="day2.xml", background=False)
    assert again.returns == [] and PaymentReturn.objects.count() == 1


def test_a_return_naming_no_payment_waits_for_a_clerk_who_pairs_it(paid, clerk):
    result = statements.import_statement(actor=clerk, data=_return_file(end_to_end="UNKNOWN-1"), filename="d2.xml",
                                         background=False)
    [ret] = result.returns
    assert ret.status == "unpaired" and ret.payment is None
    paid["payment"].refresh_from_db()
    assert paid["payment"].returned_on is None
    with pytest.raises(BusinessError, match="a return pairs with a payment of the same amount"):
        other = Payment.objects.create(company=paid["payment"].company, reference="P-2", received_on=dt.date(2026, 11, 1),
                                       currency="EUR", amount=Decimal("5.00"), unapplied_amount=Decimal("5.00"))
        returns.pair_return(actor=clerk, return_id=ret.pk, payment_id=other.pk)
    returns.pair_return(actor=clerk, return_id=ret.pk, payment_id=paid["payment"].pk, note="phoned the bank")
    ret.refresh_from_db()
    paid["item"].refresh_from_db()
    assert ret.status == "paired" and ret.decided_by == "clerk" and ret.note == "phoned the bank"
    assert paid["item"].open_amount == Decimal("1190.00")
    with pytest.raises(Conflict):
        returns.pair_return(actor=clerk, return_id=ret.pk, payment_id=paid["payment"].pk)


def test_a_return_of_another_amount_is_not_paired_and_can_be_dismissed(paid, clerk):
    result = statements.import_statement(actor=clerk, data=_return_file(amount="1000.00"), filename="d2.xml",
                                         background=False)
    [ret] = result.returns
    assert ret.status == "unpaired"
    with pytest.raises(BusinessError, match="say why"):
        returns.dismiss_return(actor=clerk, return_id=ret.pk, note=" ")
    returns.dismiss_return(actor=clerk, return_id=ret.pk, note="returns a supplier payment of ours")
    ret.refresh_from_db()
    assert ret.status == "dismissed"
    assert AuditEvent.objects.filter(action="payment_return.dismissed").count() == 1


def _bai2(day: str, detail: str) -> bytes:
    """A BAI2 file of one USD account with one 16 record."""
    lines = [f"01,BANK,CREDERE,{day},0800,1,80,,2/", f"02,CREDERE,BANKID,1,{day},,USD,2/",
             "03,123456789,USD,010,100000,,/", detail, "49,0,2/", "98,0,1,3/", "99,0,1,5/"]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("returned_by", ["CUST-9", "BR-10001"])
def test_a_bai2_return_pairs_by_the_deposits_customer_or_bank_reference(admin, company, clerk, returned_by):
    """A BAI2 return (type 555) names the deposit it returns by its customer reference (or, without one, the
    bank's): the payment is reversed and its invoice reopens; another deposit of the same amount is left alone."""
    north = upsert_customer(actor=admin, account_number="C100", name="Northwind Logistics Ltd")[0]
    item = upsert_item(actor=admin, company=company, customer=north, document_type="invoice",
                       document_number="INV-1001", document_date=dt.date(2026, 10, 1), due_date=dt.date(2026, 10, 31),
                       currency="USD", amount=Decimal("1190.00"))[0]
    statements.import_statement(actor=clerk, data=_bai2("261120", "16,195,119000,0,BR-10001,CUST-9,Northwind INV-1001/"),
                                filename="d1.bai", background=False)
    statements.import_statement(actor=clerk, data=_bai2("261120", "16,195,119000,0,BR-7,CUST-7,Southwind/"),
                                filename="d1b.bai", background=False)
    payment = Payment.objects.get(bank_reference="BR-10001")
    item.refresh_from_db()
    assert item.open_amount == Decimal("0.00")
    own, bank = ("CUST-9", "BR-20002") if returned_by == "CUST-9" else ("", "BR-10001")
    result = statements.import_statement(actor=clerk, data=_bai2("261121", f"16,555,119000,0,{bank},{own},RETURN/"),
                                         filename="d2.bai", background=False)
    [ret] = result.returns
    payment.refresh_from_db()
    item.refresh_from_db()
    assert (ret.status, ret.payment_id, ret.reason) == ("paired", payment.pk, "555 Deposited Item Returned")
    assert payment.returned_on == dt.date(2026, 11, 21) and item.open_amount == Decimal("1190.00")
    assert Payment.objects.get(bank_reference="BR-7").returned_on is None


@pytest.mark.parametrize(("reason", "words"), [
    ("AC04 Account closed", "AC04: the account is closed (Account closed)"),
    ("MD07", "MD07: the account holder has died"),
    ("555 Deposited Item Returned", "555 Deposited Item Returned"),
    ("RC reversal of a credit", "RC reversal of a credit"),
    ("", "returned by the bank"),
])
def test_return_reasons_read_in_words(reason, words):
    assert reason_in_words(reason) == words


def _api(user):
    from django.test import Client

    from credere.identity.services import issue_token

    _, secret = issue_token(actor=None, user=user, name="bank-robot")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_returns_through_the_pages_the_api_and_the_cli(paid, clerk, make_user, tmp_path):
    from django.core.management import call_command
    from django.test import Client

    statements.import_statement(actor=clerk, data=_return_file(end_to_end="NOPE-1"), filename="d2.xml",
                                background=False)
    ret = PaymentReturn.objects.get()
    c = Client()
    c.force_login(clerk)
    page = c.get("/cash/workbench/")
    html = page.content.decode()
    assert "Returned payments to pair" in html and "AC04: the account is closed" in html
    assert [p.pk for p in page.context["returns_waiting"][0].options] == [paid["payment"].pk]
    # the API lists it; a collector may read but not pair
    api = _api(clerk)
    listed = api.get("/api/v1/cash/returns?status=unpaired").json()
    assert [(r["id"], r["status"], r["amount"], r["reason"]) for r in listed["items"]] == [
        (ret.pk, "unpaired", "1190.00", "AC04: the account is closed (as the bank says)")]
    assert api.get("/api/v1/cash/returns?status=lost").status_code == 422
    collector = _api(make_user("collector"))
    assert collector.post(f"/api/v1/cash/returns/{ret.pk}/pair", {"payment_id": paid["payment"].pk},
                          content_type="application/json").status_code == 403
    # paired on the page
    r = c.post(f"/cash/returns/{ret.pk}/pair/", {"payment": paid["payment"].pk, "note": "same day, same amount"})
    assert r.status_code == 302
    ret.refresh_from_db()
    assert ret.status == "paired"
    assert "Returned by the bank on" in c.get(f"/payments/{paid['payment'].pk}/").content.decode()
    assert "Returned payments to pair" not in c.get("/cash/workbench/").content.decode()
    # the CLI lists it
    out = tmp_path / "out.txt"
    with out.open("w") as stream:
        call_command("cash", "returns", stdout=stream)
    assert f"return {ret.pk}: 1190.00 EUR on 2026-11-21" in out.read_text()
    assert "reversed" in out.read_text()
