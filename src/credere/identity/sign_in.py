"""Signing in and out, in the audit trail: who, from which address, and failures (with the name tried;
never the password)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.http import HttpRequest

from credere.audit.services import record


def client_address(request: HttpRequest | None) -> str:
    """The client's address as the sign-in throttling sees it (behind ``CREDERE_TRUSTED_PROXIES`` proxies,
    from X-Forwarded-For)."""
    if request is None:
        return ""
    from allauth.account.adapter import get_adapter
    from django.core.exceptions import ImproperlyConfigured, PermissionDenied

    try:
        return str(get_adapter(request).get_client_ip(request))
    except (ImproperlyConfigured, PermissionDenied):  # a proxy count the header does not match: the direct peer
        return str(request.META.get("REMOTE_ADDR", ""))


def _event(action: str, user: Any, request: HttpRequest | None, **after: Any) -> None:
    with transaction.atomic():
        record(actor=user if user is not None else "anonymous", action=action, obj=user,
               object_type="" if user is not None else "auth.user",
               after={"address": client_address(request),
                      "agent": (request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:200],
                      **after})


def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    _event("user.signed_in", user, request)


def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        _event("user.signed_out", user, request)


def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                  **kwargs: Any) -> None:
    tried = str(credentials.get("username") or credentials.get("email") or credentials.get("login") or "")[:150]
    _event("user.sign_in_failed", None, request, login=tried)


def _mfa_changed(action: str) -> Any:
    def receiver(sender: Any, request: HttpRequest | None = None, user: Any = None, authenticator: Any = None,
                 **kwargs: Any) -> None:
        user = user or getattr(authenticator, "user", None)
        _event(action, user, request, kind=str(getattr(authenticator, "type", "")))

    return receiver


_MFA_RECEIVERS: dict[str, Any] = {}


def connect() -> None:
    from allauth.mfa import signals as mfa_signals

    for signal, action in ((mfa_signals.authenticator_added, "user.mfa_added"),
                           (mfa_signals.authenticator_removed, "user.mfa_removed"),
                           (mfa_signals.authenticator_reset, "user.mfa_reset")):
        _MFA_RECEIVERS[action] = _mfa_changed(action)  # kept: signals hold receivers weakly
        signal.connect(_MFA_RECEIVERS[action], dispatch_uid=f"credere.identity.{action}")
    user_logged_in.connect(_logged_in, dispatch_uid="credere.identity.signed_in")
    user_logged_out.connect(_logged_out, dispatch_uid="credere.identity.signed_out")
    user_login_failed.connect(_login_failed, dispatch_uid="credere.identity.sign_in_failed")
