"""The bot as `manage.py runbot` runs it: a real process, long-polling the fake Bot API."""

import signal

import pytest
from django.core.management import CommandError, call_command

from rooms import services
from rooms.models import Room
from tests.support.bot_process import PUBLIC_URL, RunBot, bot_environment
from tests.support.fake_telegram import BOT_USER, FakeTelegram

# Starts processes or servers of its own: left out of `make test-fast`.
pytestmark = pytest.mark.slow

BOT = BOT_USER["username"]
HOW_TO_JOIN_EN = (
    "Spirtuoz Party is played from your phone.\n\n"
    "To join a game, send me the room code shown on the host's screen, for example ABCD, "
    "or open the link the host shares.\n"
    "You can also type /join ABCD. Upper or lower case, both work."
)
HOW_TO_JOIN_RU = (
    "В Spirtuoz Party играют с телефона.\n\n"
    "Чтобы войти в игру, отправьте мне код комнаты с экрана ведущего, например ABCD, "
    "или откройте ссылку, которой поделился ведущий.\n"
    "Можно и так: /join ABCD. Заглавные или строчные буквы — неважно."
)


def open_room(code: str) -> None:
    services.room_register(
        code=code, ws_url="wss://abc.trycloudflare.com/ws", app_url="https://mini.app"
    )


def web_app_button(text: str, code: str) -> dict:
    return {"inline_keyboard": [[{"text": text, "web_app": {"url": f"{PUBLIC_URL}/join/{code}"}}]]}


def chat_id(update: dict) -> str:
    return str(update["message"]["chat"]["id"])


@pytest.fixture(scope="module")
def fake():
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def bot(fake, django_db_setup, tmp_path_factory):
    """One runbot process for the module; each test talks to it from its own chat."""
    bot = RunBot(bot_environment(fake), tmp_path_factory.mktemp("runbot") / "runbot.log")
    fake.wait_for_call("getUpdates", timeout=30)
    yield bot
    bot.stop()


