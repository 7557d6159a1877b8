"""Faults caused for real, against the server `make run` and Render start (granian).

- PostgreSQL stopped (a throwaway server of the test's own, stopped and started with pg_ctl):
  every endpoint answers 503 `{"error": "database unavailable"}` at once, /healthz says so, and
  the same server serves again on the next request once PostgreSQL is back.
- SQLite whose file cannot be opened: the same 503s.
- PostgreSQL that never answers (a port whose connection queue is full, so the kernel drops
  every SYN, as a firewall or a vanished host does): 503 after the 3 s connect timeout.
- PostgreSQL that stops answering on open connections (behind a proxy that stops passing
  bytes on): 503 within 10 s, and the same server serves again once it answers.
- Telegram hanging: both avatar endpoints answer within 10 s, through the server's threads.
- the server killed with SIGKILL mid-request: every room it acknowledged is there after a restart.
"""

import http.client as http_client
import itertools
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

from rooms.lookup import FRESH_SECONDS
from tests.support import AVATAR_JPEG, HOST_SECRET
from tests.support.fake_telegram import FakeTelegram
from tests.support.servers import (
    Granian,
    free_port,
    http,
    hub_environment,
    prepare_like_make_run,
)
from tests.support.stalling_proxy import StallingProxy
from tests.support.throwaway_postgres import throwaway_postgres_or_skip

# Starts processes or servers of its own: left out of `make test-fast`.
pytestmark = pytest.mark.slow

ROOM = {"ws_url": "wss://faults.trycloudflare.com/ws", "app_url": "https://mini.app"}
SECRET = {"X-Host-Secret": HOST_SECRET}
USER_WITH_PHOTO = 42
# Every endpoint once, as (method, path, body, headers). The admin is sent a session cookie,
# so that it must read the database to know who is asking.
ENDPOINTS = {
    "register": ("POST", "/api/host/rooms/register", ROOM, SECRET),
    "close": ("DELETE", "/api/host/rooms/NONE", None, {"X-Room-Token": "of-no-room"}),
    "lookup": ("GET", "/api/rooms/FALT", None, {}),
    "avatar": ("GET", f"/api/users/{USER_WITH_PHOTO}/avatar", None, {}),
    "avatar image": ("GET", f"/api/users/{USER_WITH_PHOTO}/avatar.jpg", None, {}),
    "health": ("GET", "/healthz", None, {}),
    "admin": ("GET", "/admin/", None, {"Cookie": "sessionid=4xkq1bz0n3x7bq8w2m5r9t6y"}),
}
DATABASE_DOWN = {name: (503, {"error": "database unavailable"}) for name in ENDPOINTS}
AVATAR_KINDS = ("avatar", "avatar.jpg")
# Once the database answers; the admin's unknown session leads to its login page.
SERVING = {
    "register": 201,
    "close": 404,
    "lookup": 200,
    "avatar": 200,
    "avatar image": 200,
    "health": 200,
    "admin": 200,
}


def ask(server: Granian, name: str):
    """(status, JSON body or content type, seconds taken) of one endpoint's answer."""
    method, path, body, headers = ENDPOINTS[name]
    started = time.monotonic()
    status, answer_headers, content = http(method, f"{server.url}{path}", body, **headers)
    seconds = time.monotonic() - started
    kind = answer_headers.get("Content-Type", "")
    return status, json.loads(content) if kind == "application/json" else kind, seconds


def ask_every_endpoint(server: Granian, *, at_once: bool = False) -> dict:
    if not at_once:
        return {name: ask(server, name) for name in ENDPOINTS}
    with ThreadPoolExecutor(len(ENDPOINTS)) as pool:
        answers = pool.map(lambda name: ask(server, name), ENDPOINTS)
        return dict(zip(ENDPOINTS, answers, strict=True))


def lookups_at_once(server: Granian) -> list[int]:
    """Statuses of many lookups at once, enough to keep every thread of every worker busy."""
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(lambda _: ask(server, "lookup")[0], range(32)))


def statuses(answers: dict) -> dict:
    return {name: status for name, (status, _, _) in answers.items()}


def bodies(answers: dict) -> dict:
    return {name: (status, body) for name, (status, body, _) in answers.items()}


def slowest(answers: dict) -> float:
    return max(seconds for _, _, seconds in answers.values())


@pytest.fixture(scope="module")
def telegram():
    fake = FakeTelegram().start()
    fake.add_photo(USER_WITH_PHOTO, AVATAR_JPEG)
    yield fake
    fake.stop()


def telegram_environment(telegram: FakeTelegram) -> dict[str, str]:
    return {"FILE_API_URL": telegram.url, "BOT_TOKEN": telegram.token}


