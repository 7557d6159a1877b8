"""Fixtures shared by the whole suite, and the secrets audit of the whole run."""

import logging
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from core.logs import RedactSecrets
from core.ratelimit import counters, limit_memo_forget
from tests.support import (
    HOST_SECRET,
    PRODUCTION_HOST_SECRET,
    PRODUCTION_SECRET_KEY,
    REDIS_TEST_URL,
    SERVER_SECRET_KEY,
    redis_or_skip,
    secret_audit,
)
from tests.support.fake_telegram import TOKEN, FakeTelegram


@pytest.fixture(autouse=True)
def _hub_settings(settings):
    settings.HOST_SECRET = HOST_SECRET
    settings.ROOM_TTL_SECONDS = 12 * 60 * 60
    # The admin tests log in; a deliberately slow password hash only slows them down.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # In-process tests render the admin without a `collectstatic` manifest; the
    # production storage is exercised by the server tests in tests/server/test_server.py.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# Every secret the suite gives a hub; the run fails if any of them shows in what a hub said.
AUDIT = secret_audit.SecretAudit(
    {
        "BOT_TOKEN": TOKEN,
        "HOST_SECRET": HOST_SECRET,
        "SECRET_KEY": django_settings.SECRET_KEY,  # pyproject.toml's, for the in-process hub
        "SECRET_KEY of the server tests": SERVER_SECRET_KEY,
        "SECRET_KEY of the deploy tests": PRODUCTION_SECRET_KEY,
        "HOST_SECRET of the deploy tests": PRODUCTION_HOST_SECRET,
    }
)
secret_audit.start(AUDIT)


@pytest.fixture(scope="session", autouse=True)
def _audit_secrets():
    """Every response of the in-process hub, and every line its log handlers write, for the
    whole run (tests/support/secret_audit.py): the recorder is the outermost middleware."""
    django_settings.MIDDLEWARE = [
        "tests.support.secret_audit.RecordResponses",
        *django_settings.MIDDLEWARE,
    ]
    loggers = [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
    secret_audit.record_log_lines(
        [
            handler
            for logger in loggers
            for handler in getattr(logger, "handlers", [])
            if any(isinstance(f, RedactSecrets) for f in handler.filters)
        ]
    )


def pytest_sessionfinish(session):
    if AUDIT.finish():
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if AUDIT.leaks:
        terminalreporter.section("secrets audit: FAILED", red=True)
        for leak in AUDIT.leaks:
            terminalreporter.write_line(str(leak))
    else:
        terminalreporter.write_line(
            f"secrets audit: no secret in {AUDIT.checked} answers, log lines and log files"
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database gets the database cache's table, as `make run` gives the real one."""
    with django_db_blocker.unblock():
        call_command("createcachetable")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def register(api):
    """POST a registration with the right secret; returns the response."""

    def post(body=None, **extra):
        payload = {"ws_url": "wss://abc.trycloudflare.com/ws", "app_url": "https://mini.app"}
        payload.update(body or {})
        return api.post(
            "/api/host/rooms/register", payload, HTTP_X_HOST_SECRET=HOST_SECRET, **extra
        )

    return post


@pytest.fixture
def fake_telegram(settings, django_db_blocker):
    """A loopback Bot API server the hub is pointed at through FILE_API_URL and BOT_TOKEN."""
    fake = FakeTelegram().start()
    settings.FILE_API_URL = fake.url
    settings.BOT_TOKEN = fake.token
    # The cache tables are not a model's, so tests that commit leave entries behind.
    with django_db_blocker.unblock():
        cache.clear()
        counters().clear()
    yield fake
    fake.stop()


@pytest.fixture(params=["database", "redis"])
def shared_cache(request, settings):
    """Each of the two shared caches the hub supports: the database's, and Redis."""
    if request.param == "redis":
        redis_or_skip()
        prefix = f"test-{uuid.uuid4().hex}"
        settings.CACHES = {
            alias: {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_TEST_URL,
                "KEY_PREFIX": f"{prefix}:{alias}",
            }
            for alias in ("default", django_settings.RATELIMIT_CACHE)
        }
    return request.param


@pytest.fixture(autouse=True)
def _fresh_rate_limit_memo():
    """Each case starts with no client remembered as within its limits (core/ratelimit.py)."""
    limit_memo_forget()


# How often a test database flush that lost a deadlock is tried again.
FLUSH_TRIES = 5


@pytest.fixture(scope="session", autouse=True)
def _flush_tries_again_after_a_deadlock():
    """After each transactional test Django empties the tables with one TRUNCATE, while a bot
    or server process the module started may be in a transaction of its own (a lobby card's
    claim, say). PostgreSQL then breaks the tie by failing one of them ("deadlock detected"),
    and its advice is to try again: so does the flush, a few times."""
    import time

    from django.core.management.commands import flush

    handle = flush.Command.handle

    def handle_tried_again(self, *args, **options):
        for attempt in range(FLUSH_TRIES):
            try:
                return handle(self, *args, **options)
            except CommandError as failed:
                if attempt == FLUSH_TRIES - 1 or "deadlock detected" not in str(failed.__cause__):
                    raise
                time.sleep(0.1 * (attempt + 1))
        return None

    flush.Command.handle = handle_tried_again
    yield
    flush.Command.handle = handle
