"""The left navigation, laid out along the map of capabilities (DESIGN.md).

Only pages that exist are listed, and each user sees only the entries their roles allow
(:func:`credere.identity.authz.can`, the same check the pages make).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from credere.identity.authz import can


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    icon: str
    #: any one of these actions shows the entry
    actions: tuple[str, ...]


@dataclass(frozen=True)
class NavSection:
    label: str
    items: tuple[NavItem, ...]


SECTIONS: tuple[NavSection, ...] = (
    NavSection("Analytics", (
        NavItem("dashboard", "Dashboard", "web:dashboard", "chart", ("view_ledger",)),
        NavItem("aging", "Aging", "web:aging", "bars", ("view_ledger",)),
    )),
    NavSection("Receivables ledger", (
        NavItem("customers", "Customers", "web:customers", "users", ("view_ledger",)),
        NavItem("items", "Open items", "web:items", "file", ("view_ledger",)),
        NavItem("payments", "Payments", "web:payments", "cash", ("view_ledger",)),
        NavItem("imports", "Imports", "web:imports", "upload", ("view_ledger",)),
    )),
    NavSection("Onboarding", (
        NavItem("applications", "Applications", "web:applications", "file", ("view_credit",)),
        NavItem("onboarding-policy", "Onboarding policy", "web:onboarding-policy", "filter", ("view_credit",)),
    )),
    NavSection("Credit control", (
        NavItem("credit-limits", "Limits and use", "web:credit-limits", "gauge", ("view_credit",)),
        NavItem("credit-portfolio", "Portfolio", "web:credit-portfolio", "chart", ("view_credit",)),
        NavItem("credit-holds", "Held orders", "web:credit-holds", "shield", ("view_credit",)),
        NavItem("credit-reviews", "Reviews", "web:credit-reviews", "file", ("view_credit",)),
        NavItem("credit-alerts", "Alerts", "web:credit-alerts", "bell", ("view_credit",)),
        NavItem("approvals", "Approvals", "web:approvals", "check", ("view_credit",)),
        NavItem("credit-policy", "Credit policy", "web:credit-policy", "filter", ("view_credit",)),
    )),
    NavSection("Cash application", (
        NavItem("cash-statements", "Statements", "web:cash-statements", "upload", ("view_ledger",)),
        NavItem("cash-workbench", "Workbench", "web:cash-workbench", "check", ("view_ledger",)),
        NavItem("cash-policy", "Matching policy", "web:cash-policy", "filter", ("view_ledger",)),
    )),
    NavSection("Platform", (
        NavItem("audit", "Audit log", "web:audit", "shield", ("view_audit",)),
        NavItem("users", "Users and tokens", "web:users", "key", ("manage_users",)),
        NavItem("personal-data", "Personal data", "web:person-personal-data", "user", ("manage_personal_data",)),
    )),
)


def visible_sections(user: Any, active: str = "") -> list[dict[str, Any]]:
    out = []
    for section in SECTIONS:
        items = [{"key": i.key, "label": i.label, "url": reverse(i.url_name), "icon": i.icon,
                  "active": i.key == active}
                 for i in section.items if any(can(user, a) for a in i.actions)]
        if items:
            out.append({"label": section.label, "items": items})
    return out
