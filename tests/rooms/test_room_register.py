import json
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from rooms.models import Room
from rooms.services import ALLOCATED_CODE_ALPHABET
from tests.support import HOST_SECRET

URL = "/api/host/rooms/register"
ROOM = {
    "room_code": "abcd",
    "ws_url": "wss://abc.trycloudflare.com/ws",
    "app_url": "https://miniapp-url.vercel.app",
}

pytestmark = pytest.mark.django_db


class TestRoomRegister:
    def test_it_creates_a_room_and_answers_201_with_the_room(self, api):
        response = api.post(URL, {**ROOM, "host_secret": HOST_SECRET})

        assert response.status_code == 201
        room = Room.objects.get()
        answer = response.json()
        assert answer == {
            "room_code": "ABCD",
            "ws_url": "wss://abc.trycloudflare.com/ws",
            "app_url": "https://miniapp-url.vercel.app",
            "created_at": int(room.created_at.timestamp() * 1000),
            "state": "lobby",
            "players": 0,
            "max_players": None,
            "locked": False,
            "full": False,
            "host_online": True,
            "last_seen": int(room.last_seen_at.timestamp() * 1000),
            "links": {
                "telegram": None,
                "bot": None,
                "web": "http://testserver/join/ABCD",
                "qr": "http://testserver/api/rooms/ABCD/qr.svg",
            },
            "expires_at": int(room.expires_at.timestamp() * 1000),
            "host_token": answer["host_token"],
        }

    def test_it_stores_the_code_upper_case(self, register):
        register({"room_code": "aBc9"})

        assert Room.objects.get().code == "ABC9"

    def test_it_accepts_the_secret_in_the_x_host_secret_header(self, api):
        response = api.post(URL, ROOM, HTTP_X_HOST_SECRET=HOST_SECRET)

        assert response.status_code == 201

    def test_it_accepts_the_secret_as_a_bearer_token(self, api):
        response = api.post(URL, ROOM, HTTP_AUTHORIZATION=f"Bearer {HOST_SECRET}")

        assert response.status_code == 201

    def test_it_requires_a_secret(self, api):
        response = api.post(URL, ROOM)

        assert response.status_code == 403
        assert response.json() == {"error": "host secret required"}
        assert not Room.objects.exists()

    @pytest.mark.parametrize(
        "credentials",
        [
            {"HTTP_X_HOST_SECRET": "wrong"},
            {"HTTP_AUTHORIZATION": "Bearer wrong"},
            {"HTTP_X_HOST_SECRET": HOST_SECRET + "x"},
        ],
    )
    def test_it_refuses_a_wrong_secret(self, api, credentials):
        response = api.post(URL, ROOM, **credentials)

        assert response.status_code == 403
        assert response.json() == {"error": "invalid host secret"}
        assert not Room.objects.exists()

    def test_it_refuses_a_wrong_secret_in_the_body(self, api):
        response = api.post(URL, {**ROOM, "host_secret": "wrong"})

        assert response.status_code == 403
        assert response.json() == {"error": "invalid host secret"}

    def test_it_answers_503_when_the_server_has_no_host_secret(self, api, settings):
        settings.HOST_SECRET = ""

        response = api.post(URL, {**ROOM, "host_secret": ""}, HTTP_X_HOST_SECRET="")

        assert response.status_code == 503
        assert response.json() == {"error": "host registration is not configured"}
        assert not Room.objects.exists()

    def test_it_never_returns_the_secret(self, api):
        response = api.post(URL, {**ROOM, "host_secret": HOST_SECRET})

        assert HOST_SECRET not in response.content.decode()

    def test_it_replaces_the_urls_and_keeps_created_at_when_registered_again(
        self, register, time_machine
    ):
        time_machine.move_to("2026-11-24 18:00:00Z", tick=False)
        first = register({"room_code": "ABCD"}).json()
        time_machine.shift(600)

        response = register(
            {
                "room_code": "abcd",
                "ws_url": "wss://new-tunnel.trycloudflare.com/ws",
                "app_url": "https://other.vercel.app",
                "host_token": first["host_token"],
            }
        )

        assert response.status_code == 200
        expected = {key: value for key, value in first.items() if key != "host_token"}
        assert response.json() == expected | {
            "ws_url": "wss://new-tunnel.trycloudflare.com/ws",
            "app_url": "https://other.vercel.app",
            "last_seen": first["last_seen"] + 600_000,
            "expires_at": first["expires_at"] + 600_000,
        }
        assert Room.objects.count() == 1

    def test_it_allocates_a_four_letter_code_when_none_is_given(self, register):
        response = register()

        assert response.status_code == 201
        code = response.json()["room_code"]
        assert len(code) == 4
        assert set(code) <= set(ALLOCATED_CODE_ALPHABET)
        assert Room.objects.get().code == code

    @pytest.mark.parametrize("omitted", [{"room_code": None}, {"room_code": ""}])
    def test_it_allocates_a_code_for_null_or_empty_room_code(self, register, omitted):
        response = register(omitted)

        assert response.status_code == 201
        assert len(response.json()["room_code"]) == 4

    def test_it_allocates_codes_no_live_room_holds(self, register, monkeypatch):
        # With a one-letter alphabet, AAAA is the only code; once it is live, nothing is free.
        monkeypatch.setattr("rooms.services.ALLOCATED_CODE_ALPHABET", "A")
        assert register().json()["room_code"] == "AAAA"

        response = register()

        assert response.status_code == 503
        assert response.json() == {"error": "no free room code right now; try again"}
        assert Room.objects.count() == 1

    def test_it_never_allocates_look_alike_letters(self):
        assert not set("ILO01") & set(ALLOCATED_CODE_ALPHABET)


