"""The daily alert digest: one e-mail to each person who may see credit control and has open alerts in
their inbox (customers they own, alerts assigned to them), grouped by severity, each with links to
the alert and to the customer's credit. Never two digests to the same person on the same day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from credere.audit.services import record
from credere.credit.models import Alert, AlertDigest
from credere.credit.selectors import alerts as selectors_alerts
from credere.identity.authz import can


@dataclass(frozen=True)
class Digest:
    username: str
    email: str
    count: int
    #: sent now; False: already sent today, or a dry run
    sent: bool


def _groups(alerts: list[Alert], base: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for value, label in Alert.Severity.choices:
        rows = [{"alert": a, "url": base + reverse("web:credit-alert", args=[a.pk]),
                 "customer_url": base + reverse("web:customer", args=[a.customer_id]) + "#credit-head"}
                for a in alerts if a.severity == value]
        if rows:
            out.append({"severity": label, "rows": rows})
    return out


def message_for(user: Any, alerts: list[Alert], day: dt.date, base: str | None = None) -> EmailMultiAlternatives:
    base = (base or settings.CREDERE_BASE_URL).rstrip("/")
    ctx = {"user": user, "day": day, "count": len(alerts), "groups": _groups(alerts, base),
           "inbox_url": base + reverse("web:credit-alerts")}
    subject = f"Credere: {len(alerts)} open credit alert{'s' if len(alerts) != 1 else ''} on {day.isoformat()}"
    msg = EmailMultiAlternatives(subject, render_to_string("credit/email/digest.txt", ctx),
                                 settings.DEFAULT_FROM_EMAIL, [user.email])
    msg.attach_alternative(render_to_string("credit/email/digest.html", ctx), "text/html")
    return msg


def send_digests(*, day: dt.date | None = None, dry_run: bool = False, base_url: str | None = None) -> list[Digest]:
    """Send today's digests (``dry_run``: only say who would get one, and how many alerts)."""
    day = day or timezone.localdate()
    sent_already = set(AlertDigest.objects.filter(day=day).values_list("user_id", flat=True))
    out: list[Digest] = []
    for user in get_user_model().objects.filter(is_active=True).exclude(email="").order_by("username"):
        if not can(user, "view_credit"):
            continue
        alerts = list(selectors_alerts.inbox(user, selectors_alerts.AlertFilters(mine=True)).select_related(None)
                      .select_related("customer")[:500])
        if not alerts:
            continue
        if dry_run or user.pk in sent_already:
            out.append(Digest(user.get_username(), user.email, len(alerts), False))
            continue
        with transaction.atomic():
            digest, created = AlertDigest.objects.get_or_create(
                user=user, day=day, defaults={"count": len(alerts), "sent_at": timezone.now()})
            if not created:  # another run sent it meanwhile
                out.append(Digest(user.get_username(), user.email, len(alerts), False))
                continue
            message_for(user, alerts, day, base_url).send()  # a failure rolls the record back: sent next time
            record(actor=None, action="alert.digest_sent", obj=digest, after={"user": user.get_username(),
                                                                              "count": len(alerts)})
        out.append(Digest(user.get_username(), user.email, len(alerts), True))
    return out
