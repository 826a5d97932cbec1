"""Login through django-allauth: staff accounts only, created by administrators."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class StaffAccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    """No self sign-up: an administrator creates each user with their roles (Users page or ``credere user``)."""

    def is_open_for_signup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> bool:
        return False
