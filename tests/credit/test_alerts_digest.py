"""The daily alert digest through a real SMTP server on loopback: one e-mail per person with open alerts
in their inbox, grouped by severity, plain text and HTML, absolute links; never twice a day."""

from __future__ import annotations

import socket

import pytest

from credere.approvals import services as approvals
from credere.credit.models import Alert, AlertDigest
from credere.credit.services import alerts, limits, standing
from credere.credit.services import policy as policy_service
from credere.credit.services.digest import send_digests

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(smtp, settings):
    settings.CREDERE_BASE_URL = "https://credit.example.com/"
    return smtp


def _parts(message):
    text = html = ""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            text = part.get_payload(decode=True).decode()
        elif part.get_content_type() == "text/html":
            html = part.get_payload(decode=True).decode()
    return text, html


def test_the_digest_goes_through_smtp_once_a_day(smtp, portfolio, role_users):
    policy_service.set_policy(actor=role_users["credit_manager"], settings={"alert_concentration_pct": "101"},
                              note="no concentration alerts")
    req = limits.request_limit(actor=role_users["credit_analyst"], customer=portfolio.s1, amount="800.00",
                               currency="EUR", reason="review")
    approvals.decide(actor=role_users["administrator"], request_id=req.pk, approve=True, note="ok")
    standing.refresh()
    alerts.run()
    alerts.set_owner(actor=role_users["credit_manager"], customer=portfolio.s1, owner="analyst")
    h1a = Alert.objects.get(customer=portfolio.h1a)
    alerts.assign(actor=role_users["credit_manager"], alert_id=h1a.pk, to="collector", note="your call")
    over = Alert.objects.get(kind="utilisation")

    sent = send_digests()
    assert [(d.username, d.count, d.sent) for d in sent] == [("analyst", 2, True), ("collector", 1, True)]
    assert len(smtp.messages) == 2
    (to_analyst, analyst_mail), (to_collector, collector_mail) = smtp.messages
    assert to_analyst == ["analyst@example.com"] and to_collector == ["collector@example.com"]
    assert analyst_mail["Subject"] == "Credere: 2 open credit alerts on 2026-03-31"
    text, html = _parts(analyst_mail)
    assert "2 credit alerts wait in your inbox on 31 March 2026" in text
    assert text.index("High (1)") < text.index("Solo Logistics Ltd has used 105.0 %") < text.index("Medium (1)")
    assert f"Alert: https://credit.example.com/credit/alerts/{over.pk}/" in text
    assert f"https://credit.example.com/customers/{portfolio.s1.pk}/#credit-head" in text
    assert "Your inbox: https://credit.example.com/credit/alerts/" in text
    assert f'<a href="https://credit.example.com/credit/alerts/{over.pk}/">Open the alert</a>' in html
    assert "<h2" in html and "High (1)" in html and "Helios" not in html
    c_text, _ = _parts(collector_mail)
    assert "1 credit alert waits in your inbox" in c_text and "Helios Trading GmbH has 400.00 EUR overdue" in c_text

    again = send_digests()
    assert [(d.username, d.sent) for d in again] == [("analyst", False), ("collector", False)]
    assert len(smtp.messages) == 2
    assert sorted(AlertDigest.objects.values_list("user__username", "count")) == [("analyst", 2), ("collector", 1)]
    dry = send_digests(dry_run=True)
    assert [d.sent for d in dry] == [False, False] and len(smtp.messages) == 2


def test_a_failed_delivery_is_not_recorded_and_is_sent_next_time(smtp, portfolio, role_users, settings):
    live = settings.MAILERS
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2}}}
    standing.refresh()
    alerts.run()  # overdue and concentration alerts with the default policy
    alerts.set_owner(actor=role_users["credit_manager"], customer=portfolio.s1, owner="analyst")
    with pytest.raises(OSError):
        send_digests()
    assert not AlertDigest.objects.exists() and smtp.messages == []
    settings.MAILERS = live
    assert [(d.username, d.count, d.sent) for d in send_digests()] == [("analyst", 2, True)]
    assert len(smtp.messages) == 1 and AlertDigest.objects.count() == 1
