"""`make run` with BOT_TOKEN: the server (granian, or gunicorn) serves the hub and runs the
polling bot beside it."""

import logging
import os
import re
import signal
import time
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest

from telegrambot import beside_web
from tests.support import HOST_SECRET
from tests.support.bot_process import PUBLIC_URL, live_database_url
from tests.support.fake_telegram import FakeTelegram
from tests.support.servers import Granian, Gunicorn, free_port, http, hub_environment

# Starts processes or servers of its own: left out of `make test-fast`.
pytestmark = pytest.mark.slow


def redirect_of(url: str) -> tuple[int, str | None]:
    """(status, Location) of a GET, without following the redirect."""
    parts = urlsplit(url)
    connection = HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        # As Render's TLS proxy says: the hub redirects plain http when PUBLIC_URL is https.
        connection.request("GET", parts.path, headers={"X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        return response.status, response.getheader("Location")
    finally:
        connection.close()


class TestMakeRunWithTheBot:
    @pytest.mark.django_db(transaction=True)
    @pytest.mark.parametrize("server_class", [Granian, Gunicorn], ids=["granian", "gunicorn"])
    def test_a_player_joins_a_hosts_room_and_both_stop_together(self, tmp_path, server_class):
        fake = FakeTelegram().start()
        environment = hub_environment(live_database_url(), free_port())
        environment |= {
            "BOT_TOKEN": fake.token,
            "FILE_API_URL": fake.url,
            "PUBLIC_URL": PUBLIC_URL,
        }
        server = server_class(environment, tmp_path / "server.log")
        try:
            fake.wait_for_call("getUpdates", timeout=30)
            http(
                "POST",
                f"{server.url}/api/host/rooms/register",
                {
                    "room_code": "PLAY",
                    "ws_url": "wss://a.example/ws",
                    "app_url": "https://mini.app/?v=1",
                },
                **{"X-Host-Secret": HOST_SECRET, "X-Forwarded-Proto": "https"},
            )

            reply = fake.wait_for_reply(fake.add_message("/start PLAY"))
            button_url = reply["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"]
            redirect = redirect_of(button_url.replace(PUBLIC_URL, server.url))
        finally:
            log = server.stop()
            fake.stop()

        assert button_url == f"{PUBLIC_URL}/join/PLAY"
        assert redirect == (302, "https://mini.app/?v=1&room=PLAY")
        assert server.process.returncode == 0, log
        if server_class is Gunicorn:
            bot_pid = int(re.search(r"Telegram bot: polling in process (\d+)", log).group(1))
            with pytest.raises(ProcessLookupError):
                os.kill(bot_pid, 0)
        else:
            # granian: on a thread of the server process, which has exited.
            assert f"polling in the server process {server.process.pid} " in log
        assert "Telegram bot stopped." in log
        assert fake.token not in log


class TestBesideWeb:
    def test_it_leaves_the_bot_to_the_web_workers_in_webhook_mode(self, settings, caplog):
        settings.BOT_TOKEN = "42:token"
        settings.TELEGRAM_WEBHOOK_SECRET = "webhook-secret"
        settings.PUBLIC_URL = "https://hub.example"
        caplog.set_level(logging.INFO)

        beside_web.start(logging.getLogger("gunicorn.error"))

        assert caplog.messages == [
            "Telegram bot: webhook mode at https://hub.example/telegram/webhook, served by the "
            "web workers (register it with: .venv/bin/python manage.py setwebhook)"
        ]
        assert beside_web._process is None

    def test_it_says_why_it_does_not_poll(self, settings, caplog):
        settings.BOT_TOKEN = "42:token"
        settings.PUBLIC_URL = ""
        caplog.set_level(logging.INFO)

        beside_web.start(logging.getLogger("gunicorn.error"))

        assert caplog.messages == [
            "Telegram bot: not started (PUBLIC_URL is not set; the join buttons need the hub's "
            "public https:// URL); the hub runs without it"
        ]


class TestReloadUnderGranian:
    @pytest.mark.django_db(transaction=True)
    def test_a_reload_stops_the_bot_before_it_forks_new_workers(self, tmp_path):
        fake = FakeTelegram().start()
        environment = hub_environment(live_database_url(), free_port())
        environment |= {
            "BOT_TOKEN": fake.token,
            "FILE_API_URL": fake.url,
            "PUBLIC_URL": PUBLIC_URL,
        }
        server = Granian(environment, tmp_path / "server.log")
        try:
            fake.wait_for_call("getUpdates", timeout=30)
            server.process.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 30
            while "Stopped old worker-1" not in server.log.read_text():
                assert time.monotonic() < deadline, server.log.read_text()
                time.sleep(0.1)
            status, _, _ = http("GET", f"{server.url}/healthz")
        finally:
            log = server.stop()
            fake.stop()

        assert status == 200
        stopped = log.index("Telegram bot stopped.")
        assert stopped < log.index("stopped for the reload; restart the hub to poll again")
        assert stopped < log.index("Respawning worker-1")
