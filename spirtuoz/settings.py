"""Settings of the Spirtuoz hub, read from the environment and from an optional `.env` file.

Every variable is documented once, in docs/settings.md (tests/spirtuoz/test_settings_documented.py
keeps the two in step). Variables already in the environment win over the file.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from spirtuoz.secretkey import django_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

# ENV_FILE="" reads no file at all: the test suite uses that to stay independent of a
# developer's own .env.
_env_file = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if _env_file:
    load_dotenv(_env_file, override=False)


def env(name: str, default: str = "") -> str:
    """The variable's value; an empty one counts as unset, so a copied .env.example works."""
    return os.environ.get(name, "").strip() or default


def envbool(name: str, default: str) -> bool:
    value = env(name, default).lower()
    if value not in ("true", "false", "1", "0"):
        raise ImproperlyConfigured(f"{name} must be true or false (or 1 or 0), not {value!r}")
    return value in ("true", "1")


def envint(name: str, default: str) -> int:
    value = env(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str) -> list[str]:
    return [item.strip() for item in env(name).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "false")

# As set, and as Django uses it: Render's generated value spelled in hex (spirtuoz/secretkey.py).
SECRET_KEY_AS_SET = env("SECRET_KEY")
SECRET_KEY = django_secret_key(SECRET_KEY_AS_SET)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or in .env "
            "(`make run` writes a .env with a fresh one)."
        )
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105 -- DEBUG only

BOT_TOKEN = env("BOT_TOKEN")
# The bot's @username, without the @; empty: asked of Telegram (getMe) and cached.
TELEGRAM_BOT_USERNAME = env("TELEGRAM_BOT_USERNAME").lstrip("@")
# A Direct Link Mini App's short name (BotFather /newapp); empty: links open the bot's Main
# Mini App instead (t.me/<bot>?startapp=CODE).
MINI_APP_SHORT_NAME = env("MINI_APP_SHORT_NAME")
# Set: the bot runs in webhook mode at {PUBLIC_URL}/telegram/webhook; unset: it polls.
TELEGRAM_WEBHOOK_SECRET = env("TELEGRAM_WEBHOOK_SECRET")
HOST_SECRET = env("HOST_SECRET")
# On Render, the service's own onrender.com URL unless PUBLIC_URL names another.
PUBLIC_URL = (env("PUBLIC_URL") or env("RENDER_EXTERNAL_URL")).rstrip("/")
FILE_API_URL = env("FILE_API_URL", "https://api.telegram.org").rstrip("/")
HOST = env("HOST", "127.0.0.1")
PORT = envint("PORT", "3000")
ROOM_TTL_SECONDS = envint("ROOM_TTL_SECONDS", str(12 * 60 * 60))
if ROOM_TTL_SECONDS <= 0:
    raise ImproperlyConfigured("ROOM_TTL_SECONDS must be greater than zero")
# A host whose last sign of life (a registration or a heartbeat) is older is shown offline.
HOST_HEARTBEAT_TIMEOUT = envint("HOST_HEARTBEAT_TIMEOUT", "45")
if HOST_HEARTBEAT_TIMEOUT <= 0:
    raise ImproperlyConfigured("HOST_HEARTBEAT_TIMEOUT must be greater than zero")

# How often the web processes purge ended rooms, one of them each time (rooms/purger.py); 0: never,
# for a deploy that runs `manage.py purge_rooms` from cron instead.
ROOM_PURGE_SECONDS = envint("ROOM_PURGE_SECONDS", "3600")
if ROOM_PURGE_SECONDS < 0:
    raise ImproperlyConfigured("ROOM_PURGE_SECONDS must be zero or greater")

# Served over HTTPS, i.e. deployed: this alone turns on the production-only protections
# below, so that `make run` on http://127.0.0.1:3000 works without them.
SERVED_OVER_HTTPS = PUBLIC_URL.startswith("https://")
_public_host = urlsplit(PUBLIC_URL).hostname if PUBLIC_URL else None
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS") or [
    host for host in ("localhost", "127.0.0.1", "[::1]", _public_host) if host
]
CSRF_TRUSTED_ORIGINS = [PUBLIC_URL] if SERVED_OVER_HTTPS else []

INSTALLED_APPS = [
    "monitoring.apps.HubAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "rooms",
    "avatars",
    "telegrambot",
    "monitoring.apps.MonitoringConfig",
]

