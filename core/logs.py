"""A logging filter that keeps the hub's secrets out of every log line.

Libraries log URLs (httpx logs each Bot API request at INFO, and Bot API URLs carry the bot
token), and an exception's text can quote a URL too. The filter sits on the console handler,
so whatever reaches the log is redacted, whoever wrote it. The webhook's secret token, derived
from TELEGRAM_WEBHOOK_SECRET, is a secret too.
"""

import logging

from django.conf import settings

from telegrambot.modes import webhook_secret_token

REDACTED = "[redacted]"
SECRET_SETTINGS = ("BOT_TOKEN", "HOST_SECRET", "SECRET_KEY", "TELEGRAM_WEBHOOK_SECRET")


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        values = [getattr(settings, name, "") for name in SECRET_SETTINGS]
        secrets = [s for s in (*values, webhook_secret_token()) if s]
        if not secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        redacted_message, redacted_exc = message, record.exc_text or ""
        for secret in secrets:
            redacted_message = redacted_message.replace(secret, REDACTED)
            redacted_exc = redacted_exc.replace(secret, REDACTED)
        record.msg, record.args = redacted_message, ()
        if record.exc_text:
            record.exc_text = redacted_exc
        return True
