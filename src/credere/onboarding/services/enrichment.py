"""Checking an applicant with outside services: VIES (is the VAT number registered, under which name), GLEIF
(the LEI's legal name, status and parent) and the credit bureaus configured. Each answer is stored as a pull
with its raw payload, time, source and version; a service that cannot be reached is recorded as such and the
decision goes on without it (its facts are unknown, which the rules can refer on). Refreshing adds pulls."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from credere.adapters.enrichment import ProviderError, Pull, bureau, gleif, vies
from credere.audit.services import actor_name
from credere.onboarding.models import ApplicationEvent, CreditApplication, EnrichmentPull

EU_VAT_PREFIXES = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "GR", "ES", "FI", "FR", "HR", "HU", "IE",
                   "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI"}


def _store(application: CreditApplication, by: str, provider: str, pull: Pull | None,
           error: str = "") -> EnrichmentPull:
    if pull is None:
        return EnrichmentPull.objects.create(application=application, provider=provider, status="error",
                                             error=error[:500], pulled_by=by)
    return EnrichmentPull.objects.create(application=application, provider=pull.provider, version=pull.version,
                                         status=pull.status, request=pull.request, summary=pull.summary,
                                         raw=pull.raw[:2_000_000], pulled_by=by)


def enrich(application: CreditApplication, *, actor: Any = None) -> list[EnrichmentPull]:
    """Ask every configured service about the application; the pulls stored (errors included)."""
    from credere.onboarding.services.applications import full_answers

    answers = full_answers(application)
    by = actor_name(actor) if actor else "Credere"
    timeout = float(settings.CREDERE_ENRICHMENT_TIMEOUT)
    pulls = []
    vat = str(answers.get("vat_id") or "")
    if settings.CREDERE_VIES_URL and vat[:2].upper() in EU_VAT_PREFIXES:
        try:
            pulls.append(_store(application, by, "vies", vies.check(vat, base_url=settings.CREDERE_VIES_URL,
                                                                   timeout=timeout)))
        except ProviderError as exc:
            pulls.append(_store(application, by, "vies", None, str(exc)))
    lei = str(answers.get("lei") or "")
    if settings.CREDERE_GLEIF_URL and lei:
        try:
            pulls.append(_store(application, by, "gleif", gleif.lookup(lei, base_url=settings.CREDERE_GLEIF_URL,
                                                                       timeout=timeout)))
        except ProviderError as exc:
            pulls.append(_store(application, by, "gleif", None, str(exc)))
    applicant = {"vat_id": vat, "registration_number": str(answers.get("registration_number") or ""),
                 "country": application.country, "lei": lei, "legal_name": application.legal_name}
    try:
        configured = bureau.check_config(settings.CREDERE_BUREAUS)
    except bureau.ConfigError as exc:
        configured = []
        pulls.append(_store(application, by, "bureau", None, str(exc)))
    for config in configured:
        try:
            pulls.append(_store(application, by, f"bureau:{config['name']}", bureau.fetch(config, applicant)))
        except ProviderError as exc:
            pulls.append(_store(application, by, f"bureau:{config['name']}", None, str(exc)))
    if pulls:
        words = ", ".join(f"{p.provider} {p.get_status_display().lower()}" for p in pulls)
        ApplicationEvent.objects.create(application=application, actor=by, kind="enriched", text=f"Checked: {words}")
    return pulls


def latest(application: CreditApplication) -> dict[str, EnrichmentPull]:
    """The newest pull of each service."""
    out: dict[str, EnrichmentPull] = {}
    for pull in application.pulls.all():  # newest first
        out.setdefault(pull.provider, pull)
    return out


def _decimal(value: Any) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        return None


def facts(application: CreditApplication) -> dict[str, Any]:
    """What the decision reads from the newest pulls: unknown (None) where a service did not answer."""
    pulls = latest(application)
    out: dict[str, Any] = {"vat_registered": None, "lei_status": "", "bureau_score": None, "bureau_rating": "",
                           "bureau_negative_events": None, "bureau_limit": None}
    v = pulls.get("vies")
    if v is not None and v.status == "ok":
        out["vat_registered"] = bool(v.summary.get("registered"))
    g = pulls.get("gleif")
    if g is not None:
        out["lei_status"] = ("NOT FOUND" if g.status == "not_found" else str(g.summary.get("entity_status") or "")
                             if g.status == "ok" else "")
    reports = [p for name, p in sorted(pulls.items()) if name.startswith("bureau:") and p.status == "ok"]
    if reports:
        first = reports[0].summary
        out.update(bureau_score=_decimal(first.get("score")), bureau_rating=str(first.get("rating") or ""),
                   bureau_negative_events=int(first.get("negative_events") or 0),
                   bureau_limit=_decimal(first.get("recommended_limit")))
    return out
