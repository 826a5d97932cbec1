"""Credit bureaus, configured rather than coded: a report is fetched over HTTP (JSON) or read from a directory
the bureau delivers files to, and mapped to Credere's fields by JSON pointers.

Configuration (``CREDERE_BUREAUS``, JSON, a list)::

    [{"name": "acme", "kind": "http", "url": "https://bureau.example/v2/reports?vat={vat_id}&country={country}",
      "method": "GET", "headers": {"Authorization": "Bearer {env:ACME_TOKEN}"}, "timeout": 8,
      "fields": {"score": "/report/score", "rating": "/report/rating", "payment_index": "/report/paydex",
                 "recommended_limit": "/report/creditLimit/amount", "currency": "/report/creditLimit/currency",
                 "negative_events": "/report/negativeEvents"}},
     {"name": "files", "kind": "file", "directory": "/srv/bureau-drop", "key": "vat_id", "fields": {…}}]

The URL and headers take ``{vat_id}``, ``{registration_number}``, ``{country}``, ``{lei}``, ``{legal_name}``
(URL-encoded) and ``{env:NAME}`` (an environment variable: secrets stay out of the configuration). A file
drop reads ``<directory>/<key value>.json``. ``negative_events`` is a list (its length is counted) or a
number; ``score`` is read as a number (0–100 expected: map the bureau's own scale in its fields if needed).
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from credere.adapters.enrichment import ProviderError, Pull, pointer, request_json

VERSION = "bureau-mapping/1"
FIELDS = ("score", "rating", "payment_index", "recommended_limit", "currency", "negative_events")
KEYS = ("vat_id", "registration_number", "country", "lei", "legal_name")


class ConfigError(ValueError):
    pass


def check_config(raw: Any) -> list[dict[str, Any]]:
    """The bureaus configured, checked (names, kinds, URLs or directories, fields); ConfigError says what."""
    if not isinstance(raw, list):
        raise ConfigError("CREDERE_BUREAUS: give a JSON list of bureaus")
    out = []
    for n, item in enumerate(raw):
        where = f"CREDERE_BUREAUS[{n}]"
        if not isinstance(item, dict) or not re.fullmatch(r"[a-z0-9_-]{1,30}", str(item.get("name", ""))):
            raise ConfigError(f"{where}: a name of lower-case letters, digits, - or _")
        if item.get("kind") not in ("http", "file"):
            raise ConfigError(f"{where}.kind: http or file")
        if item["kind"] == "http" and not str(item.get("url", "")).startswith(("https://", "http://")):
            raise ConfigError(f"{where}.url: an http(s) address")
        if item["kind"] == "file" and not item.get("directory"):
            raise ConfigError(f"{where}.directory: where the bureau's files arrive")
        fields = item.get("fields")
        if not isinstance(fields, dict) or not fields or set(fields) - set(FIELDS):
            raise ConfigError(f"{where}.fields: JSON pointers for any of {', '.join(FIELDS)}")
        out.append(item)
    return out


def _fill(template: str, values: dict[str, str], *, encode: bool) -> str:
    def one(match: re.Match[str]) -> str:
        key = match.group(1)
        if key.startswith("env:"):
            return os.environ.get(key[4:], "")
        value = values.get(key, "")
        return urllib.parse.quote(value, safe="") if encode else value
    return re.sub(r"\{([a-z_]+|env:[A-Za-z0-9_]+)\}", one, template)


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _map(config: dict[str, Any], document: Any) -> dict[str, Any]:
    fields = config["fields"]
    events = pointer(document, fields["negative_events"]) if "negative_events" in fields else None
    score = _number(pointer(document, fields["score"])) if "score" in fields else None
    limit = _number(pointer(document, fields["recommended_limit"])) if "recommended_limit" in fields else None
    return {
        "score": None if score is None else str(score),
        "rating": str(pointer(document, fields["rating"]) or "") if "rating" in fields else "",
        "payment_index": (str(_number(pointer(document, fields["payment_index"])) or "")
                          if "payment_index" in fields else ""),
        "recommended_limit": None if limit is None else str(limit),
        "currency": str(pointer(document, fields["currency"]) or "") if "currency" in fields else "",
        "negative_events": (len(events) if isinstance(events, list) else int(_number(events) or 0)
                            if events is not None else 0),
        "events": [str(e)[:200] for e in events[:20]] if isinstance(events, list) else [],
    }


def fetch(config: dict[str, Any], applicant: dict[str, str]) -> Pull:
    """The bureau's report on the applicant (``applicant``: the KEYS above), mapped."""
    provider = f"bureau:{config['name']}"
    values = {k: str(applicant.get(k) or "") for k in KEYS}
    if config["kind"] == "file":
        key = values.get(str(config.get("key", "vat_id")), "")
        if not key:
            raise ProviderError(f"{provider}: the application has no {config.get('key', 'vat_id')} to look for")
        safe = re.sub(r"[^A-Za-z0-9._-]", "", key)
        path = Path(config["directory"]) / f"{safe}.json"
        if not path.is_file():
            return Pull(provider=provider, version=VERSION, status="not_found", summary={"found": False},
                        raw="", request={"file": str(path)})
        raw = path.read_text(encoding="utf-8")
        try:
            document = json.loads(raw)
        except ValueError:
            raise ProviderError(f"{provider}: {path.name} is not JSON") from None
        return Pull(provider=provider, version=VERSION, status="ok", summary={"found": True, **_map(config, document)},
                    raw=raw, request={"file": str(path)})
    url = _fill(str(config["url"]), values, encode=True)
    headers = {k: _fill(str(v), values, encode=False) for k, v in (config.get("headers") or {}).items()}
    body = json.loads(_fill(json.dumps(config["body"]), values, encode=False)) if config.get("body") else None
    status, document, raw = request_json(url, method=str(config.get("method", "GET")).upper(), body=body,
                                         headers=headers, timeout=float(config.get("timeout", 8)))
    shown_url = url.split("?")[0]
    if status == 404:
        return Pull(provider=provider, version=VERSION, status="not_found", summary={"found": False}, raw=raw,
                    request={"url": shown_url})
    if status == 400:
        raise ProviderError(f"{provider} refused the request (HTTP 400)")
    return Pull(provider=provider, version=VERSION, status="ok", summary={"found": True, **_map(config, document)},
                raw=raw, request={"url": shown_url})
