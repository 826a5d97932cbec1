"""Who may open a page: the same :func:`~credere.identity.authz.authorize` as everywhere.

Every view is wrapped in :func:`page`: anonymous users go to the login page; a user
without the page's action gets the 403 page, and so does any service refusal
(:class:`~credere.identity.authz.NotAllowed`) raised while handling the request — a
forged request for an action the user may not take changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from credere.identity.authz import NotAllowed, authorize, can

View = Callable[..., HttpResponse]


def forbidden(request: HttpRequest, exc: Exception | None = None) -> HttpResponse:
    return render(request, "web/403.html", {"reason": str(exc) if exc else ""}, status=403)


def page(*actions: str, any_of: bool = False) -> Callable[[View], View]:
    """Require login and every one of ``actions`` (or at least one with ``any_of``)."""

    def wrap(view: View) -> View:
        @functools.wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                if any_of:
                    if not any(can(request.user, a) for a in actions):
                        authorize(request.user, actions[0])
                else:
                    for action in actions:
                        authorize(request.user, action)
                return view(request, *args, **kwargs)
            except NotAllowed as exc:
                return forbidden(request, exc)

        return inner

    return wrap


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
