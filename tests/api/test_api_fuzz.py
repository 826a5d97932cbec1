"""Schema-driven fuzzing of the OpenAPI spec: no request, however malformed, produces a 500."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from credere.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def token(db):
    from credere.identity.services import create_user, issue_token
    from credere.ledger.services import upsert_company, upsert_customer

    user = create_user(actor=None, username="fuzzer", roles=["administrator"])
    upsert_company(actor=user, code="DE01", name="Demo GmbH", base_currency="EUR")
    upsert_customer(actor=user, account_number="C1", name="Customer One")
    return issue_token(actor=None, user=user, name="fuzz")[1]


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_produces_a_server_error(case, token):
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"])