@pytest.fixture(scope="module")
def postgres():
    server = throwaway_postgres_or_skip(free_port())
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="module")
def hub_on_postgres(tmp_path_factory, postgres, telegram):
    """The server with two workers on the throwaway PostgreSQL, its cache in the database, and
    the room FALT registered."""
    environment = hub_environment(postgres.url, free_port()) | telegram_environment(telegram)
    # Threads enough in either worker for every endpoint at once, however the two share them.
    # And a waiting slot in either worker for each of the 8 players loading one avatar at once
    # (the defaults, 4 a worker, tell those past them to retry: test_avatar_bulkhead.py's).
    environment |= {
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": str(len(ENDPOINTS)),
        "TELEGRAM_WAITERS": "8",
    }
    prepare_like_make_run(environment)
    server = Granian(environment, tmp_path_factory.mktemp("faults") / "server.log")
    status, _, _ = http(
        "POST", f"{server.url}/api/host/rooms/register", {**ROOM, "room_code": "FALT"}, **SECRET
    )
    assert status == 201
    yield server
    server.stop()


class TestFaults:
    def test_with_postgresql_stopped_every_endpoint_answers_503_at_once_until_it_returns(
        self, hub_on_postgres, postgres
    ):
        hub = hub_on_postgres
        assert statuses(ask_every_endpoint(hub)) == SERVING
        # Every thread of both workers holds a connection that the stop will break.
        assert set(lookups_at_once(hub)) == {200}
        workers = hub.workers()

        postgres.stop()
        # A room's answer is replayed unread for at most this long: then it is read again.
        time.sleep(FRESH_SECONDS)
        down = [ask_every_endpoint(hub) for _ in range(2)]
        postgres.start()
        back = ask_every_endpoint(hub)
        # Restarted while nobody asked: every thread's connection is now a dead one.
        assert set(lookups_at_once(hub)) == {200}
        postgres.stop()
        postgres.start()
        after_restart = lookups_at_once(hub)

        assert [bodies(answers) for answers in down] == [DATABASE_DOWN, DATABASE_DOWN]
        assert max(slowest(answers) for answers in down) < 1.5
        assert statuses(back) == SERVING
        assert set(after_restart) == {200}
        # The very same server: no worker was restarted to get there.
        assert hub.process.poll() is None
        assert hub.workers() == workers
        log = hub.log.read_text()
        assert " WARNING core.middleware: database unavailable: GET /api/rooms/FALT: " in log

    def test_with_an_sqlite_file_that_cannot_be_opened_every_endpoint_answers_503(self, tmp_path):
        unreachable = f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite3'}"
        environment = hub_environment(unreachable, free_port()) | {"BOT_TOKEN": "42:NEVER-USED"}
        server = Granian(environment, tmp_path / "server.log")
        try:
            answers = ask_every_endpoint(server)
        finally:
            server.stop()

        assert bodies(answers) == DATABASE_DOWN

    def test_a_postgresql_that_never_answers_gets_503_after_the_connect_timeout(
        self, hub_on_postgres, postgres
    ):
        postgres.stop()
        try:
            with socket.socket() as blackhole:
                blackhole.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                blackhole.bind(("127.0.0.1", postgres.port))
                blackhole.listen(0)
                # One connection that nobody accepts fills the queue: from then on the kernel
                # drops every SYN to PostgreSQL's port, as a firewall or a vanished host does.
                with socket.create_connection(("127.0.0.1", postgres.port)):
                    answers = ask_every_endpoint(hub_on_postgres, at_once=True)
        finally:
            postgres.start()
        serving = ask_every_endpoint(hub_on_postgres)

        assert bodies(answers) == DATABASE_DOWN
        # At most one connect timeout each, not one per query the request would have made (a
        # lookup whose own read found its connection broken answers at once).
        timeout = settings.DATABASE_CONNECT_TIMEOUT_SECONDS
        for name, (_, _, seconds) in answers.items():
            assert seconds < timeout + 2, name
        assert slowest(answers) > timeout - 0.5
        assert statuses(serving) == SERVING

    def test_a_postgresql_that_stops_answering_mid_connection_gets_503_within_ten_seconds(
        self, tmp_path, hub_on_postgres, postgres, telegram
    ):
        proxy = StallingProxy(postgres.port).start()
        environment = hub_environment(
            f"postgres://postgres@127.0.0.1:{proxy.port}/postgres", free_port()
        ) | telegram_environment(telegram)
        # A turn for every endpoint at once: each waits on the database in its own.
        environment["WEB_THREADS"] = str(len(ENDPOINTS))
        server = Granian(environment, tmp_path / "stalled.log")
        try:
            # Every thread holds a connection through the proxy, which then stops answering.
            assert set(lookups_at_once(server)) == {200}
            proxy.stall()
            time.sleep(FRESH_SECONDS)
            stalled = ask_every_endpoint(server, at_once=True)
            proxy.resume()
            serving = ask_every_endpoint(server)
            workers = server.workers()
        finally:
            proxy.resume()
            server.stop()
            proxy.stop()

        assert bodies(stalled) == DATABASE_DOWN
        assert slowest(stalled) < 10
        assert statuses(serving) == SERVING
        # The very same worker, unrestarted.
        assert len(workers) == 1

    def test_a_hanging_telegram_gets_the_mini_app_an_answer_within_ten_seconds(
        self, hub_on_postgres, telegram
    ):
        hub, hanging = hub_on_postgres, 501
        telegram.add_photo(hanging, AVATAR_JPEG)
        telegram.hang("getUserProfilePhotos", 30)
        url = f"{hub.url}/api/users/{hanging}"

        def timed(kind: str):
            started = time.monotonic()
            status, _, content = http("GET", f"{url}/{kind}")
            return status, json.loads(content), time.monotonic() - started

        try:
            # A room of players loading one avatar at once: one lookup, the others wait.
            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(timed, AVATAR_KINDS * 4))
        finally:
            telegram.heal()

        assert [(status, body) for status, body, _ in answers] == [
            (504, {"error": "Telegram did not answer in time; try again shortly"})
        ] * 8
        assert max(seconds for _, _, seconds in answers) < 10
        asked = [int(call.params["user_id"]) for call in telegram.calls_to("getUserProfilePhotos")]
        assert asked.count(hanging) == 1

    def test_a_server_killed_mid_request_loses_no_acknowledged_room(
        self, tmp_path, hub_on_postgres, postgres, telegram
    ):
        # A server of its own on the same database: the one of the other tests stays up.
        environment = hub_environment(postgres.url, free_port()) | telegram_environment(telegram)
        environment["WEB_CONCURRENCY"] = "2"
        server = Granian(environment, tmp_path / "killed.log")
        acknowledged: dict[str, str] = {}
        tokens: dict[str, str] = {}

        def register_until_killed(client: int) -> int:
            """Registers rooms until the server is gone; returns how many got no answer."""
            for number in itertools.count():
                code, ws_url = f"K{client}{number:05d}", f"wss://k{client}-{number}.example/ws"
                try:
                    status, _, body = http(
                        "POST",
                        f"{server.url}/api/host/rooms/register",
                        {**ROOM, "room_code": code, "ws_url": ws_url},
                        **SECRET,
                    )
                except (OSError, http_client.HTTPException):
                    # Killed before the answer was whole (IncompleteRead): not acknowledged.
                    return 1
                assert status == 201
                tokens[code] = json.loads(body)["host_token"]
                acknowledged[code] = ws_url

        slow_user = 4343

        def asked_telegram() -> bool:
            calls = telegram.calls_to("getUserProfilePhotos")
            return any(int(call.params["user_id"]) == slow_user for call in calls)

        telegram.hang("getUserProfilePhotos", 20)
        try:
            with ThreadPoolExecutor(5) as pool:
                in_flight = pool.submit(http, "GET", f"{server.url}/api/users/{slow_user}/avatar")
                hosts = [pool.submit(register_until_killed, client) for client in range(4)]
                deadline = time.monotonic() + 20
                while len(acknowledged) < 40 or not asked_telegram():
                    assert time.monotonic() < deadline, "the rooms were not registered in time"
                    time.sleep(0.01)
                server.kill()
                with pytest.raises(ConnectionError):
                    in_flight.result()
                assert sum(host.result() for host in hosts) == 4
        finally:
            telegram.heal()
            if server.process.poll() is None:
                server.kill()

        restarted = Granian(environment, tmp_path / "restarted.log")
        try:
            with ThreadPoolExecutor(8) as pool:
                found = dict(
                    pool.map(
                        lambda code: (code, http("GET", f"{restarted.url}/api/rooms/{code}")),
                        acknowledged,
                    )
                )
            code = next(iter(acknowledged))
            registered_again = http(
                "POST",
                f"{restarted.url}/api/host/rooms/register",
                {**ROOM, "room_code": code, "host_token": tokens[code]},
                **SECRET,
            )
        finally:
            restarted.stop()

        assert {code: status for code, (status, _, _) in found.items()} == dict.fromkeys(
            acknowledged, 200
        )
        assert {code: json.loads(body)["ws_url"] for code, (_, _, body) in found.items()} == (
            acknowledged
        )
        # Nothing the killed server held (a lock, a transaction) is in anybody's way.
        assert registered_again[0] == 200
