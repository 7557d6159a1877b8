"""GET /join/<code>: where the bot's join button leads."""

import pytest

from rooms import services
from rooms.models import Room

pytestmark = pytest.mark.django_db


def open_room(code: str = "ABCD", app_url: str = "https://mini.app", token: str = "") -> str:
    """Registers the room (again, with its token) and returns its token."""
    registration = services.room_register(
        code=code, ws_url="wss://abc.trycloudflare.com/ws", app_url=app_url, token=token
    )
    return registration.token or token


class TestRoomJoin:
    def test_it_redirects_to_the_rooms_app_with_the_code(self, client):
        open_room()

        response = client.get("/join/ABCD")

        assert response.status_code == 302
        assert response.headers["Location"] == "https://mini.app?room=ABCD"

    def test_it_finds_the_room_in_any_case(self, client):
        open_room("AB12")

        response = client.get("/join/ab12")

        assert response.headers["Location"] == "https://mini.app?room=AB12"

    def test_it_keeps_the_apps_own_query_and_path(self, client):
        open_room(app_url="https://mini.app/play/?v=2&theme=dark%20blue&flag")

        response = client.get("/join/ABCD")

        assert (
            response.headers["Location"]
            == "https://mini.app/play/?v=2&theme=dark%20blue&flag&room=ABCD"
        )

    def test_it_replaces_a_room_parameter_the_app_url_already_had(self, client):
        open_room(app_url="https://mini.app/?room=OLD&v=2")

        response = client.get("/join/ABCD")

        assert response.headers["Location"] == "https://mini.app/?v=2&room=ABCD"

    def test_it_follows_the_app_url_of_the_latest_registration(self, client):
        token = open_room(app_url="https://old.example")
        open_room(app_url="https://new.example/app", token=token)

        response = client.get("/join/ABCD")

        assert response.headers["Location"] == "https://new.example/app?room=ABCD"

    def test_the_redirect_is_never_cached(self, client):
        open_room()

        response = client.get("/join/ABCD")

        assert "no-cache" in response.headers["Cache-Control"]
        assert "no-store" in response.headers["Cache-Control"]

    def test_it_answers_head_and_refuses_writes(self, client):
        open_room()

        assert client.head("/join/ABCD").status_code == 302
        assert client.post("/join/ABCD").status_code == 405


class TestRoomJoinNotFound:
    def test_an_unknown_room_gets_a_friendly_page(self, client):
        response = client.get("/join/ZZZZ")

        assert response.status_code == 404
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["Content-Language"] == "en"
        page = response.content.decode()
        assert '<html lang="en">' in page
        assert "<h1>Room not found</h1>" in page
        assert "Room ZZZZ was not found or has already ended." in page
        assert "Ask the host for the code shown on the game screen" in page

    def test_a_closed_room_gets_the_page(self, client):
        open_room()
        services.room_close(room=Room.objects.get(code="ABCD"))

        response = client.get("/join/abcd")

        assert response.status_code == 404
        assert "Room ABCD was not found or has already ended." in response.content.decode()

    def test_an_expired_room_gets_the_page(self, client, time_machine):
        time_machine.move_to("2026-11-24 18:00:00Z", tick=False)
        open_room()
        time_machine.shift(12 * 60 * 60)

        assert client.get("/join/ABCD").status_code == 404

    def test_it_speaks_russian_to_a_russian_browser(self, client):
        response = client.get("/join/zzzz", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.8")

        assert response.status_code == 404
        assert response.headers["Content-Language"] == "ru"
        assert "Accept-Language" in response.headers["Vary"]
        page = response.content.decode()
        assert '<html lang="ru">' in page
        assert "<h1>Комната не найдена</h1>" in page
        assert "Комната ZZZZ не найдена или игра в ней уже закончилась." in page

    def test_it_speaks_english_to_other_languages(self, client):
        response = client.get("/join/ZZZZ", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")

        assert "<h1>Room not found</h1>" in response.content.decode()

    def test_a_room_whose_host_is_offline_gets_a_page_saying_so(
        self, client, settings, time_machine
    ):
        settings.HOST_HEARTBEAT_TIMEOUT = 45
        time_machine.move_to("2026-11-24 20:00:00Z", tick=False)
        open_room()
        time_machine.shift(46)

        page = client.get("/join/ABCD")
        in_russian = client.get("/join/ABCD", HTTP_ACCEPT_LANGUAGE="ru")

        assert page.status_code == 503
        assert page.headers["Retry-After"] == "60"
        assert "The game in room ABCD is not answering right now." in page.content.decode()
        assert "Игра в комнате ABCD сейчас не отвечает." in in_russian.content.decode()
        assert "Location" not in page.headers

    def test_it_does_not_echo_what_is_not_a_room_code(self, client):
        response = client.get("/join/%3Cscript%3E")

        assert response.status_code == 404
        page = response.content.decode()
        assert "<script>" not in page
        assert "There is no room with that code, or it has already ended." in page

    def test_the_page_may_show_inside_telegram_webs_iframe(self, client):
        response = client.get("/join/ZZZZ")

        assert "X-Frame-Options" not in response.headers

    def test_the_api_stays_in_english_whatever_the_browser_speaks(self, api):
        response = api.post("/api/rooms/ABCD", {}, HTTP_ACCEPT_LANGUAGE="ru")

        assert response.json() == {"error": 'Method "POST" not allowed.'}
