"""Sanctions screening: lists imported from their published files, an application's names (the company, its
parent, its owners) screened against the lists in force, and a person's decision on each possible match —
cleared (not the same) or confirmed (the same: the application is declined). Audited."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from credere.adapters import sanctions
from credere.audit.services import actor_name, record, snapshot
from credere.core.errors import BusinessError, Conflict
from credere.domain.screening import DEFAULT_THRESHOLD, ScreeningEntry, ScreeningIndex
from credere.identity.authz import authorize
from credere.ledger.services.validation import field_error
from credere.onboarding.models import ApplicationEvent, CreditApplication, SanctionsEntry, SanctionsList, ScreeningHit

SOURCES = {"eu-fsf": "eu", "ofac-sdn-xml": "ofac", "ofac-sdn-csv": "ofac", "uk-sanctions-list": "uk",
           "un-consolidated": "un"}
_INDEX: dict[str, Any] = {"key": None, "index": None, "ids": []}


def import_list(*, actor: Any, content: bytes, name: str = "") -> SanctionsList:
    """Read a list file in its published format; it replaces the list of the same source in force."""
    authorize(actor, "edit_credit_policy")
    try:
        parsed = sanctions.parse_any(content)
    except sanctions.SanctionsFormatError as exc:
        raise field_error("file", f"{exc}") from None
    source = SOURCES.get(parsed.format, parsed.format)
    with transaction.atomic():
        previous = list(SanctionsList.objects.select_for_update().filter(source=source, active=True))
        SanctionsList.objects.filter(pk__in=[p.pk for p in previous]).update(active=False)
        row = SanctionsList.objects.create(
            source=source, name=name or sanctions.FORMAT_NAMES.get(parsed.format, parsed.format),
            published=parsed.published.isoformat() if parsed.published else "",
            sha256=hashlib.sha256(content).hexdigest(), entries_count=len(parsed.entries),
            imported_by=actor_name(actor))
        SanctionsEntry.objects.bulk_create([
            SanctionsEntry(sanctions_list=row, reference=e.reference[:60], kind=e.kind, name=e.name[:500],
                           aliases=list(e.aliases), weak_aliases=list(e.weak_aliases), countries=list(e.countries),
                           programmes=list(e.programmes),
                           identifiers=[{"scheme": i.scheme, "number": i.number, "country": i.country}
                                        for i in e.identifiers],
                           listed_on=e.listed_on, remark=e.remark[:2000]) for e in parsed.entries], batch_size=2000)
        record(actor=actor, action="sanctions_list.imported", obj=row,
               after={"source": source, "published": row.published, "entries": row.entries_count,
                      "sha256": row.sha256, "replaces": [p.pk for p in previous]})
    return row


def _index() -> tuple[ScreeningIndex, list[int]]:
    lists = list(SanctionsList.objects.filter(active=True).values_list("pk", "entries_count"))
    key = json.dumps(lists)
    if _INDEX["key"] != key:
        rows = list(SanctionsEntry.objects.filter(sanctions_list__active=True).values_list(
            "pk", "reference", "kind", "name", "aliases", "weak_aliases", "countries"))
        entries = [ScreeningEntry(reference=str(r[0]), name=r[3], kind=r[2], aliases=tuple(r[4] or ()),
                                  weak_aliases=tuple(r[5] or ()), countries=tuple(r[6] or ())) for r in rows]
        _INDEX.update(key=key, index=ScreeningIndex.build(entries), ids=[r[0] for r in rows])
    return _INDEX["index"], _INDEX["ids"]


def names_of(application: CreditApplication) -> list[tuple[str, str]]:
    """The names screened: (name, role)."""
    from credere.onboarding.services.applications import full_answers

    answers = full_answers(application)
    names = [(application.legal_name, "company")]
    if answers.get("parent_company"):
        names.append((str(answers["parent_company"]), "parent"))
    names += [(str(o.get("name", "")), "owner") for o in answers.get("owners", []) if o.get("name")]
    return [(n.strip(), role) for n, role in names if n.strip()]


def screen_application(application: CreditApplication, *, actor: Any = None,
                       threshold: int = DEFAULT_THRESHOLD) -> int:
    """Screen the application's names against the lists in force; new possible matches wait for a person.
    Returns the number of open hits."""
    index, _ids = _index()
    lists = SanctionsList.objects.filter(active=True).count()
    with transaction.atomic():
        application = CreditApplication.objects.select_for_update().get(pk=application.pk)
        found = 0
        for name, role in names_of(application):
            for hit in index.screen(name, threshold=threshold):
                _row, created = ScreeningHit.objects.get_or_create(
                    application=application, entry_id=int(hit.reference), screened_name=name[:300],
                    defaults={"screened_role": role, "matched_name": hit.matched_name[:500], "score": hit.score,
                              "reasons": list(hit.reasons)})
                found += int(created)
        open_hits = ScreeningHit.objects.filter(application=application, status=ScreeningHit.Status.OPEN).count()
        application.sanctions_hits = open_hits
        application.save(update_fields=["sanctions_hits", "updated_at"])
        text = (f"Screened {len(names_of(application))} name(s) against {lists} sanctions list(s): "
                f"{found} new possible match(es), {open_hits} to review" if lists else
                "No sanctions list is loaded: nothing was screened (credere onboarding sanctions-import)")
        ApplicationEvent.objects.create(application=application, actor=actor_name(actor) if actor else "Credere",
                                        kind="screened", text=text)
    return open_hits


def decide_hit(*, actor: Any, hit_id: int, confirm: bool, note: str) -> ScreeningHit:
    """Clear a possible match (not the same party) or confirm it (the application is declined)."""
    from credere.onboarding.services.decisions import SYSTEM

    authorize(actor, "request_limits")
    if not (note or "").strip():
        raise field_error("note", "say why (kept with the decision)")
    with transaction.atomic():
        hit = ScreeningHit.objects.select_for_update().select_related("application").filter(pk=hit_id).first()
        if hit is None:
            raise BusinessError(f"no screening hit {hit_id}", code="not_found", status=404)
        if hit.status != ScreeningHit.Status.OPEN:
            raise Conflict(f"the hit is already {hit.get_status_display().lower()}", code="decided")
        before = snapshot(hit)
        hit.status = ScreeningHit.Status.CONFIRMED if confirm else ScreeningHit.Status.CLEARED
        hit.decided_by, hit.decided_at, hit.note = actor_name(actor), timezone.now(), note.strip()[:1000]
        hit.save()
        record(actor=actor, action=f"screening_hit.{hit.status}", obj=hit, before=before, after=snapshot(hit),
               reason=hit.note)
        application = CreditApplication.objects.select_for_update().get(pk=hit.application_id)
        application.sanctions_hits = ScreeningHit.objects.filter(application=application,
                                                                 status=ScreeningHit.Status.OPEN).count()
        application.save(update_fields=["sanctions_hits", "updated_at"])
        ApplicationEvent.objects.create(application=application, actor=actor_name(actor), kind="screening",
                                        text=f"{hit.screened_name} ~ {hit.matched_name}: "
                                             f"{hit.get_status_display().lower()} ({hit.note})")
        if confirm and application.status in (CreditApplication.Status.RECEIVED, CreditApplication.Status.IN_REVIEW,
                                              CreditApplication.Status.INFO_REQUESTED,
                                              CreditApplication.Status.AWAITING_APPROVAL):
            from credere.onboarding.services.decisions import _decline

            _decline(application, actor=actor, note=f"sanctions match confirmed: {hit.matched_name}")
            record(actor=actor, action="application.declined", obj=application,
                   reason=f"sanctions match confirmed by {actor_name(actor) or SYSTEM}: {hit.matched_name}")
    return hit
