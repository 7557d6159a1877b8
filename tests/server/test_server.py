"""The hub over real HTTP: Django's live server, and the hub served as `make run` serves it, by
granian (the default) and by gunicorn (SERVER=gunicorn, or gunicorn.conf.py on its own)."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import AVATAR_JPEG, GUNICORN_SECRET_KEY, HOST_SECRET
from tests.support.fake_telegram import FILE, FakeTelegram
from tests.support.servers import (
    Granian,
    Gunicorn,
    free_port,
    http,
    hub_environment,
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
