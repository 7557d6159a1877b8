"""The hub over real HTTP: Django's live server, and the hub served as `make run` serves it, by
granian (the default) and by gunicorn (SERVER=gunicorn, or gunicorn.conf.py on its own)."""

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests import secret_audit
from tests.conftest import AVATAR_JPEG, GUNICORN_SECRET_KEY, HOST_SECRET
from tests.fake_telegram import FILE, FakeTelegram

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
            status, answer_headers, content = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, content = error.code, error.headers, error.read()
    secret_audit.check_response(f"the answer {status} to {method} {url}", answer_headers, content)
    return status, answer_headers, content


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
        "SECRET_KEY": GUNICORN_SECRET_KEY,
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


def prepare_like_make_run(environment: dict[str, str]) -> None:
    """What `make run` (and Render's build) does before it starts gunicorn: bin/prepare."""
    subprocess.run(
        [str(BASE_DIR / "bin" / "prepare")],
        env={**environment, "PATH": f"{BIN}{os.pathsep}{environment['PATH']}"},
        stdout=subprocess.DEVNULL,
        check=True,
    )


class Server:
    """A hub server process, started once it says where it listens; stop() returns its log."""

    command: list[str]
    # The log line each worker process starts with, and the pid in it.
    worker_line: str
    worker_pid: str

    def __init__(self, environment: dict[str, str], log: Path):
        self.url = f"http://127.0.0.1:{environment['PORT']}"
        self.log = log
        secret_audit.watch(log)
        self.process = subprocess.Popen(
            self.command,
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

    def workers_started(self) -> int:
        return sum(1 for line in self.log.read_text().splitlines() if self.worker_line in line)

    def workers(self) -> list[int]:
        """The pids of every worker the master has booted so far."""
        return [int(pid) for pid in re.findall(self.worker_pid, self.log.read_text())]

    def kill(self) -> None:
        """SIGKILL the master and its workers, as an out-of-memory killer or a lost machine
        would: no request gets to finish, nothing gets to clean up."""
        workers = self.workers()
        self.process.kill()
        self.process.wait(timeout=30)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while any(_running(pid) for pid in workers):
            assert time.monotonic() < deadline, "a killed worker is still running"
            time.sleep(0.02)


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphaned worker is reaped by whoever adopts it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


class Gunicorn(Server):
    """gunicorn with gunicorn.conf.py, as `SERVER=gunicorn make run` and Render's docs start it."""

    command = [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py"]
    worker_line = "Booting worker"
    worker_pid = r"Booting worker with pid: (\d+)"


class Granian(Server):
    """The hub as `make run` serves it by default: spirtuoz/serve.py, with granian."""

    command = [sys.executable, "-m", "spirtuoz.serve"]
    worker_line = "Spawning worker-"
    worker_pid = r"Spawning worker-\d+ with PID: (\d+)"


@pytest.fixture(scope="module")
def telegram():
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module", params=[Granian, Gunicorn], ids=["granian", "gunicorn"])
def gunicorn(request, tmp_path_factory, telegram):
    """The hub as `make run` serves it: migrated SQLite file with its cache table, collected
    static, two workers, by each server; Telegram is the loopback fake."""
    folder = tmp_path_factory.mktemp("hub")
    environment = hub_environment(f"sqlite:///{folder / 'db.sqlite3'}", free_port())
    environment |= {
        "WEB_CONCURRENCY": "2",
        "FILE_API_URL": telegram.url,
        "BOT_TOKEN": telegram.token,
    }
    prepare_like_make_run(environment)
    server = request.param(environment, folder / "server.log")
    yield server
    server.stop()


class TestServer:
    def test_it_says_where_it_listens_and_how_to_create_an_admin(self, gunicorn):
        log = gunicorn.log.read_text()

        assert f"listening on {gunicorn.url}" in log
        assert "manage.py createsuperuser" in log
        # BOT_TOKEN is set (for avatars) but no PUBLIC_URL, which join buttons need.
        assert (
            "Telegram bot: not started (PUBLIC_URL is not set; the join buttons need the hub's "
            "public https:// URL); the hub runs without it"
        ) in log

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

    def test_it_logs_each_request_in_its_access_log(self, gunicorn):
        http("GET", f"{gunicorn.url}/api/rooms/ACCESSLOG")

        # granian's worker writes its access lines from a thread of its own: a moment later.
        deadline = time.monotonic() + 5
        while '"GET /api/rooms/ACCESSLOG HTTP/1.1" 404' not in gunicorn.log.read_text():
            assert time.monotonic() < deadline, gunicorn.log.read_text()
            time.sleep(0.05)

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

    def test_its_workers_share_one_avatar_lookup(self, gunicorn, telegram):
        telegram.add_photo(1001, AVATAR_JPEG)
        telegram.delay("getUserProfilePhotos", 0.5)
        # The fake is the module's: each server's hub asks it once.
        lookups, downloads = telegram.count("getUserProfilePhotos"), telegram.count(FILE)
        urls = [
            f"{gunicorn.url}/api/users/1001/avatar",
            f"{gunicorn.url}/api/users/1001/avatar.jpg",
        ]

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda url: http("GET", url), urls * 8))
        telegram.heal()

        assert {status for status, _, _ in answers} == {200}
        assert {body for _, _, body in answers[1::2]} == {AVATAR_JPEG}
        assert telegram.count("getUserProfilePhotos") - lookups == 1
        assert telegram.count(FILE) - downloads == 1
        assert gunicorn.workers_started() == 2

    def test_it_logs_what_happened_and_no_secret(self, gunicorn, telegram):
        http(
            "POST",
            f"{gunicorn.url}/api/host/rooms/register",
            {
                "room_code": "LOGS",
                "ws_url": "wss://logs.example/ws",
                "app_url": "https://a.example",
                "host_secret": HOST_SECRET,
            },
        )
        http("DELETE", f"{gunicorn.url}/api/host/rooms/LOGS", **{"X-Host-Secret": "wrong"})
        http("DELETE", f"{gunicorn.url}/api/host/rooms/LOGS", **{"X-Host-Secret": HOST_SECRET})
        telegram.fail("getUserProfilePhotos", 401, "Unauthorized")
        status, _, _ = http("GET", f"{gunicorn.url}/api/users/1002/avatar")
        telegram.heal()

        log = gunicorn.log.read_text()
        assert status == 502
        assert (
            " INFO rooms.services: room LOGS registered (new): ws_url wss://logs.example/ws\n"
            in log
        )
        assert (
            " WARNING rooms.permissions: host auth refused (wrong secret): "
            "DELETE /api/host/rooms/LOGS from 127.0.0.1\n"
        ) in log
        assert " INFO rooms.services: room LOGS closed by its host\n" in log
        assert "avatar lookup for user 1002 failed" in log
        assert HOST_SECRET not in log
        assert GUNICORN_SECRET_KEY not in log
        assert telegram.token not in log


class TestServerWithoutDatabase:
    @pytest.mark.parametrize("server_class", [Granian, Gunicorn], ids=["granian", "gunicorn"])
    def test_health_check_answers_503_in_json_when_the_database_is_down(
        self, tmp_path, server_class
    ):
        unreachable = f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite3'}"
        server = server_class(hub_environment(unreachable, free_port()), tmp_path / "log")
        try:
            status, _, body = http("GET", f"{server.url}/healthz")
        finally:
            server.stop()

        assert (status, json.loads(body)) == (503, {"error": "database unavailable"})
