"""A room belongs to the Host App that created it: without the room's token nobody, not even a
holder of HOST_SECRET (every copy of the Host App has it), can register it again, change it,
heartbeat it or close it. Over real HTTP, against Django's live server."""

import json

import pytest

from rooms.models import Room
from tests.support import HOST_SECRET
from tests.support.servers import http

pytestmark = pytest.mark.django_db(transaction=True)

ROOM = {"ws_url": "wss://host.trycloudflare.com/ws", "app_url": "https://mini.app"}
EVIL = {"ws_url": "wss://evil.example/ws", "app_url": "https://evil.example"}


@pytest.fixture
def hub(live_server, settings):
    # These attempts are many wrong tokens from one address; the limit on them is
    # tested in tests/core/test_rate_limits.py, and must not spill into other tests.
    settings.HOST_AUTH_FAIL_RATE = "off"

    class Hub:
        url = live_server.url

        def call(self, method: str, path: str, body=None, **headers):
            status, _, content = http(method, f"{self.url}{path}", body, **headers)
            return status, json.loads(content) if content else None

        def register(self, body: dict, **headers):
            return self.call(
                "POST",
                "/api/host/rooms/register",
                body,
                **{"X-Host-Secret": HOST_SECRET} | headers,
            )

    return Hub()


@pytest.fixture
def owned(hub):
    """The room ABCD, and its token."""
    status, room = hub.register({**ROOM, "room_code": "ABCD"})
    assert status == 201
    return room["host_token"]


def unchanged() -> bool:
    room = Room.objects.get(code="ABCD")
    return (room.ws_url, room.closed_at, room.players, room.version) == (
        ROOM["ws_url"],
        None,
        0,
        0,
    )


class TestRoomToken:
    def test_a_new_room_gets_a_long_url_safe_token_shown_once(self, hub, owned):
        assert len(owned) >= 22  # 128 bits or more, base64
        assert set(owned) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )
        _, looked_up = hub.call("GET", "/api/rooms/ABCD")
        _, beat = hub.call("POST", "/api/host/rooms/ABCD/heartbeat", **{"X-Room-Token": owned})
        assert "host_token" not in looked_up
        assert "host_token" not in beat
        assert owned not in json.dumps([looked_up, beat])

    def test_the_token_is_not_stored(self, owned):
        room = Room.objects.get()

        assert owned not in json.dumps(list(Room.objects.values()), default=str)
        assert room.token_salt not in owned

    def test_each_room_gets_a_token_of_its_own(self, hub, owned):
        _, other = hub.register({**ROOM, "room_code": "WXYZ"})

        assert other["host_token"] != owned

    def test_the_rooms_host_registers_it_again_with_its_token_in_either_place(self, hub, owned):
        by_header = hub.register({**ROOM, "room_code": "abcd"}, **{"X-Room-Token": owned})
        in_the_body = hub.register({**ROOM, "room_code": "ABCD", "host_token": owned})

        assert by_header[0] == in_the_body[0] == 200
        assert "host_token" not in by_header[1]

    def test_the_rest_shaped_path_registers_rooms_too(self, hub):
        status, room = hub.call(
            "POST",
            "/api/host/rooms",
            {**ROOM, "room_code": "REST"},
            **{"X-Host-Secret": HOST_SECRET},
        )

        assert status == 201
        assert room["host_token"]
        assert Room.objects.filter(code="REST").exists()


class TestHijackAttempts:
    def test_registering_a_live_room_without_its_token_is_refused(self, hub, owned):
        status, body = hub.register({**EVIL, "room_code": "ABCD"})

        assert (status, body) == (409, {"error": "room ABCD is live and held by another host"})
        assert unchanged()

    @pytest.mark.parametrize("place", ["header", "body"])
    def test_registering_a_live_room_with_a_wrong_token_is_refused(self, hub, owned, place):
        token = owned[:-1] + ("A" if owned[-1] != "A" else "B")
        body = {**EVIL, "room_code": "ABCD"}
        headers = {"X-Room-Token": token} if place == "header" else {}
        if place == "body":
            body["host_token"] = token

        status, answer = hub.register(body, **headers)

        assert (status, answer) == (409, {"error": "room ABCD is live and held by another host"})
        assert unchanged()

    def test_another_rooms_token_opens_nothing_but_its_own_room(self, hub, owned):
        _, other = hub.register({**ROOM, "room_code": "WXYZ"})
        theirs = {"X-Room-Token": other["host_token"]}

        answers = [
            hub.register({**EVIL, "room_code": "ABCD"}, **theirs)[0],
            hub.call("PATCH", "/api/host/rooms/ABCD", EVIL, **theirs)[0],
            hub.call("POST", "/api/host/rooms/ABCD/heartbeat", {"players": 9}, **theirs)[0],
            hub.call("DELETE", "/api/host/rooms/ABCD", **theirs)[0],
        ]

        assert answers == [409, 403, 403, 403]
        assert unchanged()

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("PATCH", "/api/host/rooms/ABCD", EVIL),
            ("POST", "/api/host/rooms/ABCD/heartbeat", {"players": 9}),
            ("DELETE", "/api/host/rooms/ABCD", None),
        ],
        ids=["patch", "heartbeat", "close"],
    )
    def test_without_the_token_nothing_changes_the_room(self, hub, owned, method, path, body):
        missing = hub.call(method, path, body, **{"X-Host-Secret": HOST_SECRET})
        wrong = hub.call(method, path, body, **{"X-Room-Token": "not-the-token"})

        assert missing == (403, {"error": "room token required"})
        assert wrong == (403, {"error": "invalid room token"})
        assert unchanged()

    def test_an_unknown_room_is_404_whatever_the_token(self, hub, owned):
        answers = [
            hub.call("PATCH", "/api/host/rooms/NOPE", {"players": 1}, **{"X-Room-Token": owned}),
            hub.call("POST", "/api/host/rooms/NOPE/heartbeat", **{"X-Room-Token": owned}),
            hub.call("DELETE", "/api/host/rooms/NOPE", **{"X-Room-Token": owned}),
        ]

        assert answers == [(404, {"error": "room not found"})] * 3

    def test_an_ended_room_is_404_to_its_own_token_and_403_to_any_other(self, hub, owned):
        hub.call("DELETE", "/api/host/rooms/ABCD", **{"X-Room-Token": owned})

        own = hub.call("POST", "/api/host/rooms/ABCD/heartbeat", **{"X-Room-Token": owned})
        other = hub.call("POST", "/api/host/rooms/ABCD/heartbeat", **{"X-Room-Token": "guess"})

        assert own == (404, {"error": "room not found"})
        assert other == (403, {"error": "invalid room token"})

    def test_host_secret_alone_still_creates_rooms(self, hub, owned):
        status, _ = hub.register({**ROOM, "room_code": "NEWR"})

        assert status == 201

    def test_once_the_room_ended_its_code_is_anyones_again(self, hub, owned):
        hub.call("DELETE", "/api/host/rooms/ABCD", **{"X-Room-Token": owned})

        status, room = hub.register({**EVIL, "room_code": "ABCD"})

        assert status == 201
        assert room["host_token"] != owned
        assert hub.call("DELETE", "/api/host/rooms/ABCD", **{"X-Room-Token": owned})[0] == 403
