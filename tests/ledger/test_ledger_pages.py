"""The pages show the reporting engine's figures exactly, drill down to the items behind them, and export."""

import csv
import io
from decimal import Decimal

import pytest

from support.portfolio import AS_OF

pytestmark = pytest.mark.django_db
D = Decimal
Q = f"?as_of={AS_OF.isoformat()}"


def _csv(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def test_items_as_of_an_earlier_date_undo_later_allocations(portfolio, client_for):
    r = client_for("credit_manager").get("/items/?as_of=2026-03-09&customer=H1A")
    assert [(i.document_number, i.open_as_of) for i in r.context["table"].rows] == [("INV-1", D("1000.00"))]
    now = client_for("credit_manager").get("/items/?customer=H1A")
    assert [(i.document_number, i.open_as_of) for i in now.context["table"].rows] == [("INV-1", D("400.00"))]


def test_item_page(portfolio, client_for):
    r = client_for("sales").get(f"/items/{portfolio.inv1.pk}/")
    assert r.status_code == 200
    assert (r.context["i"].amount, r.context["i"].open_amount, r.context["settled"]) == (
        D("1000.00"), D("400.00"), D("600.00"))
    assert [(a.payment.reference, a.amount) for a in r.context["alloc_table"].rows] == [("P1", D("600.00"))]
    assert [e.action for e in r.context["history"]] == ["allocation.created", "item.created"]
    html = r.content.decode()
    assert "€1,000.00" in html and "€400.00" in html
    assert client_for("sales").get("/items/999999/").status_code == 404


def test_payment_pages(portfolio, client_for):
    c = client_for("cash_clerk")
    r = c.get("/payments/?unapplied=1")
    assert list(r.context["table"].rows) == []
    r = c.get(f"/payments/{portfolio.p1.pk}/")
    assert r.context["applied"] == D("600.00")
    assert [a.target.document_number for a in r.context["table"].rows] == ["INV-1"]




def test_api_items_as_of_give_the_pages_open_amounts(portfolio, client_for):
    """One question, one answer: the item list of the API and of the pages as of the same date."""
    c = client_for("credit_analyst")
    page = c.get("/items/?as_of=2026-03-09&status=all")
    page_rows = {i.document_number: i.open_as_of for i in page.context["table"].visible_rows()}
    api = c.get("/api/v1/items?as_of=2026-03-09&limit=100").json()["items"]
    assert {i["document_number"]: i["open_amount"] for i in api} == {k: str(v) for k, v in page_rows.items()}
    # P1 paid 600.00 of INV-1 on 10 March: open in full the day before, 400.00 today
    assert {i["document_number"]: i["open_amount"] for i in api}["INV-1"] == "1000.00"
    today = {i["document_number"]: i["open_amount"] for i in c.get("/api/v1/items").json()["items"]}
    assert today["INV-1"] == "400.00"
    open_then = [i["document_number"] for i in c.get("/api/v1/items?as_of=2026-03-09&status=open").json()["items"]]
    assert open_then == ["INV-U1", "INV-1", "INV-2"]  # INV-3 and CN-1 were not posted yet


def test_item_list_totals_every_filtered_item_per_currency_in_one_query(portfolio, client_for,
                                                                        django_assert_num_queries):
    from credere.ledger import selectors

    r = client_for("credit_manager").get(f"/items/{Q}&overdue=1")
    footer = r.context["table"].footer
    assert [(f["currency"], f["amount"], f["open_as_of"], f["customer"]["name"]) for f in footer] == [
        ("EUR", D("900.00"), D("300.00"), "2 items"), ("USD", D("800.00"), D("800.00"), "1 item")]
    html = r.content.decode()
    assert "Total EUR" in html and "€300.00" in html and "$800.00" in html
    assert "55 days overdue" in html  # INV-1, due 2026-02-04, on 2026-03-31
    qs = selectors.items(selectors.ItemFilters(overdue=True), as_of=AS_OF, today=AS_OF)
    with django_assert_num_queries(1):
        totals = selectors.item_totals(qs)
    assert [(t.currency, t.count, t.amount, t.open) for t in totals] == [
        ("EUR", 2, D("900.00"), D("300.00")), ("USD", 1, D("800.00"), D("800.00"))]


def test_a_reversed_allocation_reads_as_reversed(portfolio, client_for):
    from credere.ledger.services.allocations import reverse_allocation

    allocation = portfolio.a1
    reverse_allocation(actor=portfolio.admin, allocation_id=allocation.pk, reversed_on=AS_OF, reason="recalled")
    html = client_for("sales").get(f"/payments/{allocation.payment_id}/").content.decode()
    assert 'class=" row-muted"' in html and '<span class="badge badge-bad">Reversed</span>' in html
    rows = _csv(client_for("credit_manager").get(f"/payments/{allocation.payment_id}/?export=csv&table=allocations"))
    assert rows[0] == ["Applied", "Item", "Currency", "Amount (item currency)", "Amount (payment currency)",
                       "Reversed", "Note"]
    assert rows[1][5] == AS_OF.isoformat()
