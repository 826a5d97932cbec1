"""What every page of the shell needs: navigation, the user's rights, locale choices."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from credere.identity.authz import can
from credere.identity.roles import ACTIONS, ROLES
from credere.web import formatting, notifications
from credere.web.navigation import visible_sections


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"locale": getattr(request, "credere_locale", formatting.DEFAULT_LOCALE)}
    match = getattr(request, "resolver_match", None)
    active = getattr(match, "url_name", "") or ""
    perms = {a: can(user, a) for a in ACTIONS}
    notes, unseen = notifications.for_user(user, request.session.get(notifications.SEEN_KEY))
    return {
        "notifications": notes,
        "notification_count": unseen,
        "nav": visible_sections(user, _section_of(active)),
        "can": perms,
        "role_labels": [ROLES[g][0] for g in user.groups.values_list("name", flat=True) if g in ROLES],
        "locale": getattr(request, "credere_locale", formatting.DEFAULT_LOCALE),
        "locale_choices": formatting.CHOICES,
    }


def _section_of(url_name: str) -> str:
    for prefix, key in (("cash-statements", "cash-statements"), ("cash-file", "cash-statements"),
                        ("cash-policy", "cash-policy"), ("cash-", "cash-workbench"), ("credit-limits", "credit-limits"),
                        ("credit-portfolio", "credit-portfolio"), ("credit-stress", "credit-portfolio"),
                        ("credit-policy", "credit-policy"),
                        ("cash-policy", "cash-policy"), ("cash-", "cash-workbench"), ("credit-review", "credit-reviews"),
                        ("credit-alert", "credit-alerts"), ("credit-", "credit-holds"),
                        ("approval", "approvals"), ("dashboard", "dashboard"), ("metric", "dashboard"), ("aging", "aging"),
                        ("customer", "customers"), ("item", "items"), ("payment", "payments"),
                        ("import", "imports"), ("audit", "audit"), ("user", "users"), ("token", "users")):
        if url_name.startswith(prefix):
            return key
    return ""
