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


