"""Settings for InCost Portal. Every value that differs between machines comes from the environment.

`incost_portal.production` builds on this module with the settings a public deployment must have.
"""

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from incost_portal.env import env_bool, env_cidrs, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# A development key: incost_portal.production refuses to start with it.
DEV_SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The portal's public address for links in emails; empty: the address the request came in on.
SITE_URL = env_str("SITE_URL", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "django_rq",
    # django-ninja: the API's OpenAPI document and its docs page (served from its own static files).
    "ninja",
    "axes",
    "incost_portal.runtime",
    "incost_portal.networks",
    "incost_portal.audit",
    "incost_portal.accounts",
    "incost_portal.incost",
    "incost_portal.sandbox",
    "incost_portal.costs",
    "incost_portal.submissions",
    "incost_portal.sources",
    "incost_portal.onboarding",
    "incost_portal.alerts",
    "incost_portal.dashboard",
    "incost_portal.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that every page (error and lockout pages too) carries the Content-Security-Policy.
    "incost_portal.runtime.middleware.PortalCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Both before CsrfViewMiddleware reads the form (request phases run before any process_view):
    # the gate refuses bodies unread by their length and credentials, then a form too large to
    # read goes back to its page with a message.
    "incost_portal.runtime.middleware.RequestBodyGateMiddleware",
    "incost_portal.runtime.middleware.RequestTooBigMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "incost_portal.urls"
WSGI_APPLICATION = "incost_portal.wsgi.application"

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
                "incost_portal.networks.context_processors.tenancy",
            ],
        },
    },
]

