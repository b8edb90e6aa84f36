"""One settings module, driven by the environment.

SQLite is the embedded default (``var/partners.sqlite3``); set ``DATABASE_URL`` for PostgreSQL.
``PARTNERS_ENV=production`` turns on every production safeguard; ``manage.py check --deploy``
must be clean there.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PARTNERS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "y"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PARTNERS_ENV = os.environ.get("PARTNERS_ENV", "development").strip().lower()
PRODUCTION = PARTNERS_ENV == "production"
TESTING = PARTNERS_ENV == "test" or "pytest" in sys.modules

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when PARTNERS_ENV=production.")
    # A fixed key outside production keeps demo sessions valid across restarts; it signs nothing real.
    SECRET_KEY = "partners-development-only-key-never-used-in-production-0123456789abcdefghij"  # noqa: S105 - development-only key; production refuses to start without its own  # nosec B105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "partners.common",
    "partners.organisations",
    "partners.accounts",
    "partners.audit",
    "partners.registry",
    "partners.care",
    "partners.measures",
    "partners.letters",
    "partners.voice",
    "partners.casefinding",
    "partners.supervision",
    "partners.safety",
    "partners.trial",
    "partners.interop",
    "partners.dashboards",
    "partners.demo",
]

OIDC_ENABLED = env_bool("OIDC_ENABLED", False)
if OIDC_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "partners.common.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "partners.accounts.middleware.SessionLifetimeMiddleware",
    "partners.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "partners.common.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "partners.urls"
WSGI_APPLICATION = "partners.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "partners" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partners.common.context_processors.platform",
            ],
            "builtins": [
                "django.templatetags.static",
                "django_htmx.templatetags.django_htmx",
                "partners.common.templatetags.nhsuk",
            ],
        },
    }
]
FORM_RENDERER = "partners.common.forms.NHSFormRenderer"

# Databases --------------------------------------------------------------------------------------
DEFAULT_SQLITE = VAR_DIR / "partners.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    # Tests close connections per request so the test database can be dropped at the end.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0 if TESTING else 60,
                                                  conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
        DATABASES["default"]["TEST"] = {"NAME": os.environ.get("PARTNERS_TEST_DB_NAME") or None}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DEFAULT_SQLITE),
            "OPTIONS": {
                # WAL and a busy timeout let the demo server and a command line run side by side.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts, sign-in, sessions --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("partners.accounts.oidc.CIS2AuthenticationBackend")
    OIDC_RP_CLIENT_ID = os.environ["OIDC_RP_CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
    OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ["OIDC_OP_AUTHORIZATION_ENDPOINT"]
    OIDC_OP_TOKEN_ENDPOINT = os.environ["OIDC_OP_TOKEN_ENDPOINT"]
    OIDC_OP_USER_ENDPOINT = os.environ["OIDC_OP_USER_ENDPOINT"]
    OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
    OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid profile email nationalrbacaccess")
    OIDC_CREATE_USER = False  # CIS2 identities map onto accounts an administrator has set up
    LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?oidc=failed"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Idle expiry (renewed on each request) and an absolute limit on any one session.
SESSION_COOKIE_AGE = int(os.environ.get("PARTNERS_SESSION_IDLE_SECONDS", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
PARTNERS_SESSION_ABSOLUTE_SECONDS = int(os.environ.get("PARTNERS_SESSION_ABSOLUTE_SECONDS", 10 * 60 * 60))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Demo accounts skip two-factor sign-in; never in production.
PARTNERS_ALLOW_DEMO_ACCOUNTS = env_bool("PARTNERS_ALLOW_DEMO_ACCOUNTS", not PRODUCTION)
if PRODUCTION and PARTNERS_ALLOW_DEMO_ACCOUNTS:
    raise ImproperlyConfigured("Demo accounts cannot be allowed when PARTNERS_ENV=production.")
OTP_TOTP_ISSUER = "PARTNERS"

# Login throttling (django-axes): lock a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("PARTNERS_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("PARTNERS_LOGIN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("PARTNERS_PROXY_COUNT", 0))

# Security headers ---------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "https://assets.nhs.uk"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Internationalisation -----------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Static files: nhsuk-frontend and htmx are installed by the build (npm, pip), never copied in.
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise looks for it even when serving via finders
NODE_MODULES = Path(os.environ.get("PARTNERS_NODE_MODULES", BASE_DIR / "node_modules"))
STATICFILES_DIRS = [("nhsuk", NODE_MODULES / "nhsuk-frontend" / "dist" / "nhsuk")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = False
MEDIA_ROOT = VAR_DIR / "media"

# Logging: structured enough to ship; never a traceback to a user (DEBUG is off by default).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PARTNERS_LOG_LEVEL", "WARNING")},
    "loggers": {
        "django.security": {"level": "WARNING"},
        "partners.alerts": {"level": "WARNING"},
    },
}

# Letters (partners.letters): directories of an organisation's own letter templates, <dir>/<language>/<kind>.html,
# e.g. licensed translations; comma-separated in PARTNERS_LETTER_TEMPLATE_DIRS. English is built in.
LETTER_TEMPLATE_DIRS = env_list("PARTNERS_LETTER_TEMPLATE_DIRS")

# Platform settings ---------------------------------------------------------------------------------
PARTNERS: dict[str, Any] = {
    # Disclosure control below national level (nhs-standards.md).
    "SUPPRESSION_MAX": int(os.environ.get("PARTNERS_SUPPRESSION_MAX", 7)),
    "ROUNDING_BASE": int(os.environ.get("PARTNERS_ROUNDING_BASE", 5)),
    # Break-glass access lasts this long before another reason is needed.
    "BREAK_GLASS_MINUTES": int(os.environ.get("PARTNERS_BREAK_GLASS_MINUTES", 60)),
    # Keyed pseudonyms for research extracts: HMAC key from the environment.
    "PSEUDONYM_KEY": os.environ.get("PARTNERS_PSEUDONYM_KEY", "" if PRODUCTION else "demo-pseudonym-key"),
    # Equity view: a group is under-represented below this ratio of shares (over-represented above the other).
    "EQUITY_UNDER_RATIO": float(os.environ.get("PARTNERS_EQUITY_UNDER_RATIO", 0.8)),
    "EQUITY_OVER_RATIO": float(os.environ.get("PARTNERS_EQUITY_OVER_RATIO", 1.25)),
    # Retention per record type (nhs-standards.md; partners/audit/retention.py, `partners retention run`).
    "RETENTION": {
        "mental_health_record": {
            "years_after_care_ends": int(os.environ.get("PARTNERS_RETENTION_YEARS_AFTER_CARE", 20)),
            "years_after_death": int(os.environ.get("PARTNERS_RETENTION_YEARS_AFTER_DEATH", 10)),
        },
        # Idempotency keys (with the stored answers) are kept this long.
        "idempotency_record": {"hours": int(os.environ.get("PARTNERS_IDEMPOTENCY_TTL_HOURS", 48))},
        "outbound_message": {"years": int(os.environ.get("PARTNERS_RETENTION_MESSAGE_YEARS", 2))},
    },
    # Self-completion questionnaire links last this long; reviews fall due this often (partners.measures.conf).
    "QUESTIONNAIRE_LINK_DAYS": int(os.environ.get("PARTNERS_QUESTIONNAIRE_LINK_DAYS", 14)),
    "MEASUREMENT_REVIEW_MONTHS": int(os.environ.get("PARTNERS_MEASUREMENT_REVIEW_MONTHS", 3)),
    # Supervision: warn when a Care Partner has gone this long without a supervision session; caseload
    # flag thresholds (partners/supervision/config.py has every key, its default and why).
    "SUPERVISION": {
        "MAX_DAYS_WITHOUT_SUPERVISION": int(os.environ.get("PARTNERS_MAX_DAYS_WITHOUT_SUPERVISION", 42)),
        "MANSA_WORSENING_THRESHOLD": float(os.environ.get("PARTNERS_MANSA_WORSENING_THRESHOLD", 0.45)),
    },
}

# GOV.UK Notify: API key and base URL from the environment (tests point it at a local stand-in).
NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
# Template ids by name: NOTIFY_TEMPLATE_QUESTIONNAIRE_LINK_SMS=<uuid> gives "questionnaire_link_sms".
NOTIFY_TEMPLATES = {
    key.removeprefix("NOTIFY_TEMPLATE_").lower(): value
    for key, value in os.environ.items() if key.startswith("NOTIFY_TEMPLATE_")
}
# Case finding: days a person invited has to opt out before any appointment invitation or call.
CASEFINDING_OPT_OUT_DAYS = int(os.environ.get("PARTNERS_CASEFINDING_OPT_OUT_DAYS", 14))
PARTNERS_PUBLIC_BASE_URL = os.environ.get("PARTNERS_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Canonical base of the platform's own FHIR code systems, extensions and identifier systems.
PARTNERS_FHIR_CANONICAL_BASE = os.environ.get("PARTNERS_FHIR_CANONICAL_BASE", "")
CSRF_FAILURE_VIEW = "partners.common.views.csrf_failure"
