"""Whatever JSON a client sends, deeply nested, huge or odd, the API answers 400 (or 413) in its
one error shape, and logs no traceback for the client's mistake."""

import hashlib
import logging

import pytest

from core.parsers import MAX_JSON_DEPTH
from telegrambot.webhook import webhook_bot_close
from tests.support import HOST_SECRET

pytestmark = pytest.mark.django_db

# 2 KB nested 1,000 deep: Python's json gives up with RecursionError, not ValueError.
NESTED_1000_DEEP = "[" * 1000 + "]" * 1000
ODD_BODIES = {
    "arrays nested 1,000 deep": NESTED_1000_DEEP,
    "objects nested 1,000 deep": '{"a":' * 1000 + "1" + "}" * 1000,
    "arrays nested 100,000 deep": "[" * 100_000,
    "an object nested one level too deep": '{"a":' * MAX_JSON_DEPTH + "1" + "}" * MAX_JSON_DEPTH,
    "NaN": '{"ws_url": NaN}',
    "Infinity": '{"ws_url": -Infinity}',
    "an int of 5,000 digits": '{"ws_url": ' + "9" * 5000 + "}",
    "a float too large for a double": '{"ws_url": 1e999}',
    "bytes that are not UTF-8": b'{"ws_url": "\xff\xfe"}',
    "a truncated document": '{"ws_url": "wss://a.example/ws"',
    "an empty body": "",
    "a lone surrogate": '{"ws_url": "\\ud800"}',
    "a NUL in a key": '{"ws\\u0000url": 1}',
}
WEBHOOK_SECRET = "webhook-secret-for-odd-bodies"
WEBHOOK_TOKEN = hashlib.sha256(WEBHOOK_SECRET.encode()).hexdigest()
JSON_ENDPOINTS = [
    ("/api/host/rooms/register", {"HTTP_X_HOST_SECRET": HOST_SECRET}),
    ("/api/host/rooms", {"HTTP_X_HOST_SECRET": HOST_SECRET}),
    ("/telegram/webhook", {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": WEBHOOK_TOKEN}),
]


@pytest.fixture(autouse=True)
def _webhook_mode(fake_telegram, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.PUBLIC_URL = "https://hub.example"
    yield
    webhook_bot_close()


def _post(client, path, body, headers):
    return client.post(path, body, content_type="application/json", **headers)


class TestJsonBodies:
    @pytest.mark.parametrize("body", ODD_BODIES.values(), ids=ODD_BODIES.keys())
    @pytest.mark.parametrize(
        ("path", "headers"), JSON_ENDPOINTS, ids=[path for path, _ in JSON_ENDPOINTS]
    )
    def test_odd_json_gets_a_json_4xx_and_no_traceback(self, client, caplog, path, headers, body):
        with caplog.at_level(logging.INFO):
            response = _post(client, path, body, headers)

        assert 400 <= response.status_code < 500, response.content
        assert set(response.json()) == {"error"}
        assert not [record for record in caplog.records if record.exc_info]
        assert not [record for record in caplog.records if record.levelno >= logging.ERROR]

    def test_json_nested_1000_deep_gets_a_400_saying_so(self, client):
        response = _post(
            client, "/api/host/rooms/register", NESTED_1000_DEEP, JSON_ENDPOINTS[0][1]
        )

        assert response.status_code == 400
        assert response.json() == {
            "error": f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels"
        }

    def test_json_as_deep_as_allowed_is_parsed(self, client):
        body = '{"ws_url":' * (MAX_JSON_DEPTH - 1) + "1" + "}" * (MAX_JSON_DEPTH - 1)

        response = _post(client, "/api/host/rooms/register", body, JSON_ENDPOINTS[0][1])

        assert response.status_code == 400
        assert response.json() == {
            "error": "ws_url: must be a string; app_url: This field is required."
        }
