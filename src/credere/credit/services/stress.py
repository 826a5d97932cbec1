"""Stress scenarios: saved with a name, checked setting by setting, audited; archived, never deleted.

Settings (every one optional)::

    {"pd_by_country": {"DE": "1.5"},        # PD multipliers by customer country
     "pd_by_industry": {"F": "2", "G46": "1.3"},   # by NACE code prefix (the longest match wins)
     "delay_days": 15,                      # customers pay this many days later
     "default_customers": ["C1000"],        # these customers default (PD 100 %)
     "default_groups": ["H1"],              # every member of these customers' corporate groups defaults
     "fx_pct": {"USD": "-10"}}              # USD loses 10 % against the policy currency
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from credere.audit.services import actor_name, record, snapshot
from credere.core.errors import BusinessError
from credere.credit.models import StressScenario
from credere.domain.money import MoneyError, check_currency
from credere.identity.authz import authorize
from credere.ledger.models import Customer

KEYS = ("pd_by_country", "pd_by_industry", "delay_days", "default_customers", "default_groups", "fx_pct")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_INDUSTRY = re.compile(r"^[A-U]?\d{0,2}(\.\d{1,2})?$")


def _number(value: Any, low: Decimal, high: Decimal) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValueError
    number = Decimal(str(value).strip())
    if not number.is_finite() or not low <= number <= high:
        raise ValueError
    return number


def clean(settings: Any) -> dict[str, Any]:
    """Checked settings; a :class:`BusinessError` names every bad one (``fx_pct.USD``…)."""
    if not isinstance(settings, dict):
        raise BusinessError("settings: give an object", fields=[{"field": "settings", "message": "give an object"}])
    problems: dict[str, str] = {f"settings.{k}": "is not a setting of a stress scenario"
                                for k in sorted(set(settings) - set(KEYS))}
    out: dict[str, Any] = {}
    for key, pattern, label in (("pd_by_country", _COUNTRY, "a two-letter country code"),
                                ("pd_by_industry", _INDUSTRY, "a NACE code or its start (F, G46)")):
        table = settings.get(key) or {}
        if not isinstance(table, dict):
            problems[key] = "give an object: {code: multiplier}"
            continue
        out[key] = {}
        for code, value in table.items():
            code = str(code).strip().upper()
            if not code or not pattern.match(code):
                problems[f"{key}.{code}"] = f"give {label}"
                continue
            try:
                out[key][code] = str(_number(value, Decimal(0), Decimal(100)))
            except (ValueError, InvalidOperation):
                problems[f"{key}.{code}"] = "give a multiplier between 0 and 100 (1.5 raises the PD by half)"
    try:
        out["delay_days"] = int(_number(settings.get("delay_days") or 0, Decimal(-365), Decimal(365)))
    except (ValueError, InvalidOperation):
        problems["delay_days"] = "give a whole number of days between -365 and 365"
    for key in ("default_customers", "default_groups"):
        accounts = settings.get(key) or []
        if not isinstance(accounts, list):
            problems[key] = "give a list of account numbers"
            continue
        names = [str(a).strip() for a in accounts if str(a).strip()]
        known = set(Customer.objects.filter(account_number__in=names).values_list("account_number", flat=True))
        unknown = [a for a in names if a not in known]
        if unknown:
            problems[key] = f"no customer with account number {', '.join(unknown[:5])}"
        out[key] = names
    out["fx_pct"] = _clean_fx(settings.get("fx_pct") or {}, problems)
    if problems:
        raise BusinessError("; ".join(f"{k}: {v}" for k, v in problems.items()),
                            fields=[{"field": k, "message": v} for k, v in problems.items()])
    return out


def _clean_fx(fx: Any, problems: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    if not isinstance(fx, dict):
        problems["fx_pct"] = "give an object: {currency: percent}"
        return out
    for cur, value in fx.items():
        try:
            cur = check_currency(str(cur).strip().upper())
            out[cur] = str(_number(value, Decimal(-100), Decimal(1000)))
        except MoneyError:
            problems[f"fx_pct.{cur}"] = "is not an ISO 4217 currency code"
        except (ValueError, InvalidOperation):
            problems[f"fx_pct.{cur}"] = "give a change in percent between -100 and 1000"
    return out


def save(*, actor: Any, name: str, settings: Any, description: str = "",
         scenario_id: int | None = None) -> StressScenario:
    """Create a scenario, or change one (``scenario_id``); every field checked first."""
    authorize(actor, "request_limits")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise BusinessError("name: give a name of 1 to 100 characters",
                            fields=[{"field": "name", "message": "give a name of 1 to 100 characters"}])
    cleaned = clean(settings)
    with transaction.atomic():
        clash = StressScenario.objects.filter(name=name).exclude(pk=scenario_id or 0).exists()
        if clash:
            raise BusinessError(f"name: a scenario called '{name}' exists",
                                fields=[{"field": "name", "message": "is taken"}])
        if scenario_id is None:
            row = StressScenario.objects.create(name=name, description=(description or "").strip()[:500],
                                                settings=cleaned, created_by=actor_name(actor),
                                                updated_by=actor_name(actor))
            record(actor=actor, action="stress_scenario.created", obj=row, after=snapshot(row))
            return row
        found = StressScenario.objects.select_for_update().filter(pk=scenario_id).first()
        if found is None:
            raise BusinessError(f"no stress scenario {scenario_id}", code="not_found", status=404)
        row = found
        before = snapshot(row)
        row.name, row.description, row.settings = name, (description or "").strip()[:500], cleaned
        row.updated_by = actor_name(actor)
        row.save()
        record(actor=actor, action="stress_scenario.changed", obj=row, before=before, after=snapshot(row))
        return row


def archive(*, actor: Any, scenario_id: int, archived: bool = True) -> StressScenario:
    authorize(actor, "request_limits")
    with transaction.atomic():
        row = StressScenario.objects.select_for_update().filter(pk=scenario_id).first()
        if row is None:
            raise BusinessError(f"no stress scenario {scenario_id}", code="not_found", status=404)
        before = snapshot(row)
        row.archived, row.updated_by = archived, actor_name(actor)
        row.save(update_fields=["archived", "updated_by", "updated_at"])
        record(actor=actor, action="stress_scenario.archived" if archived else "stress_scenario.restored", obj=row,
               before=before, after=snapshot(row))
    return row