_default_sqlite = VAR_DIR / "portal.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{_default_sqlite}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and cron share one SQLite file: WAL and immediate transactions keep them from
    # tripping over each other's locks.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, for the test database: worker processes in the tests open it too.
    # One per test run, so that runs side by side never share one.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-portal-{os.getpid()}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "incost-default"},
}

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {
    "default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 900},
    "incost": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300},
}
RQ_SHOW_ADMIN_LINK = True

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0, minimum=0)
# Password reset emails: at most this many an hour per address and per client address.
PASSWORD_RESET_PER_ADDRESS = env_int("PASSWORD_RESET_PER_ADDRESS", 3, minimum=1)
PASSWORD_RESET_PER_CLIENT = env_int("PASSWORD_RESET_PER_CLIENT", 10, minimum=1)
PASSWORD_RESET_WINDOW_SECONDS = 3600
# The portal's API (/api/v1/ and /incost/): calls a minute per key before 429 with Retry-After;
# 0 turns the limit off.
API_KEY_CALLS_PER_MINUTE = env_int("API_KEY_CALLS_PER_MINUTE", 300, minimum=0)
# Uploads to the InCost-compatible endpoint are sent after this many seconds, so the calls for one
# app within it share one plan (and as few AppsFlyer requests as the size limit allows); 0: at once.
INCOST_COMPAT_SEND_DELAY_SECONDS = env_int("INCOST_COMPAT_SEND_DELAY_SECONDS", 60, minimum=0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES_DEFAULT = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
STORAGES = {
    **STORAGES_DEFAULT,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Email (invitations, password resets, alerts): SMTP once EMAIL_HOST is set, else the console.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587 if EMAIL_HOST else 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", bool(EMAIL_HOST))
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "InCost Portal <noreply@localhost>")

# Outbound calls a network configures (webhooks, sources) never reach loopback, private,
# link-local or metadata addresses (incost_portal.outbound), except inside these CIDRs.
OUTBOUND_ALLOWED_NETWORKS = env_cidrs("OUTBOUND_ALLOWED_NETWORKS", [])

# Alerts: how often conditions are evaluated and messages sent (RQ cron); a condition that opens
# again within ALERT_FLAP_MINUTES of its last resolve is announced only if it is still open then;
# webhook attempts (each wait doubling from ALERT_RETRY_SECONDS); the daily digest's UTC hour.
ALERTS_EVALUATE_INTERVAL_SECONDS = env_int("ALERTS_EVALUATE_INTERVAL_SECONDS", 60, minimum=1)
ALERT_FLAP_MINUTES = env_int("ALERT_FLAP_MINUTES", 30, minimum=0)
ALERT_DELIVERY_ATTEMPTS = env_int("ALERT_DELIVERY_ATTEMPTS", 5, minimum=1)
ALERT_RETRY_SECONDS = env_int("ALERT_RETRY_SECONDS", 30, minimum=0)
ALERT_WEBHOOK_TIMEOUT_SECONDS = env_float("ALERT_WEBHOOK_TIMEOUT_SECONDS", 10.0, minimum=0.1)
ALERT_DIGEST_HOUR_UTC = env_int("ALERT_DIGEST_HOUR_UTC", 7, minimum=0)
# A scheduled send is missed when its slot passed this long ago without running.
ALERT_SCHEDULE_GRACE_MINUTES = env_int("ALERT_SCHEDULE_GRACE_MINUTES", 15, minimum=1)


def _dev_token_key(secret: str) -> str:
    """A Fernet key derived from SECRET_KEY, for development machines only."""
    return base64.urlsafe_b64encode(hashlib.sha256(f"token-key:{secret}".encode()).digest()).decode()


# Fernet keys, newest first: tokens are encrypted with the first and decrypted with any.
TOKEN_ENCRYPTION_KEYS = env_list("TOKEN_ENCRYPTION_KEYS", [_dev_token_key(SECRET_KEY)])

# AppsFlyer's InCost API; the sandbox's address in development.
INCOST_BASE_URL = env_str("INCOST_BASE_URL", "https://hq1.appsflyer.com/api/")
INCOST_CONNECT_TIMEOUT = env_float("INCOST_CONNECT_TIMEOUT", 5.0, minimum=0.1)
INCOST_READ_TIMEOUT = env_float("INCOST_READ_TIMEOUT", 60.0, minimum=0.1)
# The spec's "1 MB", read as the smaller of the two meanings so that a request is never refused.
INCOST_MAX_REQUEST_BYTES = env_int("INCOST_MAX_REQUEST_BYTES", 1_000_000, minimum=1024)
INCOST_POLL_DELAY_SECONDS = env_int("INCOST_POLL_DELAY_SECONDS", 120, minimum=0)
INCOST_CALLS_PER_MINUTE = env_int("INCOST_CALLS_PER_MINUTE", 150, minimum=1)
INCOST_CALLS_PER_DAY = env_int("INCOST_CALLS_PER_DAY", 1000, minimum=1)
INCOST_WINDOW_DAYS = 90
# Sending: how long to wait for a limiter slot inside a worker before putting the work back.
INCOST_LIMITER_WAIT_SECONDS = env_float("INCOST_LIMITER_WAIT_SECONDS", 10.0, minimum=0)
# The limiter's windows: AppsFlyer's minute and day. Shortened only to match a sandbox run with
# shortened windows (benchmarks); the margin covers the spread of network delays.
INCOST_LIMITER_MINUTE_SECONDS = env_float("INCOST_LIMITER_MINUTE_SECONDS", 60.0, minimum=0.1)
INCOST_LIMITER_DAY_SECONDS = env_float("INCOST_LIMITER_DAY_SECONDS", 86_400.0, minimum=0.1)
INCOST_LIMITER_MARGIN_SECONDS = env_float("INCOST_LIMITER_MARGIN_SECONDS", 1.0, minimum=0)
# Job status polls after the first: this interval, doubling, up to the maximum.
INCOST_POLL_INTERVAL_SECONDS = env_int("INCOST_POLL_INTERVAL_SECONDS", 60, minimum=0)
INCOST_POLL_MAX_INTERVAL_SECONDS = env_int("INCOST_POLL_MAX_INTERVAL_SECONDS", 900, minimum=0)
# The spec's waits: ic111 one minute, ic300 ten minutes, "Error processing data" fifteen.
INCOST_RETRY_RATE_LIMIT_SECONDS = env_int("INCOST_RETRY_RATE_LIMIT_SECONDS", 60, minimum=0)
INCOST_RETRY_SERVER_ISSUE_SECONDS = env_int("INCOST_RETRY_SERVER_ISSUE_SECONDS", 600, minimum=0)
INCOST_RETRY_ERROR_PROCESSING_SECONDS = env_int("INCOST_RETRY_ERROR_PROCESSING_SECONDS", 900, minimum=0)
# 5xx, timeouts, dropped connections: this wait, doubling per attempt, up to the maximum.
INCOST_RETRY_BACKOFF_SECONDS = env_int("INCOST_RETRY_BACKOFF_SECONDS", 30, minimum=0)
INCOST_RETRY_MAX_BACKOFF_SECONDS = env_int("INCOST_RETRY_MAX_BACKOFF_SECONDS", 1800, minimum=0)
INCOST_MAX_UPLOAD_ATTEMPTS = env_int("INCOST_MAX_UPLOAD_ATTEMPTS", 20, minimum=1)
# A claim (sending, polling) older than this belongs to a worker that died: the reconciler takes it back.
SUBMISSION_LEASE_SECONDS = env_int("SUBMISSION_LEASE_SECONDS", 180, minimum=1)
# How often RQ cron runs the dispatcher that finishes stuck work and starts what is due.
DISPATCH_INTERVAL_SECONDS = env_int("DISPATCH_INTERVAL_SECONDS", 60, minimum=1)
# Due work still waiting this long is enqueued again (its RQ job may have been lost with Redis).
DISPATCH_REQUEUE_AFTER_SECONDS = env_int("DISPATCH_REQUEUE_AFTER_SECONDS", 120, minimum=0)

# The sandbox: where `manage.py incost_sandbox` listens and keeps its state.
SANDBOX_PORT = env_int("SANDBOX_PORT", 8765, minimum=1)
SANDBOX_DB = Path(env_str("SANDBOX_DB", str(VAR_DIR / "sandbox.sqlite3")))

# Cost files: the largest upload accepted, in bytes.
COST_UPLOAD_MAX_BYTES = env_int("COST_UPLOAD_MAX_BYTES", 256 * 1024 * 1024, minimum=1024)
# What a scheduled send covers: the changed groups of the last N days (AppsFlyer's restatement
# window); and how late a missed slot may still run (past it, the next slot covers it).
INCOST_RESTATEMENT_DAYS = env_int("INCOST_RESTATEMENT_DAYS", 7, minimum=1)
SCHEDULE_CATCH_UP_MINUTES = env_int("SCHEDULE_CATCH_UP_MINUTES", 60, minimum=1)
# How often networks on "as fresh as the budget allows" send what changed between send times.
FRESHNESS_TICK_MINUTES = env_int("FRESHNESS_TICK_MINUTES", 5, minimum=1)

# Retention (days; runtime.jobs.storage_prune, hourly): payloads of Applied requests and files of
# accepted uploads, of failed requests and uploads never accepted, and timelines' status reads.
# Sources (scheduled pulls of cost): each fetch's time and size limits, attempts for a failure that
# may pass (each wait doubling from SOURCE_RETRY_BACKOFF_SECONDS), a run's time limit in a worker,
# and how long before a scheduled send a source without its own interval is pulled.
SOURCE_FETCH_TIMEOUT_SECONDS = env_float("SOURCE_FETCH_TIMEOUT_SECONDS", 60.0, minimum=0.1)
SOURCE_MAX_BYTES = env_int("SOURCE_MAX_BYTES", COST_UPLOAD_MAX_BYTES, minimum=1024)
SOURCE_FETCH_ATTEMPTS = env_int("SOURCE_FETCH_ATTEMPTS", 3, minimum=1)
SOURCE_RETRY_BACKOFF_SECONDS = env_int("SOURCE_RETRY_BACKOFF_SECONDS", 60, minimum=0)
SOURCE_RUN_TIMEOUT_SECONDS = env_int("SOURCE_RUN_TIMEOUT_SECONDS", 1800, minimum=10)
SOURCE_LEAD_MINUTES = env_int("SOURCE_LEAD_MINUTES", 10, minimum=0)
SOURCE_LOCK_RETRY_SECONDS = env_int("SOURCE_LOCK_RETRY_SECONDS", 5, minimum=0)
SOURCE_REQUEUE_AFTER_SECONDS = env_int("SOURCE_REQUEUE_AFTER_SECONDS", 300, minimum=1)

RETENTION_APPLIED_PAYLOAD_DAYS = env_int("RETENTION_APPLIED_PAYLOAD_DAYS", 30, minimum=1)
RETENTION_FAILED_PAYLOAD_DAYS = env_int("RETENTION_FAILED_PAYLOAD_DAYS", 90, minimum=1)
RETENTION_ACCEPTED_FILE_DAYS = env_int("RETENTION_ACCEPTED_FILE_DAYS", 30, minimum=1)
RETENTION_UNACCEPTED_FILE_DAYS = env_int("RETENTION_UNACCEPTED_FILE_DAYS", 90, minimum=1)
RETENTION_EVENTS_DAYS = env_int("RETENTION_EVENTS_DAYS", 90, minimum=1)
# What an XLSX workbook may unpack to before it is read at all (reading a sheet is ~100x slower
# than reading the same rows as CSV: larger sheets are asked for as CSV).
XLSX_MAX_UNPACKED_BYTES = env_int("XLSX_MAX_UNPACKED_BYTES", 32 * 1024 * 1024, minimum=1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Content-Security-Policy (django-csp): only the portal's own scripts, styles and fonts; no inline
# script, handler or style anywhere (templates use classes, static/js/confirm.js asks before a
# dangerous form is sent, htmx is told not to inject its indicator <style>). The onboarding report,
# a self-contained download, has a policy of its own (onboarding.views.report).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}
