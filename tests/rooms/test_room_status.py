"""A live room's status and liveness: heartbeats and PATCHes from its host, expiry moving with
each sign of life, the host shown offline after HOST_HEARTBEAT_TIMEOUT, and what the public
lookup shows of it."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from rooms.models import Room

pytestmark = pytest.mark.django_db

TTL = 12 * 60 * 60


@pytest.fixture
def clock(time_machine):
    time_machine.move_to("2026-11-24 20:00:00Z", tick=False)
    return time_machine


@pytest.fixture
def room(register, clock, settings):
    """The room ABCD: (its token, the registration's answer)."""
    settings.HOST_AUTH_FAIL_RATE = "off"
    answer = register({"room_code": "ABCD"}).json()
    return answer["host_token"], answer


def beat(api, token, body=None, code="ABCD"):
    return api.post(f"/api/host/rooms/{code}/heartbeat", body, HTTP_X_ROOM_TOKEN=token)


def patch(api, token, body, code="ABCD"):
    return api.patch(f"/api/host/rooms/{code}", body, HTTP_X_ROOM_TOKEN=token)


class TestHeartbeat:
    def test_a_bare_heartbeat_is_a_sign_of_life_answered_with_the_hosts_view(
        self, api, room, clock
    ):
        token, registered = room
        clock.shift(30)

        response = api.post("/api/host/rooms/ABCD/heartbeat", HTTP_X_ROOM_TOKEN=token)

        assert response.status_code == 200
        assert response.json() == {
            key: value for key, value in registered.items() if key != "host_token"
        } | {
            "last_seen": registered["last_seen"] + 30_000,
            "expires_at": registered["expires_at"] + 30_000,
        }

    def test_it_reports_the_rooms_status(self, api, room):
        token, _ = room

        response = beat(api, token, {"players": 3, "max_players": 8, "state": "playing"})

        assert response.status_code == 200
        answer = response.json()
        assert (answer["players"], answer["max_players"], answer["state"]) == (3, 8, "playing")
        assert api.get("/api/rooms/ABCD").json()["players"] == 3

    def test_fields_left_out_stay_as_they_are(self, api, room):
        token, _ = room
        beat(api, token, {"players": 3, "locked": True})

        answer = beat(api, token, {"players": 4}).json()

        assert (answer["players"], answer["locked"]) == (4, True)

    def test_heartbeats_move_expiry_on(self, api, room, clock):
        token, _ = room
        for _ in range(3):
            clock.shift(TTL - 60)
            assert beat(api, token).status_code == 200

        clock.shift(TTL - 60)
        assert api.get("/api/rooms/ABCD").status_code == 200
        clock.shift(61)
        assert api.get("/api/rooms/ABCD").status_code == 404
        assert beat(api, token).status_code == 404


class TestStatusIsValidated:
    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({"players": -1}, "players: Ensure this value is greater than or equal to 0."),
            ({"players": "3"}, "players: must be a whole number"),
            ({"players": 2.5}, "players: must be a whole number"),
            ({"players": True}, "players: must be a whole number"),
            ({"players": 10**6}, "players: Ensure this value is less than or equal to 100000."),
            ({"max_players": 0}, "max_players: Ensure this value is greater than or equal to 1."),
            ({"locked": "yes"}, "locked: must be true or false"),
            ({"locked": 1}, "locked: must be true or false"),
            ({"state": "paused"}, "state: must be lobby or playing"),
            ({"state": None}, "state: This field may not be null."),
            ({"colour": "red"}, "colour: unknown field"),
            ({"players": 3, "room_code": "WXYZ"}, "room_code: unknown field"),
        ],
    )
    @pytest.mark.parametrize("send", [beat, patch], ids=["heartbeat", "patch"])
    def test_a_bad_value_gets_400_and_changes_nothing(self, api, room, send, body, message):
        token, _ = room

        response = send(api, token, body)

        assert (response.status_code, response.json()) == (400, {"error": message})
        stored = Room.objects.get()
        assert (stored.players, stored.version, stored.locked) == (0, 0, False)

    @pytest.mark.parametrize("body", ["[]", "3", '"players"', "{nope"])
    def test_a_body_that_is_not_a_json_object_gets_400(self, api, room, body):
        token, _ = room

        response = api.post(
            "/api/host/rooms/ABCD/heartbeat",
            body,
            content_type="application/json",
            HTTP_X_ROOM_TOKEN=token,
        )

        assert response.status_code == 400
        assert Room.objects.get().version == 0

    def test_a_patch_validates_urls_as_a_registration_does(self, api, room):
        token, _ = room

        response = patch(api, token, {"ws_url": "https://not-a-socket.example"})

        assert response.json() == {"error": "ws_url: must be a ws:// or wss:// URL"}
        assert Room.objects.get().ws_url == "wss://abc.trycloudflare.com/ws"

    def test_max_players_may_be_taken_away_again(self, api, room):
        token, _ = room
        patch(api, token, {"max_players": 4})

        answer = patch(api, token, {"max_players": None}).json()

        assert answer["max_players"] is None


