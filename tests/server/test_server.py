"""The hub over real HTTP: Django's live server, and the hub served by granian as `make run` and
Render serve it (`python -m server`)."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support import AVATAR_JPEG, BASE_DIR, HOST_SECRET, SERVER_SECRET_KEY
from tests.support.fake_telegram import FILE, FakeTelegram
from tests.support.servers import (
    Granian,
    Server,
    free_port,
    http,
    hub_environment,
    manage,
    prepare_like_make_run,
)

# Starts processes or servers of its own: left out of `make test-fast`.
pytestmark = pytest.mark.slow


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


@pytest.fixture(scope="module")
def telegram():
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def hub(tmp_path_factory, telegram):
    """The hub as `make run` serves it: migrated SQLite file with its cache table, collected
    static, two workers; Telegram is the loopback fake."""
    folder = tmp_path_factory.mktemp("hub")
    environment = hub_environment(f"sqlite:///{folder / 'db.sqlite3'}", free_port())
    environment |= {
        "WEB_CONCURRENCY": "2",
        "FILE_API_URL": telegram.url,
        "BOT_TOKEN": telegram.token,
        # Room for 16 requests waiting on one photo at once, which the defaults (4 a worker)
        # tell to retry; what they get is tests/avatars/test_avatar_bulkhead.py's.
        "TELEGRAM_WAITERS": "16",
    }
    prepare_like_make_run(environment)
    server = Granian(environment, folder / "server.log")
    yield server
    server.stop()


class TestServer:
    def test_it_says_where_it_listens_and_how_to_create_an_admin(self, hub):
        log = hub.log.read_text()

        assert f"listening on {hub.url}" in log
        assert "manage.py createsuperuser" in log

    def test_it_serves_the_api(self, hub):
        status, _, _ = http(
            "POST",
            f"{hub.url}/api/host/rooms/register",
            {"room_code": "GUNI", "ws_url": "wss://a.example/ws", "app_url": "https://a.example"},
            Authorization=f"Bearer {HOST_SECRET}",
        )
        assert status in (200, 201)

        status, _, body = http("GET", f"{hub.url}/api/rooms/guni")

        assert status == 200
        assert json.loads(body)["ws_url"] == "wss://a.example/ws"

    def test_it_answers_health_checks(self, hub):
        status, _, body = http("GET", f"{hub.url}/healthz")

        assert (status, json.loads(body)) == (200, {"status": "ok"})

    def test_it_logs_each_request_in_its_access_log(self, hub):
        http("GET", f"{hub.url}/api/rooms/ACCESSLOG")

        # granian's worker writes its access lines from a thread of its own: a moment later.
        deadline = time.monotonic() + 5
        while '"GET /api/rooms/ACCESSLOG HTTP/1.1" 404' not in hub.log.read_text():
            assert time.monotonic() < deadline, hub.log.read_text()
            time.sleep(0.05)

    def test_the_admin_looks_right_with_debug_off(self, hub):
        status, _, page = http("GET", f"{hub.url}/admin/login/")
        assert status == 200
        stylesheets = [
            part.split('"')[0] for part in page.decode().split('href="')[1:] if ".css" in part
        ]
        assert stylesheets, "the login page links no stylesheet"

        for stylesheet in stylesheets:
            status, headers, css = http("GET", f"{hub.url}{stylesheet}")
            assert status == 200, stylesheet
            assert headers["Content-Type"].startswith("text/css")
            assert css

    def test_its_workers_share_one_avatar_lookup(self, hub, telegram):
        telegram.add_photo(1001, AVATAR_JPEG)
        telegram.delay("getUserProfilePhotos", 0.5)
        lookups, downloads = telegram.count("getUserProfilePhotos"), telegram.count(FILE)
        urls = [
            f"{hub.url}/api/users/1001/avatar",
            f"{hub.url}/api/users/1001/avatar.jpg",
        ]

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda url: http("GET", url), urls * 8))
        telegram.heal()

        assert {status for status, _, _ in answers} == {200}
        assert {body for _, _, body in answers[1::2]} == {AVATAR_JPEG}
        assert telegram.count("getUserProfilePhotos") - lookups == 1
        assert telegram.count(FILE) - downloads == 1
        assert hub.workers_started() == 2

    def test_it_logs_what_happened_and_no_secret(self, hub, telegram):
        _, _, answer = http(
            "POST",
            f"{hub.url}/api/host/rooms/register",
            {
                "room_code": "LOGS",
                "ws_url": "wss://logs.example/ws",
                "app_url": "https://a.example",
                "host_secret": HOST_SECRET,
            },
        )
        token = json.loads(answer)["host_token"]
        http("DELETE", f"{hub.url}/api/host/rooms/LOGS", **{"X-Room-Token": "wrong"})
        http("DELETE", f"{hub.url}/api/host/rooms/LOGS", **{"X-Room-Token": token})
        telegram.fail("getUserProfilePhotos", 401, "Unauthorized")
        status, _, _ = http("GET", f"{hub.url}/api/users/1002/avatar")
        telegram.heal()

        log = hub.log.read_text()
        assert status == 502
        assert (
            " INFO rooms.services: room LOGS registered (new): ws_url wss://logs.example/ws\n"
            in log
        )
        assert (
            " WARNING rooms.permissions: host auth refused (wrong room token): "
            "DELETE /api/host/rooms/LOGS from 127.0.0.1\n"
        ) in log
        assert " INFO rooms.services: room LOGS closed by its host\n" in log
        assert "avatar lookup for user 1002 failed" in log
        assert HOST_SECRET not in log
        assert SERVER_SECRET_KEY not in log
        assert telegram.token not in log
        assert token not in log


class TestServerWithoutDatabase:
    def test_health_check_answers_503_in_json_when_the_database_is_down(self, tmp_path):
        unreachable = f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite3'}"
        server = Granian(hub_environment(unreachable, free_port()), tmp_path / "log")
        try:
            status, _, body = http("GET", f"{server.url}/healthz")
        finally:
            server.stop()

        assert (status, json.loads(body)) == (503, {"error": "database unavailable"})


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _refused(url: str) -> bool:
    try:
        socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), 1).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.fixture
def lone_hub(tmp_path):
    """A hub of the test's own, to kill parts of: two workers on a fresh SQLite file."""
    environment = hub_environment(f"sqlite:///{tmp_path / 'db.sqlite3'}", free_port())
    environment["WEB_CONCURRENCY"] = "2"
    manage(environment, "migrate", "--noinput", "--verbosity", "0")
    server = Granian(environment, tmp_path / "server.log")
    yield server
    if server.process.poll() is None:
        server.stop()


