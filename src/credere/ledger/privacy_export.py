"""A personal-data export as a file: JSON for machines, a readable HTML page for the person it is about
(self-contained: no script, no external style, printable). Used by the CLI, the API and the pages."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string

FORMATS = {"json": "application/json", "html": "text/html; charset=utf-8"}


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if value is None or value == "":
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def render(data: dict[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False, default=str).encode("utf-8")
    if fmt != "html":
        raise ValueError(fmt)
    sections = []
    for title, rows in data["sections"].items():
        headers = list(dict.fromkeys(k for row in rows for k in row))
        sections.append({"title": title, "headers": [h.replace("_", " ") for h in headers],
                         "rows": [[_text(row.get(h)) for h in headers] for row in rows]})
    events = [{**e, "before": _text(e["before"]) if e["before"] is not None else "",
               "after": _text(e["after"]) if e["after"] is not None else ""} for e in data["audit_events"]]
    return render_to_string("ledger/privacy/export.html", {
        "subject": data["subject"], "exported_at": data["exported_at"], "sections": sections, "events": events,
    }).encode("utf-8")


def file_name(data: dict[str, Any], fmt: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in data["subject"])
    return f"personal-data-{safe}.{fmt}"


def download(data: dict[str, Any], fmt: str) -> HttpResponse:
    """The export as a file to download (the API's and the pages' answer)."""
    response = HttpResponse(render(data, fmt), content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{file_name(data, fmt)}"'
    return response
