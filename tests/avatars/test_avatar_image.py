"""GET /api/users/<id>/avatar.jpg: the photo itself, served by the hub with HTTP caching."""

import hashlib

import pytest

from tests.support import AVATAR_JPEG

ETAG = f'"{hashlib.sha256(AVATAR_JPEG).hexdigest()[:32]}"'


@pytest.mark.django_db
class TestAvatarImage:
    @pytest.fixture(autouse=True)
    def _frozen_clock(self, time_machine):
        time_machine.move_to("2026-11-24 20:00Z", tick=False)

    def test_it_serves_the_photo_with_its_type_etag_and_cache_control(self, api, fake_telegram):
        fake_telegram.add_photo(42, AVATAR_JPEG)

        response = api.get("/api/users/42/avatar.jpg")

        assert response.status_code == 200
        assert response.content == AVATAR_JPEG
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["ETag"] == ETAG
        assert response.headers["Cache-Control"] == "public, max-age=3600"

    def test_cache_control_counts_down_with_the_cached_copy(
        self, api, fake_telegram, time_machine
    ):
        fake_telegram.add_photo(42, AVATAR_JPEG)
        api.get("/api/users/42/avatar")

        time_machine.shift(600)
        response = api.get("/api/users/42/avatar.jpg")

        assert response.headers["Cache-Control"] == "public, max-age=3000"

    def test_it_answers_304_to_the_etag_the_browser_holds(self, api, fake_telegram):
        fake_telegram.add_photo(42, AVATAR_JPEG)

        response = api.get("/api/users/42/avatar.jpg", HTTP_IF_NONE_MATCH=ETAG)

        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["ETag"] == ETAG
        assert response.headers["Cache-Control"] == "public, max-age=3600"

    def test_it_sends_the_photo_to_a_browser_holding_an_old_one(self, api, fake_telegram):
        fake_telegram.add_photo(42, AVATAR_JPEG)

        response = api.get("/api/users/42/avatar.jpg", HTTP_IF_NONE_MATCH='"an-old-photo"')

        assert response.status_code == 200
        assert response.content == AVATAR_JPEG

    def test_it_serves_whatever_image_types_the_browser_accepts(self, api, fake_telegram):
        fake_telegram.add_photo(42, AVATAR_JPEG)

        response = api.get("/api/users/42/avatar.jpg", HTTP_ACCEPT="image/avif,image/webp")

        assert response.status_code == 200
        assert response.content == AVATAR_JPEG

    def test_it_tells_the_type_of_a_png(self, api, fake_telegram):
        png = b"\x89PNG\r\n\x1a\n" + bytes(64)
        fake_telegram.add_photo(42, png)

        response = api.get("/api/users/42/avatar.jpg")

        assert response.headers["Content-Type"] == "image/png"
        assert response.content == png

    def test_it_answers_404_json_for_a_user_without_a_photo(self, api, fake_telegram):
        response = api.get("/api/users/42/avatar.jpg", HTTP_ACCEPT="image/*")

        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/json"
        assert response.json() == {"error": "this user has no profile photo"}

    def test_it_refuses_a_bad_id(self, api, fake_telegram):
        response = api.get("/api/users/nobody/avatar.jpg")

        assert response.status_code == 400
        assert response.json() == {
            "error": "user id must be a Telegram user id, a whole number from 1 to 4503599627370495"
        }

    def test_head_gives_the_headers_without_the_photo(self, api, fake_telegram):
        fake_telegram.add_photo(42, AVATAR_JPEG)

        response = api.head("/api/users/42/avatar.jpg")

        assert response.status_code == 200
        assert response.headers["ETag"] == ETAG
        assert response.content == b""
