"""`make run` with BOT_TOKEN: the web server and `manage.py runbot` side by side, as two
processes (server/supervisor.py) that start and stop together."""

import io
import os
import re
import signal
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command

from tests.support import HOST_SECRET
from tests.support.bot_process import PUBLIC_URL, live_database_url
from tests.support.fake_telegram import FakeTelegram
from tests.support.servers import MakeRun, free_port, http, hub_environment

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


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def bot_pid(log: str) -> int:
    return int(re.search(r"Telegram bot: process (\d+) \(manage.py runbot\)", log).group(1))


@pytest.fixture
def fake():
    telegram = FakeTelegram().start()
    yield telegram
    telegram.stop()


@pytest.fixture
def make_run(tmp_path, fake):
    """`make run`'s processes with a polling bot, on the test database."""
    environment = hub_environment(live_database_url(), free_port())
    environment |= {"BOT_TOKEN": fake.token, "FILE_API_URL": fake.url, "PUBLIC_URL": PUBLIC_URL}
    hub = MakeRun(environment, tmp_path / "make-run.log")
    yield hub
    if hub.process.poll() is None:
        hub.stop()


@pytest.mark.django_db(transaction=True)
class TestMakeRunWithTheBot:
    def test_a_player_joins_a_hosts_room_and_both_stop_together(self, make_run, fake):
        fake.wait_for_call("getUpdates", timeout=30)
        http(
            "POST",
            f"{make_run.url}/api/host/rooms/register",
            {
                "room_code": "PLAY",
                "ws_url": "wss://a.example/ws",
                "app_url": "https://mini.app/?v=1",
            },
            **{"X-Host-Secret": HOST_SECRET, "X-Forwarded-Proto": "https"},
        )

        reply = fake.wait_for_reply(fake.add_message("/start PLAY"))
        button_url = reply["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"]
        redirect = redirect_of(button_url.replace(PUBLIC_URL, make_run.url))
        log = make_run.stop()

        assert button_url == f"{PUBLIC_URL}/join/PLAY"
        assert redirect == (302, "https://mini.app/?v=1&room=PLAY")
        assert make_run.process.returncode == 0, log
        assert not alive(bot_pid(log))
        assert "Telegram bot stopped." in log
        assert fake.token not in log

    def test_ctrl_c_stops_the_server_its_workers_and_the_bot_within_ten_seconds(
        self, make_run, fake
    ):
        fake.wait_for_call("getUpdates", timeout=30)
        processes = [*make_run.workers(), bot_pid(make_run.log.read_text())]
        started = time.monotonic()

        make_run.process.send_signal(signal.SIGINT)
        make_run.process.wait(10)

        assert time.monotonic() - started < 10
        assert make_run.process.returncode == 0
        assert not any(map(alive, processes))

    def test_killing_it_takes_every_process_with_it(self, make_run, fake):
        fake.wait_for_call("getUpdates", timeout=30)
        processes = [*make_run.workers(), bot_pid(make_run.log.read_text())]

        make_run.process.kill()
        make_run.process.wait(10)

        deadline = time.monotonic() + 10
        while any(map(alive, processes)):
            assert time.monotonic() < deadline, "a process outlived make run"
            time.sleep(0.05)

    def test_a_bot_that_stops_leaves_the_hub_serving(self, make_run, fake):
        fake.wait_for_call("getUpdates", timeout=30)

        # As a crash would: Telegram refusing the token, say, ends it with an error.
        os.kill(bot_pid(make_run.log.read_text()), signal.SIGKILL)
        deadline = time.monotonic() + 15
        while "the hub serves on without it" not in make_run.log.read_text():
            assert time.monotonic() < deadline, make_run.log.read_text()
            time.sleep(0.05)

        assert http("GET", f"{make_run.url}/healthz")[0] == 200
        assert make_run.process.poll() is None


class TestTheBotsPlace:
    """`runbot --if-configured`, as make run starts it whatever the settings."""

    def test_it_leaves_the_bot_to_the_web_workers_in_webhook_mode(self, settings):
        settings.BOT_TOKEN = "42:token"
        settings.TELEGRAM_WEBHOOK_SECRET = "webhook-secret"
        settings.PUBLIC_URL = "https://hub.example"
        output = io.StringIO()

        call_command("runbot", "--if-configured", stdout=output)

        assert output.getvalue() == (
            "Telegram bot: webhook mode at https://hub.example/telegram/webhook, served by the "
            "web workers (register it with: .venv/bin/python manage.py setwebhook)\n"
        )

    def test_it_says_why_it_does_not_poll(self, settings):
        settings.BOT_TOKEN = "42:token"
        settings.PUBLIC_URL = ""
        output = io.StringIO()

        call_command("runbot", "--if-configured", stdout=output)

        assert output.getvalue() == (
            "Telegram bot: not started (PUBLIC_URL is not set; the join buttons need the hub's "
            "public https:// URL); the hub runs without it\n"
        )

    def test_without_the_flag_a_bot_that_cannot_poll_is_an_error(self, settings):
        settings.BOT_TOKEN = ""

        with pytest.raises(CommandError, match="BOT_TOKEN is not set"):
            call_command("runbot")

    @pytest.mark.django_db(transaction=True)
    def test_make_run_without_a_bot_serves_and_says_why(self, tmp_path):
        environment = hub_environment(live_database_url(), free_port())
        hub = MakeRun(environment, tmp_path / "make-run.log")
        try:
            deadline = time.monotonic() + 30
            while "Telegram bot: not started" not in hub.log.read_text():
                assert time.monotonic() < deadline, hub.log.read_text()
                time.sleep(0.05)
            status = http("GET", f"{hub.url}/healthz")[0]
        finally:
            log = hub.stop()

        assert status == 200
        assert "Telegram bot: not started (BOT_TOKEN is not set); the hub runs without it" in log
        assert "serves on without it" not in log
