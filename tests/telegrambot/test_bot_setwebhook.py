"""`manage.py setwebhook`: switches the bot to webhook mode on Telegram's side, and back."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

SECRET = "Gq3+k/Zr9=webhook secret"


@pytest.fixture
def fake(fake_telegram, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    settings.PUBLIC_URL = "https://hub.example"
    return fake_telegram


def setwebhook(*args: str) -> str:
    out = StringIO()
    call_command("setwebhook", *args, stdout=out)
    return out.getvalue()


class TestSetWebhook:
    def test_it_registers_the_webhook_with_a_token_telegram_accepts(self, fake):
        output = setwebhook()

        assert (
            output
            == "Webhook set: Telegram posts updates to https://hub.example/telegram/webhook\n"
        )
        assert [call.params for call in fake.calls_to("setWebhook")] == [
            {
                "url": "https://hub.example/telegram/webhook",
                "secret_token": hashlib.sha256(SECRET.encode()).hexdigest(),
                "allowed_updates": ["message", "inline_query"],
            }
        ]
        assert fake.webhook["url"] == "https://hub.example/telegram/webhook"

    def test_it_registers_the_command_menu_too(self, fake):
        setwebhook()

        assert [call.params.get("language_code") for call in fake.calls_to("setMyCommands")] == [
            None,
            "ru",
        ]

    def test_delete_removes_the_webhook(self, fake):
        setwebhook()

        assert setwebhook("--delete") == "Webhook removed; `manage.py runbot` can poll now.\n"
        assert fake.count("deleteWebhook") == 1
        assert fake.webhook == {}

    def test_delete_needs_no_webhook_secret(self, fake, settings):
        settings.TELEGRAM_WEBHOOK_SECRET = ""

        setwebhook("--delete")

        assert fake.count("deleteWebhook") == 1

    def test_it_reports_what_telegram_refused(self, fake):
        fake.fail("setWebhook", 400, "Bad Request: bad webhook: Failed to resolve host")

        with pytest.raises(
            CommandError, match=r"^Telegram refused: Bad webhook: failed to resolve host$"
        ):
            setwebhook()

    def test_it_needs_the_secret(self, fake, settings):
        settings.TELEGRAM_WEBHOOK_SECRET = ""

        with pytest.raises(CommandError, match="TELEGRAM_WEBHOOK_SECRET is not set"):
            setwebhook()
        assert fake.count("getMe") == 0

    def test_it_needs_an_https_public_url(self, fake, settings):
        settings.PUBLIC_URL = "http://127.0.0.1:3000"

        with pytest.raises(CommandError, match="PUBLIC_URL must be the hub's public https:// URL"):
            setwebhook()

    def test_it_needs_a_bot_token(self, settings):
        settings.BOT_TOKEN = ""

        with pytest.raises(CommandError, match="BOT_TOKEN is not set"):
            setwebhook("--delete")
