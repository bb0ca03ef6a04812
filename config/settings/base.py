"""Settings shared by every environment. Production values come from environment variables."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("SOCIALCARE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("SOCIALCARE_DEBUG", "0") == "1"
# The embedded default generates and keeps a secret on first run; production sets the env variable.
_secret_file = VAR_DIR / "secret_key"


def _local_secret(path: Path) -> str:
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SOCIALCARE_SECRET_KEY") or _local_secret(_secret_file)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("SOCIALCARE_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("SOCIALCARE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "socialcare.core",
    "socialcare.accounts",
    "socialcare.crm",
    "socialcare.channels",
    "socialcare.inbox",
    "socialcare.intelligence",
    "socialcare.web",
    "socialcare.api",
    "socialcare.listening",
    "socialcare.automation",
    "socialcare.routing",
    "socialcare.sla",
    "socialcare.message_templates",
    "socialcare.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "socialcare.web.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "socialcare.web.middleware.UserLanguageMiddleware",
    "socialcare.web.middleware.PresenceHeartbeatMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "socialcare.web.context_processors.navigation",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "socialcare.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}")
# Celery workers keep their database connection (re-checked before reuse): opening one per task cost more
# than the task. The web process does not: under ASGI every request runs in a thread of its own, and
# persistent connections would pile up until PostgreSQL refuses more clients.
_long_lived = any(arg in ("worker", "beat") for arg in sys.argv)
DATABASES = {"default": dj_database_url.parse(
    DATABASE_URL, conn_max_age=int(os.environ.get("SOCIALCARE_DB_CONN_MAX_AGE", "300" if _long_lived else "0")),
    conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers proceed while the worker writes; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue on the busy timeout instead of failing with "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:inbox"
LOGOUT_REDIRECT_URL = "web:login"

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "src" / "socialcare" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# WhiteNoise serves static files from the web process (no proxy needed for a first run). Without a
# collectstatic run it finds them in the apps directly.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- security headers ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # never leak ticket URLs to linked sites; keeps CSRF Origin checks working
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- secrets at rest ------------------------------------------------------------------------------
# Fernet key for channel credentials. The embedded default keeps one in var/; production sets it.
_fernet_file = VAR_DIR / "encryption_key"


def _local_fernet(path: Path) -> str:
    if not path.exists():
        from cryptography.fernet import Fernet

        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


SOCIALCARE_ENCRYPTION_KEY = os.environ.get("SOCIALCARE_ENCRYPTION_KEY") or _local_fernet(_fernet_file)

# --- task queue -----------------------------------------------------------------------------------
# Embedded default: kombu's filesystem transport, no server needed. Production: redis:// or amqp://.
BROKER_DIR = VAR_DIR / "broker"
SOCIALCARE_BROKER_URL = os.environ.get("SOCIALCARE_BROKER_URL", "filesystem://")
CELERY_BROKER_URL = SOCIALCARE_BROKER_URL
if SOCIALCARE_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_URL = "scfs://"  # socialcare.core.broker: the filesystem transport, written atomically
    for sub in ("out", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.05,
    }
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_TASK_DEFAULT_QUEUE = "default"
# Queues: ingest (raw events -> tickets), decide (reactions: noise filter, rules, routing, SLA), outbound
# (sends), default (periodic and the rest). One worker may consume all (`socialcare run` does); at scale,
# give each its own workers: `celery -A config worker -Q ingest` etc.
CELERY_TASK_ROUTES = {
    "channels.process_raw_event": {"queue": "ingest"},
    "channels.sweep_raw_events": {"queue": "ingest"},
    "core.dispatch_event": {"queue": "decide"},
    "core.dispatch_events": {"queue": "decide"},
    "channels.deliver_outbound": {"queue": "outbound"},
    "channels.retry_due_deliveries": {"queue": "outbound"},
}
SOCIALCARE_ALL_QUEUES = "ingest,decide,outbound,default"
CELERY_BEAT_SCHEDULE = {
    "sweep-received-raw-events": {"task": "channels.sweep_raw_events", "schedule": 15.0},
    "retry-due-deliveries": {"task": "channels.retry_due_deliveries", "schedule": 10.0},
    "sla-check-deadlines": {"task": "sla.check_deadlines", "schedule": 60.0},
    "automation-idle-tickets": {"task": "automation.idle_tickets", "schedule": 60.0},
    "routing-presence-and-queue": {"task": "routing.presence_and_queue", "schedule": 30.0},
    "listening-poll": {"task": "listening.poll", "schedule": 60.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# How long a raw event may stay "received" before the sweeper hands it to a worker again.
SOCIALCARE_RAW_EVENT_SWEEP_AFTER_SECONDS = int(os.environ.get("SOCIALCARE_RAW_EVENT_SWEEP_AFTER_SECONDS", "10"))
# Raw events processed per transaction by a worker (0: 10 on SQLite, 50 on PostgreSQL).
SOCIALCARE_INGEST_BATCH = int(os.environ.get("SOCIALCARE_INGEST_BATCH", "0"))
# Noise filter: brands without their own choice follow this (switch per brand on the Filtered page).
SOCIALCARE_NOISE_FILTER_DEFAULT_ENABLED = os.environ.get("SOCIALCARE_NOISE_FILTER_DEFAULT_ENABLED", "0") == "1"
# Languages the language detector may answer with, besides each brand's own languages.
SOCIALCARE_LANGUAGES = [c for c in os.environ.get("SOCIALCARE_LANGUAGES", "de,en,nl,fr,es,it,pt").split(",") if c]
# Live updates: how often the SSE view checks the change counter, and how long one stream lives.
SOCIALCARE_LIVE_POLL_SECONDS = float(os.environ.get("SOCIALCARE_LIVE_POLL_SECONDS", "0.5"))
SOCIALCARE_LIVE_STREAM_SECONDS = float(os.environ.get("SOCIALCARE_LIVE_STREAM_SECONDS", "55"))
# Only loopback base URLs are accepted for emulated platforms unless this is switched on.
SOCIALCARE_ALLOW_EXTERNAL_API_URLS = os.environ.get("SOCIALCARE_ALLOW_EXTERNAL_API_URLS", "0") == "1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SOCIALCARE_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}, "httpx": {"level": "WARNING"}},
}
