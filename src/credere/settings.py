"""Django settings. Production values come from the environment (see docs/deployment.md)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("CREDERE_HOME", Path.cwd() / "var")).resolve()


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


#: Set by ``credere`` for commands that work on files without the database (``credere cash parse``,
#: ``credere cash match-files``): no directory, key file or database is created, whatever CREDERE_HOME and the
#: current directory are.
NO_DATABASE = _env_bool("CREDERE_NO_DATABASE", False)


def _secret_key(env: tuple[str, ...] = ("CREDERE_SECRET_KEY", "SECRET_KEY"), name: str = "secret_key") -> str:
    key = next((os.environ[e] for e in env if os.environ.get(e)), "")
    if key:
        return key
    path = HOME / name
    if NO_DATABASE:
        # Nothing is signed or kept by such a command: a key of its own is enough.
        return path.read_text().strip() if path.is_file() else secrets.token_urlsafe(50)
    # Local use only: keep a generated key beside the embedded database.
    HOME.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
#: The key sealing the audit trail (HMAC-SHA-256): held outside the database, so that someone who can write
#: the database cannot rewrite the trail and its hashes. In production give it from a secret store; on one
#: machine it is generated beside the embedded database. Keys used before a rotation stay listed in
#: CREDERE_AUDIT_PREVIOUS_KEYS (comma-separated) so that the entries they sealed still verify.
CREDERE_AUDIT_KEY = _secret_key(("CREDERE_AUDIT_KEY",), "audit_key")
CREDERE_AUDIT_PREVIOUS_KEYS = [k.strip() for k in os.environ.get("CREDERE_AUDIT_PREVIOUS_KEYS", "").split(",")
                               if k.strip()]
#: The key encrypting bank accounts, tax and registration ids and contact details at rest (credere.core.crypto):
#: from a secret store in production; on one machine generated beside the embedded database. After a rotation
#: the keys it replaced stay in CREDERE_DATA_PREVIOUS_KEYS (comma-separated) until `credere privacy rotate-key`
#: has encrypted every value with the new key.
CREDERE_DATA_KEY = _secret_key(("CREDERE_DATA_KEY",), "data_key")
CREDERE_DATA_PREVIOUS_KEYS = [k.strip() for k in os.environ.get("CREDERE_DATA_PREVIOUS_KEYS", "").split(",")
                              if k.strip()]
#: How long files waiting between steps are kept: import uploads and statement uploads older than this many days
#: are deleted by `credere privacy purge` (imported files live on as import runs and statement files).
CREDERE_RETENTION_UPLOAD_DAYS = int(os.environ.get("CREDERE_RETENTION_UPLOAD_DAYS", "30"))
#: How many years the bytes of imported bank statement files are kept (accounting records; 10 years is the
#: longest common statutory period): older files keep their transactions but lose their bytes and raw text.
CREDERE_RETENTION_STATEMENT_YEARS = int(os.environ.get("CREDERE_RETENTION_STATEMENT_YEARS", "10"))
#: Where ``credere audit checkpoint`` writes the signed checkpoints of the chain (head, sequence, time) that
#: ``credere audit verify`` checks against: put it on storage the database's users cannot write.
CREDERE_AUDIT_CHECKPOINT_DIR = Path(os.environ.get("CREDERE_AUDIT_CHECKPOINT_DIR", HOME / "audit-checkpoints"))
#: Also mailed to these addresses (comma-separated), e.g. the auditor's, when set.
CREDERE_AUDIT_CHECKPOINT_EMAIL = [a.strip() for a in os.environ.get("CREDERE_AUDIT_CHECKPOINT_EMAIL", "").split(",")
                                  if a.strip()]
DEBUG = _env_bool("CREDERE_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("CREDERE_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CREDERE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "django_tasks_db",
    "ninja",  # its Swagger UI from our own static files (no CDN)
    "credere.web",  # before allauth: its templates override allauth's
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "credere.core",
    "credere.audit",
    "credere.identity",
    "credere.ledger",
    "credere.imports",
    "credere.reporting",
    "credere.demo",
    "credere.cashapp",
    "credere.approvals",
    "credere.credit",
    "credere.onboarding",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "credere.core.middleware.ApiErrorBodyMiddleware",
    "credere.core.middleware.RejectUnstorableTextMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "credere.identity.mfa.RequireMfaMiddleware",
    "credere.web.middleware.UserLocaleMiddleware",
]

ROOT_URLCONF = "credere.urls"
WSGI_APPLICATION = "credere.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "credere.web.context_processors.shell",
            ]
        },
    }
]

_default_sqlite = f"sqlite:///{HOME / 'credere.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if not NO_DATABASE:
        HOME.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
#: Passwords people choose (users page, API, ``credere user create``, change and reset): 12 characters or
#: more, not one of the 20,000 most common, not all digits, not like the user's name or e-mail.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("CREDERE_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("CREDERE_STATIC_ROOT", HOME / "static"))
if not NO_DATABASE:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

TASKS = {
    "default": {
        "BACKEND": os.environ.get("CREDERE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

MAILERS = {
    "default": {
        "BACKEND": os.environ.get("CREDERE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": os.environ.get("CREDERE_EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("CREDERE_EMAIL_PORT", "25")),
            "username": os.environ.get("CREDERE_EMAIL_USER", ""),
            "password": os.environ.get("CREDERE_EMAIL_PASSWORD", ""),
            "use_tls": _env_bool("CREDERE_EMAIL_TLS", False),
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("CREDERE_EMAIL_FROM", "credere@localhost")
#: where people reach Credere: links in e-mails (the alert digest) are made from it
CREDERE_BASE_URL = os.environ.get("CREDERE_BASE_URL", "http://localhost:8000").rstrip("/")
#: Where documents people give us (applications' uploads) are kept: outside the web root, never served inline.
CREDERE_DOCUMENT_DIR = Path(os.environ.get("CREDERE_DOCUMENT_DIR", HOME / "documents"))
#: The languages the credit application form offers (the applicant chooses).
CREDERE_APPLICATION_LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]
#: Outside services that check applicants (an empty address turns one off): the EU's VIES for VAT numbers,
#: GLEIF for LEI records, and credit bureaus (JSON, see credere.adapters.enrichment.bureau).
CREDERE_VIES_URL = os.environ.get("CREDERE_VIES_URL", "https://ec.europa.eu/taxation_customs/vies/rest-api")
CREDERE_GLEIF_URL = os.environ.get("CREDERE_GLEIF_URL", "https://api.gleif.org/api/v1")
CREDERE_BUREAUS = json.loads(os.environ.get("CREDERE_BUREAUS", "[]") or "[]")
CREDERE_ENRICHMENT_TIMEOUT = float(os.environ.get("CREDERE_ENRICHMENT_TIMEOUT", "5"))
#: What an applicant agrees to (kept with the application, with the time).
CREDERE_APPLICATION_CONSENT = os.environ.get(
    "CREDERE_APPLICATION_CONSENT",
    "I confirm that the information given is complete and true, and I agree that it is checked, including with "
    "credit bureaus, company registers and sanctions lists, and kept to decide and manage our credit terms.")

# --------------------------------------------------------------------------- web application and login

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "credere.web.accounts.StaffAccountAdapter"  # no self sign-up: administrators create users
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
#: Failed sign-ins slow an attacker without locking the real user out: at most 10 a minute from one address
#: (any account), and 5 in 5 minutes for one account *from one address* (the adapter keys them so); someone
#: failing on purpose elsewhere cannot lock a user out of their own desk.
#: Two-factor authentication (allauth's MFA): an authenticator app (TOTP), security keys and passkeys
#: (WebAuthn), and recovery codes. People whose roles are listed in CREDERE_MFA_REQUIRED_ROLES must set one up
#: before they can use Credere (by default, with CREDERE_HTTPS on: administrators and credit managers).
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "Credere"
#: A code from the 30 seconds before or after is accepted too (RFC 6238's one step of delay): a code typed
#: as the phone's window turns, or a clock a few seconds off, still works. Each code is taken only once.
MFA_TOTP_TOLERANCE = 1
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or not _env_bool("CREDERE_HTTPS", False)  # http://localhost demos
CREDERE_MFA_REQUIRED_ROLES = [r.strip() for r in os.environ.get(
    "CREDERE_MFA_REQUIRED_ROLES",
    "administrator,credit_manager" if _env_bool("CREDERE_HTTPS", False) else "").split(",") if r.strip()]
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
#: Behind a reverse proxy, the number of proxies in front of Credere that append to X-Forwarded-For: the
#: client's address (for sign-in throttling and the audit trail) is read from that header, never the proxy's.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("CREDERE_TRUSTED_PROXIES", "0"))
#: Shared by the web processes and the workers (import progress, login rate limits): a file cache
#: beside the embedded database by default; point it at Redis or Memcached across machines.
CACHES = {
    "default": {
        "BACKEND": os.environ.get("CREDERE_CACHE_BACKEND", "django.core.cache.backends.filebased.FileBasedCache"),
        "LOCATION": os.environ.get("CREDERE_CACHE_LOCATION", str(HOME / "cache")),
    }
}
#: Uploads larger than this many bytes are previewed and imported by the background worker.
CREDERE_WEB_BACKGROUND_IMPORT_BYTES = int(os.environ.get("CREDERE_WEB_BACKGROUND_IMPORT_BYTES", str(2 * 1024 * 1024)))
#: API uploads (``POST /api/v1/imports/{entity}``) larger than this go to the worker (202 and a status URL).
CREDERE_API_BACKGROUND_IMPORT_BYTES = int(os.environ.get("CREDERE_API_BACKGROUND_IMPORT_BYTES",
                                                         str(CREDERE_WEB_BACKGROUND_IMPORT_BYTES)))
#: Statement files (page and API) larger than this are imported by the worker.
CREDERE_BACKGROUND_STATEMENT_BYTES = int(os.environ.get("CREDERE_BACKGROUND_STATEMENT_BYTES", str(2 * 1024 * 1024)))

#: Currency all-company figures are converted to.
CREDERE_REPORTING_CURRENCY = os.environ.get("CREDERE_REPORTING_CURRENCY", "EUR")

if not DEBUG and _env_bool("CREDERE_HTTPS", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    #: Browsers that have seen Credere over HTTPS refuse plain HTTP to it for a year (HSTS); the preload
    #: flag only allows a submission to the browsers' preload list, which is the operator's choice to make.
    SECURE_HSTS_SECONDS = int(os.environ.get("CREDERE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("CREDERE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("CREDERE_HSTS_PRELOAD", True)
    #: The health check answers the load balancer over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health$"]

#: Content Security Policy: scripts only from Credere's own static files — no inline script, no eval, no
#: other origin; nothing may frame Credere. Styles allow inline ``style`` attributes (bar widths).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CREDERE_LOG_LEVEL", "WARNING")},
}
