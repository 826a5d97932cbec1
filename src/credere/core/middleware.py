"""Give every API error the same JSON body, including those Django answers itself (404, 405)."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}


class ApiErrorBodyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (request.path.startswith("/api/") and response.status_code >= 400
                and not response.get("Content-Type", "").startswith("application/json")):
            status = response.status_code
            message = {405: f"{request.method} is not allowed here", 404: "No such API endpoint"}.get(
                status, response.reason_phrase or "Request failed")
            body = {"error": {"code": _CODES.get(status, "error"), "message": message, "fields": []}}
            new = HttpResponse(json.dumps(body), status=status, content_type="application/json")
            if "Allow" in response:
                new["Allow"] = response["Allow"]
            return new
        return response


def _bad_text(value: object) -> bool:
    """True for text no database can store: NUL characters or unpaired UTF-16 surrogates."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_bad_text(k) or _bad_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_bad_text(v) for v in value)
    return False


class RejectUnstorableTextMiddleware:
    """Refuse (400) requests carrying NUL characters or broken Unicode in parameters or JSON.

    PostgreSQL cannot store either; catching them here gives the user a clear 400 instead of
    a database error deep inside a service.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = self._problem(request)
        if problem:
            if request.path.startswith("/api/"):
                body = {"error": {"code": "bad_request", "message": problem,
                                  "fields": [{"field": "request", "message": problem}]}}
                return HttpResponse(json.dumps(body), status=400, content_type="application/json")
            return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _problem(request: HttpRequest) -> str:
        message = "The request contains a NUL character or invalid Unicode text."
        if _bad_text(request.path) or any(_bad_text(k) or _bad_text(v) for k, vs in request.GET.lists()
                                          for v in [*vs, k]):
            return message
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method in ("POST", "PUT", "PATCH") and content_type.startswith("application/json"):
            try:
                data = json.loads(request.body or b"null")
            except (ValueError, UnicodeDecodeError):
                return ""  # malformed JSON: the API's own validation answers it
            if _bad_text(data):
                return message
        elif (request.method == "POST" and content_type.startswith("application/x-www-form-urlencoded")
              and any(_bad_text(k) or _bad_text(v) for k, vs in request.POST.lists() for v in vs)):
            return message
        return ""
