"""Before/after of an audit event as rows (field, before, after)."""

from __future__ import annotations

import json
from typing import Any

from django import template

register = template.Library()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


@register.filter
def diff_rows(before: Any, after: Any) -> list[dict[str, Any]]:
    b = before if isinstance(before, dict) else ({"value": before} if before is not None else {})
    a = after if isinstance(after, dict) else ({"value": after} if after is not None else {})
    keys = list(dict.fromkeys([*b.keys(), *a.keys()]))
    return [{"field": k, "before": _text(b.get(k)) if k in b else "", "after": _text(a.get(k)) if k in a else "",
             "changed": k in b and k in a and b.get(k) != a.get(k)} for k in keys]