MIDDLEWARE = [
    "core.middleware.HealthCheckFromAnyHost",
    "core.middleware.JsonMethodNotAllowed",
    "core.middleware.OneAdminLoginAtATime",
    "core.middleware.RequestRoute",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.OutageMiddleware",
    # Last, as django-axes asks: it answers a login it locked out.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "spirtuoz.urls"
# Django's own refusals as JSON too; the others are handler400 and the rest in spirtuoz/urls.py.
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"
WSGI_APPLICATION = "spirtuoz.wsgi.application"

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

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=600,
        conn_health_checks=True,
    )
}
# A PostgreSQL server that is down or unreachable must cost a request a few seconds, not the
# minutes an unanswered TCP connect can take: then the hub answers 503 (see core/errors.py).
# The URL may set its own, e.g. `?connect_timeout=10`.
DATABASE_CONNECT_TIMEOUT_SECONDS = 3
# A server that accepted the connection but does not answer a query (hung, or cut off behind
# a proxy) costs a request at most this many seconds, and so a 503 within 10 s even with a
# reconnection after it: the hub's own backend stops waiting then (core/postgresql/base.py),
# and the server is asked to give up a second sooner (statement_timeout), so that a query
# that is merely slow ends with the server's own error, on a connection still usable.
DATABASE_QUERY_SECONDS = 5
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "core.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT_SECONDS)
    DATABASES["default"]["OPTIONS"].setdefault(
        "options", f"-c statement_timeout={(DATABASE_QUERY_SECONDS - 1) * 1000}"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so concurrent
        # registrations wait for each other instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not Django's shared in-memory database, so that threads in the tests
    # see the same locking as the server's workers do on the real file.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The admin login: one at a time per process (core.middleware.OneAdminLoginAtATime), and
# django-axes refuses a locked-out user or client before any password hash, so that guessing
# never takes the cores the room lookups need.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Per user and per client, separately: 5 failures lock either out for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The client as the rate limits see it: TRUSTED_PROXY_COUNT decides whether X-Forwarded-For counts.
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.request_client_address"
AXES_LOCKOUT_CALLABLE = "core.errors.admin_locked_out"
# Every login, not only failures, would be a row in the database: the failures are enough.
AXES_DISABLE_ACCESS_LOG = True
# Quiet at start: axes would print its banner into every manage.py command's output. Lockouts
# are still logged (WARNING, axes.handlers).
AXES_VERBOSE = False

LANGUAGE_CODE = "en-us"
# The languages players are answered in: the bot by their Telegram language, the /join page by
# Accept-Language; anything else gets English. Each app keeps its catalogue in <app>/locale/.
LANGUAGES = [("en", "English"), ("ru", "Русский")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Render (and most hosts) terminate TLS in a proxy that says so in this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Secure cookies, redirects to https and HSTS only when the hub is served over HTTPS:
# the admin must still log in on http://127.0.0.1:3000 under `make run`.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SERVED_OVER_HTTPS
SECURE_SSL_REDIRECT = SERVED_OVER_HTTPS
# Render sends its health checks to each instance itself, and documents no
# X-Forwarded-Proto on them: they may arrive as plain http. Render counts a 3xx as healthy,
# so a redirect would not fail them but hollow them out: the database would go unchecked.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# HSTS, sent only on https responses. includeSubDomains and preload concern no other site
# on the documented deploy (<service>.onrender.com); docs/operations.md says what they mean for a
# bare domain of your own.
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", str(365 * 24 * 60 * 60))
if SECURE_HSTS_SECONDS < 0:
    raise ImproperlyConfigured("SECURE_HSTS_SECONDS must be zero or greater")
if not SERVED_OVER_HTTPS:
    SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# The Mini App is a web page on another origin (e.g. Vercel): it may read the public
# endpoints from any origin, without cookies, unless CORS_ALLOWED_ORIGINS narrows that.
# The host endpoints are not for browsers.
CORS_ALLOWED_ORIGINS = envlist("CORS_ALLOWED_ORIGINS")
CORS_ALLOW_ALL_ORIGINS = not CORS_ALLOWED_ORIGINS
CORS_URLS_REGEX = r"^/api/(rooms|users)/"

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.LimitedJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "core.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Spirtuoz hub API",
    "DESCRIPTION": (
        "Rooms for Spirtuoz Party: the Host App creates rooms with HOST_SECRET and keeps, "
        "changes and closes its own with the room token it was given; the Mini App looks "
        "rooms up and loads players' avatars. Every error is "
        '`{"error": "<message>"}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "hostSecret": {"type": "apiKey", "in": "header", "name": "X-Host-Secret"},
            "hostBearer": {"type": "http", "scheme": "bearer"},
            "roomToken": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Room-Token",
                "description": "The room's token, given once when the room was created.",
            },
            "telegramWebhookSecret": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Telegram-Bot-Api-Secret-Token",
                "description": "The token `setwebhook` registered with Telegram.",
            },
            "telegramInitData": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`tma <initData>`: the Mini App's Telegram.WebApp.initData. "
                "Required only when the hub sets REQUIRE_TELEGRAM_INIT_DATA.",
            },
        }
    },
    # Swagger UI's files come from the hub itself (WhiteNoise), not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Mini App requests may carry Telegram's signed init data (`Authorization: tma ...`);
