import pytest

from rooms import services
from rooms.models import Room

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/rooms/room/"


@pytest.fixture
def rooms(register, time_machine):
    """One live, one expired and one closed room."""
    time_machine.move_to("2026-11-24 06:00:00Z", tick=False)
    register({"room_code": "GONE"})
    time_machine.shift(13 * 60 * 60)
    register({"room_code": "LIVE", "ws_url": "wss://live.trycloudflare.com/ws"})
    register({"room_code": "SHUT"})
    services.room_close(room=Room.objects.get(code="SHUT"))


def codes_in(response) -> list[str]:
    return [room.code for room in response.context["cl"].result_list]


class TestRoomAdmin:
    def test_it_lists_rooms_with_their_urls_times_and_status(self, admin_client, rooms):
        response = admin_client.get(CHANGELIST)

        assert response.status_code == 200
        assert sorted(codes_in(response)) == ["GONE", "LIVE", "SHUT"]
        page = response.content.decode()
        for heading in ("Code", "WebSocket URL", "Mini App URL", "Created", "Last seen"):
            assert heading in page
        assert "Expires" in page
        assert "wss://live.trycloudflare.com/ws" in page
        for status in ("Live", "Expired", "Closed"):
            assert f'<td class="field-status">{status}</td>' in page

    @pytest.mark.parametrize(
        ("status", "codes"), [("live", ["LIVE"]), ("expired", ["GONE"]), ("closed", ["SHUT"])]
    )
    def test_it_filters_by_status(self, admin_client, rooms, status, codes):
        response = admin_client.get(CHANGELIST, {"status": status})

        assert codes_in(response) == codes

    def test_it_searches_by_code_in_any_case(self, admin_client, rooms):
        response = admin_client.get(CHANGELIST, {"q": "liv"})

        assert codes_in(response) == ["LIVE"]

    def test_it_closes_the_selected_rooms(self, admin_client, api, rooms):
        live = Room.objects.get(code="LIVE")

        response = admin_client.post(
            CHANGELIST,
            {"action": "close_rooms", "_selected_action": [live.pk]},
            follow=True,
        )

        assert response.status_code == 200
        assert "Closed 1 room(s)." in response.content.decode()
        assert Room.objects.get(code="LIVE").closed_at is not None
        assert api.get("/api/rooms/LIVE").status_code == 404

    def test_it_shows_timestamps_read_only(self, admin_client, rooms):
        room = Room.objects.get(code="LIVE")

        response = admin_client.get(f"{CHANGELIST}{room.pk}/change/")

        assert response.status_code == 200
        form_fields = set(response.context["adminform"].form.fields)
        assert form_fields == {"ws_url", "app_url"}

    def test_it_validates_urls_edited_by_hand(self, admin_client, rooms):
        room = Room.objects.get(code="LIVE")

        response = admin_client.post(
            f"{CHANGELIST}{room.pk}/change/",
            {"ws_url": "http://not-a-websocket", "app_url": "https://mini.app"},
        )

        assert response.status_code == 200
        assert "must be a ws:// or wss:// URL" in response.content.decode()
        assert Room.objects.get(pk=room.pk).ws_url == "wss://live.trycloudflare.com/ws"

    def test_an_edit_by_hand_is_a_change_the_lookup_sees(self, admin_client, api, rooms):
        room = Room.objects.get(code="LIVE")
        before = api.get("/api/rooms/LIVE").json()

        admin_client.post(
            f"{CHANGELIST}{room.pk}/change/",
            {"ws_url": "wss://moved.trycloudflare.com/ws", "app_url": "https://mini.app"},
        )

        assert Room.objects.get(pk=room.pk).version == room.version + 1
        assert api.get("/api/rooms/LIVE").json() == before | {
            "ws_url": "wss://moved.trycloudflare.com/ws"
        }

    def test_it_shows_what_the_host_reports_and_filters_by_host_online(
        self, admin_client, rooms, time_machine
    ):
        live = Room.objects.get(code="LIVE")
        Room.objects.filter(pk=live.pk).update(players=3, max_players=8, state="playing")
        register_time = live.last_seen_at

        listed = admin_client.get(CHANGELIST).content.decode()
        online = codes_in(admin_client.get(f"{CHANGELIST}?host_online=yes"))
        time_machine.move_to(register_time, tick=False)
        time_machine.shift(60)
        offline_later = codes_in(admin_client.get(f"{CHANGELIST}?host_online=no"))

        assert '<td class="field-players_of_max">3/8</td>' in listed
        assert '<td class="field-state">Playing</td>' in listed
        for heading in ("State", "Players", "Host online", "Last seen"):
            assert heading in listed
        assert sorted(online) == ["LIVE", "SHUT"]
        assert "LIVE" in offline_later

    def test_it_does_not_add_rooms_by_hand(self, admin_client):
        assert admin_client.get(f"{CHANGELIST}add/").status_code == 403

    def test_it_closes_rooms_but_never_deletes_them_by_hand(self, admin_client, rooms):
        live = Room.objects.get(code="LIVE")

        page = admin_client.get(f"{CHANGELIST}{live.pk}/change/").content.decode()
        refused = admin_client.post(f"{CHANGELIST}{live.pk}/delete/", {"post": "yes"})
        bulk = admin_client.post(
            CHANGELIST, {"action": "delete_selected", "_selected_action": [live.pk], "post": "yes"}
        )

        assert 'class="deletelink"' not in page
        assert refused.status_code == 403
        assert bulk.status_code in (200, 302)
        assert Room.objects.filter(code="LIVE").exists()

    def test_it_requires_a_staff_login(self, client):
        response = client.get(CHANGELIST)

        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")
