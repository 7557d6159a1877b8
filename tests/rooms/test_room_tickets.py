"""Tickets: a lookup with valid Telegram init data carries a JWT the room's host verifies with
its room token, naming the player; without init data there is none."""

import json
import time

import jwt
import pytest

from avatars.links import avatar_image_url
from rooms.models import PlayerVisit
from tests.support.fake_telegram import TOKEN
from tests.support.initdata import signed

pytestmark = pytest.mark.django_db

PLAYER = {"id": 777, "first_name": "Аня", "last_name": "Смирнова", "username": "anya"}


@pytest.fixture
def room(register, settings):
    settings.BOT_TOKEN = TOKEN
    settings.PUBLIC_URL = "https://hub.example"
    settings.ALLOWED_HOSTS = ["testserver"]
    answer = register({"room_code": "ABCD"}).json()
    return answer["host_token"]


def lookup(api, user: dict | None = PLAYER, code: str = "ABCD"):
    headers = {}
    if user is not None:
        init_data = signed(user=json.dumps(user, ensure_ascii=False, separators=(",", ":")))
        headers["HTTP_AUTHORIZATION"] = f"tma {init_data}"
    return api.get(f"/api/rooms/{code}", **headers)


def verified(ticket: str, token: str) -> dict:
    return jwt.decode(ticket, token.encode(), algorithms=["HS256"])


class TestTickets:
    def test_a_player_with_init_data_gets_a_ticket_the_host_verifies(self, api, room):
        before = int(time.time())

        ticket = lookup(api).json()["ticket"]

        claims = verified(ticket, room)
        assert claims == {
            "room": "ABCD",
            "sub": "777",
            "name": "Аня Смирнова",
            "username": "anya",
            "avatar": avatar_image_url(user_id=777, base_url="https://hub.example"),
            "iat": claims["iat"],
            "exp": claims["iat"] + 300,
        }
        assert before <= claims["iat"] <= int(time.time())

    def test_a_player_without_a_last_name_or_username(self, api, room):
        ticket = lookup(api, {"id": 8, "first_name": "Bo"}).json()["ticket"]

        claims = verified(ticket, room)
        assert (claims["name"], claims["username"]) == ("Bo", None)

    def test_without_init_data_there_is_no_ticket(self, api, room):
        answer = lookup(api, user=None).json()

        assert "ticket" not in answer

    def test_an_expired_ticket_is_refused(self, api, room, time_machine):
        time_machine.move_to("2026-12-01 12:00:00Z", tick=False)
        ticket = lookup(api).json()["ticket"]

        time_machine.shift(301)

        with pytest.raises(jwt.ExpiredSignatureError):
            verified(ticket, room)

    def test_another_rooms_token_does_not_verify_it(self, api, register, room):
        other = register({"room_code": "WXYZ"}).json()["host_token"]
        ticket = lookup(api).json()["ticket"]

        with pytest.raises(jwt.InvalidSignatureError):
            verified(ticket, other)
        assert verified(lookup(api, code="WXYZ").json()["ticket"], other)["room"] == "WXYZ"

    def test_a_tampered_ticket_is_refused(self, api, room):
        header, claims, signature = lookup(api).json()["ticket"].split(".")
        forged = jwt.utils.base64url_encode(
            json.dumps({**json.loads(jwt.utils.base64url_decode(claims)), "sub": "1"}).encode()
        ).decode()

        with pytest.raises(jwt.InvalidSignatureError):
            verified(f"{header}.{forged}.{signature}", room)

    def test_the_lookup_remembers_the_players_visit(self, api, room):
        lookup(api)

        visit = PlayerVisit.objects.get()
        assert (visit.user_id, visit.room.code) == (777, "ABCD")

    def test_the_ticket_never_shows_the_room_token(self, api, room):
        answer = lookup(api)

        assert room not in answer.content.decode()
