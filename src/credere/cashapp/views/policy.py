"""The matching policy: the version in force with each setting's meaning, its history, and a
form for the managers who may change it (a new, audited version)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from credere.cashapp.policies import PERCENT_SETTINGS, SETTINGS, policy_history, policy_in_force
from credere.cashapp.services import policy as policy_service
from credere.core.errors import BusinessError
from credere.domain.matching import MatchingPolicy
from credere.domain.matching.policy import ADVANCED_GROUPS, GROUPS, setting_group, setting_help, setting_label
from credere.identity.authz import authorize, can
from credere.web import formatting
from credere.web.access import page
from credere.web.forms import FormErrors


def _percent_text(value: Any) -> str:
    try:
        return f"{(Decimal(str(value)) * 100).normalize():f}"
    except (InvalidOperation, ValueError):
        return str(value)


def _policy_fields(settings: dict[str, Any]) -> list[dict[str, Any]]:
    defaults = MatchingPolicy()
    out = []
    for key in SETTINGS:
        default = getattr(defaults, key)
        value = settings.get(key, "")
        if key in PERCENT_SETTINGS:
            kind, shown = "percent", _percent_text(value)
        elif isinstance(default, bool):
            kind, shown = "bool", "true" if value in (True, "true") else "false"
        elif key == "abbreviations":
            kind = "lines"
            shown = "\n".join(f"{k} = {v}" for k, v in (value.items() if isinstance(value, dict) else value))
        elif isinstance(default, tuple):
            kind, shown = "words", " ".join(value)
        else:
            kind, shown = "text", str(value)
        out.append({"key": key, "label": setting_label(key), "help": setting_help(key), "kind": kind,
                    "value": shown, "group": setting_group(key),
                    "display": formatting.confidence(Decimal(str(value))) if kind == "percent" else shown})
    return out


def _groups(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The settings by group, in the page's order; advanced groups are folded away."""
    return [{"name": g, "advanced": g in ADVANCED_GROUPS, "fields": [f for f in fields if f["group"] == g]}
            for g in GROUPS if any(f["group"] == g for f in fields)]


def _policy_form(request: HttpRequest, errors: FormErrors) -> dict[str, Any]:
    """Posted settings as the service takes them; abbreviations become an object."""
    settings: dict[str, Any] = {}
    for key in SETTINGS:
        if key not in request.POST:
            continue
        raw = str(request.POST.get(key, "")).strip()
        if key in PERCENT_SETTINGS:
            try:
                settings[key] = str(Decimal(raw.rstrip("% ").replace(",", ".")) * Decimal("0.01"))
            except InvalidOperation:
                errors.add(key, f"'{raw[:20]}' is not a percentage")
            continue
        if key == "abbreviations":
            pairs: dict[str, str] = {}
            for n, line in enumerate(raw.splitlines(), start=1):
                if not line.strip():
                    continue
                short, sep, long = line.partition("=")
                if not sep or not short.strip() or not long.strip():
                    errors.add(key, f"line {n}: write 'short = long' ('{line.strip()[:40]}')")
                    continue
                pairs[short.strip()] = long.strip()
            settings[key] = pairs
        else:
            settings[key] = raw
    return settings


@page("view_ledger")
def policy(request: HttpRequest) -> HttpResponse:
    errors = FormErrors(known=frozenset({*SETTINGS, "note"}))
    note = ""
    posted: dict[str, Any] | None = None
    if request.method == "POST":
        authorize(request.user, "edit_matching_policy")
        note = (request.POST.get("note") or "").strip()[:300]
        settings = _policy_form(request, errors)
        posted = dict(request.POST.items())
        if not errors:
            try:
                version = policy_service.set_policy(actor=request.user, settings=settings, note=note)
            except BusinessError as exc:
                errors.add_error(exc)
            else:
                messages.success(request, f"Matching policy version {version.version} is in force.")
                return redirect("web:cash-policy")
    current = policy_in_force()
    fields = _policy_fields(current.settings)
    if posted is not None:
        for fld in fields:
            if fld["key"] in posted:
                fld["value"] = posted[fld["key"]]
    return render(request, "cashapp/policy.html", {"current": current, "fields": fields, "groups": _groups(fields),
        "history": policy_history(), "errors": errors, "note": note,
        "may_edit": can(request.user, "edit_matching_policy"),
    }, status=422 if errors else 200)
