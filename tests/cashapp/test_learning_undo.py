"""Learning never keeps a mistake: what Credere learned about payers is what the decisions still
standing taught. Any sequence of decisions, with any of them undone in any order, leaves exactly
what the remaining decisions alone would have taught; all of them undone, what was there before.
A clerk can remove what was learned (audited)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credere.audit.models import AuditEvent
from credere.cashapp.models import CustomerBankAccount, PayerAlias, PayerLesson, PayerReference
from credere.cashapp.services.learning import add_customer_bank_account, forget, learn_payer, unlearn
from credere.ledger.services.documents import record_payment

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 31)
#: payers: the account, the name the bank writes, the text (a customer number names the payer)
PAYERS = [("DE89370400440532013000", "NORDWIND LOG", "Kd-Nr 4471123 Rechnung"),
          ("FR1420041010050500013M02606", "JANE STRANGER", "prepayment 9981234"),
          ("NL91ABNA0417164300", "SOLO LOGISTICS UK", "customer 5512345")]


def learned_state():
    return (sorted(CustomerBankAccount.objects.values_list("account", "customer_id", "shared", "source")),
            sorted(PayerAlias.objects.values_list("key", "customer_id")),
            sorted(PayerReference.objects.values_list("key", "customer_id")))


@pytest.fixture
def payers(portfolio, role_users):
    pays = [record_payment(actor=role_users["administrator"], company=portfolio.de, reference=f"P-{i}",
                           received_on=DAY, currency="EUR", amount=Decimal("10.00"), payer_account=acct,
                           payer_name=name, reference_text=text)[0] for i, (acct, name, text) in enumerate(PAYERS)]
    # a hand-entered account stays its customer's whatever is learned
    add_customer_bank_account(actor=role_users["administrator"], customer=portfolio.s1, account=PAYERS[2][0])
    return pays, [portfolio.h1.pk, portfolio.h1a.pk, portfolio.s1.pk], role_users["cash_clerk"]


decisions = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), st.booleans()), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=decisions, undo=st.data())
def test_undone_decisions_leave_what_the_others_alone_teach(payers, steps, undo):
    pays, customers, clerk = payers
    initial = learned_state()

    def teach(indices):
        for n in indices:
            p, c, names = steps[n]
            learn_payer(actor=clerk, payment=pays[p], customer_id=customers[c], decision=f"proposal:{n + 1}",
                        names=names)

    gone = undo.draw(st.lists(st.sampled_from(range(len(steps))), unique=True), label="undone, in this order")
    with transaction.atomic():
        point = transaction.savepoint_create()
        teach(range(len(steps)))
        for n in gone:
            unlearn(actor=clerk, decision=f"proposal:{n + 1}", reason="wrong customer")
        after_undo = learned_state()
        transaction.savepoint_rollback(point)
        assert learned_state() == initial
        point = transaction.savepoint_create()
        teach([n for n in range(len(steps)) if n not in gone])
        assert learned_state() == after_undo, (steps, gone)
        for n in range(len(steps)):
            unlearn(actor=clerk, decision=f"proposal:{n + 1}", reason="all undone")
        assert learned_state() == initial
        transaction.savepoint_rollback(point)


def test_two_decisions_teach_the_same_and_one_is_undone(payers):
    pays, customers, clerk = payers
    learn_payer(actor=clerk, payment=pays[0], customer_id=customers[0], decision="proposal:1")
    learn_payer(actor=clerk, payment=pays[0], customer_id=customers[0], decision="proposal:2")
    learn_payer(actor=clerk, payment=pays[0], customer_id=customers[1], decision="on_account:1")
    assert CustomerBankAccount.objects.get(account=PAYERS[0][0]).shared  # two customers: neither
    unlearn(actor=clerk, decision="on_account:1", reason="the wrong customer")
    account = CustomerBankAccount.objects.get(account=PAYERS[0][0])
    assert (account.customer_id, account.shared) == (customers[0], False)
    unlearn(actor=clerk, decision="proposal:1", reason="wrong invoice")
    assert CustomerBankAccount.objects.filter(account=PAYERS[0][0]).exists()  # proposal 2 still teaches it
    assert AuditEvent.objects.filter(action="customer_bank_account.unshared").exists()


def test_a_clerk_removes_what_was_learned(payers):
    pays, customers, clerk = payers
    learn_payer(actor=clerk, payment=pays[1], customer_id=customers[2], decision="proposal:7")
    assert PayerAlias.objects.filter(customer_id=customers[2]).exists()
    key = PayerAlias.objects.get(customer_id=customers[2]).key
    assert forget(actor=clerk, kind="name", key=key, reason="a stranger paid once") == 1
    assert not PayerAlias.objects.filter(key=key).exists()
    assert AuditEvent.objects.filter(action="payer_alias.unlearned", reason__contains="a stranger").exists()
    lesson = PayerLesson.objects.get(kind="name", key=key)
    assert (lesson.undone_by, lesson.decision) == ("clerk", "proposal:7")
    with pytest.raises(Exception, match="reason"):
        forget(actor=clerk, kind="name", key=key, reason=" ")


def test_the_customer_page_and_the_api_forget_what_was_learned(payers, portfolio, client_for, role_users):
    from django.test import Client

    from credere.identity.services import issue_token

    pays, customers, clerk = payers
    learn_payer(actor=clerk, payment=pays[0], customer_id=portfolio.h1.pk, decision="proposal:3")
    page = client_for("cash_clerk").get(f"/customers/{portfolio.h1.pk}/").content.decode()
    assert 'data-testid="forget-account"' in page and PAYERS[0][0] in page
    r = client_for("cash_clerk").post(f"/cash/customers/{portfolio.h1.pk}/learned/forget/",
                                      {"kind": "account", "key": PAYERS[0][0], "reason": "their parent pays"},
                                      follow=True)
    assert "no longer takes" in r.content.decode()
    assert not CustomerBankAccount.objects.filter(account=PAYERS[0][0]).exists()
    assert client_for("sales").post(f"/cash/customers/{portfolio.h1.pk}/learned/forget/",
                                    {"kind": "name", "key": "x", "reason": "y"}).status_code == 403
    _token, secret = issue_token(actor=None, user=role_users["cash_clerk"], name="bot")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    name = api.get("/api/v1/cash/customers/H1/payers").json()["aliases"][0]
    r = api.post("/api/v1/cash/customers/H1/learned/forget", {"kind": "name", "key": name["key"], "reason": "no"},
                 content_type="application/json")
    assert r.status_code == 200 and r.json() == {"lessons_taken_back": 1}
    bad = api.post("/api/v1/cash/customers/H1/learned/forget", {"kind": "iban", "key": "x", "reason": "no"},
                   content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "kind"
