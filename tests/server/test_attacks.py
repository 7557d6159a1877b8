"""Cheap attacks on the server `make run` and Render start (granian), on loopback: clients that
trickle their bodies, connections that say nothing, and a hanging Telegram under a flood of
avatar requests. Through each, a normal client's room lookups keep answering within a second.
"""

import http.client as http_client
import json
import socket
import time
from contextlib import ExitStack

import pytest

from tests.support import HOST_SECRET
from tests.support.attacks import REGISTRATION, avatar_flood, trickling
from tests.support.fake_telegram import FakeTelegram
from tests.support.servers import Granian, free_port, http, hub_environment, prepare_like_make_run

# Starts processes or servers of its own: left out of `make test-fast`.
pytestmark = pytest.mark.slow

ROOM = {"room_code": "LIVE", "ws_url": "wss://live.example/ws", "app_url": "https://a.example"}
TRICKLERS = 200
IDLE_CONNECTIONS = 1500
AVATAR_FLOOD = 50
LOOKUP_SECONDS = 1.0


@pytest.fixture(scope="module")
def telegram():
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def hub(tmp_path_factory, telegram):
    """The hub as `make run` serves it (two workers, default threads), the room LIVE in it."""
    folder = tmp_path_factory.mktemp("attacks")
    environment = hub_environment(f"sqlite:///{folder / 'db.sqlite3'}", free_port())
    environment |= {
        "WEB_CONCURRENCY": "2",
        "FILE_API_URL": telegram.url,
        "BOT_TOKEN": telegram.token,
    }
    prepare_like_make_run(environment)
    server = Granian(environment, folder / "server.log")
    status, _, _ = http(
        "POST", f"{server.url}/api/host/rooms/register", ROOM, **{"X-Host-Secret": HOST_SECRET}
    )
    assert status == 201
    yield server
    server.stop()


def port_of(hub: Granian) -> int:
    return int(hub.url.rsplit(":", 1)[1])


def lookup_seconds(hub: Granian, count: int = 10) -> list[float]:
    """How long each of `count` room lookups took, one after the other; each must be a 200."""
    seconds = []
    for _ in range(count):
        started = time.monotonic()
        status, _, _ = http("GET", f"{hub.url}/api/rooms/LIVE")
        seconds.append(time.monotonic() - started)
        assert status == 200
        time.sleep(0.1)
    return seconds


def closed_by_server(connection: socket.socket) -> bool:
    """Whether the server closed it: whatever it answered first is read and set aside."""
    connection.setblocking(False)
    try:
        while data := connection.recv(65536):
            del data
    except BlockingIOError:
        return False
    except OSError:
        return True
    return True


class TestAttacks:
    def test_lookups_answer_within_a_second_while_200_clients_trickle_their_bodies(self, hub):
        with trickling(port_of(hub), TRICKLERS) as ends:
            time.sleep(1)
            seconds = lookup_seconds(hub)
            # Every trickler hears back (408, 503) or is cut within the 10 s a body may take.
            deadline = time.monotonic() + 15
            while len(ends) < TRICKLERS and time.monotonic() < deadline:
                time.sleep(0.2)

        assert max(seconds) < LOOKUP_SECONDS, seconds
        assert len(ends) == TRICKLERS
        assert {end["status"] for end in ends} <= {408, 503, None}
        assert max(end["seconds"] for end in ends) < 13
        # None registered a room, and the readers are free again for a real host.
        assert http("GET", f"{hub.url}/api/rooms/SLOW")[0] == 404
        status, _, _ = http(
            "POST",
            f"{hub.url}/api/host/rooms/register",
            {**ROOM, "room_code": "AFTR"},
            **{"X-Host-Secret": HOST_SECRET},
        )
        assert status == 201

    def test_a_body_not_whole_within_ten_seconds_gets_408(self, hub):
        connection = http_client.HTTPConnection("127.0.0.1", port_of(hub), timeout=15)
        connection.putrequest("POST", "/api/host/rooms/register")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(len(REGISTRATION)))
        connection.endheaders(REGISTRATION[:10])
        started = time.monotonic()

        response = connection.getresponse()

        assert 9 < time.monotonic() - started < 12
        assert (response.status, json.loads(response.read())) == (
            408,
            {"error": "the request body did not arrive within 10 s"},
        )
        connection.close()

    def test_lookups_answer_within_a_second_while_1500_idle_connections_are_open(self, hub):
        with ExitStack() as stack:
            opened = time.monotonic()
            idle = [
                stack.enter_context(socket.create_connection(("127.0.0.1", port_of(hub))))
                for _ in range(IDLE_CONNECTIONS)
            ]
            seconds = lookup_seconds(hub)
            # And the server closes each of them within 30 s.
            still_open = idle
            while still_open and time.monotonic() - opened < 30:
                time.sleep(0.5)
                still_open = [c for c in still_open if not closed_by_server(c)]

        assert max(seconds) < LOOKUP_SECONDS, seconds
        assert still_open == []

    def test_a_keep_alive_connection_left_idle_is_closed_within_30_seconds(self, hub):
        connection = socket.create_connection(("127.0.0.1", port_of(hub)))
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        asked = time.monotonic()
        connection.settimeout(30)

        received = b""
        while data := connection.recv(65536):
            received += data

        assert received.startswith(b"HTTP/1.1 200")
        assert received.endswith(b'{"status":"ok"}')
        assert time.monotonic() - asked < 30
        connection.close()

    def test_a_chunked_body_is_read_like_any_other(self, hub):
        body = json.dumps({**ROOM, "room_code": "CHNK"}).encode()
        connection = http_client.HTTPConnection("127.0.0.1", port_of(hub), timeout=10)
        connection.request(
            "POST",
            "/api/host/rooms/register",
            body=iter([body[:20], body[20:]]),
            headers={"Content-Type": "application/json", "X-Host-Secret": HOST_SECRET},
            encode_chunked=True,
        )
        response = connection.getresponse()
        answer = json.loads(response.read())
        connection.close()

        assert response.status == 201, answer
        assert answer["room_code"] == "CHNK"

    def test_a_chunked_body_too_large_gets_413_unregistered(self, hub):
        padding = b"x" * (4 * 1024 * 1024)
        connection = http_client.HTTPConnection("127.0.0.1", port_of(hub), timeout=10)
        connection.request(
            "POST",
            "/api/host/rooms/register",
            body=iter([b'{"padding": "', padding, b'"}']),
            headers={"Content-Type": "application/json", "X-Host-Secret": HOST_SECRET},
            encode_chunked=True,
        )
        response = connection.getresponse()

        assert (response.status, json.loads(response.read())) == (
            413,
            {"error": "request body is larger than 2560 KiB"},
        )
        connection.close()

    def test_lookups_and_avatars_answer_in_time_while_telegram_hangs(self, hub, telegram):
        with avatar_flood(hub.url, telegram, AVATAR_FLOOD) as answers:
            time.sleep(0.5)
            seconds = lookup_seconds(hub)
            # Until the first of them have been answered too.
            deadline = time.monotonic() + 12
            while len(answers) < AVATAR_FLOOD and time.monotonic() < deadline:
                time.sleep(0.2)

        assert max(seconds) < LOOKUP_SECONDS, seconds
        assert len(answers) >= AVATAR_FLOOD
        # 429: past the hub's budget of Telegram lookups (AVATAR_FETCH_TOTAL_RATE).
        assert {status for status, _ in answers} <= {429, 503, 504}
        assert max(took for _, took in answers) < 10
        # What was refused was refused at once, rather than queued.
        assert all(took < 1 for status, took in answers if status in (429, 503))
