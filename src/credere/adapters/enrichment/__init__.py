"""Clients of outside data services used to check an applicant: the EU's VIES (VAT numbers), GLEIF (LEI
records) and credit bureaus (a generic HTTP/JSON client configured by a field mapping, and a file drop).

Each returns a :class:`Pull`: what was asked, when, the answer as received (raw), and the few facts Credere
reads from it; a service that cannot be reached or answers nonsense raises :class:`ProviderError` with a
sentence that says which. Nothing here touches the database: the onboarding context stores the pulls.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

USER_AGENT = "Credere (credit management)"


class ProviderError(RuntimeError):
    pass


@dataclass(frozen=True)
class Pull:
    provider: str  # "vies", "gleif", "bureau:<name>"
    version: str  # the adapter's version and the service's, where it says
    status: str  # "ok", "not_found"
    summary: dict[str, Any]  # the facts Credere reads
    raw: str  # the answer as received
    request: dict[str, Any] = field(default_factory=dict)


def request_json(url: str, *, method: str = "GET", body: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None, timeout: float = 5.0) -> tuple[int, Any, str]:
    """(HTTP status, parsed JSON or None, raw text). 404 is an answer; other failures raise ProviderError."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Accept": "application/json", "User-Agent": USER_AGENT,
        **({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured https URLs)
            status, raw = response.status, response.read(5_000_000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(5_000_000).decode("utf-8", "replace")
        if status != 404 and status < 500 and status != 400:
            raise ProviderError(f"{url.split('?')[0]} answered HTTP {status}") from None
        if status >= 500:
            raise ProviderError(f"{url.split('?')[0]} is not available (HTTP {status})") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ProviderError(f"{url.split('?')[0]} could not be reached: {reason}") from None
    try:
        parsed = json.loads(raw) if raw.strip() else None
    except ValueError:
        raise ProviderError(f"{url.split('?')[0]} did not answer JSON") from None
    return status, parsed, raw


def pointer(document: Any, path: str) -> Any:
    """The value at a JSON pointer (RFC 6901: ``/report/score``, ``/events/0/kind``); None where there is none."""
    if path in ("", "/"):
        return document
    current = document
    for part in path.lstrip("/").split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict):
            current = current.get(key)
        elif isinstance(current, list) and key.isdigit() and int(key) < len(current):
            current = current[int(key)]
        else:
            return None
        if current is None:
            return None
    return current
