"""The server's log as an operator reads it: LOG_FORMAT=json gives one JSON object per line,
access lines included, one line per request, each with its request id, and never a secret; the
plain format stamps every line, access lines included, alike."""

import json
import re
import time

import pytest

from tests.support import HOST_SECRET
from tests.support.servers import Granian, free_port, http, hub_environment, manage

pytestmark = pytest.mark.slow

LOOKUP_ROUTE = "api/rooms/<str:code>"


def started_hub(folder, **settings: str) -> Granian:
    environment = hub_environment(f"sqlite:///{folder / 'db.sqlite3'}", free_port())
    # One worker: the third lookup of a room and those after it are replayed by rooms/lookup.py.
    environment |= {"WEB_CONCURRENCY": "1", "PYTHONWARNINGS": "ignore", **settings}
    manage(environment, "migrate", "--noinput", "--verbosity", "0")
    manage(environment, "createcachetable")
    return Granian(environment, folder / "server.log")


def logged(hub: Granian, *request_ids: str) -> list[dict]:
    """The JSON lines of these requests, in their order, once each request has its access line
    (written by a thread of the worker, a moment after the answer)."""
    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(line) for line in hub.log.read_text().splitlines()]
        mine = [line for line in lines if line["request_id"] in request_ids]
        accessed = {line["request_id"] for line in mine if line["logger"] == "granian.access"}
        if accessed == set(request_ids) or time.monotonic() > deadline:
            return mine
        time.sleep(0.05)


@pytest.fixture(scope="module")
def json_hub(tmp_path_factory):
    hub = started_hub(tmp_path_factory.mktemp("json-hub"), LOG_FORMAT="json")
    yield hub
    hub.stop()


class TestServerLogs:
    def test_every_line_is_a_json_object_with_the_fields_an_operator_filters_on(self, json_hub):
        http("GET", f"{json_hub.url}/healthz", **{"X-Request-ID": "health"})
        logged(json_hub, "health")

        lines = [json.loads(line) for line in json_hub.log.read_text().splitlines()]

        assert lines
        for line in lines:
            assert set(line) >= {
                "time",
                "level",
                "logger",
                "message",
                "request_id",
                "route",
                "status",
                "duration",
                "client",
            }

    def test_a_4xx_is_one_line_with_the_request_id_it_echoes(self, json_hub):
        status, headers, _ = http(
            "GET", f"{json_hub.url}/api/rooms/NOPE", **{"X-Request-ID": "four-oh-four"}
        )
        mine = logged(json_hub, "four-oh-four")

        assert (status, headers["X-Request-ID"]) == (404, "four-oh-four")
        assert len(mine) == 1
        assert mine[0]["logger"] == "granian.access"
        assert (mine[0]["status"], mine[0]["route"], mine[0]["client"]) == (
            404,
            LOOKUP_ROUTE,
            "127.0.0.1",
        )
        assert mine[0]["duration"] > 0

    def test_an_insane_request_id_is_replaced_by_a_new_one(self, json_hub):
        _, headers, _ = http("GET", f"{json_hub.url}/healthz", **{"X-Request-ID": "a b"})

        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])

    def test_replayed_room_lookups_log_their_request_id_and_route(self, json_hub):
        status, _, _ = http(
            "POST",
            f"{json_hub.url}/api/host/rooms/register",
            {"room_code": "JSON", "ws_url": "wss://a.example/ws", "app_url": "https://m.app"},
            Authorization=f"Bearer {HOST_SECRET}",
        )
        assert status == 201

        for n in range(5):
            status, headers, _ = http(
                "GET", f"{json_hub.url}/api/rooms/JSON", **{"X-Request-ID": f"lookup-{n}"}
            )
            assert (status, headers["X-Request-ID"]) == (200, f"lookup-{n}")

        lookups = logged(json_hub, *(f"lookup-{n}" for n in range(5)))
        assert [(line["request_id"], line["route"], line["status"]) for line in lookups] == [
            (f"lookup-{n}", LOOKUP_ROUTE, 200) for n in range(5)
        ]

    def test_a_host_secret_or_room_token_in_a_url_stays_out_of_the_access_line(self, json_hub):
        _, _, body = http(
            "POST",
            f"{json_hub.url}/api/host/rooms/register",
            {"room_code": "TOKN", "ws_url": "wss://a.example/ws", "app_url": "https://m.app"},
            Authorization=f"Bearer {HOST_SECRET}",
        )
        token = json.loads(body)["host_token"]

        http(
            "GET",
            f"{json_hub.url}/api/host/{HOST_SECRET}/x?host_secret={HOST_SECRET}",
            **{"X-Request-ID": "secret-in-path"},
        )
        http(
            "GET",
            f"{json_hub.url}/api/host/rooms/TOKN/{token}?token={token}",
            **{"X-Request-ID": "token-in-path"},
        )
        written = logged(json_hub, "secret-in-path", "token-in-path")

        assert [line["message"].split('"')[1] for line in written] == [
            "GET /api/host/[redacted]/x HTTP/1.1",
            "GET /api/host/rooms/TOKN/[redacted] HTTP/1.1",
        ]
        log = json_hub.log.read_text()
        assert HOST_SECRET not in log
        assert token not in log

    def test_the_plain_format_stamps_access_lines_as_every_other_line(self, tmp_path):
        hub = started_hub(tmp_path)
        http("GET", f"{hub.url}/healthz")
        deadline = time.monotonic() + 10
        while "GET /healthz" not in hub.log.read_text():
            assert time.monotonic() < deadline, hub.log.read_text()
            time.sleep(0.05)
        log = hub.stop()

        stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+: "
        lines = log.splitlines()
        assert lines
        for line in lines:
            assert re.match(stamp, line), line
        assert any(
            re.fullmatch(stamp + r'127\.0\.0\.1 - "GET /healthz HTTP/1\.1" 200 [\d.]+', line)
            for line in lines
        )
