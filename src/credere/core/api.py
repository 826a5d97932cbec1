"""What every context's API shares: pagination, the acting user, field types, one error shape.

A context's ``api.py`` builds a ninja ``Router`` with these pieces; the root ``credere.api``
mounts the routers and installs the error handlers once (:func:`install_error_handlers`), so
every endpoint answers errors with the same body:
``{"error": {"code", "message", "fields": [{"field", "message"}]}}``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination
from ninja.parser import Parser
from pydantic import BeforeValidator, StringConstraints

from credere.core.errors import BusinessError
from credere.domain.money import quantize

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Text = Annotated[str, StringConstraints(max_length=200)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
#: a decimal amount as text, sign allowed (credit notes); ASCII digits only (``\\d`` would take "١٢" or "１２")
AmountText = Annotated[str, StringConstraints(pattern=r"^-?[0-9]{1,14}(\.[0-9]{1,4})?$")]
#: a decimal amount as text, never negative
PositiveAmountText = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,14}(\.[0-9]{1,4})?$")]

#: the days a request may name: a ledger's documents, payments and reports fall in these years
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _day(value: Any) -> dt.date:
    """A day as ``YYYY-MM-DD`` (ASCII digits) between :data:`FIRST_DAY` and :data:`LAST_DAY`; a number is not
    a day (pydantic would read 0 as 1970-01-01), nor is a time of day."""
    if isinstance(value, dt.datetime):
        raise ValueError("give a day as YYYY-MM-DD, without a time")
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and _ISO_DAY.match(value.strip()):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"'{value.strip()}' is not a day of the calendar") from None
    else:
        raise ValueError("give a day as YYYY-MM-DD")
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"give a day between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}")
    return day


#: a day given in a request (body or query): ``YYYY-MM-DD``, in a plausible range
Day = Annotated[dt.date, BeforeValidator(_day)]


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


#: How deeply a request's JSON may nest: Credere's deepest body (a policy's settings) needs four levels.
MAX_JSON_DEPTH = 32


class JsonTooDeep(ValueError):
    pass


def json_depth_within(data: Any, limit: int) -> bool:
    """Whether ``data`` nests no deeper than ``limit`` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return False
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return True


class BoundedJsonParser(Parser):
    """JSON bodies parsed as ninja does, refused (400) when nested deeper than :data:`MAX_JSON_DEPTH`, so that
    no later step (validation, the audit trail's JSON) recurses without bound."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            data = super().parse_body(request)
        except RecursionError:
            raise JsonTooDeep(f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep") from None
        if not json_depth_within(data, MAX_JSON_DEPTH):
            raise JsonTooDeep(f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep")
        return data


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
        response = error_response(api, request, 401, "unauthenticated",
                                  "Give a valid API token: Authorization: Bearer <token>.")
        response["WWW-Authenticate"] = 'Bearer realm="Credere API"'
        return response

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
        cause = exc.__cause__
        if isinstance(cause, JsonTooDeep):
            return error_response(api, request, 400, "too_deep", str(cause))
        if isinstance(cause, ValueError) and exc.status_code == 400:  # JSONDecodeError, bad UTF-8
            return error_response(api, request, 400, "invalid_json", f"The body is not valid JSON: {cause}.")
        return error_response(api, request, exc.status_code, "error", str(exc))
