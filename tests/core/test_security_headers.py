"""Every answer carries the security headers: no MIME sniffing, a referrer policy, no framing
(the Mini App talks to the hub with fetch and <img>; nothing frames the hub)."""

import pytest

from tests.support import AVATAR_JPEG

PATHS = [
    "/api/rooms/NONE",
    "/api/users/42/avatar",
    "/api/users/42/avatar.jpg",
    "/api/users/nobody/avatar",
    "/healthz",
    "/api/schema/",
    "/api/docs/",
    "/admin/login/",
    "/no/such/page",
]


@pytest.mark.django_db
class TestSecurityHeaders:
    @pytest.mark.parametrize("path", PATHS)
    def test_every_answer_carries_them(self, client, fake_telegram, path):
        fake_telegram.add_photo(42, AVATAR_JPEG)

        response = client.get(path)

        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
        # drf-spectacular opens Swagger UI's opener policy for its OAuth2 pop-up.
        expected_opener_policy = "unsafe-none" if path == "/api/docs/" else "same-origin"
        assert response.headers["Cross-Origin-Opener-Policy"] == expected_opener_policy

    def test_errors_from_the_host_api_carry_them_too(self, client):
        response = client.post("/api/host/rooms/register", "{", content_type="application/json")

        assert response.status_code == 400
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
