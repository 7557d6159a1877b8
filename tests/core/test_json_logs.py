"""LOG_FORMAT=json: one JSON object per line, with the request it belongs to, still redacted."""

import json
import logging
import sys

import pytest

from core.logs import (
    JsonLines,
    RedactSecrets,
    RequestFields,
    request_context_begin,
    request_id_from,
    request_route_set,
)
from server.accesslog import access_facts, access_record
from tests.support import HOST_SECRET

ROOM_TOKEN = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx"


def formatted(record: logging.LogRecord) -> dict:
    for step in (RequestFields(), RedactSecrets()):
        assert step.filter(record) is True
    return json.loads(JsonLines().format(record))


def line(message: str, *args) -> logging.LogRecord:
    return logging.LogRecord("rooms.services", logging.INFO, __file__, 1, message, args, None)


def access_line(path: str, status: int = 404) -> logging.LogRecord:
    """The record of the access line server/accesslog.py makes for a request to `path`,
    answered in the current request context."""
    environ = {
        "REMOTE_ADDR": "10.0.0.9",
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    return access_record(access_facts(environ, status, 0.00123456))


@pytest.fixture(autouse=True)
def _outside_any_request():
    request_context_begin(request_id="", client="")
    yield
    request_context_begin(request_id="", client="")


class TestJsonLogs:
    def test_a_line_in_a_request_carries_its_id_route_and_client(self):
        request_context_begin(request_id="req-1", client="203.0.113.7")
        request_route_set("api/rooms/<str:code>")

        entry = formatted(line("room %s closed by its host", "ABCD"))

        assert entry.pop("time")
        assert entry == {
            "level": "INFO",
            "logger": "rooms.services",
            "message": "room ABCD closed by its host",
            "request_id": "req-1",
            "route": "api/rooms/<str:code>",
            "status": None,
            "duration": None,
            "client": "203.0.113.7",
        }

    def test_an_access_line_carries_status_duration_and_client(self):
        request_context_begin(request_id="req-2", client="10.0.0.9")

        entry = formatted(access_line("/api/rooms/NOPE"))

        assert entry["message"] == '10.0.0.9 - "GET /api/rooms/NOPE HTTP/1.1" 404 1.235'
        assert (entry["logger"], entry["status"], entry["duration"]) == (
            "granian.access",
            404,
            1.235,
        )
        assert (entry["request_id"], entry["client"]) == ("req-2", "10.0.0.9")

    def test_an_access_line_redacts_a_host_secret_and_a_room_token_in_its_path(self):
        entry = formatted(access_line(f"/api/host/{HOST_SECRET}/{ROOM_TOKEN}"))

        assert (
            entry["message"]
            == '10.0.0.9 - "GET /api/host/[redacted]/[redacted] HTTP/1.1" 404 1.235'
        )

    def test_an_access_line_keeps_a_line_break_in_its_path_on_one_line(self):
        entry = formatted(access_line("/api/rooms/AB\n2026-12-01 INFO forged"))

        assert entry["message"] == (
            '10.0.0.9 - "GET /api/rooms/AB\\n2026-12-01 INFO forged HTTP/1.1" 404 1.235'
        )

    def test_a_request_id_carrying_a_secret_is_redacted(self):
        request_context_begin(request_id=HOST_SECRET, client="10.0.0.9")

        assert formatted(line("anything"))["request_id"] == "[redacted]"

    def test_a_traceback_is_redacted(self, settings):
        settings.BOT_TOKEN = "42:SECRET-TOKEN"
        try:
            raise ConnectionError("url: /bot42:SECRET-TOKEN/getFile")
        except ConnectionError:
            record = logging.LogRecord(
                "x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
            )

        entry = formatted(record)

        assert "SECRET-TOKEN" not in json.dumps(entry)
        assert "/bot[redacted]/getFile" in entry["exc_info"]

    def test_a_sane_request_id_is_kept_and_any_other_replaced(self):
        assert request_id_from("3f2a-9b.c_1:x") == "3f2a-9b.c_1:x"
        for insane in ("", None, "has space", 'quote"', "x" * 129, "new\nline"):
            replaced = request_id_from(insane)
            assert len(replaced) == 32
            assert replaced != insane
