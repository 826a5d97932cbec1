"""Production settings and headers: ``credere check --deploy`` is clean with the documented production
environment, every page carries a Content Security Policy that allows no inline script, and a mail server
that fails makes a password reset say so rather than answer with a server error."""

import os
import secrets
import socket
import subprocess
import sys

import pytest
from django.test import Client

from credere.identity.services import create_user

pytestmark = pytest.mark.django_db


def test_the_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {**os.environ, "CREDERE_HOME": str(tmp_path), "CREDERE_SECRET_KEY": secrets.token_urlsafe(50),
           "CREDERE_AUDIT_KEY": secrets.token_urlsafe(50), "CREDERE_HTTPS": "1",
           "CREDERE_ALLOWED_HOSTS": "credit.example.com", "CREDERE_DEBUG": "0"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "credere", "check", "--deploy", "--fail-level", "WARNING"],
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
    shown = subprocess.run([sys.executable, "-m", "credere", "shell", "-c",
                            "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)"],
                           env=env, capture_output=True, text=True, check=False)
    assert shown.stdout.strip().splitlines()[-1].split() == ["True", "31536000"], shown.stdout + shown.stderr


@pytest.mark.parametrize("path", ["/accounts/login/", "/dashboard/", "/api/v1/docs"])
def test_every_page_has_a_policy_without_inline_script(admin, path):
    client = Client()
    if path != "/accounts/login/":
        client.force_login(admin)
    response = client.get(path)
    assert response.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip())
    assert policy["script-src"] == "'self'" and "unsafe" not in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    assert b"<script>" not in response.content  # no inline script for the policy to refuse


def test_a_password_reset_when_the_mail_server_fails_says_so(settings):
    create_user(actor=None, username="erin", roles=["collector"], email="erin@example.com", password="old password 1")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2}}}
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": "erin@example.com"}, follow=True)
    assert response.status_code == 200
    assert "could not be sent just now" in response.content.decode()
