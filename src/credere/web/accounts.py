"""Login through django-allauth: staff accounts only, created by administrators."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.http import HttpRequest

log = logging.getLogger(__name__)


class StaffAccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    """No self sign-up: an administrator creates each user with their roles (Users page or ``credere user``)."""

    def is_open_for_signup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> bool:
        return False

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Failed sign-ins count per account *and address*: five wrong passwords typed elsewhere do not lock
        the real user out (the per-address limit still holds the attacker to ten a minute)."""
        from credere.identity.sign_in import client_address

        return f"{super()._get_login_attempts_cache_key(request, **credentials)}@{client_address(request)}"

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        """A deactivated user with the right password is refused exactly as a wrong password is: the answer
        does not tell an attacker that the password was right."""
        user = super().authenticate(request, **credentials)
        if user is not None and not user.is_active:
            return None
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """A mail server that refuses or cannot be reached is said on the page (and logged), not answered
        with a server error: the person can try again later or ask an administrator."""
        try:
            super().send_mail(template_prefix, email, context)
        except (smtplib.SMTPException, OSError) as exc:
            log.error("the %s e-mail to %s could not be sent: %s", template_prefix, email, exc)
            request = getattr(self, "request", None) or context.get("request")
            if request is not None:
                messages.error(request, "The e-mail could not be sent just now (the mail server did not take it). "
                                        "Try again in a few minutes, or ask an administrator.")
