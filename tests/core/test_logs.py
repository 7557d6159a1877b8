"""Secrets never reach a log line, whoever logs them."""

import hashlib
import logging
import sys

from core.logs import RedactSecrets


def record_of(message: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("test", logging.INFO, __file__, 1, message, args, exc_info)


class TestRedactSecrets:
    def test_it_redacts_the_bot_token_from_a_logged_url(self, settings):
        settings.BOT_TOKEN = "42:SECRET-TOKEN"
        record = record_of(
            "HTTP Request: POST %s", "https://api.telegram.org/bot42:SECRET-TOKEN/getMe"
        )

        assert RedactSecrets().filter(record) is True

        assert (
            record.getMessage()
            == "HTTP Request: POST https://api.telegram.org/bot[redacted]/getMe"
        )

    def test_it_redacts_every_secret_setting(self, settings):
        settings.BOT_TOKEN = "42:SECRET-TOKEN"
        settings.HOST_SECRET = "the-host-secret"
        settings.SECRET_KEY = "the-django-secret-key"
        settings.TELEGRAM_WEBHOOK_SECRET = "the-webhook-secret"
        record = record_of(
            "42:SECRET-TOKEN the-host-secret the-django-secret-key the-webhook-secret"
        )

        RedactSecrets().filter(record)

        assert record.getMessage() == "[redacted] [redacted] [redacted] [redacted]"

    def test_it_redacts_both_spellings_of_a_key_render_generated(self, settings):
        settings.SECRET_KEY_AS_SET = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80="
        settings.SECRET_KEY = "abcdef0123456789" * 4
        record = record_of(f"{settings.SECRET_KEY_AS_SET} {settings.SECRET_KEY}")

        RedactSecrets().filter(record)

        assert record.getMessage() == "[redacted] [redacted]"

    def test_it_redacts_the_webhook_token_derived_from_the_secret(self, settings):
        settings.TELEGRAM_WEBHOOK_SECRET = "the-webhook-secret"
        token = hashlib.sha256(b"the-webhook-secret").hexdigest()
        record = record_of("setWebhook with secret_token=%s", token)

        RedactSecrets().filter(record)

        assert record.getMessage() == "setWebhook with secret_token=[redacted]"

    def test_it_redacts_a_traceback(self, settings):
        settings.BOT_TOKEN = "42:SECRET-TOKEN"
        try:
            raise ConnectionError("Max retries exceeded with url: /bot42:SECRET-TOKEN/getFile")
        except ConnectionError:
            record = record_of("lookup failed", exc_info=sys.exc_info())

        RedactSecrets().filter(record)

        assert "SECRET-TOKEN" not in record.exc_text
        assert "/bot[redacted]/getFile" in record.exc_text

    def test_it_leaves_a_line_without_secrets_alone(self, settings):
        settings.BOT_TOKEN = "42:SECRET-TOKEN"
        record = record_of("room %s registered", "ABCD")

        RedactSecrets().filter(record)

        assert record.getMessage() == "room ABCD registered"

    def test_the_console_handler_uses_it(self):
        # pytest adds capturing handlers of its own beside the hub's console handler.
        loggers = (logging.getLogger(), logging.getLogger("django"))
        handlers = [h for lg in loggers for h in lg.handlers if type(h) is logging.StreamHandler]

        assert len(handlers) == 2
        for handler in handlers:
            assert any(isinstance(f, RedactSecrets) for f in handler.filters)
