"""Users, roles and API tokens (administrators): every change through credere.identity.services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from credere.identity.models import ApiToken
from credere.identity.roles import ACTIONS, ROLES
from credere.identity.services import (
    IdentityError,
    create_user,
    issue_token,
    password_problems,
    revoke_token,
    roles_of,
    set_active,
    set_roles,
)
from credere.web.access import page
from credere.web.datatable import NORMAL, PRIMARY, Col, DataTable
from credere.web.forms import FormErrors


def _role_rows() -> list[dict[str, Any]]:
    return [{"key": k, "label": label, "actions": [ACTIONS[a] for a in actions]} for k, (label, actions) in ROLES.items()]


@page("manage_users")
def users(request: HttpRequest) -> HttpResponse:
    rows = []
    for u in get_user_model().objects.order_by("username").prefetch_related("groups"):
        rows.append({"pk": u.pk, "username": u.get_username(), "email": u.email,
                     "roles": ", ".join(ROLES[r][0] for r in roles_of(u) if r in ROLES) or "No role",
                     "active": "Active" if u.is_active else "Inactive", "last_login": u.last_login,
                     "tokens": ApiToken.objects.filter(user=u, revoked_at__isnull=True).count()})
    table = DataTable(
        id="main", request=request, rows=rows, caption="Users", empty="No user yet.",
        columns=[
            Col("username", "User", "code", link=lambda r: reverse("web:user", args=[r["pk"]]), priority=NORMAL),
            Col("email", "Email"),
            Col("roles", "Roles"),
            Col("active", "Status", "badge", tone=lambda v: "ok" if v == "Active" else "neutral"),
            Col("tokens", "Active API tokens", "int"),
            Col("last_login", "Last sign-in", "datetime"),
        ],
    )
    return render(request, "identity/list.html", {"table": table, "roles": _role_rows()})


@page("manage_users")
def user_new(request: HttpRequest) -> HttpResponse:
    errors = FormErrors(known=frozenset({"username", "email", "password", "roles"}))
    values: dict[str, Any] = {"username": "", "email": "", "roles": []}
    if request.method == "POST":
        values = {"username": (request.POST.get("username") or "").strip()[:150],
                  "email": (request.POST.get("email") or "").strip()[:254],
                  "roles": [r for r in request.POST.getlist("roles")]}
        password = request.POST.get("password") or ""
        if not values["username"]:
            errors.add("username", "Give the user a name to sign in with.")
        if not values["roles"]:
            errors.add("roles", "Choose at least one role.")
        for problem in password_problems(password, username=values["username"], email=values["email"]):
            errors.add("password", problem)
        if not errors:
            try:
                user = create_user(actor=request.user, username=values["username"], roles=values["roles"],
                                   email=values["email"], password=password)
                messages.success(request, f"User {user.get_username()} created.")
                return redirect("web:user", pk=user.pk)
            except IdentityError as exc:
                errors.add_general(str(exc))
    return render(request, "identity/new.html", {"errors": errors, "v": values, "roles": _role_rows()},
                  status=422 if errors else 200)


@page("manage_users")
def user(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_user_model().objects.filter(pk=pk).first()
    if subject is None:
        return render(request, "web/404.html", {"message": f"There is no user with id {pk}."}, status=404)
    errors: list[str] = []
    if request.method == "POST":
        chosen = request.POST.getlist("roles")
        try:
            set_roles(actor=request.user, user=subject, roles=chosen)
            messages.success(request, f"Roles of {subject.get_username()} saved.")
            return redirect("web:user", pk=subject.pk)
        except IdentityError as exc:
            errors.append(str(exc))
    return _user_page(request, subject, errors)


def _user_page(request: HttpRequest, subject: Any, errors: list[str],
               new_secret: dict[str, str] | None = None) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=subject).order_by("-created_at")
    table = DataTable(
        id="tokens", request=request, rows=tokens, per_page=None, caption="API tokens",
        empty="No API token.", empty_hint="Issue one for an ERP or another system that calls the API as this user.",
        columns=[
            Col("name", "Name"),
            Col("prefix", "Prefix", "code", display=lambda v: f"crd_{v}…"),
            Col("created_at", "Issued", "datetime"),
            Col("last_used_at", "Last used", "datetime"),
            Col("revoked_at", "Revoked", "datetime", priority=PRIMARY),
        ],
    )
    response = render(request, "identity/detail.html", {
        "subject": subject, "subject_roles": roles_of(subject), "roles": _role_rows(), "errors": errors,
        "tokens": tokens, "table": table, "new_secret": new_secret,
    })
    if new_secret:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@page("manage_users")
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_user_model().objects.filter(pk=pk).first()
    if subject is None:
        return render(request, "web/404.html", {"message": f"There is no user with id {pk}."}, status=404)
    active = request.POST.get("active") == "1"
    try:
        if set_active(actor=request.user, user=subject, active=active):
            messages.success(request, f"{subject.get_username()} {'reactivated' if active else 'deactivated'}.")
    except IdentityError as exc:
        messages.error(request, str(exc))
    return redirect("web:user", pk=subject.pk)


@require_POST
@page("manage_users")
def token_issue(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_user_model().objects.filter(pk=pk).first()
    if subject is None:
        return render(request, "web/404.html", {"message": f"There is no user with id {pk}."}, status=404)
    name = (request.POST.get("name") or "").strip()[:100]
    if not name:
        messages.error(request, "name: give the token a name (e.g. the system that uses it)")
        return redirect("web:user", pk=subject.pk)
    token, secret = issue_token(actor=request.user, user=subject, name=name)
    # Shown once in this response; Credere stores only its hash.
    return _user_page(request, subject, [], {"name": token.name, "secret": secret})


@require_POST
@page("manage_users")
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        return render(request, "web/404.html", {"message": "There is no such token."}, status=404)
    if token.revoked_at is None:
        revoke_token(actor=request.user, token=token)
        messages.success(request, f"Token {token.name} revoked.")
    return redirect("web:user", pk=token.user_id)
