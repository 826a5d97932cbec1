"""Per-request locale for numbers, amounts and dates (see :mod:`credere.web.formatting`)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from credere.web import formatting

SESSION_KEY = "credere_locale"


def locale_for(request: HttpRequest) -> str:
    session = getattr(request, "session", None)
    chosen = session.get(SESSION_KEY) if session is not None else None
    if chosen and formatting.parse_locale(chosen):
        return str(chosen)
    return formatting.from_accept_language(request.headers.get("Accept-Language", "")) or formatting.DEFAULT_LOCALE


class UserLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        locale = locale_for(request)
        request.credere_locale = locale  # type: ignore[attr-defined]
        token = formatting.activate(locale)
        try:
            return self.get_response(request)
        finally:
            formatting.deactivate(token)
