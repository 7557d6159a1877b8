"""One tap from Telegram into a room: in a group the bot's button opens the Mini App right there
(its startapp link), `@bot ABCD` in any chat offers an invitation whose button does the same,
and the bot's menu button opens the hub's /join/. Through the real bot (webhook mode, in
process) against the fake Bot API over HTTP."""

import io

import pytest
from django.core.management import call_command

from rooms import services
from telegrambot.modes import webhook_secret_token
from telegrambot.webhook import webhook_bot_close

PUBLIC_URL = "https://hub.example"


@pytest.fixture
def bot(fake_telegram, settings, api):
    """Hands an update to the bot through the webhook, as Telegram does."""
    settings.TELEGRAM_WEBHOOK_SECRET = "links-webhook-secret"
    settings.PUBLIC_URL = PUBLIC_URL

    def send(update: dict) -> None:
        response = api.post(
            "/telegram/webhook",
            update,
            format="json",
            HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=webhook_secret_token(),
        )
        assert response.status_code == 200

    yield send
    webhook_bot_close()


def open_room(code: str = "ABCD", **status) -> None:
    services.room_register(
        code=code, ws_url="wss://a.example/ws", app_url="https://mini.app", status=status
    )


def reply_to(fake, update: dict) -> dict:
    chat = str(update["message"]["chat"]["id"])
    (reply,) = [c.params for c in fake.calls_to("sendMessage") if c.params["chat_id"] == chat]
    return reply


@pytest.mark.django_db(transaction=True)
class TestGroupButtons:
    @pytest.mark.parametrize(
        ("short_name", "link"),
        [
            ("", "https://t.me/spirtuoz_test_bot?startapp=GRUP"),
            ("play", "https://t.me/spirtuoz_test_bot/play?startapp=GRUP"),
        ],
    )
    def test_a_group_gets_the_rooms_startapp_link(
        self, bot, fake_telegram, settings, short_name, link
    ):
        settings.MINI_APP_SHORT_NAME = short_name
        open_room("GRUP")
        update = fake_telegram.new_message("/join grup", chat_type="group")

        bot(update)

        reply = reply_to(fake_telegram, update)
        assert reply["text"] == "Room GRUP is open. Tap the button below to join the game."
        assert reply["reply_markup"] == {
            "inline_keyboard": [[{"text": "Join room GRUP", "url": link}]]
        }

    def test_a_private_chat_keeps_its_mini_app_button(self, bot, fake_telegram):
        open_room()
        update = fake_telegram.new_message("ABCD")

        bot(update)

        assert reply_to(fake_telegram, update)["reply_markup"]["inline_keyboard"][0][0] == {
            "text": "Join room ABCD",
            "web_app": {"url": f"{PUBLIC_URL}/join/ABCD"},
        }


@pytest.mark.django_db(transaction=True)
class TestInlineMode:
    def test_a_live_room_is_offered_with_its_status_and_a_one_tap_button(self, bot, fake_telegram):
        open_room(players=3, max_players=8)
        query = fake_telegram.new_inline_query("abcd")

        bot(query)

        (answer,) = fake_telegram.answers_to(query)
        assert int(answer["cache_time"]) == 5
        assert answer["results"] == [
            {
                "type": "article",
                "id": "ABCD",
                "title": "Join room ABCD",
                "description": "Room ABCD is open. Players: 3/8.",
                "input_message_content": {
                    "message_text": "Let's play Spirtuoz Party! Room ABCD, one tap to join: "
                    "https://t.me/spirtuoz_test_bot?startapp=ABCD"
                },
                "reply_markup": {
                    "inline_keyboard": [
                        [
                            {
                                "text": "Join room ABCD",
                                "url": "https://t.me/spirtuoz_test_bot?startapp=ABCD",
                            }
                        ]
                    ]
                },
            }
        ]

    def test_a_full_room_says_so_in_russian_too(self, bot, fake_telegram):
        open_room(players=4, max_players=4)
        query = fake_telegram.new_inline_query("ABCD", language_code="ru")

        bot(query)

        (result,) = fake_telegram.answers_to(query)[0]["results"]
        assert result["title"] == "Войти в комнату ABCD"
        assert result["description"] == "Комната ABCD открыта. Игроков: 4/4. Мест больше нет."

    @pytest.mark.parametrize("text", ["NOPE", "", "not a code", "ab"])
    def test_an_unknown_code_gets_no_result_and_so_no_button(self, bot, fake_telegram, text):
        query = fake_telegram.new_inline_query(text)

        bot(query)

        assert fake_telegram.answers_to(query)[0]["results"] == []


@pytest.mark.django_db
class TestMenuButton:
    def test_setwebhook_sets_the_menu_button_to_the_hubs_join_page(self, fake_telegram, settings):
        settings.TELEGRAM_WEBHOOK_SECRET = "links-webhook-secret"
        settings.PUBLIC_URL = PUBLIC_URL

        call_command("setwebhook", stdout=io.StringIO())

        (call,) = fake_telegram.calls_to("setChatMenuButton")
        assert call.params["menu_button"] == {
            "type": "web_app",
            "text": "Play",
            "web_app": {"url": f"{PUBLIC_URL}/join/"},
        }
