"""Who am I, users and tokens (administrators)."""


from typing import Annotated, Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import StringConstraints

from credere.core.errors import BusinessError
from credere.identity.authz import authorize
from credere.identity.models import ApiToken
from credere.identity.roles import ACTIONS, ROLES
from credere.identity.services import IdentityError, create_user, issue_token, revoke_token, roles_of

router = Router(tags=["identity"])

RoleName = Annotated[str, StringConstraints(pattern="^(" + "|".join(ROLES) + ")$")]


class MeOut(Schema):
    username: str
    roles: list[str]
    actions: list[str]


class UserOut(Schema):
    username: str
    email: str
    roles: list[str]
    active: bool


class UserIn(Schema):
    username: Annotated[str, StringConstraints(pattern=r"^[\w.@+-]{1,150}$")]
    email: Annotated[str, StringConstraints(max_length=254)] = ""
    roles: list[RoleName]
    password: Annotated[str, StringConstraints(min_length=12, max_length=200)] | None = None


class TokenIn(Schema):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class TokenOut(Schema):
    prefix: str
    name: str
    secret: str


def _user_out(u: Any) -> dict[str, Any]:
    return {"username": u.get_username(), "email": u.email, "roles": roles_of(u), "active": u.is_active}


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    return {"username": user.get_username(), "roles": roles_of(user),
            "actions": [a for a in ACTIONS if user.has_perm(f"identity.{a}")]}


@router.get("/users", response=list[UserOut])
def list_users(request: HttpRequest) -> list[dict[str, Any]]:
    authorize(request.auth, "manage_users")  # type: ignore[attr-defined]
    return [_user_out(u) for u in get_user_model().objects.order_by("username").prefetch_related("groups")]


@router.post("/users", response={201: UserOut})
def add_user(request: HttpRequest, data: UserIn) -> Status[dict[str, Any]]:
    try:
        user = create_user(actor=request.auth, username=data.username, roles=data.roles,  # type: ignore[attr-defined]
                           email=data.email, password=data.password)
    except IdentityError as exc:
        raise BusinessError(str(exc), fields=[{"field": exc.field, "message": str(exc)}]) from None
    return Status(201, _user_out(user))


@router.post("/users/{username}/tokens", response={201: TokenOut})
def add_token(request: HttpRequest, username: str, data: TokenIn) -> Status[dict[str, Any]]:
    authorize(request.auth, "manage_users")  # type: ignore[attr-defined]
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise BusinessError(f"no user '{username}'", code="not_found", status=404)
    token, secret = issue_token(actor=request.auth, user=user, name=data.name)  # type: ignore[attr-defined]
    return Status(201, {"prefix": token.prefix, "name": token.name, "secret": secret})


@router.delete("/tokens/{prefix}", response={204: None})
def delete_token(request: HttpRequest, prefix: str) -> Status[None]:
    authorize(request.auth, "manage_users")  # type: ignore[attr-defined]
    token = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None:
        raise BusinessError(f"no active token with prefix '{prefix}'", code="not_found", status=404)
    revoke_token(actor=request.auth, token=token)  # type: ignore[attr-defined]
    return Status(204, None)