class TestRoomRegisterRejectsBadInput:
    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"room_code": "abc"}, "room_code: must be 4 to 12 letters (A-Z) or digits"),
            ({"room_code": "A" * 13}, "room_code: must be 4 to 12 letters (A-Z) or digits"),
            ({"room_code": "AB-CD"}, "room_code: must be 4 to 12 letters (A-Z) or digits"),
            ({"room_code": "ÀBCD"}, "room_code: must be 4 to 12 letters (A-Z) or digits"),
            ({"room_code": "\uff11\uff12\uff13\uff14"}, "room_code: must be 4 to 12 letters (A-Z) or digits"),
            ({"room_code": 1234}, "room_code: must be a string"),
            ({"ws_url": "https://abc.trycloudflare.com/ws"}, "ws_url: must be a ws:// or wss:// URL"),
            ({"ws_url": "wss://"}, "ws_url: must be a ws:// or wss:// URL"),
            ({"ws_url": "not a url"}, "ws_url: must be a ws:// or wss:// URL"),
            ({"ws_url": ["wss://a.b"]}, "ws_url: must be a string"),
            ({"app_url": "http://miniapp.vercel.app"}, "app_url: must be an https:// URL (http:// only for localhost)"),
            ({"app_url": "ftp://miniapp.vercel.app"}, "app_url: must be an https:// URL"),
            ({"app_url": "javascript:alert(1)"}, "app_url: must be an https:// URL"),
            ({"ws_url": None}, "ws_url: This field may not be null."),
            ({"app_url": ""}, "app_url: This field may not be blank."),
            ({"ws_url": "wss://a.example:0/ws"}, "ws_url: must have a port from 1 to 65535"),
            ({"ws_url": "wss://a.example:99999/ws"}, "ws_url: must have a port from 1 to 65535"),
            ({"app_url": "https://a.example:0/"}, "app_url: must have a port from 1 to 65535"),
            ({"ws_url": "wss://a.example/\u202egnp.exe"}, "ws_url: must not contain backslashes, control or invisible characters"),
            ({"app_url": "https://a.example/\u200bx"}, "app_url: must not contain backslashes, control or invisible characters"),
            ({"app_url": "https://a.example/\x07"}, "app_url: must not contain backslashes, control or invisible characters"),
            ({"app_url": "http://evil.com\\@localhost/"}, "app_url: must not contain backslashes, control or invisible characters"),
            ({"ws_url": "ws://evil.com\\@localhost/ws"}, "ws_url: must not contain backslashes, control or invisible characters"),
            ({"app_url": "http://localhost:3000/join/GOOD"}, "app_url: must not be the hub's own /join/ page (it would send players round)"),
            ({"app_url": "http://127.0.0.1/join"}, "app_url: must not be the hub's own /join/ page (it would send players round)"),
            (
                {"ws_url": "wss://a.example/" + "x" * 2040},
                "ws_url: must be at most 2048 characters",
            ),
        ],
    )  # fmt: skip
    # A table reads best one case a line.
    def test_it_rejects_each_bad_field_with_a_clear_error(self, register, change, message):
        response = register({"room_code": "GOOD", **change})

        assert response.status_code == 400
        assert response.json() == {"error": message}
        assert not Room.objects.exists()

    def test_it_names_every_missing_field(self, api):
        response = api.post(URL, {}, HTTP_X_HOST_SECRET=HOST_SECRET)

        assert response.status_code == 400
        assert response.json() == {
            "error": "ws_url: This field is required.; app_url: This field is required."
        }

    @pytest.mark.parametrize(
        "app_url", ["http://localhost:5173/", "http://127.0.0.1:8080/game", "https://a.example"]
    )
    def test_it_allows_http_app_urls_only_on_localhost(self, register, app_url):
        response = register({"app_url": app_url})

        assert response.status_code == 201

    def test_it_refuses_an_app_url_at_the_public_urls_own_join_page(self, register, settings):
        settings.PUBLIC_URL = "https://hub.example"

        response = register({"app_url": "https://HUB.example/join/GOOD?x=1"})

        assert response.status_code == 400
        assert response.json() == {
            "error": "app_url: must not be the hub's own /join/ page (it would send players round)"
        }

    @pytest.mark.parametrize(
        "app_url",
        [
            "https://other.example/join/GOOD",
            "http://localhost:5173/joiner",
            "https://a.example:65535/",
        ],
    )
    def test_it_accepts_join_paths_elsewhere_and_every_real_port(self, register, app_url):
        assert register({"app_url": app_url}).status_code == 201

    def test_it_accepts_urls_of_exactly_2048_characters(self, register):
        ws_url = "wss://a.example/" + "x" * (2048 - len("wss://a.example/"))

        response = register({"ws_url": ws_url})

        assert response.status_code == 201
        assert Room.objects.get().ws_url == ws_url

    def test_it_rejects_malformed_json(self, api):
        response = api.post(
            URL, '{"ws_url": ', content_type="application/json", HTTP_X_HOST_SECRET=HOST_SECRET
        )

        assert response.status_code == 400
        assert response.json()["error"].startswith("JSON parse error")
        assert not Room.objects.exists()

    def test_it_rejects_malformed_json_even_with_the_secret_only_in_the_body(self, api):
        response = api.post(URL, "{nope", content_type="application/json")

        assert response.status_code == 400
        assert response.json()["error"].startswith("JSON parse error")

    @pytest.mark.parametrize("body", [[], ["ABCD"], "ABCD", 42, None])
    def test_it_rejects_a_body_that_is_not_an_object(self, api, body):
        response = api.post(
            URL, json.dumps(body), content_type="application/json", HTTP_X_HOST_SECRET=HOST_SECRET
        )

        assert response.status_code == 400
        assert response.json() == {"error": "request body must be a JSON object"}

    def test_it_refuses_a_body_over_16_kib(self, register):
        response = register({"padding": "x" * 16 * 1024})

        assert response.status_code == 413
        assert response.json() == {"error": "request body is larger than 16 KiB"}
        assert not Room.objects.exists()

    def test_it_rejects_a_body_that_is_not_json(self, api):
        response = api.post(
            URL, "room_code=ABCD", content_type="text/plain", HTTP_X_HOST_SECRET=HOST_SECRET
        )

        assert response.status_code == 415
        assert response.json() == {"error": 'Unsupported media type "text/plain" in request.'}

    def test_it_answers_405_in_json_to_other_methods(self, api):
        response = api.get(URL, HTTP_X_HOST_SECRET=HOST_SECRET)

        assert response.status_code == 405
        assert response.json() == {"error": 'Method "GET" not allowed.'}