# with REQUIRE_TELEGRAM_INIT_DATA the room lookup and avatar JSON demand it.
REQUIRE_TELEGRAM_INIT_DATA = envbool("REQUIRE_TELEGRAM_INIT_DATA", "false")
TELEGRAM_INIT_DATA_MAX_AGE = envint("TELEGRAM_INIT_DATA_MAX_AGE", str(24 * 60 * 60))


# Limits on mistakes per client (core/ratelimit.py): lookups of rooms that do not exist, and
# wrong host secrets. "N/second|minute|hour|day", or "off"; every *_RATE setting is checked
# when Django starts.
ROOM_LOOKUP_MISS_RATE = env("ROOM_LOOKUP_MISS_RATE", "30/minute")
HOST_AUTH_FAIL_RATE = env("HOST_AUTH_FAIL_RATE", "10/minute")
# Avatar lookups that ask Telegram (the cache had no copy; avatars/limits.py), each up to three
# Bot API calls: per client, and for all clients together, below Telegram's limits on the bot.
AVATAR_FETCH_RATE = env("AVATAR_FETCH_RATE", "60/minute")
AVATAR_FETCH_TOTAL_RATE = env("AVATAR_FETCH_TOTAL_RATE", "5/second")
# How many proxies in front of the hub append to X-Forwarded-For (1 on Render). 0: none, and
# the header is ignored, so clients cannot forge their address.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "0")

# Every cache use must be shared by all server workers, or each would ask Telegram again and
# count a client's mistakes on its own: the database cache in the hub's own database by default
# (`manage.py createcachetable` creates its tables), Redis when REDIS_URL is set.
# Two caches: avatars in "default", and the rate limits' counters in RATELIMIT_CACHE, a cache of
# their own, so that a flood of clients (one counter each) never culls the avatars.
RATELIMIT_CACHE = "ratelimit"
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # Hubs sharing one Redis (production and staging, or test runs) need their own prefix.
    _redis_prefix = env("REDIS_KEY_PREFIX", "spirtuoz")
    CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
            # A Redis that is down or hangs costs a request seconds, never forever: then the
            # avatars answer 503 and the rate limits let requests through (core/errors.py).
            "OPTIONS": {"socket_connect_timeout": 3, "socket_timeout": 3},
        }
        for alias, prefix in (
            ("default", _redis_prefix),
            (RATELIMIT_CACHE, f"{_redis_prefix}:ratelimit"),
        )
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "spirtuoz_cache",
            # Django's default of 300 entries would evict avatars after a few parties.
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
        RATELIMIT_CACHE: {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "spirtuoz_ratelimit_cache",
            # Counters live a minute or so: culling the oldest forgets only finished windows.
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
    }

# Telegram profile photos, fetched by the hub and served from its own URL.
AVATAR_CACHE_SECONDS = envint("AVATAR_CACHE_SECONDS", "3600")
AVATAR_MISS_CACHE_SECONDS = envint("AVATAR_MISS_CACHE_SECONDS", "600")
# After the fresh period an avatar is kept this much longer, served when Telegram fails.
AVATAR_STALE_SECONDS = envint("AVATAR_STALE_SECONDS", str(24 * 60 * 60))
if min(AVATAR_CACHE_SECONDS, AVATAR_MISS_CACHE_SECONDS) <= 0 or AVATAR_STALE_SECONDS < 0:
    raise ImproperlyConfigured("AVATAR_*_SECONDS must be greater than zero")
