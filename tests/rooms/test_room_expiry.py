import pytest
from django.core.management import call_command

from rooms import services
from rooms.models import Room

pytestmark = pytest.mark.django_db

TTL = 12 * 60 * 60


@pytest.fixture(autouse=True)
def _frozen_clock(time_machine):
    time_machine.move_to("2026-11-24 18:00:00Z", tick=False)


class TestRoomExpiry:
    def test_a_room_is_served_until_its_ttl_runs_out(self, api, register, time_machine):
        created = register({"room_code": "ABCD"}).json()
        assert created["expires_at"] - created["created_at"] == TTL * 1000

        time_machine.shift(TTL - 1)
        assert api.get("/api/rooms/ABCD").status_code == 200

        time_machine.shift(1)
        response = api.get("/api/rooms/ABCD")
        assert response.status_code == 404
        assert response.json() == {"error": "room not found"}

    def test_the_ttl_comes_from_settings(self, api, register, settings, time_machine):
        settings.ROOM_TTL_SECONDS = 60
        register({"room_code": "ABCD"})

        time_machine.shift(60)

        assert api.get("/api/rooms/ABCD").status_code == 404

    def test_registering_again_extends_the_room(self, api, register, time_machine):
        token = register({"room_code": "ABCD"}).json()["host_token"]
        time_machine.shift(TTL - 10)
        register({"room_code": "ABCD", "host_token": token})

        time_machine.shift(TTL - 10)

        assert api.get("/api/rooms/ABCD").status_code == 200

    def test_registering_an_expired_code_opens_a_new_room(self, register, time_machine):
        first = register({"room_code": "ABCD"}).json()
        time_machine.shift(TTL + 5)

        response = register({"room_code": "ABCD"})

        assert response.status_code == 201
        assert response.json()["created_at"] == first["created_at"] + (TTL + 5) * 1000

    def test_an_expired_code_may_be_allocated_again(self, register, monkeypatch, time_machine):
        monkeypatch.setattr("rooms.services.ALLOCATED_CODE_ALPHABET", "A")
        register()
        time_machine.shift(TTL)

        response = register()

        assert response.status_code == 201
        assert response.json()["room_code"] == "AAAA"


class TestPurgeRooms:
    def test_it_deletes_expired_and_closed_rooms_and_keeps_live_ones(
        self, register, time_machine, capsys
    ):
        register({"room_code": "OLD1"})
        time_machine.shift(TTL)
        register({"room_code": "LIVE"})
        register({"room_code": "SHUT"})
        services.room_close(room=Room.objects.get(code="SHUT"))

        call_command("purge_rooms")

        assert list(Room.objects.values_list("code", flat=True)) == ["LIVE"]
        assert capsys.readouterr().out == "Deleted 2 expired or closed room(s).\n"

    def test_it_is_safe_to_run_again(self, register, capsys):
        register({"room_code": "LIVE"})

        call_command("purge_rooms")
        call_command("purge_rooms")

        assert Room.objects.count() == 1
        assert capsys.readouterr().out.count("Deleted 0 expired or closed room(s).") == 2
