"""DELETE /api/host/rooms/<code>: the host closes its room, with the room's token."""

import pytest

from rooms.models import Room
from tests.support import HOST_SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(register):
    return register({"room_code": "ABCD"}).json()["host_token"]


class TestRoomClose:
    def test_it_closes_the_room_so_it_is_no_longer_served(self, api, token):
        response = api.delete("/api/host/rooms/abcd", HTTP_X_ROOM_TOKEN=token)

        assert response.status_code == 204
        assert response.content == b""
        assert Room.objects.get().closed_at is not None
        assert api.get("/api/rooms/ABCD").status_code == 404

    def test_it_requires_the_rooms_token(self, api, token):
        missing = api.delete("/api/host/rooms/ABCD")
        with_the_host_secret = api.delete("/api/host/rooms/ABCD", HTTP_X_HOST_SECRET=HOST_SECRET)
        wrong = api.delete("/api/host/rooms/ABCD", HTTP_X_ROOM_TOKEN=token[:-1])

        assert (missing.status_code, missing.json()) == (403, {"error": "room token required"})
        assert with_the_host_secret.status_code == 403
        assert (wrong.status_code, wrong.json()) == (403, {"error": "invalid room token"})
        assert Room.objects.get().closed_at is None

    def test_another_rooms_token_does_not_close_it(self, api, register, token):
        other = register({"room_code": "WXYZ"}).json()["host_token"]

        response = api.delete("/api/host/rooms/ABCD", HTTP_X_ROOM_TOKEN=other)

        assert response.status_code == 403
        assert Room.objects.get(code="ABCD").closed_at is None

    def test_it_answers_404_for_an_unknown_or_already_closed_room(self, api, token):
        api.delete("/api/host/rooms/ABCD", HTTP_X_ROOM_TOKEN=token)

        again = api.delete("/api/host/rooms/ABCD", HTTP_X_ROOM_TOKEN=token)
        unknown = api.delete("/api/host/rooms/WXYZ", HTTP_X_ROOM_TOKEN=token)

        assert (again.status_code, again.json()) == (404, {"error": "room not found"})
        assert (unknown.status_code, unknown.json()) == (404, {"error": "room not found"})

    @pytest.mark.parametrize("code", ["AB%00CD", "not-a-code", "%C3%9F%C3%9F"])
    def test_it_answers_404_for_what_cannot_be_a_room_code(self, api, code):
        response = api.delete(f"/api/host/rooms/{code}", HTTP_X_ROOM_TOKEN="x")

        assert (response.status_code, response.json()) == (404, {"error": "room not found"})

    def test_registering_a_closed_code_again_opens_a_new_room_with_a_new_token(
        self, api, register, time_machine
    ):
        time_machine.move_to("2026-11-24 18:00:00Z", tick=False)
        first = register({"room_code": "ABCD"}).json()
        api.delete("/api/host/rooms/ABCD", HTTP_X_ROOM_TOKEN=first["host_token"])
        time_machine.shift(60)

        response = register({"room_code": "ABCD"})

        assert response.status_code == 201
        assert response.json()["created_at"] == first["created_at"] + 60_000
        assert response.json()["host_token"] != first["host_token"]
        assert api.get("/api/rooms/ABCD").status_code == 200
        assert Room.objects.count() == 1

    def test_it_closes_a_room_whose_code_is_register(self, api, register):
        token = register({"room_code": "register"}).json()["host_token"]

        response = api.delete("/api/host/rooms/register", HTTP_X_ROOM_TOKEN=token)

        assert response.status_code == 204
        assert api.get("/api/rooms/REGISTER").status_code == 404

    def test_an_operator_closes_rooms_in_the_admin_without_a_token(self, admin_client, token):
        room = Room.objects.get()

        admin_client.post(
            "/admin/rooms/room/", {"action": "close_rooms", "_selected_action": [room.pk]}
        )

        room.refresh_from_db()
        assert room.closed_at is not None
