"""Telegram's quota: lookups the cache cannot answer are limited per client and for all clients
together, so a flood of new user ids costs at most that budget of Bot API calls; cached photos
never count."""

import pytest

from tests.support import AVATAR_JPEG

PLAYER = {"REMOTE_ADDR": "198.51.100.7"}
# Each uncached lookup of a user with a photo: getUserProfilePhotos, getFile, the download.
CALLS_PER_LOOKUP = 3


@pytest.fixture
def clock(time_machine):
    time_machine.move_to("2026-11-24 20:00:10Z", tick=False)
    return time_machine


def telegram_calls(fake) -> int:
    return len(fake.calls)


@pytest.mark.django_db
class TestAvatarQuota:
    def test_a_flood_of_3000_new_ids_from_one_client_costs_at_most_its_budget(
        self, api, fake_telegram, clock
    ):
        # The defaults: 60 lookups a minute per client, 5 a second for the hub. The flood takes
        # 57 s of the clock, within one minute: the client's own budget is what stops it.
        clock.move_to("2026-11-24 20:00:00Z", tick=False)
        answers = []
        for user in range(1, 3001):
            fake_telegram.add_photo(user, AVATAR_JPEG)
            answers.append(api.get(f"/api/users/{user}/avatar", **PLAYER).status_code)
            clock.shift(0.019)

        assert answers.count(200) == 60
        assert answers.count(429) == 2940
        assert telegram_calls(fake_telegram) == 60 * CALLS_PER_LOOKUP

    def test_a_burst_is_held_to_the_hubs_budget_per_second(self, api, fake_telegram, clock):
        answers = [
            api.get(f"/api/users/{user}/avatar", **PLAYER).status_code for user in range(1, 101)
        ]

        assert answers == [200] * 5 + [429] * 95
        # No user has a photo: one call each.
        assert telegram_calls(fake_telegram) == fake_telegram.count("getUserProfilePhotos") == 5

    def test_past_its_budget_a_client_gets_429_with_retry_after(
        self, api, fake_telegram, clock, settings
    ):
        settings.AVATAR_FETCH_RATE = "3/minute"

        answers = [
            api.get(f"/api/users/{user}/avatar", **PLAYER).status_code for user in (1, 2, 3)
        ]
        refused = api.get("/api/users/4/avatar.jpg", **PLAYER)

        assert answers == [200, 200, 200]
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "50"
        assert refused.json() == {
            "error": "too many avatars of new users from this address; try again in 50 s"
        }
        assert fake_telegram.count("getUserProfilePhotos") == 3

    def test_cached_photos_never_count(self, api, fake_telegram, clock, settings):
        settings.AVATAR_FETCH_RATE = "2/minute"
        fake_telegram.add_photo(1, AVATAR_JPEG)

        answers = {api.get("/api/users/1/avatar", **PLAYER).status_code for _ in range(20)}
        answers |= {api.get("/api/users/1/avatar.jpg", **PLAYER).status_code for _ in range(20)}

        assert answers == {200}
        assert api.get("/api/users/2/avatar", **PLAYER).status_code == 200
        assert fake_telegram.count("getUserProfilePhotos") == 2

    def test_all_clients_together_stay_within_the_hubs_budget(
        self, api, fake_telegram, clock, settings
    ):
        settings.AVATAR_FETCH_RATE = "off"
        settings.AVATAR_FETCH_TOTAL_RATE = "10/minute"

        answers = [
            api.get(f"/api/users/{n}/avatar", REMOTE_ADDR=f"10.0.0.{n}").status_code
            for n in range(1, 41)
        ]
        refused = api.get("/api/users/99/avatar", REMOTE_ADDR="10.0.1.1")

        assert answers == [200] * 10 + [429] * 30
        assert refused.json() == {
            "error": "the hub is asking Telegram for too many avatars; try again in 50 s"
        }
        assert fake_telegram.count("getUserProfilePhotos") == 10

    def test_past_the_budget_a_stale_copy_is_served(self, api, fake_telegram, clock, settings):
        settings.AVATAR_FETCH_RATE = "1/hour"
        settings.AVATAR_CACHE_SECONDS = 60
        fake_telegram.add_photo(1, AVATAR_JPEG)
        assert api.get("/api/users/1/avatar.jpg", **PLAYER).status_code == 200
        clock.shift(120)

        response = api.get("/api/users/1/avatar.jpg", **PLAYER)

        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=0"
        assert fake_telegram.count("getUserProfilePhotos") == 1
