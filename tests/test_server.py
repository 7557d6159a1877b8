"""The hub over real HTTP: Django's live server, and gunicorn started as `make run` starts it."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import HOST_SECRET

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def http(method: str, url: str, body: dict | None = None, **headers: str):
    """(status, headers, body bytes) of one real HTTP request."""
    data = json.dumps(body).encode() if body is not None else None
    if data is not None:
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.django_db(transaction=True)
class TestLiveServer:
    def test_a_host_registers_and_the_mini_app_finds_the_room(self, live_server):
        status, _, body = http(
            "POST",
            f"{live_server.url}/api/host/rooms/register",
            {
                "room_code": "live",
                "ws_url": "wss://abc.trycloudflare.com/ws",
                "app_url": "https://miniapp-url.vercel.app",
                "host_secret": HOST_SECRET,
            },
        )
        assert status == 201

        status, headers, body = http("GET", f"{live_server.url}/api/rooms/LIVE")

        assert status == 200
        assert headers["Content-Type"] == "application/json"
        room = json.loads(body)
        assert room["room_code"] == "LIVE"
        assert room["ws_url"] == "wss://abc.trycloudflare.com/ws"

    def test_an_oversized_body_is_refused_over_the_wire(self, live_server):
        status, _, body = http(
            "POST",
            f"{live_server.url}/api/host/rooms/register",
            {"padding": "x" * 20_000},
            **{"X-Host-Secret": HOST_SECRET},
        )

        assert status == 413
        assert json.loads(body) == {"error": "request body is larger than 16 KiB"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def hub_environment(database_url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "ENV_FILE": "",
        "SECRET_KEY": "gunicorn-test-secret-key",
        "HOST_SECRET": HOST_SECRET,
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        # A developer's own bot must not start polling from the tests.
        "BOT_TOKEN": "",
        "TELEGRAM_WEBHOOK_SECRET": "",
    }


def manage(environment: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=environment, check=True)


class Gunicorn:
    def __init__(self, environment: dict[str, str], log: Path):
        self.url = f"http://127.0.0.1:{environment['PORT']}"
        self.log = log
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py"],
            cwd=BASE_DIR,
            env=environment,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while "listening on" not in log.read_text():
            assert self.process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)

    def stop(self) -> str:
        self.process.terminate()
        self.process.wait(timeout=30)
        return self.log.read_text()


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """The hub as `make run` serves it: migrated SQLite file, collected static, gunicorn."""
    folder = tmp_path_factory.mktemp("hub")
    environment = hub_environment(f"sqlite:///{folder / 'db.sqlite3'}", free_port())
    manage(environment, "migrate", "--noinput", "--verbosity", "0")
    manage(environment, "collectstatic", "--noinput", "--verbosity", "0")
    server = Gunicorn(environment, folder / "gunicorn.log")
    yield server
    server.stop()


class TestGunicorn:
    def test_it_says_where_it_listens_and_how_to_create_an_admin(self, gunicorn):
        log = gunicorn.log.read_text()

        assert f"listening on {gunicorn.url}" in log
        assert "manage.py createsuperuser" in log
        assert "Telegram bot: not started (BOT_TOKEN is not set); the hub runs without it" in log

    def test_it_serves_the_api(self, gunicorn):
        status, _, _ = http(
            "POST",
            f"{gunicorn.url}/api/host/rooms/register",
            {"room_code": "GUNI", "ws_url": "wss://a.example/ws", "app_url": "https://a.example"},
            Authorization=f"Bearer {HOST_SECRET}",
        )
        assert status in (200, 201)

        status, _, body = http("GET", f"{gunicorn.url}/api/rooms/guni")

        assert status == 200
        assert json.loads(body)["ws_url"] == "wss://a.example/ws"

    def test_it_answers_health_checks(self, gunicorn):
        status, _, body = http("GET", f"{gunicorn.url}/healthz")

        assert (status, json.loads(body)) == (200, {"status": "ok"})

    def test_the_admin_looks_right_with_debug_off(self, gunicorn):
        status, _, page = http("GET", f"{gunicorn.url}/admin/login/")
        assert status == 200
        stylesheets = [
            part.split('"')[0] for part in page.decode().split('href="')[1:] if ".css" in part
        ]
        assert stylesheets, "the login page links no stylesheet"

        for stylesheet in stylesheets:
            status, headers, css = http("GET", f"{gunicorn.url}{stylesheet}")
            assert status == 200, stylesheet
            assert headers["Content-Type"].startswith("text/css")
            assert css

    def test_it_logs_no_secret(self, gunicorn):
        http(
            "POST",
            f"{gunicorn.url}/api/host/rooms/register",
            {"room_code": "LOGS", "ws_url": "x", "app_url": "y", "host_secret": HOST_SECRET},
        )
        http("DELETE", f"{gunicorn.url}/api/host/rooms/LOGS", **{"X-Host-Secret": "wrong"})

        log = gunicorn.log.read_text()
        assert HOST_SECRET not in log
        assert "gunicorn-test-secret-key" not in log


class TestGunicornWithoutDatabase:
    def test_health_check_answers_503_in_json_when_the_database_is_down(self, tmp_path):
        unreachable = f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite3'}"
        server = Gunicorn(hub_environment(unreachable, free_port()), tmp_path / "log")
        try:
            status, _, body = http("GET", f"{server.url}/healthz")
        finally:
            server.stop()

        assert (status, json.loads(body)) == (503, {"error": "database unavailable"})
