"""Template filters: amounts, numbers and dates in the user's locale; small UI helpers."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django import template
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.safestring import SafeString

from credere.domain.money import minor_units as domain_minor_units
from credere.web import formatting

register = template.Library()


@register.simple_tag(takes_context=True)
def private(context: Any, value: str | None, kind: str) -> str:
    """``{% private payment.payer_account "account" %}``: in full for people who may see personal data, else
    masked (``DE89 •••• 3000``)."""
    from credere.identity.privacy import shown

    request = context.get("request")
    return shown(getattr(request, "user", None), kind, value)


@register.filter
def money(amount: Decimal | None, currency: str | None = None) -> str:
    return formatting.money(amount, currency)


@register.filter
def minor_units(currency: str | None) -> int:
    """The currency's decimals by ISO 4217 (for scripts that add amounts up)."""
    return domain_minor_units(currency) if currency else 2


@register.filter
def num(value: Decimal | int | None, decimals: int | None = None) -> str:
    return formatting.number(value, decimals)


@register.filter
def days(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    return formatting.number(value, 0 if isinstance(value, int) else 1)


@register.filter
def due_words(days_past_due: int | None) -> str:
    """``12`` → "12 days overdue", ``-5`` → "due in 5 days" (see :func:`formatting.due_words`)."""
    return formatting.due_words(days_past_due)


@register.filter
def pct(value: Decimal | None, decimals: int = 1) -> str:
    return formatting.percent(value, decimals)


@register.simple_tag
def field_error(errors: Any, name: str) -> SafeString:
    """The messages of one field, under it (``id="<name>-error"`` for ``aria-describedby``)."""
    messages = errors.of(name) if hasattr(errors, "of") else []
    if not messages:
        return SafeString("")
    return format_html('<p class="field-error" id="{}-error">{}</p>', name, "; ".join(messages))


@register.filter
def invalid(errors: Any, name: str) -> SafeString:
    """``aria-invalid`` and the error's id on an input whose field has an error."""
    if hasattr(errors, "of") and errors.of(name):
        return format_html(' aria-invalid="true" aria-errormessage="{}-error"', name)
    return SafeString("")


@register.filter
def industry(code: str | None) -> str:
    """An industry code with its NACE name (``G46.1 · Wholesale trade, …``), or as written."""
    return formatting.industry(code)


@register.filter
def confidence(value: Decimal | None) -> str:
    return formatting.confidence(value)


@register.filter
def day(value: dt.date | None) -> str:
    return formatting.date(value)


@register.filter
def moment(value: dt.datetime | None) -> str:
    return formatting.datetime(value)


@register.filter
def negative(value: Decimal | int | None) -> bool:
    return value is not None and value < 0


@register.filter
def pretty_json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


@register.simple_tag(takes_context=True)
def query(context: template.Context, **changes: Any) -> str:
    """The current query string with some parameters changed (``None`` removes one)."""
    request = context.get("request")
    q: QueryDict = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for k, v in changes.items():
        if v is None or v == "":
            q.pop(k, None)
        else:
            q[k] = str(v)
    text = q.urlencode()
    return f"?{text}" if text else "?"


@register.simple_tag
def icon(name: str, label: str = "") -> SafeString:
    """An inline SVG icon from the sprite in the base template (decorative unless labelled)."""
    if label:
        return format_html('<svg class="icon" role="img" aria-label="{}"><use href="#i-{}"></use></svg>', label, name)
    return format_html('<svg class="icon" aria-hidden="true" focusable="false"><use href="#i-{}"></use></svg>', name)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    if isinstance(mapping, dict):
        return mapping.get(key, ())
    return ()


@register.filter
def probability(value: float | None) -> str:
    """A probability (0–1) as a percentage a person reads: ``0.55 %``, ``12.3 %``; ``—`` when unknown."""
    if value is None:
        return "—"
    pct_value = float(value) * 100
    return f"{pct_value:.2f} %" if pct_value < 10 else f"{pct_value:.1f} %"


@register.filter
def count_key(result: Any, key: str) -> int:
    """How many of a preview's changes differ in ``key`` (``result.count(key)``)."""
    return int(result.count(key))
