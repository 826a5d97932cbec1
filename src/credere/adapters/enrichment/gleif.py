"""GLEIF's public LEI records (JSON:API): the legal entity behind an LEI — legal name, address, status — and
its direct parent where one is reported.

``GET {base}/lei-records/{lei}`` answers ``{"data": {"attributes": {"entity": {"legalName": {"name"},
"legalAddress": {…}, "status"}, "registration": {"status", "nextRenewalDate"}}}}``;
``GET {base}/lei-records/{lei}/direct-parent`` the parent's record (404: none reported).
"""

from __future__ import annotations

from typing import Any

from credere.adapters.enrichment import ProviderError, Pull, pointer, request_json

DEFAULT_URL = "https://api.gleif.org/api/v1"
VERSION = "gleif-api-v1/1"


def _address(entity: Any, key: str) -> str:
    a = pointer(entity, f"/{key}") or {}
    lines = [*(a.get("addressLines") or []), " ".join(x for x in (a.get("postalCode"), a.get("city")) if x),
             a.get("country") or ""]
    return ", ".join(str(x) for x in lines if x)


def lookup(lei: str, *, base_url: str = DEFAULT_URL, timeout: float = 5.0) -> Pull:
    code = lei.strip().upper()
    base = base_url.rstrip("/")
    status, data, raw = request_json(f"{base}/lei-records/{code}", timeout=timeout)
    if status == 404:
        return Pull(provider="gleif", version=VERSION, status="not_found", summary={"lei": code, "found": False},
                    raw=raw, request={"lei": code})
    attributes = pointer(data, "/data/attributes")
    if not isinstance(attributes, dict):
        raise ProviderError("GLEIF answered something that is not an LEI record")
    entity = attributes.get("entity") or {}
    summary: dict[str, Any] = {
        "lei": code, "found": True, "legal_name": str(pointer(entity, "/legalName/name") or ""),
        "country": str(pointer(entity, "/legalAddress/country") or ""),
        "address": _address(entity, "legalAddress"), "entity_status": str(entity.get("status") or ""),
        "registration_status": str(pointer(attributes, "/registration/status") or ""),
        "next_renewal": str(pointer(attributes, "/registration/nextRenewalDate") or "")[:10],
        "registered_as": str(entity.get("registeredAs") or ""),
        "parent_lei": "", "parent_name": "",
    }
    parent_status, parent, parent_raw = request_json(f"{base}/lei-records/{code}/direct-parent", timeout=timeout)
    if parent_status == 200 and isinstance(parent, dict):
        summary["parent_lei"] = str(pointer(parent, "/data/id") or pointer(parent, "/data/attributes/lei") or "")
        summary["parent_name"] = str(pointer(parent, "/data/attributes/entity/legalName/name") or "")
    return Pull(provider="gleif", version=VERSION, status="ok", summary=summary,
                raw=raw if parent_status != 200 else f'{{"record": {raw}, "direct_parent": {parent_raw}}}',
                request={"lei": code})
