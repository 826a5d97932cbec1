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
