"""The shell around the pages: start page, global search, notifications, number format."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from credere.identity.authz import can
from credere.web import formatting
from credere.web import search as global_search
from credere.web.access import page
from credere.web.middleware import SESSION_KEY
from credere.web.notifications import SEEN_KEY


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login("/")
    for action, target in (("view_ledger", "web:dashboard"), ("view_audit", "web:audit"),
                           ("manage_users", "web:users")):
        if can(request.user, action):
            return redirect(target)
    return render(request, "web/403.html", {"reason": "Your account has no role yet; ask an administrator."},
                  status=403)


#: The longest search: names, account and document numbers are far shorter.
SEARCH_MAX = 100


def _query(request: HttpRequest) -> tuple[str, str]:
    """The search text (at most :data:`SEARCH_MAX` characters) and, when it was cut, why."""
    raw = (request.GET.get("q") or "").strip()
    if len(raw) <= SEARCH_MAX:
        return raw, ""
    return raw[:SEARCH_MAX], (f"Search looks at the first {SEARCH_MAX} characters; what you typed had "
                              f"{len(raw):,}. Names, account and document numbers are shorter.")


@page("view_ledger")
def search(request: HttpRequest) -> HttpResponse:
    q, cut = _query(request)
    results = global_search.search(q, limit=25)
    only = results.only() if request.GET.get("go") else None
    if only is not None:
        return redirect(only)
    return render(request, "web/shell/search.html", {"q": q, "r": results, "search_q": q, "cut": cut,
                                                     "search_max": SEARCH_MAX})


@page("view_ledger")
def search_suggest(request: HttpRequest) -> HttpResponse:
    q, _cut = _query(request)
    return render(request, "web/shell/_suggestions.html", {"q": q, "r": global_search.search(q, limit=6)})


@require_POST
def set_locale(request: HttpRequest) -> HttpResponse:
    choice = (request.POST.get("locale") or "").strip()
    if choice and formatting.parse_locale(choice):
        request.session[SESSION_KEY] = formatting.parse_locale(choice)
    else:
        request.session.pop(SESSION_KEY, None)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    return redirect(target)


@require_POST
def notifications_seen(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        request.session[SEEN_KEY] = timezone.now().isoformat()
    return HttpResponse(status=204)