# The hub's avatar links are signed and last between one and two periods of this many seconds
# (avatars/links.py); with REQUIRE_TELEGRAM_INIT_DATA only such links load.
AVATAR_URL_SECONDS = envint("AVATAR_URL_SECONDS", str(12 * 60 * 60))
if AVATAR_URL_SECONDS <= 0:
    raise ImproperlyConfigured("AVATAR_URL_SECONDS must be greater than zero")
AVATAR_MAX_BYTES = 1024 * 1024
# One avatar lookup (profile photos, file, download) gives up after this many seconds,
# so the Mini App always hears back within 10 seconds.
AVATAR_DEADLINE_SECONDS = 8.0
# After a failed lookup, requests for that user get the failure (or a stale copy) for
# this long instead of asking Telegram again at once.
AVATAR_FAILURE_SECONDS = 5
TELEGRAM_CONNECT_TIMEOUT = 3.05
TELEGRAM_READ_TIMEOUT = 5.0
# Requests per worker that run Django at once (server/serving.py); each thread keeps a
# database connection of its own. Every bulkhead slot below is a thread more a worker has,
# and under load each thread takes its turn at the GIL: with 28 threads a worker, room lookups
# had a p99 of 35-40 ms, with 12 threads 11-19 ms (bench/RESULTS.md).
WEB_THREADS = envint("WEB_THREADS", "4")
# Avatar requests per worker that may ask Telegram at once (the hub-wide budget,
# AVATAR_FETCH_TOTAL_RATE, is 5 a second), and that may wait at once for one of those (players
# loading the same avatar): each holds a thread of its own for up to AVATAR_DEADLINE_SECONDS,
# beside the WEB_THREADS that serve rooms. One more of either gets 503 at once
# (core/bulkheads.py).
TELEGRAM_CONCURRENCY = envint("TELEGRAM_CONCURRENCY", "2")
TELEGRAM_WAITERS = envint("TELEGRAM_WAITERS", "4")

# Set: GET /metrics answers with `Authorization: Bearer <this>`; unset: /metrics is a 404.
METRICS_TOKEN = env("METRICS_TOKEN")

# The largest request body the API reads; the admin keeps Django's own limit.
API_MAX_BODY_BYTES = 16 * 1024
# Under the server (server/bodies.py), a request's body is read whole before Django sees it:
# within this many seconds (else 408), by at most REQUEST_BODY_READERS requests per worker at
# once (one more waits 0.1 s for a reader, then gets 503), each in a thread of its own beside
# the WEB_THREADS.
REQUEST_BODY_SECONDS = 10
REQUEST_BODY_READERS = envint("REQUEST_BODY_READERS", "2")
if min(WEB_THREADS, TELEGRAM_CONCURRENCY, TELEGRAM_WAITERS, REQUEST_BODY_READERS) <= 0:
    raise ImproperlyConfigured(
        "WEB_THREADS, TELEGRAM_CONCURRENCY, TELEGRAM_WAITERS and REQUEST_BODY_READERS "
        "must be above 0"
    )

# "plain" (timestamped text lines) or "json" (one JSON object per line, core/logs.py).
LOG_FORMAT = env("LOG_FORMAT", "plain").lower()
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")

# server/serve.py gives granian's handlers the same formatters and filters.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"()": "core.logs.PlainLines"},
        "json": {"()": "core.logs.JsonLines"},
    },
    # In this order: the request's fields are on the record before the redaction reads it.
    "filters": {
        "request_fields": {"()": "core.logs.RequestFields"},
        "redact_secrets": {"()": "core.logs.RedactSecrets"},
    },
    "handlers": {
        # stdout, which Render (like most hosts) collects as the service's log.
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_fields", "redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Its 4xx warnings repeat the access line: one line per request. Its 5xx errors, with
        # their tracebacks, still go out.
        "django.request": {"level": "ERROR"},
        # httpx logs every Bot API request at INFO, a long poll every few seconds: noise.
        # Its warnings still reach the console, redacted like every other line.
        "httpx": {"level": "WARNING"},
    },
}
