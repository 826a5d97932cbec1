"""Users, roles and API tokens."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from credere.audit.services import record
from credere.core.readonly import without_waiting
from credere.identity.authz import authorize
from credere.identity.models import ApiToken
from credere.identity.roles import ROLES

TOKEN_PREFIX = "crd_"
#: How exactly a token's last use is kept: a request writes it at most this often.
TOKEN_USE_PRECISION = dt.timedelta(minutes=1)


class IdentityError(ValueError):
    def __init__(self, message: str, *, field: str = "username") -> None:
        super().__init__(message)
        self.field = field


def password_problems(password: str, *, username: str = "", email: str = "") -> list[str]:
    """Why a password people would guess is refused (``AUTH_PASSWORD_VALIDATORS``: at least 12 characters, not
    a common password, not all digits, not like the user's name or e-mail); empty when it is accepted."""
    try:
        password_validation.validate_password(password, get_user_model()(username=username, email=email))
    except ValidationError as exc:
        return list(exc.messages)
    return []


def check_password(password: str, *, username: str = "", email: str = "") -> None:
    """Refuse a password :func:`password_problems` finds fault with, naming every reason."""
    problems = password_problems(password, username=username, email=email)
    if problems:
        raise IdentityError("the password is refused: " + " ".join(problems), field="password")


def sync_roles() -> None:
    """Create or update one group per role with exactly its actions."""
    perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="identity")}
    for key, (_label, actions) in ROLES.items():
        group, _ = Group.objects.get_or_create(name=key)
        group.permissions.set([perms[a] for a in actions if a in perms])


def sync_roles_after_migrate(**kwargs: Any) -> None:
    from django.contrib.auth.management import create_permissions

    create_permissions(kwargs["app_config"], verbosity=0, using=kwargs.get("using", "default"))
    sync_roles()


def create_user(*, actor: Any, username: str, roles: list[str], email: str = "",
                password: str | None = None, password_policy: bool = True) -> Any:
    """Create a user with the given roles. ``actor=None`` is the local operator (CLI setup). The password
    must pass :func:`check_password` (``password_policy=False`` only for the demo's published logins)."""
    if actor is not None:
        authorize(actor, "manage_users")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise IdentityError(f"unknown role(s): {', '.join(unknown)}; choose from {', '.join(ROLES)}")
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise IdentityError(f"user '{username}' already exists")
    if password is not None and password_policy:
        check_password(password, username=username, email=email)
    with transaction.atomic():
        user = User.objects.create_user(username=username, email=email, password=password)
        # Staff status only opens the read-only browsing pages; roles decide everything else.
        user.is_staff = bool(roles)
        user.save(update_fields=["is_staff"])
        user.groups.set(Group.objects.filter(name__in=roles))
        record(actor=actor or "system:cli", action="user.created", obj=user,
               after={"username": username, "email": email, "roles": sorted(roles)})
    return user


def set_roles(*, actor: Any, user: Any, roles: list[str]) -> None:
    if actor is not None:
        authorize(actor, "manage_users")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise IdentityError(f"unknown role(s): {', '.join(unknown)}")
    with transaction.atomic():
        before = sorted(user.groups.values_list("name", flat=True))
        user.groups.set(Group.objects.filter(name__in=roles))
        record(actor=actor or "system:cli", action="user.roles_changed", obj=user,
               before={"roles": before}, after={"roles": sorted(roles)})


def set_active(*, actor: Any, user: Any, active: bool, reason: str = "") -> bool:
    """Deactivate (no sign-in, no API token works) or reactivate a user. Returns whether it changed."""
    if actor is not None:
        authorize(actor, "manage_users")
        if not active and actor.pk == user.pk:
            raise IdentityError("you cannot deactivate yourself")
    if user.is_active == active:
        return False
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        record(actor=actor or "system:cli", action="user.activated" if active else "user.deactivated", obj=user,
               before={"is_active": not active}, after={"is_active": active}, reason=reason)
        if not active:  # reactivating a user must not bring their old tokens back: they are revoked now
            for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("pk"):
                token.revoked_at = timezone.now()
                token.save(update_fields=["revoked_at"])
                record(actor=actor or "system:cli", action="token.revoked", obj=token,
                       reason="the user was deactivated")
    return True


def roles_of(user: Any) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(*, actor: Any, user: Any, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; the secret is returned once and never stored."""
    if actor is not None:
        authorize(actor, "manage_users")
    body = secrets.token_urlsafe(32)
    prefix = body[:8]
    secret = f"{TOKEN_PREFIX}{body}"
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=prefix, digest=_digest(secret))
        record(actor=actor or "system:cli", action="token.issued", obj=token,
               after={"user": user.get_username(), "name": name, "prefix": prefix})
    return token, secret


def revoke_token(*, actor: Any, token: ApiToken) -> None:
    if actor is not None:
        authorize(actor, "manage_users")
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor or "system:cli", action="token.revoked", obj=token)


def user_for_token(secret: str) -> Any | None:
    if not secret.startswith(TOKEN_PREFIX) or len(secret) < len(TOKEN_PREFIX) + 8:
        return None
    prefix = secret[len(TOKEN_PREFIX):len(TOKEN_PREFIX) + 8]
    token = ApiToken.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None or not secrets.compare_digest(token.digest, _digest(secret)):
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_PRECISION:
        # a read stays a read: the use is written at most once a minute per token, and never waits more than
        # a tenth of a second for a lock held by a long write (a busy database skips the note; a later request
        # makes it)
        with contextlib.suppress(DatabaseError), without_waiting(100):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
