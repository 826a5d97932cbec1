"""Password reset by email through a real SMTP server on loopback."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from credere.identity.services import create_user

pytestmark = pytest.mark.django_db


def test_password_reset_mail_goes_through_smtp(smtp):
    inbox = smtp
    create_user(actor=None, username="erin", roles=["collector"], email="erin@example.com", password="old password 1")
    r = Client().post("/accounts/password/reset/", {"email": "erin@example.com"})
    assert r.status_code == 302
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["erin@example.com"]
    body = message.get_payload(decode=True).decode() if not message.is_multipart() else \
        message.get_payload(0).get_payload(decode=True).decode()
    link = next(word for word in body.split() if "/accounts/password/reset/key/" in word)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    c = Client()
    r = c.get(path, follow=True)
    form_url = r.redirect_chain[-1][0] if r.redirect_chain else path
    r = c.post(form_url, {"password1": "a new password 77", "password2": "a new password 77"})
    assert r.status_code == 302
    assert get_user_model().objects.get(username="erin").check_password("a new password 77")
