"""GET /api/users/<id>/avatar: where the Mini App finds a player's photo (the old contract)."""

import hashlib

import pytest

from avatars.links import avatar_image_url
from tests.support import AVATAR_JPEG
from tests.support.fake_telegram import FILE

VERSION = hashlib.sha256(AVATAR_JPEG).hexdigest()[:16]


@pytest.mark.django_db
class TestAvatar:
    def test_it_gives_the_hubs_own_url_for_a_user_with_a_photo(self, api, fake_telegram, settings):
        settings.PUBLIC_URL = "https://hub.example"
        fake_telegram.add_photo(42, AVATAR_JPEG)

        response = api.get("/api/users/42/avatar")

        assert response.status_code == 200
        assert response.json() == {
            "avatar": avatar_image_url(user_id=42, base_url="https://hub.example", version=VERSION)
        }
        assert response.json()["avatar"].startswith(
            f"https://hub.example/api/users/42/avatar.jpg?v={VERSION}&exp="
        )

    def test_it_builds_the_url_from_the_request_without_public_url(self, api, fake_telegram):
        fake_telegram.add_photo(42, AVATAR_JPEG)

        response = api.get("/api/users/42/avatar")

        assert response.json()["avatar"].startswith(
            f"http://testserver/api/users/42/avatar.jpg?v={VERSION}&exp="
        )

    def test_the_url_never_carries_the_bot_token(self, api, fake_telegram):
        fake_telegram.add_photo(42, AVATAR_JPEG)

        response = api.get("/api/users/42/avatar")

        assert fake_telegram.token not in response.content.decode()
        assert fake_telegram.token not in str(response.headers)

    def test_it_gives_null_for_a_user_without_a_photo(self, api, fake_telegram):
        response = api.get("/api/users/42/avatar")

        assert response.status_code == 200
        assert response.json() == {"avatar": None}

    def test_it_gives_null_for_a_user_telegram_does_not_know(self, api, fake_telegram):
        fake_telegram.fail("getUserProfilePhotos", 400, "Bad Request: user not found")

        response = api.get("/api/users/42/avatar")

        assert response.status_code == 200
        assert response.json() == {"avatar": None}

    @pytest.mark.parametrize(
        "user_id", ["abc", "-5", "0", "1.5", "4e3", "%20", "4503599627370496", "12345678901234567"]
    )
    def test_it_refuses_an_id_that_is_not_a_telegram_user_id(self, api, fake_telegram, user_id):
        response = api.get(f"/api/users/{user_id}/avatar")

        assert response.status_code == 400
        assert response.json() == {
            "error": "user id must be a Telegram user id, a whole number from 1 to 4503599627370495"
        }
        assert fake_telegram.calls == []

    def test_it_accepts_the_largest_telegram_user_id(self, api, fake_telegram):
        response = api.get("/api/users/4503599627370495/avatar")

        assert response.status_code == 200
        assert fake_telegram.calls_to("getUserProfilePhotos")[0].params == {
            "user_id": 4503599627370495,
            "limit": 1,
        }

    def test_it_asks_for_the_smallest_photo_at_least_160_pixels_wide(self, api, fake_telegram):
        sizes = fake_telegram.add_photo(42, AVATAR_JPEG, widths=(90, 640, 160, 320))

        api.get("/api/users/42/avatar")

        assert [call.params for call in fake_telegram.calls_to("getFile")] == [
            {"file_id": sizes[2]["file_id"]}
        ]

    def test_it_asks_for_the_largest_photo_when_none_is_160_pixels_wide(self, api, fake_telegram):
        sizes = fake_telegram.add_photo(42, AVATAR_JPEG, widths=(90, 120, 60))

        api.get("/api/users/42/avatar")

        assert [call.params for call in fake_telegram.calls_to("getFile")] == [
            {"file_id": sizes[1]["file_id"]}
        ]

    def test_a_cached_avatar_costs_telegram_nothing(self, api, fake_telegram):
        fake_telegram.add_photo(42, AVATAR_JPEG)
        first = api.get("/api/users/42/avatar")

        again = api.get("/api/users/42/avatar")
        image = api.get("/api/users/42/avatar.jpg")

        assert again.json() == first.json()
        assert image.content == AVATAR_JPEG
        assert [call.method for call in fake_telegram.calls] == [
            "getUserProfilePhotos",
            "getFile",
            FILE,
        ]

    def test_a_photo_is_asked_for_again_after_the_cache_period(
        self, api, fake_telegram, time_machine
    ):
        time_machine.move_to("2026-11-24 20:00Z", tick=False)
        fake_telegram.add_photo(42, AVATAR_JPEG)
        api.get("/api/users/42/avatar")

        time_machine.shift(3599)
        api.get("/api/users/42/avatar")
        assert fake_telegram.count("getUserProfilePhotos") == 1

        time_machine.shift(2)
        api.get("/api/users/42/avatar")
        assert fake_telegram.count("getUserProfilePhotos") == 2

    def test_no_photo_is_remembered_for_a_shorter_time(self, api, fake_telegram, time_machine):
        time_machine.move_to("2026-11-24 20:00Z", tick=False)
        api.get("/api/users/42/avatar")

        time_machine.shift(599)
        api.get("/api/users/42/avatar")
        assert fake_telegram.count("getUserProfilePhotos") == 1

        fake_telegram.add_photo(42, AVATAR_JPEG)
        time_machine.shift(2)
        response = api.get("/api/users/42/avatar")
        assert fake_telegram.count("getUserProfilePhotos") == 2
        assert f"/api/users/42/avatar.jpg?v={VERSION}&exp=" in response.json()["avatar"]

    def test_a_new_photo_gets_a_new_url(self, api, fake_telegram, time_machine):
        time_machine.move_to("2026-11-24 20:00Z", tick=False)
        fake_telegram.add_photo(42, AVATAR_JPEG)
        before = api.get("/api/users/42/avatar").json()["avatar"]

        fake_telegram.add_photo(42, AVATAR_JPEG + b"new")
        time_machine.shift(3601)
        after = api.get("/api/users/42/avatar").json()["avatar"]

        assert after != before

    def test_it_answers_503_when_the_hub_has_no_bot_token(self, api, settings):
        settings.BOT_TOKEN = ""

        response = api.get("/api/users/42/avatar")

        assert response.status_code == 503
        assert response.json() == {
            "error": "avatars are not configured on this hub (BOT_TOKEN is unset)"
        }

    def test_the_mini_app_may_read_it_from_another_origin(self, api, fake_telegram):
        response = api.get("/api/users/42/avatar", HTTP_ORIGIN="https://miniapp.vercel.app")

        assert response.headers["Access-Control-Allow-Origin"] == "*"

    def test_it_allows_only_get(self, api, fake_telegram):
        response = api.post("/api/users/42/avatar", {})

        assert response.status_code == 405
        assert response.json() == {"error": 'Method "POST" not allowed.'}
