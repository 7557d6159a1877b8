"""A Mini App on another origin (e.g. Vercel) may read the Mini App endpoints; the host
endpoints say nothing to browsers; CORS_ALLOWED_ORIGINS narrows who may read."""

import pytest

MINI_APP = "https://spirtuoz-miniapp.vercel.app"
MINI_APP_ENDPOINTS = ["/api/rooms/ABCD", "/api/users/42/avatar", "/api/users/42/avatar.jpg"]


def preflight(client, path: str, origin: str = MINI_APP):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )


@pytest.mark.django_db
class TestCors:
    @pytest.mark.parametrize("path", MINI_APP_ENDPOINTS)
    def test_any_origin_may_read_the_mini_app_endpoints(self, client, path, fake_telegram):
        response = client.get(path, HTTP_ORIGIN=MINI_APP)

        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers

    @pytest.mark.parametrize("path", MINI_APP_ENDPOINTS)
    def test_a_preflight_is_answered(self, client, path):
        response = preflight(client, path)

        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "GET" in response.headers["Access-Control-Allow-Methods"]
        assert "authorization" in response.headers["Access-Control-Allow-Headers"]
        assert int(response.headers["Access-Control-Max-Age"]) > 0

    @pytest.mark.parametrize("path", ["/api/host/rooms/register", "/api/host/rooms/ABCD"])
    def test_the_host_endpoints_give_browsers_no_cors_headers(self, client, path):
        response = preflight(client, path)

        assert "Access-Control-Allow-Origin" not in response.headers

    def test_allowed_origins_narrow_who_may_read(self, client, settings):
        settings.CORS_ALLOWED_ORIGINS = [MINI_APP]
        settings.CORS_ALLOW_ALL_ORIGINS = False

        allowed = client.get("/api/rooms/ABCD", HTTP_ORIGIN=MINI_APP)
        other = client.get("/api/rooms/ABCD", HTTP_ORIGIN="https://evil.example")

        assert allowed.headers["Access-Control-Allow-Origin"] == MINI_APP
        assert "Access-Control-Allow-Origin" not in other.headers