class TestPatch:
    def test_it_changes_the_urls_and_the_status(self, api, room):
        token, _ = room

        response = patch(
            api,
            token,
            {
                "ws_url": "wss://new.trycloudflare.com/ws",
                "app_url": "https://new.app",
                "locked": True,
            },
        )

        assert response.status_code == 200
        looked_up = api.get("/api/rooms/ABCD").json()
        assert (looked_up["ws_url"], looked_up["app_url"], looked_up["locked"]) == (
            "wss://new.trycloudflare.com/ws",
            "https://new.app",
            True,
        )

    def test_it_is_a_sign_of_life_too(self, api, room, clock):
        token, registered = room
        clock.shift(100)

        answer = patch(api, token, {"players": 2}).json()

        assert answer["last_seen"] == registered["last_seen"] + 100_000


class TestLiveness:
    def test_a_new_room_shows_its_host_online(self, api, room):
        assert api.get("/api/rooms/ABCD").json()["host_online"] is True

    def test_past_the_timeout_the_host_shows_offline_but_the_room_still_resolves(
        self, api, room, clock, settings
    ):
        settings.HOST_HEARTBEAT_TIMEOUT = 45
        clock.shift(45)
        assert api.get("/api/rooms/ABCD").json()["host_online"] is True

        clock.shift(1)
        response = api.get("/api/rooms/ABCD")

        assert response.status_code == 200
        assert response.json()["host_online"] is False

    def test_a_heartbeat_brings_the_host_back_online(self, api, room, clock):
        token, _ = room
        clock.shift(600)
        assert api.get("/api/rooms/ABCD").json()["host_online"] is False

        beat(api, token)

        assert api.get("/api/rooms/ABCD").json()["host_online"] is True

    def test_the_room_expires_ttl_after_the_last_sign_of_life(self, api, room, clock):
        token, _ = room
        clock.shift(3600)
        beat(api, token)

        clock.shift(TTL - 1)
        assert api.get("/api/rooms/ABCD").status_code == 200
        clock.shift(1)
        assert api.get("/api/rooms/ABCD").status_code == 404


class TestFull:
    @pytest.mark.parametrize(
        ("players", "max_players", "full"),
        [(0, None, False), (50, None, False), (7, 8, False), (8, 8, True), (9, 8, True)],
    )
    def test_a_room_is_full_when_its_players_reach_its_cap(
        self, api, room, players, max_players, full
    ):
        token, _ = room

        beat(api, token, {"players": players, "max_players": max_players})

        assert api.get("/api/rooms/ABCD").json()["full"] is full


@pytest.mark.django_db(transaction=True)
class TestConcurrentHosts:
    def test_fifty_heartbeats_at_once_all_count_and_break_nothing(self, room):
        token, _ = room
        answers = []
        barrier = threading.Barrier(10)

        def host(number: int) -> None:
            client = APIClient()
            try:
                barrier.wait()
                for beat_number in range(5):
                    players = number * 5 + beat_number
                    answers.append(beat(client, token, {"players": players}).status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=host, args=(n,)) for n in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        assert answers == [200] * 50
        stored = Room.objects.get()
        assert stored.version == 50
        assert 0 <= stored.players < 50

    def test_a_closed_room_stays_closed_whatever_wins_a_race_with_a_heartbeat(self, register):
        for attempt in range(10):
            code = f"RACE{attempt}"
            token = register({"room_code": code}).json()["host_token"]
            barrier = threading.Barrier(2)
            answers = {}

            def send(kind: str, code=code, token=token, barrier=barrier, answers=answers):
                client = APIClient()
                try:
                    barrier.wait()
                    if kind == "close":
                        answers[kind] = client.delete(
                            f"/api/host/rooms/{code}", HTTP_X_ROOM_TOKEN=token
                        ).status_code
                    else:
                        answers[kind] = beat(client, token, {"players": 5}, code=code).status_code
                finally:
                    connection.close()

            threads = [threading.Thread(target=send, args=(kind,)) for kind in ("close", "beat")]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)

            assert answers["close"] == 204
            assert answers["beat"] in (200, 404)
            assert Room.objects.get(code=code).closed_at is not None
