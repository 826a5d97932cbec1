"""The EU's VIES service: is a VAT number registered for intra-EU trade, and under which name and address.

Its REST interface: ``POST {base}/check-vat-number`` with ``{"countryCode", "vatNumber"}`` answers
``{"valid", "name", "address", "requestDate", "requestIdentifier", "userError"}`` (older deployments say
``isValid``). ``userError`` other than ``VALID``/``INVALID`` (``MS_UNAVAILABLE``, ``TIMEOUT`` …) means the
member state did not answer: that is an error to retry, never "not registered".
"""

from __future__ import annotations

from credere.adapters.enrichment import ProviderError, Pull, request_json

DEFAULT_URL = "https://ec.europa.eu/taxation_customs/vies/rest-api"
VERSION = "vies-rest/1"
ANSWERED = ("", "VALID", "INVALID")


def check(vat_number: str, *, base_url: str = DEFAULT_URL, timeout: float = 5.0) -> Pull:
    compact = "".join(c for c in vat_number.upper() if c.isalnum())
    country, number = compact[:2], compact[2:]
    if not country.isalpha() or not number:
        raise ProviderError(f"'{vat_number}' has no country prefix (e.g. DE136695976)")
    country = "EL" if country == "GR" else country
    body = {"countryCode": country, "vatNumber": number}
    status, data, raw = request_json(base_url.rstrip("/") + "/check-vat-number", method="POST", body=body,
                                     timeout=timeout)
    if not isinstance(data, dict):
        raise ProviderError("VIES answered something that is not a check result")
    wrapped = data.get("errorWrappers")
    if data.get("actionSucceed") is False or wrapped:
        codes = ", ".join(str(w.get("error", "")) for w in wrapped or [] if isinstance(w, dict)) or "an error"
        raise ProviderError(f"VIES could not check the number now ({codes}); try again later")
    error = str(data.get("userError") or "")
    if error not in ANSWERED:
        raise ProviderError(f"VIES could not check the number now ({error}); try again later")
    valid = data.get("valid", data.get("isValid"))
    if not isinstance(valid, bool):
        raise ProviderError("VIES's answer says neither valid nor invalid")
    name = str(data.get("name") or "").strip()
    address = str(data.get("address") or "").strip()
    return Pull(provider="vies", version=VERSION, status="ok",
                summary={"vat_number": country + number, "registered": valid,
                         "name": "" if name == "---" else name, "address": "" if address == "---" else address,
                         "checked_on": str(data.get("requestDate") or ""),
                         "consultation": str(data.get("requestIdentifier") or "")},
                raw=raw, request=body)
