"""What the cash pages share: plain words and tones for reason codes and statuses, errors."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from credere.core.errors import BusinessError
from credere.domain.matching import reasons as R

#: Plain words for the engine's reason codes (the domain's own table).
REASON_TEXT: dict[str, str] = R.REASON_TEXT
WARN_REASONS = {"AMBIGUOUS", "PAYER_MISMATCH", "SEVERAL_CUSTOMERS", "NO_AMOUNT_MATCH", "NO_CANDIDATES",
                "NOT_A_RECEIPT", "PARTIAL_PAYMENT", "OVERPAYMENT", "DEDUCTION"}
STATUS_TONES = {"applied": "ok", "accepted": "ok", "manual": "ok", "partly applied": "info", "suggested": "info",
                "unmatched": "warn", "on account": "neutral", "pending": "neutral", "undone": "bad",
                "superseded": "neutral", "running": "info", "done": "ok", "failed": "bad"}


def not_found(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "web/404.html", {"message": f"There is no {what}."}, status=404)


def error_lines(exc: BusinessError) -> list[str]:
    """The service's message, then each field it names (unless the message already says it)."""
    out = [str(exc)]
    for f in exc.fields or []:
        message = str(f.get("message", ""))
        text = f"{f.get('field', '')}: {message}".strip(": ")
        if text and message not in out[0] and text not in out[0]:
            out.append(text)
    return out


def reason_text(code: str) -> str:
    return REASON_TEXT.get(code, code.replace("_", " ").capitalize())


def reasons(codes: list[str]) -> list[dict[str, str]]:
    return [{"code": c, "text": reason_text(c), "tone": "warn" if c in WARN_REASONS else "ok"} for c in codes or []]


def with_tones(rows: list[Any]) -> list[Any]:
    """Each row (a run, a transaction) gets the ``tone`` of its ``status``."""
    for r in rows:
        r.tone = STATUS_TONES.get(r.status, "neutral")
    return rows
