"""A room of players loading each other's avatars at once costs Telegram one lookup per user,
across server threads and with either shared cache (the database's or Redis)."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache

from tests.support import AVATAR_JPEG
from tests.support.fake_telegram import FILE
from tests.support.servers import http

PLAYERS = 20


@pytest.fixture(autouse=True)
def _a_slot_for_every_player(settings):
    # One server process here, where a deploy spreads a room over its workers' slots; what the
    # requests beyond the slots get is tests/avatars/test_avatar_bulkhead.py's.
    settings.TELEGRAM_WAITERS = PLAYERS
    settings.TELEGRAM_CONCURRENCY = 3


@pytest.mark.django_db(transaction=True)
class TestAvatarSingleFlight:
    def test_concurrent_first_requests_for_one_user_cost_one_lookup(
        self, live_server, fake_telegram, shared_cache
    ):
        fake_telegram.add_photo(42, AVATAR_JPEG)
        # Telegram answers slowly enough that every request arrives while it thinks.
        fake_telegram.delay("getUserProfilePhotos", 0.5)

        with ThreadPoolExecutor(PLAYERS) as pool:
            answers = list(
                pool.map(
                    lambda _: http("GET", f"{live_server.url}/api/users/42/avatar"), range(PLAYERS)
                )
            )

        assert {status for status, _, _ in answers} == {200}
        assert len({json.loads(body)["avatar"] for _, _, body in answers}) == 1
        assert fake_telegram.count("getUserProfilePhotos") == 1
        assert fake_telegram.count("getFile") == 1
        assert fake_telegram.count(FILE) == 1

    def test_images_and_json_asked_together_share_the_lookup(
        self, live_server, fake_telegram, shared_cache
    ):
        for user_id in (1, 2, 3):
            fake_telegram.add_photo(user_id, AVATAR_JPEG)
        fake_telegram.delay("getFile", 0.3)
        paths = [
            f"/api/users/{user}/{name}" for user in (1, 2, 3) for name in ("avatar", "avatar.jpg")
        ]

        with ThreadPoolExecutor(PLAYERS) as pool:
            answers = list(
                pool.map(lambda path: http("GET", f"{live_server.url}{path}"), paths * 3)
            )

        assert {status for status, _, _ in answers} == {200}
        assert fake_telegram.count("getUserProfilePhotos") == 3
        assert fake_telegram.count(FILE) == 3

    def test_waiting_requests_share_the_failure_too(
        self, live_server, fake_telegram, shared_cache, settings
    ):
        settings.AVATAR_DEADLINE_SECONDS = 0.5
        fake_telegram.hang("getUserProfilePhotos")

        with ThreadPoolExecutor(PLAYERS) as pool:
            answers = list(
                pool.map(
                    lambda _: http("GET", f"{live_server.url}/api/users/42/avatar"), range(PLAYERS)
                )
            )

        assert {status for status, _, _ in answers} == {504}
        assert fake_telegram.count("getUserProfilePhotos") == 1

    def test_a_lock_left_by_a_crashed_worker_expires(
        self, live_server, fake_telegram, shared_cache, django_db_blocker
    ):
        fake_telegram.add_photo(42, AVATAR_JPEG)
        with django_db_blocker.unblock():
            cache.add("avatar:42:lock", "a worker that died", timeout=1)

        status, _, body = http("GET", f"{live_server.url}/api/users/42/avatar")

        assert status == 200
        assert json.loads(body)["avatar"] is not None
        assert fake_telegram.count("getUserProfilePhotos") == 1
