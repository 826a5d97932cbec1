"""Two-factor authentication required by role: a person whose roles are in ``CREDERE_MFA_REQUIRED_ROLES``
and who has no authenticator yet is taken to set one up, and can use nothing else until they have."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

#: What a person without their required second factor may still reach: setting it up, signing out, static files.
ALLOWED_PREFIXES = ("/accounts/", "/static/", "/health")


def mfa_required(user: Any) -> bool:
    """Whether ``user``'s roles require a second factor."""
    required = settings.CREDERE_MFA_REQUIRED_ROLES
    return bool(required) and user.groups.filter(name__in=required).exists()


def has_second_factor(user: Any) -> bool:
    from allauth.mfa.models import Authenticator

    return bool(Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).exists())


class RequireMfaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and settings.CREDERE_MFA_REQUIRED_ROLES
                and not request.path.startswith(ALLOWED_PREFIXES)
                and not request.headers.get("Authorization")  # API tokens are the integration's own credential
                and mfa_required(user) and not has_second_factor(user)):
            if request.path.startswith("/api/"):
                return JsonResponse({"error": {"code": "mfa_required", "fields": [], "message":
                                               "Your role requires two-factor authentication: set it up at "
                                               "/accounts/2fa/ first."}}, status=403)
            messages.warning(request, "Your role requires two-factor authentication. Set up an authenticator app or "
                                      "a security key to continue.")
            return redirect("mfa_index")
        return self.get_response(request)
