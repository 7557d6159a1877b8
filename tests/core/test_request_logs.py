"""One log line per outcome an operator wants to know about, and never a secret in it.

caplog sees records before the console handler's redaction, so these tests show that the hub
never logs a secret in the first place, not merely that the filter hides it.
"""

import io
import logging
import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from rooms.models import Room
from tests.support import BASE_DIR, HOST_SECRET

WS_URL = "wss://abc.trycloudflare.com/ws"
REGISTER = "/api/host/rooms/register"
BODY = {"ws_url": WS_URL, "app_url": "https://mini.app"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(caplog):
    """The hub's own log lines so far, as (logger, level, message)."""
    caplog.set_level(logging.INFO)
    return lambda: [
        record for record in caplog.record_tuples if record[0].startswith(("rooms", "avatars"))
    ]


class TestRequestLogs:
    def test_a_new_room_is_logged_with_its_ws_url(self, register, logged):
        register({"room_code": "abcd"})

        assert logged() == [
            ("rooms.services", logging.INFO, f"room ABCD registered (new): ws_url {WS_URL}")
        ]

    def test_a_re_registration_is_logged_with_the_new_ws_url(self, register, logged):
        token = register({"room_code": "ABCD"}).json()["host_token"]

        register(
            {"room_code": "ABCD", "ws_url": "wss://new.trycloudflare.com/ws", "host_token": token}
        )

        assert logged()[1:] == [
            (
                "rooms.services",
                logging.INFO,
                "room ABCD re-registered: ws_url wss://new.trycloudflare.com/ws",
            )
        ]

    def test_a_code_registered_again_after_its_room_closed_is_a_new_room(
        self, api, register, logged
    ):
        token = register({"room_code": "ABCD"}).json()["host_token"]
        api.delete("/api/host/rooms/ABCD", HTTP_X_ROOM_TOKEN=token)

        register({"room_code": "ABCD"})

        assert [message for _, _, message in logged()] == [
            f"room ABCD registered (new): ws_url {WS_URL}",
            "room ABCD closed by its host",
            f"room ABCD registered (new): ws_url {WS_URL}",
        ]

    def test_an_allocated_code_is_logged(self, register, logged):
        code = register().json()["room_code"]

        assert logged() == [
            ("rooms.services", logging.INFO, f"room {code} registered (new): ws_url {WS_URL}")
        ]

    def test_a_ws_url_is_logged_without_user_info_query_or_fragment(self, register, logged):
        register({"room_code": "ABCD", "ws_url": "wss://user:pw@abc.example:8443/ws?t=k#f"})

        assert [message for _, _, message in logged()] == [
            "room ABCD registered (new): ws_url wss://abc.example:8443/ws"
        ]

    def test_running_out_of_free_codes_is_logged(self, register, logged, monkeypatch):
        monkeypatch.setattr("rooms.services.ALLOCATED_CODE_ALPHABET", "A")
        register()

        assert register().status_code == 503

        assert logged()[1:] == [
            (
                "rooms.services",
                logging.WARNING,
                "no free room code: 50 random codes were all live rooms",
            )
        ]

    def test_a_close_by_the_host_is_logged(self, api, register, logged):
        token = register({"room_code": "ABCD"}).json()["host_token"]

        api.delete("/api/host/rooms/abcd", HTTP_X_ROOM_TOKEN=token)

        assert logged()[1:] == [("rooms.services", logging.INFO, "room ABCD closed by its host")]

    def test_closing_a_room_that_is_not_live_logs_nothing(self, api, logged):
        response = api.delete("/api/host/rooms/ABCD", HTTP_X_ROOM_TOKEN="any")

        assert response.status_code == 404
        assert logged() == []

    def test_a_purge_logs_how_many_rooms_it_deleted(self, api, register, logged):
        token = register({"room_code": "ABCD"}).json()["host_token"]
        register({"room_code": "EFGH"})
        api.delete("/api/host/rooms/ABCD", HTTP_X_ROOM_TOKEN=token)

        call_command("purge_rooms", stdout=io.StringIO())

        assert logged()[3:] == [
            ("rooms.services", logging.INFO, "purged 1 expired or closed room(s)")
        ]
        assert list(Room.objects.values_list("code", flat=True)) == ["EFGH"]

    def test_a_missing_secret_is_logged_with_the_client_address(self, api, logged):
        api.post("/api/host/rooms/register", {"ws_url": WS_URL, "app_url": "https://mini.app"})

        assert logged() == [
            (
                "rooms.permissions",
                logging.WARNING,
                "host auth refused (no secret sent): POST /api/host/rooms/register from 127.0.0.1",
            )
        ]

    @pytest.mark.parametrize(
        "credentials",
        [
            {"HTTP_X_HOST_SECRET": "a-wrong-guess-42"},
            {"HTTP_AUTHORIZATION": "Bearer a-wrong-guess-42"},
        ],
    )
    def test_a_wrong_secret_is_logged_but_not_the_secret_given(self, api, logged, credentials):
        api.post(REGISTER, BODY, **credentials)

        assert logged() == [
            (
                "rooms.permissions",
                logging.WARNING,
                "host auth refused (wrong secret): POST /api/host/rooms/register from 127.0.0.1",
            )
        ]

    def test_behind_a_trusted_proxy_the_address_it_saw_is_logged(self, api, logged, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        api.post(
            REGISTER,
            BODY,
            HTTP_X_HOST_SECRET="a-wrong-guess-42",
            HTTP_X_FORWARDED_FOR="203.0.113.7, 104.22.17.40",
            REMOTE_ADDR="10.21.157.68",
        )

        assert [message for _, _, message in logged()] == [
            "host auth refused (wrong secret): POST /api/host/rooms/register from 104.22.17.40"
        ]

    def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(self, api, logged):
        api.post(
            REGISTER,
            BODY,
            HTTP_X_HOST_SECRET="a-wrong-guess-42",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
            REMOTE_ADDR="10.21.157.68",
        )

        assert [message for _, _, message in logged()] == [
            "host auth refused (wrong secret): POST /api/host/rooms/register from 10.21.157.68"
        ]

    def test_a_hub_without_host_secret_logs_why_it_refuses(self, register, logged, settings):
        settings.HOST_SECRET = ""

        assert register().status_code == 503

        assert [message for _, _, message in logged()] == [
            "host auth refused (HOST_SECRET is not set on the hub): "
            "POST /api/host/rooms/register from 127.0.0.1"
        ]

    def test_no_secret_reaches_any_log_line(self, api, register, settings, fake_telegram, caplog):
        caplog.set_level(logging.DEBUG)
        body = {"ws_url": WS_URL, "app_url": "https://mini.app"}
        api.post(
            "/api/host/rooms/register", {**body, "room_code": "BODY", "host_secret": HOST_SECRET}
        )
        token = register({"room_code": "HEAD"}).json()["host_token"]
        api.delete("/api/host/rooms/HEAD", HTTP_X_ROOM_TOKEN=token)
        api.delete("/api/host/rooms/BODY", HTTP_X_ROOM_TOKEN=token)
        api.post(REGISTER, BODY, HTTP_X_HOST_SECRET=HOST_SECRET[:-1])
        fake_telegram.fail("getUserProfilePhotos", 401, "Unauthorized")
        api.get("/api/users/42/avatar")
        call_command("purge_rooms", stdout=io.StringIO())

        assert len(caplog.records) >= 6
        for secret in (
            HOST_SECRET,
            HOST_SECRET[:-1],
            settings.SECRET_KEY,
            fake_telegram.token,
            token,
        ):
            assert secret not in caplog.text

    def test_log_lines_go_to_stdout(self):
        logs_a_line = (
            "import django, logging; django.setup(); "
            "logging.getLogger('rooms.services').info('room ABCD closed by its host')"
        )
        environment = {
            key: value
            for key, value in os.environ.items()
            if key in ("PATH", "HOME", "LANG", "SYSTEMROOT")
        }
        environment |= {
            "DJANGO_SETTINGS_MODULE": "spirtuoz.settings",
            "ENV_FILE": "",
            "SECRET_KEY": "k",
        }

        result = subprocess.run(
            [sys.executable, "-c", logs_a_line],
            cwd=BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
        )

        assert result.stderr == ""
        assert result.stdout.endswith(" INFO rooms.services: room ABCD closed by its host\n")
