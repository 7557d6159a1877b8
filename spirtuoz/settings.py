"""Settings of the Spirtuoz hub, read from the environment and from an optional `.env` file.

Every variable is listed, with a comment, in `.env.example`. Variables already in the
environment win over the file.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

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
    if value not in ("true", "false"):
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")
    return value == "true"


def envint(name: str, default: str) -> int:
    value = env(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str) -> list[str]:
    return [item.strip() for item in env(name).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "false")

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or in .env "
            "(`make run` writes a .env with a fresh one)."
        )
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105 -- DEBUG only

BOT_TOKEN = env("BOT_TOKEN")
# Set: the bot runs in webhook mode at {PUBLIC_URL}/telegram/webhook; unset: it polls.
TELEGRAM_WEBHOOK_SECRET = env("TELEGRAM_WEBHOOK_SECRET")
HOST_SECRET = env("HOST_SECRET")
PUBLIC_URL = env("PUBLIC_URL").rstrip("/")
FILE_API_URL = env("FILE_API_URL", "https://api.telegram.org").rstrip("/")
HOST = env("HOST", "127.0.0.1")
PORT = envint("PORT", "3000")
ROOM_TTL_SECONDS = envint("ROOM_TTL_SECONDS", str(12 * 60 * 60))
if ROOM_TTL_SECONDS <= 0:
    raise ImproperlyConfigured("ROOM_TTL_SECONDS must be greater than zero")

_public_host = urlsplit(PUBLIC_URL).hostname if PUBLIC_URL else None
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS") or [
    host for host in ("localhost", "127.0.0.1", "[::1]", _public_host) if host
]
CSRF_TRUSTED_ORIGINS = [PUBLIC_URL] if PUBLIC_URL.startswith("https://") else []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rooms",
    "telegrambot",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "spirtuoz.urls"
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so concurrent
        # registrations wait for each other instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not Django's shared in-memory database, so that threads in the tests
    # see the same locking as gunicorn's workers do on the real file.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

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
# Secure cookies only when the hub is served over HTTPS: the admin must still log in
# on http://127.0.0.1:3000 under `make run`.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PUBLIC_URL.startswith("https://")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# The Mini App is a web page on another origin (e.g. Vercel): it may read the public
# endpoints from any origin, without cookies. The host endpoints are not for browsers.
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/api/(rooms|users)/"

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["spirtuoz.api.LimitedJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "spirtuoz.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# The largest request body the API reads; the admin keeps Django's own limit.
API_MAX_BODY_BYTES = 16 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"redact_secrets": {"()": "spirtuoz.logs.RedactSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # httpx logs every Bot API request at INFO, a long poll every few seconds: noise.
        # Its warnings still reach the console, redacted like every other line.
        "httpx": {"level": "WARNING"},
    },
}