@pytest.mark.django_db(transaction=True)
class TestPolling:
    def test_its_menu_button_opens_the_hubs_join_page(self, fake, bot):
        (call,) = fake.calls_to("setChatMenuButton")

        assert call.params["menu_button"] == {
            "type": "web_app",
            "text": "Play",
            "web_app": {"url": f"{PUBLIC_URL}/join/"},
        }

    def test_it_registers_its_commands_in_english_and_russian(self, fake, bot):
        commands = {
            call.params.get("language_code"): call.params["commands"]
            for call in fake.calls_to("setMyCommands")
        }

        assert commands == {
            None: [
                {"command": "start", "description": "Start and see how to join a game"},
                {"command": "join", "description": "Join a room by its code: /join ABCD"},
                {"command": "help", "description": "How to join a game"},
            ],
            "ru": [
                {"command": "start", "description": "Начать и узнать, как войти в игру"},
                {"command": "join", "description": "Войти в комнату по коду: /join ABCD"},
                {"command": "help", "description": "Как войти в игру"},
            ],
        }

    def test_it_removes_any_webhook_before_polling(self, fake, bot):
        assert fake.count("deleteWebhook") == 1
        assert fake.calls_to("getUpdates")[0].params["allowed_updates"] == [
            "message",
            "inline_query",
        ]

    def test_a_deep_link_to_a_live_room_gets_a_mini_app_button(self, fake, bot):
        open_room("ABCD")

        update = fake.add_message("/start ABCD")

        assert fake.wait_for_reply(update) == {
            "chat_id": chat_id(update),
            "text": "Room ABCD is open. Tap the button below to join the game.",
            "reply_markup": web_app_button("Join room ABCD", "ABCD"),
        }

    def test_join_and_a_bare_code_in_any_case_get_the_same_answer(self, fake, bot):
        open_room("AB12")

        joined = fake.add_message("/join ab12")
        typed = fake.add_message("  aB12 ")

        for update in (joined, typed):
            reply = fake.wait_for_reply(update)
            assert reply["text"] == "Room AB12 is open. Tap the button below to join the game."
            assert reply["reply_markup"] == web_app_button("Join room AB12", "AB12")

    def test_it_answers_russian_speakers_in_russian(self, fake, bot):
        open_room("RUSS")

        update = fake.add_message("/start RUSS", language_code="ru")

        assert fake.wait_for_reply(update) == {
            "chat_id": chat_id(update),
            "text": "Комната RUSS открыта. Нажмите кнопку ниже, чтобы войти в игру.",
            "reply_markup": web_app_button("Войти в комнату RUSS", "RUSS"),
        }

    def test_other_languages_and_none_get_english(self, fake, bot):
        german = fake.add_message("/help", language_code="de")
        unknown = fake.add_message("/help", language_code=None)

        assert fake.wait_for_reply(german)["text"] == HOW_TO_JOIN_EN
        assert fake.wait_for_reply(unknown)["text"] == HOW_TO_JOIN_EN

    def test_an_unknown_code_gets_no_button_and_a_way_forward(self, fake, bot):
        update = fake.add_message("/start zzzz")

        assert fake.wait_for_reply(update) == {
            "chat_id": chat_id(update),
            "text": "Room ZZZZ was not found or has already ended. "
            "Ask the host for the code shown on the game screen and send it to me.",
        }

    def test_a_closed_room_is_not_found_in_russian_either(self, fake, bot):
        open_room("SHUT")
        services.room_close(room=Room.objects.get(code="SHUT"))

        update = fake.add_message("SHUT", language_code="ru")

        assert fake.wait_for_reply(update) == {
            "chat_id": chat_id(update),
            "text": "Комната SHUT не найдена или игра в ней уже закончилась. "
            "Попросите у ведущего код с экрана игры и отправьте его мне.",
        }

    def test_something_that_is_not_a_code_is_not_echoed(self, fake, bot):
        update = fake.add_message("/join no!")

        assert fake.wait_for_reply(update)["text"] == (
            "There is no room with that code, or it has already ended. "
            "Ask the host for the code shown on the game screen and send it to me."
        )

    def test_start_without_a_code_and_help_say_how_to_join(self, fake, bot):
        updates = [
            fake.add_message("/start"),
            fake.add_message("/help"),
            fake.add_message("/start", language_code="ru"),
            fake.add_message("/help", language_code="ru"),
        ]

        replies = [fake.wait_for_reply(update) for update in updates]

        assert replies == [
            {"chat_id": chat_id(updates[0]), "text": HOW_TO_JOIN_EN},
            {"chat_id": chat_id(updates[1]), "text": HOW_TO_JOIN_EN},
            {"chat_id": chat_id(updates[2]), "text": HOW_TO_JOIN_RU},
            {"chat_id": chat_id(updates[3]), "text": HOW_TO_JOIN_RU},
        ]

    def test_join_without_a_code_asks_for_one(self, fake, bot):
        update = fake.add_message("/join")

        assert fake.wait_for_reply(update)["text"] == (
            "Put the room code after the command, for example /join ABCD, "
            "or just send me the code."
        )

    def test_other_private_messages_get_the_help(self, fake, bot):
        chatter = fake.add_message("hello there, bot")
        unknown_command = fake.add_message("/play")

        assert fake.wait_for_reply(chatter)["text"] == HOW_TO_JOIN_EN
        assert fake.wait_for_reply(unknown_command)["text"] == HOW_TO_JOIN_EN


