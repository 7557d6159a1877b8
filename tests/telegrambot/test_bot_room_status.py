"""The bot tells players the truth about a room: its player count, full, locked or already
playing, and no Mini App button when its host seems offline. Through the real bot (webhook
mode, in process) against the fake Bot API over HTTP, in English and Russian."""

import pytest

from rooms import services
from rooms.models import Room
from telegrambot.modes import webhook_secret_token
from telegrambot.webhook import webhook_bot_close

SECRET = "room-status-webhook-secret"
PUBLIC_URL = "https://hub.example"


@pytest.fixture
def ask(fake_telegram, settings, api):
    """Sends `text` to the bot as a player would; returns the bot's reply."""
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    settings.PUBLIC_URL = PUBLIC_URL

    def ask(text: str, **message) -> dict:
        update = fake_telegram.new_message(text, **message)
        api.post(
            "/telegram/webhook",
            update,
            format="json",
            HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=webhook_secret_token(),
        )
        chat = str(update["message"]["chat"]["id"])
        (reply,) = [
            c.params for c in fake_telegram.calls_to("sendMessage") if c.params["chat_id"] == chat
        ]
        return reply

    yield ask
    webhook_bot_close()


def open_room(**status) -> Room:
    registration = services.room_register(
        code="ABCD", ws_url="wss://a.example/ws", app_url="https://mini.app", status=status
    )
    return registration.room


def button(reply: dict) -> dict | None:
    markup = reply.get("reply_markup")
    return markup["inline_keyboard"][0][0] if markup else None


# The bot reads rooms from its own thread, which sees only committed data.
@pytest.mark.django_db(transaction=True)
class TestRoomStatusReplies:
    @pytest.mark.parametrize(
        ("status", "english", "russian"),
        [
            (
                {},
                "Room ABCD is open. Tap the button below to join the game.",
                "Комната ABCD открыта. Нажмите кнопку ниже, чтобы войти в игру.",
            ),
            (
                {"players": 3, "max_players": 8},
                "Room ABCD is open. Players: 3/8. Tap the button below to join the game.",
                "Комната ABCD открыта. Игроков: 3/8. Нажмите кнопку ниже, чтобы войти в игру.",
            ),
            (
                {"players": 5},
                "Room ABCD is open. Players: 5. Tap the button below to join the game.",
                "Комната ABCD открыта. Игроков: 5. Нажмите кнопку ниже, чтобы войти в игру.",
            ),
            (
                {"players": 8, "max_players": 8},
                "Room ABCD is open. Players: 8/8. The room is full. "
                "Tap the button below to join the game.",
                "Комната ABCD открыта. Игроков: 8/8. Мест больше нет. "
                "Нажмите кнопку ниже, чтобы войти в игру.",
            ),
            (
                {"locked": True},
                "Room ABCD is open. The host is not taking new players right now. "
                "Tap the button below to join the game.",
                "Комната ABCD открыта. Ведущий сейчас не принимает новых игроков. "
                "Нажмите кнопку ниже, чтобы войти в игру.",
            ),
            (
                {"state": "playing", "players": 4, "max_players": 6},
                "Room ABCD: the game has already started. Players: 4/6. "
                "Tap the button below to join the game.",
                "Комната ABCD: игра уже началась. Игроков: 4/6. "
                "Нажмите кнопку ниже, чтобы войти в игру.",
            ),
        ],
        ids=["plain", "players and cap", "players", "full", "locked", "playing"],
    )
    def test_a_live_room_is_described_as_its_host_reports_it(self, ask, status, english, russian):
        open_room(**status)

        in_english = ask("/start ABCD")
        in_russian = ask("ABCD", language_code="ru")

        assert in_english["text"] == english
        assert in_russian["text"] == russian
        # Full, locked or playing, a player may still be rejoining their seat: the host decides.
        assert button(in_english) == {
            "text": "Join room ABCD",
            "web_app": {"url": f"{PUBLIC_URL}/join/ABCD"},
        }

    def test_an_offline_host_gets_no_button_and_a_word_to_try_again(
        self, ask, settings, time_machine
    ):
        settings.HOST_HEARTBEAT_TIMEOUT = 45
        room = open_room()
        time_machine.move_to(room.last_seen_at, tick=False)
        time_machine.shift(46)

        in_english = ask("/join ABCD")
        in_russian = ask("/join abcd", language_code="ru")
        in_a_group = ask("/join ABCD", chat_type="group")

        assert in_english["text"] == (
            "The host of room ABCD seems to be offline. Try again in a minute."
        )
        assert in_russian["text"] == (
            "Ведущий комнаты ABCD, похоже, не в сети. Попробуйте через минуту."
        )
        assert [button(reply) for reply in (in_english, in_russian, in_a_group)] == [None] * 3

    def test_a_full_room_in_a_group_still_says_it_is_full(self, ask):
        open_room(players=2, max_players=2)

        reply = ask("/join ABCD", chat_type="group")

        assert "The room is full." in reply["text"]
