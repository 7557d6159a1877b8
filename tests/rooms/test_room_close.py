import pytest

from rooms.models import Room
from tests.support import HOST_SECRET

pytestmark = pytest.mark.django_db


class TestRoomClose:
    def test_it_closes_the_room_so_it_is_no_longer_served(self, api, register):
        register({"room_code": "ABCD"})

        response = api.delete("/api/host/rooms/abcd", HTTP_X_HOST_SECRET=HOST_SECRET)

        assert response.status_code == 204
        assert response.content == b""
        assert Room.objects.get().closed_at is not None
        assert api.get("/api/rooms/ABCD").status_code == 404

    def test_it_accepts_a_bearer_token(self, api, register):
        register({"room_code": "ABCD"})

        response = api.delete("/api/host/rooms/ABCD", HTTP_AUTHORIZATION=f"Bearer {HOST_SECRET}")

        assert response.status_code == 204

    def test_it_requires_the_secret(self, api, register):
        register({"room_code": "ABCD"})

        missing = api.delete("/api/host/rooms/ABCD")
        wrong = api.delete("/api/host/rooms/ABCD", HTTP_X_HOST_SECRET="nope")

        assert (missing.status_code, missing.json()) == (403, {"error": "host secret required"})
        assert (wrong.status_code, wrong.json()) == (403, {"error": "invalid host secret"})
        assert Room.objects.get().closed_at is None

    def test_it_answers_503_when_the_server_has_no_host_secret(self, api, settings):
        settings.HOST_SECRET = ""

        response = api.delete("/api/host/rooms/ABCD", HTTP_X_HOST_SECRET="anything")

        assert response.status_code == 503
        assert response.json() == {"error": "host registration is not configured"}

    def test_it_answers_404_for_an_unknown_or_already_closed_room(self, api, register):
        register({"room_code": "ABCD"})
        api.delete("/api/host/rooms/ABCD", HTTP_X_HOST_SECRET=HOST_SECRET)

        again = api.delete("/api/host/rooms/ABCD", HTTP_X_HOST_SECRET=HOST_SECRET)
        unknown = api.delete("/api/host/rooms/WXYZ", HTTP_X_HOST_SECRET=HOST_SECRET)

        assert (again.status_code, again.json()) == (404, {"error": "room not found"})
        assert (unknown.status_code, unknown.json()) == (404, {"error": "room not found"})

    @pytest.mark.parametrize("code", ["AB%00CD", "not-a-code", "%C3%9F%C3%9F"])
    def test_it_answers_404_for_what_cannot_be_a_room_code(self, api, code):
        response = api.delete(f"/api/host/rooms/{code}", HTTP_X_HOST_SECRET=HOST_SECRET)

        assert (response.status_code, response.json()) == (404, {"error": "room not found"})

    def test_registering_a_closed_code_again_opens_a_new_room(self, api, register, time_machine):
        time_machine.move_to("2026-11-24 18:00:00Z", tick=False)
        first = register({"room_code": "ABCD"}).json()
        api.delete("/api/host/rooms/ABCD", HTTP_X_HOST_SECRET=HOST_SECRET)
        time_machine.shift(60)

        response = register({"room_code": "ABCD"})

        assert response.status_code == 201
        assert response.json()["created_at"] == first["created_at"] + 60_000
        assert api.get("/api/rooms/ABCD").status_code == 200
        assert Room.objects.count() == 1

    def test_it_closes_a_room_whose_code_is_register(self, api, register):
        register({"room_code": "register"})

        response = api.delete("/api/host/rooms/register", HTTP_X_HOST_SECRET=HOST_SECRET)

        assert response.status_code == 204
        assert api.get("/api/rooms/REGISTER").status_code == 404
