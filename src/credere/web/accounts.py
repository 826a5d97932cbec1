"""Login through django-allauth: staff accounts only, created by administrators."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


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