@pytest.mark.django_db(transaction=True)
class TestPollingInGroups:
    def test_a_code_in_a_group_gets_a_link_that_opens_the_mini_app_there(self, fake, bot):
        open_room("GRUP")

        update = fake.add_message(f"/join@{BOT} grup", chat_type="supergroup")

        assert fake.wait_for_reply(update) == {
            "chat_id": chat_id(update),
            "text": "Room GRUP is open. Tap the button below to join the game.",
            "reply_markup": {
                "inline_keyboard": [
                    [{"text": "Join room GRUP", "url": f"https://t.me/{BOT}?startapp=GRUP"}]
                ]
            },
            "reply_parameters": {"message_id": update["message"]["message_id"]},
        }

    def test_a_group_gets_russian_too(self, fake, bot):
        open_room("GRRU")

        update = fake.add_message("/start GRRU", chat_type="group", language_code="ru")

        reply = fake.wait_for_reply(update)
        assert reply["text"] == ("Комната GRRU открыта. Нажмите кнопку ниже, чтобы войти в игру.")
        assert reply["reply_markup"] == {
            "inline_keyboard": [
                [{"text": "Войти в комнату GRRU", "url": f"https://t.me/{BOT}?startapp=GRRU"}]
            ]
        }

    def test_an_unknown_code_in_a_group_gets_no_button(self, fake, bot):
        update = fake.add_message("/join NONE", chat_type="group")

        reply = fake.wait_for_reply(update)
        assert reply["text"].startswith("Room NONE was not found or has already ended.")
        assert "reply_markup" not in reply

    def test_group_chatter_that_looks_like_a_code_gets_no_answer(self, fake, bot):
        open_room("CHAT")
        chatter = fake.add_message("chat", chat_type="group")
        help_in_the_same_group = fake.new_message("/help", chat_type="group")
        help_in_the_same_group["message"]["chat"] = chatter["message"]["chat"]
        fake.add_update(help_in_the_same_group)

        # Updates are handled in order, so when /help is answered the chatter was handled too.
        assert fake.wait_for_reply(help_in_the_same_group)["text"] == HOW_TO_JOIN_EN
        to_the_group = [
            call
            for call in fake.calls_to("sendMessage")
            if call.params["chat_id"] == chat_id(chatter)
        ]
        assert len(to_the_group) == 1


@pytest.mark.django_db(transaction=True)
class TestPollingThroughTrouble:
    def test_it_survives_telegram_errors_and_never_logs_the_token(self, fake, bot):
        open_room("LIVE")

        fake.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, times=1)
        throttled = fake.add_message("/start LIVE")
        fake.wait_for_reply(throttled)
        fake.fail("sendMessage", 500, times=1)
        failed = fake.add_message("/start LIVE")
        fake.wait_for_reply(failed)
        polls_so_far = {id(call) for call in fake.calls_to("getUpdates")}
        fake.fail("getUpdates", 502, "Bad Gateway", times=1)
        fake.wait_for_call("getUpdates", lambda call: id(call) not in polls_so_far)
        after = fake.add_message("/start LIVE")

        assert fake.wait_for_reply(after)["text"].startswith("Room LIVE is open.")
        assert bot.process.poll() is None
        log = bot.output()
        assert "Telegram error while handling update" in log
        assert "RetryAfter" in log
        assert "Telegram error while polling: NetworkError('Bad Gateway')" in log
        assert fake.token not in log


class TestRunbotLifecycle:
    @pytest.mark.django_db(transaction=True)
    def test_it_shuts_down_cleanly_on_sigterm(self, tmp_path):
        fake = FakeTelegram().start()
        try:
            bot = RunBot(bot_environment(fake), tmp_path / "runbot.log")
            fake.wait_for_call("getUpdates", timeout=30)

            exit_code = bot.stop(signal.SIGTERM)
        finally:
            fake.stop()

        log = bot.output()
        assert exit_code == 0, log
        assert "Telegram bot @spirtuoz_test_bot is polling for updates" in log
        assert log.endswith("Telegram bot stopped.\n")
        assert "Traceback" not in log
        assert fake.token not in log

    @pytest.mark.django_db(transaction=True)
    def test_it_stops_when_telegram_refuses_the_token(self, fake, tmp_path):
        bot = RunBot(bot_environment(fake, BOT_TOKEN="42:not-the-token"), tmp_path / "log")

        assert bot.process.wait(30) == 1
        assert "Telegram refused BOT_TOKEN; check it with @BotFather." in bot.output()
        assert "42:not-the-token" not in bot.output()


class TestRunbotRefusals:
    def test_it_needs_a_bot_token(self, settings):
        settings.BOT_TOKEN = ""

        with pytest.raises(CommandError, match=r"^The bot cannot poll: BOT_TOKEN is not set\.$"):
            call_command("runbot")

    def test_it_will_not_poll_in_webhook_mode(self, settings):
        settings.BOT_TOKEN = "42:token"
        settings.TELEGRAM_WEBHOOK_SECRET = "webhook-secret"

        with pytest.raises(CommandError, match="polling would delete the webhook"):
            call_command("runbot")

    def test_it_needs_the_public_url_for_its_buttons(self, settings):
        settings.BOT_TOKEN = "42:token"
        settings.PUBLIC_URL = ""

        with pytest.raises(CommandError, match="PUBLIC_URL is not set"):
            call_command("runbot")
