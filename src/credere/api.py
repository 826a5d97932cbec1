"""The REST API, versioned under /api/v1. Each app contributes a router from its ``api.py``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from credere.core.api import BoundedJsonParser, install_error_handlers
from credere.identity.services import user_for_token


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SignedInSession(SessionAuth):
    """The web application's session, for the pages' own calls; its CSRF check applies only to a signed-in
    user. A request with no credentials at all is answered 401 (with ``WWW-Authenticate``), not 403
    "CSRF check failed"."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


api = NinjaAPI(
    title="Credere API",
    version="1",
    description=(
        "Receivables ledger, reports, imports, cash application, credit control, onboarding, users and the audit trail. Authenticate with "
        "`Authorization: Bearer <token>` (create one with `credere user token`). "
        "Errors always have the body `{\"error\": {\"code\", \"message\", \"fields\": [{\"field\", \"message\"}]}}`."
    ),
    auth=[TokenAuth(), SignedInSession()],
    parser=BoundedJsonParser(),
    urls_namespace="api-v1",
)
install_error_handlers(api)


def _mount() -> None:
    from credere.approvals.api import router as approvals_router
    from credere.audit.api import router as audit_router
    from credere.cashapp.api import router as cash_router
    from credere.credit.api import router as credit_router
    from credere.identity.api import router as identity_router
    from credere.imports.api import router as imports_router
    from credere.ledger.api import router as ledger_router
    from credere.ledger.privacy_api import router as privacy_router
    from credere.onboarding.api import router as onboarding_router
    from credere.reporting.api import router as reporting_router

    api.add_router("/", ledger_router)
    api.add_router("/reports", reporting_router)
    api.add_router("/imports", imports_router)
    api.add_router("/audit", audit_router)
    api.add_router("/identity", identity_router)
    api.add_router("/cash", cash_router)
    api.add_router("/credit", credit_router)
    api.add_router("/approvals", approvals_router)
    api.add_router("/privacy", privacy_router)
    api.add_router("/onboarding", onboarding_router)


_mount()
