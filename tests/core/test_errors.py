import logging

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.test import APIClient

# The project's own error handlers, for the URLconf below.
from spirtuoz.urls import handler500  # noqa: F401

pytestmark = pytest.mark.django_db


def explode(request):
    raise RuntimeError("boom")


def lose_the_database(request):
    raise OperationalError('connection failed: connection to server at "db", port 5432 failed')


@api_view(["POST"])
def lose_the_database_in_drf(request):
    raise InterfaceError("connection already closed")


urlpatterns = [
    path("explode", explode),
    path("database", lose_the_database),
    path("api/database", lose_the_database_in_drf),
]


class TestErrorsAreJson:
    def test_an_unknown_url_gets_a_json_404(self, client):
        response = client.get("/no/such/page")

        assert response.status_code == 404
        assert response.json() == {"error": "not found"}

    def test_a_bad_host_header_gets_a_json_400(self, client):
        response = client.get("/api/rooms/ABCD", HTTP_HOST="evil.example")

        assert response.status_code == 400
        assert response.json() == {"error": "bad request"}

    def test_an_unexpected_failure_gets_a_json_500_without_details(self, settings):
        settings.ROOT_URLCONF = __name__
        client = APIClient(raise_request_exception=False)

        response = client.get("/explode")

        assert response.status_code == 500
        assert response.json() == {"error": "internal server error"}

    def test_a_database_that_cannot_be_reached_gets_a_json_503(self, settings, caplog):
        settings.ROOT_URLCONF = __name__

        response = APIClient().get("/database")

        assert response.status_code == 503
        assert response.json() == {"error": "database unavailable"}
        assert (
            "core.middleware",
            logging.WARNING,
            'database unavailable: GET /database: connection failed: connection to server at "db", '
            "port 5432 failed",
        ) in caplog.record_tuples

    def test_a_connection_lost_in_an_api_view_gets_a_json_503(self, settings):
        settings.ROOT_URLCONF = __name__

        response = APIClient().post("/api/database", {})

        assert response.status_code == 503
        assert response.json() == {"error": "database unavailable"}

    def test_a_redis_cache_that_cannot_be_reached_gets_a_json_503(self, settings, caplog):
        settings.BOT_TOKEN = "42:NEVER-USED"
        settings.CACHES = {
            alias: {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
            }
            for alias in ("default", settings.RATELIMIT_CACHE)
        }

        response = APIClient().get("/api/users/42/avatar")

        assert response.status_code == 503
        assert response.json() == {"error": "cache unavailable"}
        assert (
            "core.middleware",
            logging.WARNING,
            "cache unavailable: GET /api/users/42/avatar: "
            "Error 111 connecting to 127.0.0.1:1. Connection refused.",
        ) in caplog.record_tuples

    @pytest.mark.parametrize(
        ("method", "path", "allow"),
        [
            ("post", "/join/ABCD", "GET, HEAD"),
            ("put", "/join/", "GET, HEAD"),
            ("post", "/api/docs/", "GET, HEAD, OPTIONS"),
            ("delete", "/api/schema/", "GET, HEAD, OPTIONS"),
            ("post", "/healthz", "GET, OPTIONS"),
        ],
    )
    def test_a_method_a_path_does_not_take_gets_a_json_405(self, method, path, allow):
        # enforce_csrf_checks: as a browser's form post, which Django's CSRF check would refuse.
        response = Client(enforce_csrf_checks=True).generic(method.upper(), path)

        assert response.status_code == 405
        assert response.json() == {"error": f'Method "{method.upper()}" not allowed.'}
        assert set(response["Allow"].split(", ")) == set(allow.split(", "))

    def test_a_failed_csrf_check_gets_a_json_403(self, django_user_model):
        response = Client(enforce_csrf_checks=True).post(
            "/admin/login/", {"username": "a", "password": "b"}
        )

        assert response.status_code == 403
        assert response.json() == {"error": "forbidden"}
