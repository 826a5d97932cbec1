"""Every page, report and API answer shows the same customer figures to the cent.

A generated demo portfolio in several currencies: for every customer, the overdue and
receivables in EUR as of a fixed date are the same on the dashboard's largest-overdue list,
the customer list, the customer page, the figure page for overdue, and in the API (the
aging by customer and the largest overdue customers). Issue 9 found them one cent apart.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from credere.identity.services import issue_token
from credere.ledger.models import Customer
from credere.reporting import services

pytestmark = pytest.mark.django_db
D = Decimal
AS_OF = dt.date(2026, 3, 31)
Q = f"?as_of={AS_OF.isoformat()}&currency=EUR"


@pytest.fixture
def demo_book(role_users):
    from credere.demo.loader import load

    load(customers=200, years=1, seed=3, as_of=AS_OF)
    return role_users["credit_manager"]


def _api(user):
    _, secret = issue_token(actor=None, user=user, name="agree")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_overdue_and_receivables_agree_everywhere(demo_book, client_for):
    user = demo_book
    currencies = set(services.aging_report(actor=user, as_of=AS_OF, by="currency").rates)
    assert len({c for c, _r in currencies}) >= 3  # several item currencies, so conversion matters

    # The dashboard's largest overdue customers (all of them: the service behind the list).
    top = {t.key: (t.overdue, t.receivables)
           for t in services.top_overdue(actor=user, as_of=AS_OF, currency="EUR", limit=1000)}
    dash = client_for("credit_manager").get(f"/dashboard/{Q}")
    assert dash.status_code == 200
    for t in dash.context["top_table"].rows:
        assert (t.overdue, t.receivables) == top[t.key]

    # The customer list.
    listed = client_for("credit_manager").get(f"/customers/{Q}&per_page=1000")
    assert listed.status_code == 200
    by_list = {r["account_number"]: (r["overdue"], r["total"]) for r in listed.context["table"].rows
               if r["total"] is not None}

    # The figure page of the overdue share: one row per customer with receivables.
    fig = client_for("credit_manager").get(f"/dashboard/figures/overdue_share/{Q}&per_page=1000")
    assert fig.status_code == 200
    by_figure = {r["account"]: (r["overdue"], r["total"]) for r in fig.context["table"].rows}

    # The API: aging by customer, and the largest overdue customers.
    api = _api(user)
    aging = api.get("/api/v1/reports/aging", {"as_of": AS_OF.isoformat(), "by": "customer", "currency": "EUR"}).json()
    by_api: dict[str, tuple[Decimal, Decimal]] = {}
    for line in aging["lines"]:
        overdue = sum((D(v) for k, v in line["converted"].items() if k != "not_due"), D(0))
        o, t = by_api.get(line["key"], (D(0), D(0)))
        by_api[line["key"]] = (o + overdue, t + D(line["converted_total"]))
    api_top = {c["account_number"]: (D(c["overdue"]), D(c["receivables"])) for c in api.get(
        "/api/v1/reports/top-overdue", {"as_of": AS_OF.isoformat(), "currency": "EUR", "limit": "1000"}
    ).json()["customers"]}

    assert by_list.keys() == by_figure.keys() == by_api.keys()
    assert api_top == top
    page = client_for("credit_manager")
    differences = []
    for c in Customer.objects.filter(account_number__in=by_list).order_by("account_number"):
        account = c.account_number
        own = page.get(f"/customers/{c.pk}/{Q}").context["own"]
        figures = {"customer list": by_list[account], "figure page": by_figure[account], "API aging": by_api[account],
                   "customer page": (own.overdue, own.total)}
        if account in top:
            figures["top overdue"] = top[account]
            figures["API top overdue"] = api_top[account]
        if len(set(figures.values())) != 1:
            differences.append((account, figures))
    assert differences == []
    # ... and they add up to the dashboard's figures and the aging's totals.
    m = dash.context["metrics"]
    aging_total = D(aging["total"])
    assert sum(t for _o, t in by_list.values()) == m.receivables == aging_total
    assert sum(o for o, _t in by_list.values()) == m.overdue == aging_total - D(aging["totals"]["not_due"])
