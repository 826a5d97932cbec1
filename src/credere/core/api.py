"""What every context's API shares: pagination, the acting user, field types, one error shape.

A context's ``api.py`` builds a ninja ``Router`` with these pieces; the root ``credere.api``
mounts the routers and installs the error handlers once (:func:`install_error_handlers`), so
every endpoint answers errors with the same body:
``{"error": {"code", "message", "fields": [{"field", "message"}]}}``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination
from pydantic import StringConstraints

from credere.core.errors import BusinessError
from credere.domain.money import quantize

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Text = Annotated[str, StringConstraints(max_length=200)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
#: a decimal amount as text, sign allowed (credit notes)
AmountText = Annotated[str, StringConstraints(pattern=r"^-?\d{1,14}(\.\d{1,4})?$")]
#: a decimal amount as text, never negative
PositiveAmountText = Annotated[str, StringConstraints(pattern=r"^\d{1,14}(\.\d{1,4})?$")]


class Page(LimitOffsetPagination):
    """``?limit=`` (1–1000, default 50) and ``?offset=``: the one pagination of the API."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=10**9)


def acting_user(request: HttpRequest) -> Any:
    """The user the request acts as: the token's owner, or the signed-in user."""
    return request.auth  # type: ignore[attr-defined]


def amount_text(value: Decimal, currency: str) -> str:
    """An amount as the API writes it: a decimal string with the currency's minor units."""
    return str(quantize(value, currency))


def error_response(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str,
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


def install_error_handlers(api: NinjaAPI) -> None:
    """Answer every error of ``api`` with the one error body."""

    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = [{"field": _loc(e.get("loc", [])), "message": str(e.get("msg", "invalid"))} for e in exc.errors]
        return error_response(api, request, 422, "invalid", "The request has invalid fields.", fields)

    @api.exception_handler(BusinessError)
    def _business(request: HttpRequest, exc: BusinessError) -> HttpResponse:
        return error_response(api, request, exc.status, exc.code, str(exc), exc.fields)

    @api.exception_handler(PermissionError)  # identity's NotAllowed: a role does not allow the action
    def _not_allowed(request: HttpRequest, exc: PermissionError) -> HttpResponse:
        return error_response(api, request, 403, "forbidden", str(exc))

    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(api, request, 403, "forbidden", str(exc) or "Not allowed.")

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(api, request, 401, "unauthenticated", "Give a valid API token: Authorization: Bearer <token>.")

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", str(exc) or "Not found.")

    @api.exception_handler(ObjectDoesNotExist)
    def _no_object(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return error_response(api, request, 404, "not_found", str(exc) or "Not found.")

    @api.exception_handler(DjangoValidationError)
    def _django_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            fields = [{"field": k, "message": "; ".join(str(m) for e in v for m in e.messages)} for k, v in exc.error_dict.items()]
        else:
            fields = []
        return error_response(api, request, 422, "invalid", "; ".join(exc.messages), fields)

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(api, request, exc.status_code, "error", str(exc))
