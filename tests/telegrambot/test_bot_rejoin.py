"""A dropped player is one tap from their seat: a bare /start (or /join) from someone who asked
the bot for a live room, or opened one in the Mini App with init data, offers a button back
into it; never once the room ended. And the bot's reply in a group becomes the room's lobby
card. Through the real bot (webhook mode, in process) against the fake Bot API over HTTP."""

import json

import pytest

from rooms import services
from rooms.models import Room
from telegrambot.models import LobbyCard
from telegrambot.modes import webhook_secret_token
from telegrambot.webhook import webhook_bot_close
from tests.support.initdata import signed

PUBLIC_URL = "https://hub.example"
PLAYER = 4242


@pytest.fixture
def ask(fake_telegram, settings, api):
    """Sends `text` to the bot from PLAYER; returns the bot's reply."""
    settings.TELEGRAM_WEBHOOK_SECRET = "rejoin-webhook-secret"
    settings.PUBLIC_URL = PUBLIC_URL

    def ask(text: str, **message) -> dict:
        update = fake_telegram.new_message(text, user_id=PLAYER, **message)
        api.post(
            "/telegram/webhook",
            update,
            format="json",
            HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=webhook_secret_token(),
        )
        chat = str(update["message"]["chat"]["id"])
        replies = [c.params for c in fake_telegram.calls_to("sendMessage")]
        return [reply for reply in replies if reply["chat_id"] == chat][-1]

    yield ask
    webhook_bot_close()


def open_room(code: str = "ABCD") -> Room:
    return services.room_register(
        code=code, ws_url="wss://a.example/ws", app_url="https://mini.app"
    ).room


def button(reply: dict) -> dict | None:
    markup = reply.get("reply_markup")
    return markup["inline_keyboard"][0][0] if markup else None


# The bot reads rooms from its own thread, which sees only committed data.
@pytest.mark.django_db(transaction=True)
class TestRejoin:
    def test_a_player_who_asked_for_a_room_is_offered_the_way_back(self, ask):
        open_room()
        ask("/join ABCD")

        reply = ask("/start")

        assert reply["text"].startswith("Spirtuoz Party is played from your phone.")
        assert button(reply) == {
            "text": "Back to room ABCD",
            "web_app": {"url": f"{PUBLIC_URL}/join/ABCD"},
        }

    def test_a_bare_join_offers_it_too_in_russian(self, ask):
        open_room()
        ask("abcd")

        reply = ask("/join", language_code="ru")

        assert button(reply)["text"] == "Вернуться в комнату ABCD"

    def test_a_player_who_opened_the_room_in_the_mini_app_is_offered_it(self, ask, api, settings):
        open_room()
        # Signed with the fake's token, which the fake_telegram fixture gives the hub.
        init_data = signed(user=json.dumps({"id": PLAYER, "first_name": "Anya"}))
        assert api.get("/api/rooms/ABCD", HTTP_AUTHORIZATION=f"tma {init_data}").status_code == 200

        reply = ask("/start")

        assert button(reply)["text"] == "Back to room ABCD"

    def test_the_last_room_is_the_one_offered(self, ask):
        open_room("ABCD")
        open_room("WXYZ")
        ask("/join ABCD")
        ask("/join WXYZ")

        assert button(ask("/start"))["text"] == "Back to room WXYZ"

    def test_nothing_is_offered_once_the_room_ended(self, ask):
        room = open_room()
        ask("/join ABCD")
        services.room_close(room=room)

        reply = ask("/start")

        assert button(reply) is None

    def test_nothing_is_offered_to_a_newcomer(self, ask):
        open_room()

        assert button(ask("/start")) is None

    def test_in_a_group_the_way_back_opens_the_mini_app_there(self, ask):
        open_room()
        ask("/join ABCD")

        reply = ask("/start", chat_type="group")

        assert button(reply) == {
            "text": "Back to room ABCD",
            "url": "https://t.me/spirtuoz_test_bot?startapp=ABCD",
        }


@pytest.mark.django_db(transaction=True)
class TestTheGroupsCard:
    def test_the_reply_in_a_group_becomes_the_rooms_card(self, ask, fake_telegram):
        room = open_room()

        reply = ask("/join ABCD", chat_type="group")

        card = LobbyCard.objects.get()
        sent = fake_telegram.calls_to("sendMessage")[-1]
        assert card.room == room
        assert str(card.chat_id) == reply["chat_id"]
        assert card.language == "en"
        assert not card.done
        assert sent.params["text"] == reply["text"]

    def test_a_reply_in_a_private_chat_is_no_card(self, ask):
        open_room()

        ask("/join ABCD")

        assert not LobbyCard.objects.exists()