@pytest.mark.django_db(transaction=True)
class TestRoomRegisterConcurrency:
    def run_in_threads(self, count, register_body):
        barrier = threading.Barrier(count)
        responses = [None] * count

        def worker(index):
            try:
                client = APIClient()
                barrier.wait()
                responses[index] = client.post(
                    URL, register_body(index), HTTP_X_HOST_SECRET=HOST_SECRET
                )
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return responses

    def test_same_code_registered_at_once_gives_one_room_and_no_error(self):
        responses = self.run_in_threads(
            8, lambda i: {**ROOM, "ws_url": f"wss://tunnel-{i}.trycloudflare.com/ws"}
        )

        statuses = sorted(response.status_code for response in responses)
        # One host wins the code; the others did not hold its token.
        assert statuses == [201] + [409] * 7
        room = Room.objects.get()
        assert room.code == "ABCD"
        (winner,) = [response.json() for response in responses if response.status_code == 201]
        assert room.ws_url == winner["ws_url"]

    def test_allocations_at_once_give_distinct_codes(self, monkeypatch):
        # Three letters make 81 codes, so eight parallel allocations collide often.
        monkeypatch.setattr("rooms.services.ALLOCATED_CODE_ALPHABET", "ABC")

        responses = self.run_in_threads(8, lambda i: {**ROOM, "room_code": None})

        assert [response.status_code for response in responses] == [201] * 8
        codes = {response.json()["room_code"] for response in responses}
        assert len(codes) == 8
        assert Room.objects.count() == 8
