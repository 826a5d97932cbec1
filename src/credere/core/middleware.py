"""Give every API error the same JSON body, including those Django answers itself (404, 405)."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from credere.core.api import MAX_JSON_DEPTH, json_depth_within

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
    """Refuse requests carrying NUL characters or broken Unicode in parameters or JSON (422, naming the field).

    PostgreSQL cannot store either; catching them here gives the user a clear answer instead
    of a database error deep inside a service.
    """

    message = "contains a NUL character or invalid Unicode text"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = self._bad_fields(request)
        if fields:
            text = "; ".join(f"{f}: {self.message}" for f in fields)
            if request.path.startswith("/api/"):
                body = {"error": {"code": "invalid", "message": text,
                                  "fields": [{"field": f, "message": self.message} for f in fields]}}
                return HttpResponse(json.dumps(body), status=422, content_type="application/json")
            return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _bad_fields(request: HttpRequest) -> list[str]:
        if _bad_text(request.path):
            return ["path"]
        bad = [k if not _bad_text(k) else "parameter name" for k, vs in request.GET.lists()
               if _bad_text(k) or any(_bad_text(v) for v in vs)]
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method in ("POST", "PUT", "PATCH") and content_type.startswith("application/json"):
            try:
                data = json.loads(request.body or b"null")
            except (ValueError, UnicodeDecodeError, RecursionError):
                return bad  # malformed or too deeply nested JSON: the API's own parser answers it (400)
            if not json_depth_within(data, MAX_JSON_DEPTH):
                return bad
            if isinstance(data, dict):
                bad += [k if not _bad_text(k) else "field name" for k, v in data.items()
                        if _bad_text(k) or _bad_text(v)]
            elif _bad_text(data):
                bad.append("body")
        elif request.method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
            bad += [k if not _bad_text(k) else "field name" for k, vs in request.POST.lists()
                    if _bad_text(k) or any(_bad_text(v) for v in vs)]
        return bad
