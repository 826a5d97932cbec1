"""The credit policy page: every setting in words, its versions, a change previewed against the last
1,000 real checks (which decisions would flip, and why), and saved as a new version with a note."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from credere.core.errors import BusinessError
from credere.credit.models import Commitment, CreditPolicyVersion
from credere.credit.policy import DEFAULTS, HELP, PolicyError, clean, policy_in_force
from credere.credit.selectors.policy_preview import LAST, preview
from credere.credit.services import policy as policy_service
from credere.domain.credit.check import HOLDING
from credere.domain.credit.cover import LABELS as COVER_LABELS
from credere.identity.authz import can
from credere.web.access import page
from credere.web.datatable import DETAIL, NORMAL, PRIMARY, Col, DataTable
from credere.web.forms import FormErrors

LABELS: dict[str, str] = {
    "currency": "Policy currency", "risk_classes": "Risk classes", "default_risk_class": "Class of an unclassified customer",
    "over_limit_tolerance_pct": "Tolerance over the limit (%)", "expired_limit": "An expired limit",
    "held_risk_classes": "Classes whose orders always wait", "overdue_days": "Overdue days allowed, by class",
    "overdue_amount": "Overdue amount allowed, by class", "approval_matrix": "Approval matrix",
    "approval_sla_hours": "Approval SLA (hours)", "cover_counts": "Cover that reduces exposure",
    "commitment_counts": "Commitments that count in exposure",
    "pd_pct": "Probability of default (%), by class", "lgd_pct": "Loss given default (%), by class",
}
#: settings chosen from a list of kinds (checkboxes), and the kinds' labels
KIND_CHOICES: dict[str, dict[str, str]] = {
    "cover_counts": dict(COVER_LABELS), "commitment_counts": dict(Commitment.Kind.choices)}
#: how a setting is written in this form, where it differs from the API's JSON
FORM_HELP: dict[str, str] = {
    "approval_matrix": "Who approves limits up to which amount, lowest first, one line each: role=ceiling (nothing "
                       "after = for no ceiling: the last line), optionally 'for A B' to limit it to risk classes. "
                       "The person who asks never approves.",
    "risk_classes": "The risk classes, best first, separated by spaces.",
    "held_risk_classes": "Risk classes whose orders always wait for a credit decision, separated by spaces.",
}
EXPIRED_CHOICES = [("review", "holds every order until it is reviewed"), ("zero", "counts as zero")]


def label(key: str) -> str:
    return LABELS.get(key, key.replace("_pct", " (%)").replace("_", " ").capitalize())


# --------------------------------------------------------------------------- settings <-> form text


def _to_text(key: str, value: Any) -> str:
    if key == "approval_matrix":
        return "\n".join(f"{role}={'' if ceiling is None else ceiling}" + (f" for {' '.join(classes)}" if classes else "")
                         for role, ceiling, classes in value)
    if isinstance(value, dict):
        return "\n".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def _lines(text: str) -> list[str]:
    return [t.strip() for t in text.replace("\r", "").split("\n") if t.strip()]


def _from_text(key: str, text: str, errors: FormErrors) -> Any:
    default = DEFAULTS[key]
    if key == "approval_matrix":
        rows: list[list[Any]] = []
        for line in _lines(text):
            role, sep, rest = line.partition("=")
            if not sep or not role.strip():
                errors.add(key, f"'{line}': write role=ceiling (nothing after = for no ceiling), e.g. credit_manager=250000")
                return None
            ceiling, _, classes = rest.partition(" for ")
            rows.append([role.strip(), ceiling.strip() or None, classes.replace(",", " ").split()])
        return rows
    if isinstance(default, dict):
        out: dict[str, str] = {}
        for line in _lines(text):
            k, sep, v = line.partition("=")
            if not sep or not k.strip():
                errors.add(key, f"'{line}': write CLASS=VALUE, e.g. A=60")
                return None
            out[k.strip()] = v.strip()
        return out
    if isinstance(default, list):
        return text.replace(",", " ").split()
    if isinstance(default, int) and not isinstance(default, bool):
        try:
            return int(text.strip())
        except ValueError:
            errors.add(key, "give a whole number")
            return None
    return text.strip()


def _fields(settings: dict[str, Any], posted: Any = None) -> list[dict[str, Any]]:
    out = []
    for key in DEFAULTS:
        value = settings.get(key, DEFAULTS[key])
        kind = ("select" if key == "expired_limit" else "kinds" if key in KIND_CHOICES else
                "lines" if isinstance(DEFAULTS[key], dict) or key == "approval_matrix" else "text")
        text = posted.get(key, "") if posted is not None else _to_text(key, value)
        chosen = posted.getlist(key) if posted is not None and kind == "kinds" else value
        out.append({"key": key, "label": label(key), "help": FORM_HELP.get(key, HELP.get(key, "")), "kind": kind, "text": text,
                    "chosen": chosen, "choices": KIND_CHOICES.get(key, {}), "rows": max(3, len(_lines(str(text))) + 1)})
    return out


def settings_from(post: Any) -> tuple[dict[str, Any], FormErrors]:
    errors = FormErrors()
    out: dict[str, Any] = {}
    for key in DEFAULTS:
        if key in KIND_CHOICES:
            if post.get(f"{key}_shown"):  # unticked boxes send nothing: the marker says the form had them
                out[key] = post.getlist(key)
            continue
        if key not in post:  # a setting the form did not show keeps its value
            continue
        value = _from_text(key, post.get(key, ""), errors)
        if value is not None:
            out[key] = value
    return out, errors


# --------------------------------------------------------------------------- the page


def _versions(request: HttpRequest) -> DataTable:
    return DataTable(
        id="versions", request=request, rows=list(CreditPolicyVersion.objects.all()[:50]), per_page=None,
        caption="Versions", export_name="credit-policy-versions",
        empty="No version saved: the defaults apply.", columns=[
            Col("version", "Version", "int", lead=True), Col("effective_from", "In force from", "datetime"),
            Col("created_by", "By", priority=NORMAL), Col("note", "Why", priority=PRIMARY)])


def _flips_table(request: HttpRequest, flips: list[Any]) -> DataTable:
    rows = [{"pk": f.key.pk, "order": f.key.order.order_id, "customer": f.key.order.customer.name,
             "customer_pk": f.key.order.customer_id, "checked": f.key.checked_at, "amount": f.key.amount,
             "currency": f.key.currency, "before": f.before, "after": f.after.outcome,
             "why": "; ".join(x.text for x in f.after.findings if x.code in HOLDING) or
                    "; ".join(x.text for x in f.after.findings)} for f in flips]
    return DataTable(
        id="flips", request=request, rows=rows, per_page=50, caption="Decisions that would change",
        export_name="credit-policy-preview", empty="No decision would change.", columns=[
            Col("order", "Order", "code", link=lambda r: reverse("web:credit-check", args=[r["pk"]]), lead=True),
            Col("customer", "Customer", link=lambda r: reverse("web:customer", args=[r["customer_pk"]])),
            Col("checked", "Checked", "datetime", priority=DETAIL),
            Col("currency", "Currency", "code", show=False),
            Col("amount", "Order", "money", currency_key="currency"),
            Col("before", "Was", "badge", display=str.capitalize, tone=lambda v: "ok" if v == "released" else "warn"),
            Col("after", "Would be", "badge", display=str.capitalize,
                tone=lambda v: "ok" if v == "released" else "warn"),
            Col("why", "Why, under the change", priority=NORMAL)])


@page("view_credit")
def policy_page(request: HttpRequest) -> HttpResponse:
    current = policy_in_force()
    may_edit = can(request.user, "edit_credit_policy")
    errors = FormErrors()
    ctx: dict[str, Any] = {"policy": current, "may_edit": may_edit, "versions": _versions(request),
                           "last": LAST, "last_text": f"{LAST:,}", "expired_choices": EXPIRED_CHOICES,
                           "note": ""}
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "save" and not may_edit:
            return render(request, "web/403.html", status=403)
        settings, errors = settings_from(request.POST)
        ctx["note"] = request.POST.get("note", "")
        if errors:  # the settings the form could read are checked too: every problem at once
            try:
                clean({**current.settings, **settings})
            except PolicyError as exc:
                for k, v in exc.problems.items():
                    errors.add(k, v)
        else:
            try:
                if action == "save":
                    version = policy_service.set_policy(actor=request.user, settings=settings,
                                                        note=request.POST.get("note") or "")
                    messages.success(request, f"Credit policy version {version.version} is in force.")
                    return redirect("web:credit-policy")
                result = preview(settings)
            except PolicyError as exc:
                for k, v in exc.problems.items():
                    errors.add(k, v)
            except BusinessError as exc:
                errors.add_error(exc)
            else:
                ctx["preview"] = result
                ctx["flips"] = _flips_table(request, result.flips)
                ctx["changed_labels"] = [label(k) for k in result.changed]
        ctx["fields"] = _fields(current.settings, request.POST)
    else:
        ctx["fields"] = _fields(current.settings)
    ctx["errors"] = errors
    return render(request, "credit/policy.html", ctx)
