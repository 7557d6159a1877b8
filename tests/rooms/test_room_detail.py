import pytest

from rooms import services
from rooms.models import Room

pytestmark = pytest.mark.django_db


class TestRoomDetail:
    def test_it_returns_the_room_in_the_mini_app_contract(self, api, register):
        created = register({"room_code": "ABCD"}).json()

        response = api.get("/api/rooms/ABCD")

        assert response.status_code == 200
        # The original design's four fields first, exactly, then the room's status.
        assert list(response.json())[:4] == ["room_code", "ws_url", "app_url", "created_at"]
        assert response.json() == {
            "room_code": "ABCD",
            "ws_url": "wss://abc.trycloudflare.com/ws",
            "app_url": "https://mini.app",
            "created_at": created["created_at"],
            "state": "lobby",
            "players": 0,
            "max_players": None,
            "locked": False,
            "full": False,
            "host_online": True,
            "last_seen": created["last_seen"],
            "links": created["links"],
        }
        assert isinstance(response.json()["created_at"], int)

    def test_it_finds_the_room_in_any_case(self, api, register):
        register({"room_code": "Ab12"})

        assert api.get("/api/rooms/ab12").status_code == 200
        assert api.get("/api/rooms/AB12").json()["room_code"] == "AB12"

    # %00 is a NUL, which PostgreSQL cannot even compare (the fuzzing in test_fuzz.py found it).
    @pytest.mark.parametrize("code", ["ZZZZ", "AB", "not-a-code", "A" * 40, "AB%00CD", "%C3%9F"])
    def test_it_answers_404_for_unknown_codes(self, api, code):
        response = api.get(f"/api/rooms/{code}")

        assert response.status_code == 404
        assert response.json() == {"error": "room not found"}

    def test_it_needs_no_secret_and_lets_any_origin_read_it(self, api, register):
        register({"room_code": "ABCD"})

        response = api.get("/api/rooms/ABCD", HTTP_ORIGIN="https://miniapp-url.vercel.app")

        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"

    def test_it_does_not_open_host_endpoints_to_browsers(self, api):
        response = api.options(
            "/api/host/rooms/register",
            HTTP_ORIGIN="https://evil.example",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        )

        assert "Access-Control-Allow-Origin" not in response.headers

    def test_it_answers_405_to_writes(self, api):
        response = api.post("/api/rooms/ABCD", {})

        assert response.status_code == 405
        assert response.json() == {"error": 'Method "POST" not allowed.'}

    def test_it_does_not_serve_a_closed_room(self, api, register):
        register({"room_code": "ABCD"})
        services.room_close(room=Room.objects.get(code="ABCD"))

        response = api.get("/api/rooms/ABCD")

        assert response.status_code == 404
        assert response.json() == {"error": "room not found"}
