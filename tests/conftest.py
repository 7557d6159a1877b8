"""Fixtures shared by the whole suite."""

import pytest
from rest_framework.test import APIClient

from tests.fake_telegram import FakeTelegram

HOST_SECRET = "test-host-secret-0123456789"


@pytest.fixture(autouse=True)
def _hub_settings(settings):
    settings.HOST_SECRET = HOST_SECRET
    settings.ROOM_TTL_SECONDS = 12 * 60 * 60
    # In-process tests render the admin without a `collectstatic` manifest; the
    # production storage is exercised by the gunicorn tests in test_server.py.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


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
def fake_telegram(settings):
    """A loopback Bot API server the hub is pointed at through FILE_API_URL and BOT_TOKEN."""
    fake = FakeTelegram().start()
    settings.FILE_API_URL = fake.url
    settings.BOT_TOKEN = fake.token
    yield fake
    fake.stop()