class TestServerProcesses:
    def test_a_worker_that_dies_is_replaced_and_the_hub_keeps_serving(self, lone_hub):
        first, second = lone_hub.workers()

        os.kill(first, signal.SIGKILL)
        _wait_for(lambda: len(lone_hub.workers()) == 3, 15, lone_hub.log.read_text())
        answers = [http("GET", f"{lone_hub.url}/healthz")[0] for _ in range(20)]

        assert answers == [200] * 20
        assert lone_hub.process.poll() is None
        assert _alive(second)
        assert _alive(lone_hub.workers()[-1])

    def test_killing_the_main_process_takes_its_workers_with_it(self, lone_hub):
        workers = lone_hub.workers()

        lone_hub.process.kill()
        lone_hub.process.wait(10)

        _wait_for(lambda: not any(map(_alive, workers)), 5, "a worker outlived its server")
        # A killed worker's threads may hold the socket a moment after its main thread is gone.
        _wait_for(lambda: _refused(lone_hub.url), 5, "something still serves the port")

    def test_sigterm_stops_it_and_its_workers_within_ten_seconds(self, lone_hub):
        workers = lone_hub.workers()
        started = time.monotonic()

        lone_hub.process.terminate()
        lone_hub.process.wait(10)

        assert time.monotonic() - started < 10
        assert lone_hub.process.returncode == 0
        _wait_for(lambda: not any(map(_alive, workers)), 2, "a worker outlived its server")

    def test_ctrl_c_on_make_run_stops_everything_within_ten_seconds_every_time(self, tmp_path):
        environment = hub_environment(f"sqlite:///{tmp_path / 'db.sqlite3'}", free_port())
        environment["WEB_CONCURRENCY"] = "2"
        manage(environment, "migrate", "--noinput", "--verbosity", "0")
        url = f"http://127.0.0.1:{environment['PORT']}"
        # While the workers start (where granian's own shutdown can hang), and once serving.
        for attempt, after in enumerate((0.5, 1.0, 2.0, 4.0)):
            log = tmp_path / f"make-run-{attempt}.log"
            make_run = subprocess.Popen(
                [sys.executable, "-m", "server.supervisor"],
                cwd=BASE_DIR,
                env=environment,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            time.sleep(after)
            started = time.monotonic()

            make_run.send_signal(signal.SIGINT)
            make_run.wait(15)

            assert time.monotonic() - started < 10, log.read_text()
            workers = [int(pid) for pid in re.findall(Server.worker_pid, log.read_text())]
            _wait_for(
                lambda pids=workers: not any(map(_alive, pids)), 2, "a worker outlived make run"
            )
            _wait_for(lambda: _refused(url), 5, "something still serves the port")
