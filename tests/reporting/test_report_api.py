"""/api/v1/reports: JSON with decimal strings, downloads, 4xx for every bad parameter, rights."""

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from credere.audit.models import AuditEvent
from credere.identity.services import issue_token
from credere.ledger.models import Allocation, OpenItem

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reports"


@pytest.fixture
def client_for():
    def make(user):
        _, secret = issue_token(actor=None, user=user, name="t")
        return Client(headers={"Authorization": f"Bearer {secret}"})

    return make


@pytest.fixture
def api(book, client_for):
    return client_for(book.actor)


def test_aging_json(api):
    r = api.get(f"{BASE}/aging", {"as_of": "2026-03-31", "by": "group"})
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["as_of"] == "2026-03-31" and data["by"] == "group" and data["reporting_currency"] == "EUR"
    assert [b["key"] for b in data["buckets"]] == ["not_due", "d1_30", "d31_60", "d61_90", "d91_120", "over_120"]
    assert data["lines"][0] == {
        "key": "G1", "name": "Globex Holding", "currency": "EUR",
        "amounts": {"not_due": "0.00", "d1_30": "0.00", "d31_60": "400.00", "d61_90": "0.00", "d91_120": "0.00",
                    "over_120": "200.00"},
        "total": "600.00",
        "converted": {"not_due": "0.00", "d1_30": "0.00", "d31_60": "400.00", "d61_90": "0.00",
                      "d91_120": "0.00", "over_120": "200.00"},
        "converted_total": "600.00", "items": 2, "oldest_due": "2025-10-31",
    }
    assert data["totals"]["d1_30"] == "540.00" and data["total"] == "1480.00"
    assert data["rates"] == [{"currency": "EUR", "rate": "1"}, {"currency": "USD", "rate": "0.8"}]
    assert b"1480.00\"" in r.content  # a string, never a JSON number


def test_metrics_series_and_top_overdue_json(api):
    m = api.get(f"{BASE}/metrics", {"as_of": "2026-03-31"}).json()
    assert {k: m[k] for k in ("receivables", "dso_simple", "dso_countback", "best_possible_dso",
                              "average_days_delinquent", "cei", "overdue_share")} == {
        "receivables": "1480.00", "dso_simple": "55.97", "dso_countback": "62.10", "best_possible_dso": "12.86",
        "average_days_delinquent": "43.11", "cei": "49.11", "overdue_share": "77.03"}
    assert m["cei_period"] == {"after": "2026-02-28", "to": "2026-03-31"}
    s = api.get(f"{BASE}/series", {"as_of": "2026-03-31", "months": "3"}).json()
    assert [(p["as_of"], p["receivables"]) for p in s["points"]] == [
        ("2026-01-31", "1200.00"), ("2026-02-28", "2340.00"), ("2026-03-31", "1480.00")]
    t = api.get(f"{BASE}/top-overdue", {"as_of": "2026-03-31", "limit": "1", "company": "US01"}).json()
    assert t["company"] == "US01"
    assert t["customers"] == [{"rank": 1, "account_number": "S1", "name": "Solo Ltd", "overdue": "640.00",
                               "receivables": "640.00", "share_of_overdue": "100.00", "oldest_due": "2026-03-17",
                               "days_past_due": 14}]


def test_downloads(api):
    r = api.get(f"{BASE}/aging", {"as_of": "2026-03-31", "by": "currency", "format": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert r["Content-Disposition"] == 'attachment; filename="aging-2026-03-31.csv"'
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    assert rows[2][:10] == ["USD", "USD", "USD", "50.00", "800.00", "0.00", "0.00", "0.00", "0.00", "850.00"]
    r = api.get(f"{BASE}/metrics", {"as_of": "2026-03-31", "format": "xlsx"})
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("Receivables", 1480, "EUR")


@pytest.mark.parametrize("path, params, field", [
    ("aging", {"as_of": "yesterday"}, "as_of"),
    ("aging", {"as_of": "2026-13-01"}, "as_of"),
    ("aging", {"as_of": "0001-01-01"}, "as_of"),
    ("aging", {"as_of": "2026-03-31\x00"}, "as_of"),
    ("aging", {"company": "NOPE"}, "company"),
    ("aging", {"company": "DE01\x00"}, "company"),
    ("aging", {"company": "x" * 500}, "company"),
    ("aging", {"buckets": "0,30,abc"}, "buckets"),
    ("aging", {"buckets": "90,60"}, "buckets"),
    ("aging", {"buckets": "0," * 300}, "buckets"),
    ("aging", {"by": "planet"}, "by"),
    ("aging", {"currency": "EURO"}, "currency"),
    ("aging", {"format": "pdf"}, "format"),
    ("metrics", {"days": "-5"}, "days"),
    ("metrics", {"days": "9" * 40}, "days"),
    ("metrics", {"months": "25"}, "months"),
    ("series", {"months": "37"}, "months"),
    ("top-overdue", {"limit": "0"}, "limit"),
    ("top-overdue", {"limit": "1.5"}, "limit"),
])
def test_bad_parameters_are_422_with_the_error_body(api, path, params, field):
    r = api.get(f"{BASE}/{path}", params)
    assert r.status_code == 422, r.content
    error = r.json()["error"]
    assert error["fields"][0]["field"] == field and error["message"] and error["code"] != "error"


def test_unknown_reporting_currency_is_422(api):
    r = api.get(f"{BASE}/aging", {"as_of": "2026-03-31", "currency": "XYZ"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "no_fx_rate"


def test_no_token_is_401(book):
    assert Client().get(f"{BASE}/aging").status_code == 401


def test_a_user_without_roles_gets_403_and_nothing_changes(book, make_role_user, client_for):
    api = client_for(make_role_user(username="nobody"))
    before = (OpenItem.objects.count(), Allocation.objects.count(), AuditEvent.objects.count())
    for path in ("aging", "metrics", "series", "top-overdue"):
        r = api.get(f"{BASE}/{path}", {"as_of": "2026-03-31"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert (OpenItem.objects.count(), Allocation.objects.count(), AuditEvent.objects.count()) == before


def test_sales_role_reads_json_but_cannot_download(book, make_role_user, client_for):
    api = client_for(make_role_user("sales", username="seller"))
    assert api.get(f"{BASE}/aging", {"as_of": "2026-03-31"}).status_code == 200
    r = api.get(f"{BASE}/aging", {"as_of": "2026-03-31", "format": "csv"})
    assert r.status_code == 403 and "export_data" in r.json()["error"]["message"]
