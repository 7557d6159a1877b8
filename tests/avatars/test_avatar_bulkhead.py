"""A hanging Telegram holds a few slots of each worker, never more: a request that finds every
slot taken gets 503 at once, and a photo already in the cache is served all the same."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import AVATAR_JPEG
from tests.support.servers import http

BUSY = {"error": "the hub is waiting on Telegram for too many avatars; try again shortly"}


def timed(url: str):
    started = time.monotonic()
    status, headers, body = http("GET", url)
    return status, headers, json.loads(body), time.monotonic() - started


@pytest.mark.django_db(transaction=True)
class TestAvatarBulkhead:
    @pytest.fixture(autouse=True)
    def _short_deadline(self, settings):
        settings.AVATAR_DEADLINE_SECONDS = 2

    def test_one_more_request_than_may_ask_telegram_gets_503_at_once(
        self, live_server, fake_telegram, settings
    ):
        settings.TELEGRAM_CONCURRENCY = 1
        fake_telegram.hang("getUserProfilePhotos", 5)

        with ThreadPoolExecutor(1) as pool:
            asking = pool.submit(http, "GET", f"{live_server.url}/api/users/1/avatar")
            fake_telegram.wait_for_call("getUserProfilePhotos")
            status, headers, body, seconds = timed(f"{live_server.url}/api/users/2/avatar")
            assert asking.result()[0] == 504

        assert (status, body) == (503, BUSY)
        assert headers["Retry-After"] == "1"
        assert seconds < 1
        asked = [call.params["user_id"] for call in fake_telegram.calls_to("getUserProfilePhotos")]
        assert asked == [1]

    def test_one_more_request_than_may_wait_for_the_asker_gets_503_at_once(
        self, live_server, fake_telegram, settings
    ):
        settings.TELEGRAM_WAITERS = 1
        fake_telegram.hang("getUserProfilePhotos", 5)
        url = f"{live_server.url}/api/users/3/avatar"

        with ThreadPoolExecutor(2) as pool:
            asking = pool.submit(http, "GET", url)
            fake_telegram.wait_for_call("getUserProfilePhotos")
            waiting = pool.submit(http, "GET", url)
            # The waiter polls the cache: give it the moment it needs to take its slot.
            time.sleep(0.5)
            status, _, body, seconds = timed(url)
            assert [asking.result()[0], waiting.result()[0]] == [504, 504]

        assert (status, body) == (503, BUSY)
        assert seconds < 1
        assert fake_telegram.count("getUserProfilePhotos") == 1

    def test_a_cached_photo_is_served_while_every_slot_waits_on_telegram(
        self, live_server, fake_telegram, settings
    ):
        settings.TELEGRAM_CONCURRENCY = 1
        fake_telegram.add_photo(4, AVATAR_JPEG)
        assert http("GET", f"{live_server.url}/api/users/4/avatar")[0] == 200
        fake_telegram.hang("getUserProfilePhotos", 5)

        with ThreadPoolExecutor(1) as pool:
            asking = pool.submit(http, "GET", f"{live_server.url}/api/users/5/avatar")
            fake_telegram.wait_for_call(
                "getUserProfilePhotos", lambda call: call.params["user_id"] == 5
            )
            status, _, body, seconds = timed(f"{live_server.url}/api/users/4/avatar")
            assert asking.result()[0] == 504

        assert status == 200
        assert body["avatar"].startswith(f"{live_server.url}/api/users/4/avatar.jpg")
        assert seconds < 1
