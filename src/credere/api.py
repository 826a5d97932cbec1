"""The REST API, versioned under /api/v1. Each app contributes a router from its ``api.py``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, django_auth

from credere.core.errors import BusinessError
from credere.identity.authz import NotAllowed
from credere.identity.services import user_for_token


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Credere API",
    version="1",
    description=(
        "Receivables ledger, reports and audit trail. Authenticate with "
        "`Authorization: Bearer <token>` (create one with `credere user token`). "
        "Errors always have the body `{\"error\": {\"code\", \"message\", \"fields\": [{\"field\", \"message\"}]}}`."
    ),
    auth=[TokenAuth(), django_auth],
    urls_namespace="api-v1",
)


def error_response(request: HttpRequest, status: int, code: str, message: str,
                   fields: list[dict[str, str]] | None = None) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": message, "fields": fields or []}}, status=status
    )


_PLACES = ("body", "query", "path", "form", "file", "header", "cookie")


def _loc(loc: Any) -> str:
    """``("body", "data", "amount")`` -> ``"amount"``: drop the place and the handler's parameter name."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _PLACES:
        parts = parts[1:]
        if len(parts) > 1:
            parts = parts[1:]
    return ".".join(parts) or "request"


@api.exception_handler(NinjaValidationError)
def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = [{"field": _loc(e.get("loc", [])), "message": str(e.get("msg", "invalid"))} for e in exc.errors]
    return error_response(request, 422, "invalid", "The request has invalid fields.", fields)


@api.exception_handler(BusinessError)
def _business(request: HttpRequest, exc: BusinessError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, str(exc), exc.fields)


@api.exception_handler(NotAllowed)
def _not_allowed(request: HttpRequest, exc: NotAllowed) -> HttpResponse:
    return error_response(request, 403, "forbidden", str(exc))


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, 403, "forbidden", str(exc) or "Not allowed.")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "unauthenticated", "Give a valid API token: Authorization: Bearer <token>.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", str(exc) or "Not found.")


@api.exception_handler(ObjectDoesNotExist)
def _no_object(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return error_response(request, 404, "not_found", str(exc) or "Not found.")


@api.exception_handler(DjangoValidationError)
def _django_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        fields = [{"field": k, "message": "; ".join(str(m) for e in v for m in e.messages)} for k, v in exc.error_dict.items()]
    else:
        fields = []
    return error_response(request, 422, "invalid", "; ".join(exc.messages), fields)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, "error", str(exc))


def _mount() -> None:
    from credere.audit.api import router as audit_router
    from credere.cashapp.api import router as cash_router
    from credere.identity.api import router as identity_router
    from credere.imports.api import router as imports_router
    from credere.ledger.api import router as ledger_router
    from credere.reporting.api import router as reporting_router

    api.add_router("/", ledger_router)
    api.add_router("/reports", reporting_router)
    api.add_router("/imports", imports_router)
    api.add_router("/audit", audit_router)
    api.add_router("/identity", identity_router)
    api.add_router("/cash", cash_router)


_mount()
