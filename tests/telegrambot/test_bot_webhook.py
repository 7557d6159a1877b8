"""Webhook mode: Telegram posts updates to /telegram/webhook, handled by the same bot."""

import hashlib
import threading

import pytest

from rooms import services
from telegrambot.modes import webhook_secret_token
from telegrambot.webhook import webhook_bot_close
from tests.support.servers import http

# Like a generated secret (Render's generateValue), with characters Telegram does not allow.
SECRET = "Gq3+k/Zr9=webhook secret"
SECRET_TOKEN = hashlib.sha256(SECRET.encode()).hexdigest()
PUBLIC_URL = "https://hub.example"


@pytest.fixture
def fake(fake_telegram, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    settings.PUBLIC_URL = PUBLIC_URL
    yield fake_telegram
    webhook_bot_close()


@pytest.fixture
def post(api):
    def post(body, secret: str | None = SECRET_TOKEN, **extra):
        if secret is not None:
            extra["HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"] = secret
        return api.post("/telegram/webhook", body, format="json", **extra)

    return post


def open_room(code: str) -> None:
    services.room_register(code=code, ws_url="wss://a.example/ws", app_url="https://mini.app")


def replies_to(fake, update: dict) -> list[dict]:
    chat_id = str(update["message"]["chat"]["id"])
    return [c.params for c in fake.calls_to("sendMessage") if c.params["chat_id"] == chat_id]


# The bot reads rooms from its own thread, which sees only committed data.
@pytest.mark.django_db(transaction=True)
class TestWebhook:
    def test_a_live_room_gets_its_mini_app_button(self, fake, post):
        open_room("ABCD")
        update = fake.new_message("/start ABCD")

        response = post(update)

        assert response.status_code == 200
        assert response.content == b""
        # The view waits for the handlers, so the reply has been sent already.
        assert replies_to(fake, update) == [
            {
                "chat_id": str(update["message"]["chat"]["id"]),
                "text": "Room ABCD is open. Tap the button below to join the game.",
                "reply_markup": {
                    "inline_keyboard": [
                        [
                            {
                                "text": "Join room ABCD",
                                "web_app": {"url": "https://hub.example/join/ABCD"},
                            }
                        ]
                    ]
                },
            }
        ]

    def test_it_answers_in_russian_and_in_groups_like_polling_does(self, fake, post):
        open_room("GRUP")
        update = fake.new_message("grup", language_code="ru")
        in_group = fake.new_message("/join GRUP", chat_type="group", language_code="ru")

        post(update)
        post(in_group)

        assert replies_to(fake, update)[0]["text"] == (
            "Комната GRUP открыта. Нажмите кнопку ниже, чтобы войти в игру."
        )
        assert replies_to(fake, in_group)[0]["reply_markup"] == {
            "inline_keyboard": [
                [
                    {
                        "text": "Войти в комнату GRUP",
                        "url": "https://t.me/spirtuoz_test_bot?startapp=GRUP",
                    }
                ]
            ]
        }

    def test_an_unknown_code_gets_no_button(self, fake, post):
        update = fake.new_message("/join nope")

        assert post(update).status_code == 200
        assert "reply_markup" not in replies_to(fake, update)[0]

    def test_the_bot_starts_once_per_process(self, fake, post):
        for _ in range(3):
            post(fake.new_message("/help"))

        assert fake.count("getMe") == 1
        assert fake.count("sendMessage") == 3

    def test_it_answers_200_even_when_the_reply_fails(self, fake, post):
        fake.fail("sendMessage", 429, "Too Many Requests: retry after 5", retry_after=5, times=1)
        update = fake.new_message("/help")

        response = post(update)

        # Anything but 200 makes Telegram redeliver the update, repeating what went out.
        assert response.status_code == 200
        assert fake.count("sendMessage") == 1
        assert post(fake.new_message("/help")).status_code == 200
        assert fake.count("sendMessage") == 2

    def test_it_answers_503_when_telegram_is_unreachable_at_start(self, fake, post):
        fake.fail("getMe", 502, "Bad Gateway", times=1)

        response = post(fake.new_message("/help"))

        # Nothing was sent, so Telegram's redelivery repeats nothing.
        assert response.status_code == 503
        assert response.json() == {"error": "the bot cannot reach Telegram right now; try again"}
        assert post(fake.new_message("/help")).status_code == 200

    def test_updates_in_two_languages_at_once_keep_their_own_language(self, fake, live_server):
        open_room("BOTH")
        updates = [fake.new_message("/start BOTH", language_code=lang) for lang in ("ru", "en")]
        updates *= 3
        statuses = []

        def deliver(update):
            status, _, _ = http(
                "POST",
                f"{live_server.url}/telegram/webhook",
                update,
                **{"X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN},
            )
            statuses.append(status)

        threads = [threading.Thread(target=deliver, args=(update,)) for update in updates]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert statuses == [200] * 6
        for update in updates:
            expected = "Комната" if update["message"]["from"]["language_code"] == "ru" else "Room"
            assert replies_to(fake, update)[0]["text"].startswith(expected)


class TestWebhookSecret:
    def test_it_is_a_digest_of_the_setting_that_telegram_accepts(self, fake):
        assert webhook_secret_token() == SECRET_TOKEN
        assert len(SECRET_TOKEN) == 64

    def test_a_missing_secret_is_refused(self, fake, post):
        response = post(fake.new_message("/help"), secret=None)

        assert response.status_code == 403
        assert response.json() == {"error": "webhook secret required"}
        assert fake.count("sendMessage") == 0

    @pytest.mark.parametrize("secret", ["wrong", SECRET, SECRET_TOKEN.upper(), "ü" * 64])
    def test_a_wrong_secret_is_refused(self, fake, post, secret):
        response = post(fake.new_message("/help"), secret=secret)

        assert response.status_code == 403
        assert response.json() == {"error": "invalid webhook secret"}
        assert fake.count("getMe") == 0

    def test_without_a_webhook_secret_there_is_no_webhook(self, fake, post, settings):
        settings.TELEGRAM_WEBHOOK_SECRET = ""

        response = post(fake.new_message("/help"))

        assert response.status_code == 404
        assert response.json() == {"error": "not found"}

    def test_without_a_bot_token_there_is_no_webhook(self, fake, post, settings):
        settings.BOT_TOKEN = ""

        assert post(fake.new_message("/help")).status_code == 404


class TestWebhookBodies:
    @pytest.mark.parametrize(
        ("body", "error"),
        [
            ([1, 2], "request body must be a JSON object"),
            ({"message": {}}, "not a Telegram update: update_id must be an integer"),
            ({"update_id": "7"}, "not a Telegram update: update_id must be an integer"),
            (
                {"update_id": 7, "message": "hi"},
                "not a Telegram update: 'str' object has no attribute 'copy'",
            ),
        ],
    )
    def test_a_body_that_is_not_an_update_gets_400(self, fake, post, body, error):
        response = post(body)

        assert response.status_code == 400
        assert response.json() == {"error": error}

    def test_bad_json_gets_400(self, fake, api):
        response = api.generic(
            "POST",
            "/telegram/webhook",
            b"{not json",
            content_type="application/json",
            HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET_TOKEN,
        )

        assert response.status_code == 400
        assert response.json()["error"].startswith("JSON parse error")

    def test_a_huge_body_gets_413(self, fake, post):
        response = post({"update_id": 1, "padding": "x" * 20_000})

        assert response.status_code == 413
        assert response.json() == {"error": "request body is larger than 16 KiB"}

    def test_an_update_the_bot_ignores_still_gets_200(self, fake, post):
        response = post({"update_id": 9})

        assert response.status_code == 200
        assert fake.count("sendMessage") == 0
