"""The onboarding policy page: the scorecard, risk-class bands, limit and terms rules and decision rules in a
form; a change previewed against the last 100 applications (which decisions, classes, limits or terms would
change), saved as a new version with a note; and a rule tried on an application before it is saved."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from credere.core.errors import BusinessError
from credere.domain.onboarding.rules import OUTCOMES, RuleError
from credere.identity.authz import authorize, can
from credere.ledger.services.validation import field_error
from credere.onboarding.models import CreditApplication, OnboardingPolicyVersion
from credere.onboarding.policy import FACTS, HELP, policy_in_force
from credere.onboarding.selectors.policy_preview import preview, test_rule
from credere.onboarding.services import policy as policy_service
from credere.web.access import page
from credere.web.forms import FormErrors

LIMIT_KEYS = (("equity_pct", "Equity %"), ("working_capital_pct", "Working capital %"),
              ("monthly_multiple", "× monthly purchases"), ("cap", "Cap"),
              ("cap_without_statements", "Cap without statements"))
RULE_ROWS_EXTRA = 3


def _lines(mapping: dict[str, Any]) -> str:
    return "\n".join(f"{k}={v}" for k, v in mapping.items())


def _form_values(settings: dict[str, Any]) -> dict[str, Any]:
    return {
        "currency": settings["currency"], "limit_step": settings["limit_step"],
        "decision_sla_hours": settings["decision_sla_hours"], "link_days": settings["link_days"],
        "account_prefix": settings["account_prefix"],
        "class_bands": "\n".join(f"{t}={c}" for t, c in settings["class_bands"]),
        "terms_days": _lines(settings["terms_days"]),
        "scorecard": json.dumps(settings["scorecard"], indent=2),
        "limit_rules": {cls: {k: rule.get(k, "") for k, _ in LIMIT_KEYS} for cls, rule in
                        settings["limit_rules"].items()},
        "rules": [*settings["rules"], *({"name": "", "when": "", "outcome": "refer", "reason": ""}
                                        for _ in range(RULE_ROWS_EXTRA))],
    }


def _parse_pairs(text: str, field: str, errors: FormErrors, *, key_int: bool = False,
                 value_int: bool = False) -> list[tuple[Any, Any]]:
    pairs = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep:
            errors.add(field, f"line {n}: write key=value")
            continue
        try:
            pairs.append((int(key.strip()) if key_int else key.strip(),
                          int(value.strip()) if value_int else value.strip()))
        except ValueError:
            errors.add(field, f"line {n}: '{line.strip()}' needs a whole number")
    return pairs


def _settings_from(post: Any, classes: list[str], errors: FormErrors) -> dict[str, Any]:
    out: dict[str, Any] = {"currency": post.get("currency", "").strip().upper(),
                           "limit_step": post.get("limit_step", "").strip(),
                           "account_prefix": post.get("account_prefix", "").strip()}
    for key in ("decision_sla_hours", "link_days"):
        try:
            out[key] = int(post.get(key, "").strip())
        except ValueError:
            errors.add(key, "a whole number")
    out["class_bands"] = [[t, c] for t, c in _parse_pairs(post.get("class_bands", ""), "class_bands", errors,
                                                           key_int=True)]
    out["terms_days"] = dict(_parse_pairs(post.get("terms_days", ""), "terms_days", errors, value_int=True))
    try:
        out["scorecard"] = json.loads(post.get("scorecard", "") or "{}")
    except ValueError as exc:
        errors.add("scorecard", f"not JSON: {exc}")
    limit_rules: dict[str, dict[str, str]] = {}
    for cls in sorted({*classes, *(c for _t, c in out["class_bands"])}):
        rule = {k: post.get(f"limit-{cls}-{k}", "").strip() for k, _ in LIMIT_KEYS}
        limit_rules[cls] = {k: v for k, v in rule.items() if v}
    out["limit_rules"] = limit_rules
    rules = []
    for n in range(int(post.get("rule_rows", "0") or 0)):
        row = {k: post.get(f"rule-{n}-{k}", "").strip() for k in ("name", "when", "outcome", "reason")}
        if post.get(f"rule-{n}-delete") or not (row["name"] or row["when"]):
            continue
        rules.append(row)
    out["rules"] = rules
    return out


@page("view_credit")
def policy_page(request: HttpRequest) -> HttpResponse:
    current = policy_in_force()
    errors = FormErrors()
    values = _form_values(current.settings)
    result = None
    tested: dict[str, Any] | None = None
    note = ""
    if request.method == "POST":
        action = request.POST.get("action", "preview")
        if action == "test":
            tested = _test(request, errors)
        else:
            authorize(request.user, "view_credit")
            changed = _settings_from(request.POST, current.risk_classes, errors)
            note = request.POST.get("note", "").strip()
            if not errors:
                try:
                    if action == "save":
                        version = policy_service.set_policy(actor=request.user, settings=changed, note=note,
                                                            effective_from=_effective(request, errors))
                        messages.success(request, f"Onboarding policy version {version.version} is in force from "
                                                  f"{version.effective_from:%Y-%m-%d %H:%M}.")
                        return redirect("web:onboarding-policy")
                    result = preview(changed)
                except BusinessError as exc:
                    errors.add_error(exc)
            values = {**_form_values(current.settings), **_posted_values(request.POST, changed)}
    return render(request, "onboarding/policy.html", {
        "policy": current, "values": values, "errors": errors, "help": HELP, "facts": FACTS,
        "outcomes": OUTCOMES, "limit_keys": LIMIT_KEYS, "result": result, "tested": tested, "note": note,
        "may_edit": can(request.user, "edit_credit_policy"),
        "versions": OnboardingPolicyVersion.objects.all()[:20],
        "recent": CreditApplication.objects.exclude(status="draft").order_by("-submitted_at")[:20],
    }, status=422 if errors else 200)


def _effective(request: HttpRequest, errors: FormErrors) -> Any:
    """The optional moment a new version comes into force (the form's local date and time)."""
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    text = request.POST.get("effective_from", "").strip()
    if not text:
        return None
    moment = parse_datetime(text)
    if moment is None:
        raise field_error("effective_from", "a date and time")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _posted_values(post: Any, changed: dict[str, Any]) -> dict[str, Any]:
    """What was typed, shown again as typed (a wrong value is corrected, not lost)."""
    out = {k: post.get(k, "") for k in ("currency", "limit_step", "decision_sla_hours", "link_days",
                                        "account_prefix", "class_bands", "terms_days", "scorecard")}
    out["limit_rules"] = {cls: {k: post.get(f"limit-{cls}-{k}", "") for k, _ in LIMIT_KEYS}
                          for cls in changed.get("limit_rules", {})}
    out["rules"] = [*changed.get("rules", []), *({"name": "", "when": "", "outcome": "refer", "reason": ""}
                                                  for _ in range(RULE_ROWS_EXTRA))]
    return out


def _test(request: HttpRequest, errors: FormErrors) -> dict[str, Any] | None:
    when = request.POST.get("test_when", "").strip()
    reference = request.POST.get("test_application", "").strip().upper()
    application = CreditApplication.objects.filter(reference=reference).first()
    if application is None:
        errors.add("test_application", "choose an application that has been sent")
        return {"when": when, "reference": reference}
    try:
        holds, facts = test_rule(when, application)
    except RuleError as exc:
        errors.add("test_when", exc.message)
        return {"when": when, "reference": reference}
    except (BusinessError, InvalidOperation) as exc:
        errors.add("test_application", str(exc))
        return {"when": when, "reference": reference}
    shown = {k: (f"{v:,.2f}" if isinstance(v, Decimal) else ("—" if v is None else v)) for k, v in facts.items()}
    return {"when": when, "reference": reference, "holds": holds, "facts": shown,
            "legal_name": application.legal_name}
