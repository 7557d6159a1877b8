"""Telegram slow, down, refusing or rate limiting: the Mini App hears back in time, stale photos
stand in, failures are never remembered as "no photo", and the bot token never leaks."""

import logging
import socket
import time

import pytest
from django.core.cache import caches

from tests.support import AVATAR_JPEG
from tests.support.fake_telegram import FILE

TIMEOUT = {"error": "Telegram did not answer in time; try again shortly"}
UNAVAILABLE = {"error": "Telegram could not give the avatar; try again shortly"}


@pytest.fixture
def quick_deadline(settings):
    settings.AVATAR_DEADLINE_SECONDS = 0.5


@pytest.mark.django_db
class TestAvatarFailures:
    @pytest.fixture(autouse=True)
    def _frozen_clock(self, time_machine):
        time_machine.move_to("2026-11-24 20:00Z", tick=False)

    @pytest.mark.parametrize("method", ["getUserProfilePhotos", "getFile", FILE])
    def test_a_hanging_telegram_gets_504_at_the_deadline(
        self, api, fake_telegram, quick_deadline, method
    ):
        fake_telegram.add_photo(42, AVATAR_JPEG)
        fake_telegram.hang(method)

        response = api.get("/api/users/42/avatar")

        assert response.status_code == 504
        assert response.json() == TIMEOUT

    def test_the_default_deadline_answers_the_mini_app_within_ten_seconds(self, settings):
        # The deadline caps every call's own timeouts (the hang tests above prove it), and
        # requests waiting for another's lookup give up one second after its deadline.
        assert settings.AVATAR_DEADLINE_SECONDS + 1 < 10

    @pytest.mark.parametrize("status", [500, 502, 503])
    def test_a_telegram_server_error_gets_502(self, api, fake_telegram, status):
        fake_telegram.fail("getUserProfilePhotos", status, "Internal Server Error")

        response = api.get("/api/users/42/avatar")

        assert response.status_code == 502
        assert response.json() == UNAVAILABLE

    def test_an_unreachable_telegram_gets_502(self, api, settings):
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            settings.FILE_API_URL = f"http://127.0.0.1:{closed.getsockname()[1]}"
        settings.BOT_TOKEN = "42:UNREACHABLE-TOKEN"

        response = api.get("/api/users/42/avatar")

        assert response.status_code == 502
        assert response.json() == UNAVAILABLE

    def test_a_wrong_bot_token_gets_502_not_no_photo(self, api, fake_telegram, settings):
        settings.BOT_TOKEN = "999:NOT-THE-BOTS-TOKEN"

        response = api.get("/api/users/42/avatar")

        assert response.status_code == 502
        assert response.json() == UNAVAILABLE

    @pytest.mark.parametrize(
        "answer",
        [
            "not a dict",
            {"photos": "not a list"},
            {"photos": [[{"file_id": "x"}]]},
            {"photos": [[{"file_id": "x", "width": "wide"}]]},
        ],
    )
    def test_an_answer_that_makes_no_sense_gets_502(self, api, fake_telegram, answer):
        fake_telegram.methods["getUserProfilePhotos"] = lambda params: answer

        response = api.get("/api/users/42/avatar")

        assert response.status_code == 502
        assert response.json() == UNAVAILABLE

    def test_a_file_that_is_not_an_image_gets_502(self, api, fake_telegram):
        fake_telegram.add_photo(42, b"<html>surprise</html>")

        response = api.get("/api/users/42/avatar")

        assert response.status_code == 502

    def test_a_photo_over_the_size_cap_is_not_downloaded(self, api, fake_telegram, settings):
        settings.AVATAR_MAX_BYTES = 1000
        fake_telegram.add_photo(42, AVATAR_JPEG)

        response = api.get("/api/users/42/avatar")

        assert response.status_code == 502
        assert fake_telegram.count(FILE) == 0

    def test_a_failure_is_never_remembered_as_no_photo(self, api, fake_telegram, time_machine):
        fake_telegram.add_photo(42, AVATAR_JPEG)
        fake_telegram.fail("getUserProfilePhotos", 500, times=1)
        assert api.get("/api/users/42/avatar").status_code == 502

        time_machine.shift(6)
        response = api.get("/api/users/42/avatar")

        assert response.status_code == 200
        assert response.json()["avatar"] is not None

    def test_a_failure_holds_off_new_lookups_for_a_few_seconds(
        self, api, fake_telegram, time_machine
    ):
        fake_telegram.fail("getUserProfilePhotos", 500)
        api.get("/api/users/42/avatar")

        time_machine.shift(4)
        response = api.get("/api/users/42/avatar")

        assert response.status_code == 502
        assert fake_telegram.count("getUserProfilePhotos") == 1

        time_machine.shift(2)
        api.get("/api/users/42/avatar")
        assert fake_telegram.count("getUserProfilePhotos") == 2

    def test_a_429_is_honoured_for_its_retry_after(self, api, fake_telegram, time_machine):
        fake_telegram.fail(
            "getUserProfilePhotos", 429, "Too Many Requests: retry after 30", retry_after=30
        )

        response = api.get("/api/users/42/avatar")

        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert response.json() == {
            "error": "Telegram asked the hub to slow down; try again in 30 s"
        }

        fake_telegram.heal()
        time_machine.shift(20)
        other_user = api.get("/api/users/43/avatar")
        assert other_user.status_code == 503
        assert other_user.headers["Retry-After"] == "10"
        assert fake_telegram.count("getUserProfilePhotos") == 1

        time_machine.shift(11)
        assert api.get("/api/users/43/avatar").status_code == 200
        assert fake_telegram.count("getUserProfilePhotos") == 2

    @pytest.mark.parametrize("fault", ["error", "hang", "rate limit"])
    def test_a_stale_photo_is_served_while_telegram_fails(
        self, api, fake_telegram, time_machine, quick_deadline, fault
    ):
        fake_telegram.add_photo(42, AVATAR_JPEG)
        url = api.get("/api/users/42/avatar").json()["avatar"]
        time_machine.shift(3601)
        if fault == "error":
            fake_telegram.fail("getUserProfilePhotos", 500)
        elif fault == "hang":
            fake_telegram.hang("getUserProfilePhotos")
        else:
            fake_telegram.fail("getUserProfilePhotos", 429, retry_after=5)

        json_response = api.get("/api/users/42/avatar")
        image = api.get("/api/users/42/avatar.jpg")

        assert json_response.status_code == 200
        assert json_response.json() == {"avatar": url}
        assert image.status_code == 200
        assert image.content == AVATAR_JPEG
        assert image.headers["Cache-Control"] == "public, max-age=0"
        assert fake_telegram.count("getUserProfilePhotos") == 2

    def test_a_stale_copy_lasts_only_its_stale_period(self, api, fake_telegram, time_machine):
        fake_telegram.add_photo(42, AVATAR_JPEG)
        api.get("/api/users/42/avatar")
        time_machine.shift(3600 + 86400 + 1)
        fake_telegram.fail("getUserProfilePhotos", 500)

        response = api.get("/api/users/42/avatar")

        assert response.status_code == 502

    def test_no_response_or_log_line_carries_the_token(
        self, api, fake_telegram, settings, caplog, time_machine
    ):
        caplog.set_level(logging.INFO)
        fake_telegram.add_photo(42, AVATAR_JPEG)
        responses = [api.get("/api/users/42/avatar"), api.get("/api/users/42/avatar.jpg")]
        for status in (500, 429, 401):
            fake_telegram.fail("getUserProfilePhotos", status, retry_after=1)
            responses.append(api.get(f"/api/users/{status}/avatar"))
            time_machine.shift(2)
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            settings.FILE_API_URL = f"http://127.0.0.1:{closed.getsockname()[1]}"
        responses.append(api.get("/api/users/7/avatar"))

        for response in responses:
            assert fake_telegram.token not in response.content.decode(errors="replace")
            assert fake_telegram.token not in str(response.headers)
        assert "avatar lookup for user 7 failed: Telegram is unreachable" in caplog.text
        assert fake_telegram.token not in caplog.text

    def test_a_cache_that_cannot_store_gets_503_at_once_without_blaming_telegram(
        self, api, fake_telegram, monkeypatch, caplog
    ):
        # The database cache answers a failed write (a full disk, a read-only database) with
        # False rather than an error: as here.
        fake_telegram.add_photo(42, AVATAR_JPEG)
        monkeypatch.setattr(caches["default"], "_base_set", lambda *args, **kwargs: False)
        started = time.perf_counter()

        response = api.get("/api/users/42/avatar")

        assert time.perf_counter() - started < 2
        assert response.status_code == 503
        assert response.json() == {
            "error": "the hub's cache could not store the avatar; try again shortly"
        }
        assert fake_telegram.count("getUserProfilePhotos") == 0
        assert "avatar cache write failed: the lock for user 42 was not stored" in caplog.text
