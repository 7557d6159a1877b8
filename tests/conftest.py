"""Fixtures shared by the whole suite."""

import pytest
from rest_framework.test import APIClient

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
