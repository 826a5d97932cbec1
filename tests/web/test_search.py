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


def test_search_by_name_account_and_document(portfolio, client_for):
    c = client_for("sales")
    assert [x.account_number for x in c.get("/search/?q=helios").context["r"].rows("customers")] == ["H1", "H1A"]
    assert [x.account_number for x in c.get("/search/?q=S1").context["r"].rows("customers")] == ["S1"]
    assert [i.document_number for i in c.get("/search/?q=INV-U1").context["r"].rows("items")] == ["INV-U1"]
    suggest = c.get("/search/suggest/?q=solo").content.decode()
    assert "Solo Logistics Ltd" in suggest and f"/customers/{portfolio.s1.pk}/" in suggest
    assert "No customer, account or document matches" in c.get("/search/suggest/?q=zzzz").content.decode()




def test_a_very_long_search_gets_an_answer_in_words(portfolio, client_for):
    c = client_for("sales")
    r = c.get("/search/", {"q": "Helios " + "x" * 6000})
    assert r.status_code == 200 and r.context["q"] == ("Helios " + "x" * 6000)[:100]
    assert "Search looks at the first 100 characters; what you typed had 6,007." in r.content.decode()
    assert c.get("/search/suggest/", {"q": "y" * 5000}).status_code == 200
    assert 'maxlength="100"' in c.get("/search/?q=helios").content.decode()
