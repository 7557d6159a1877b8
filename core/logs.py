"""A logging filter that keeps the hub's secrets out of every log line.

Libraries log URLs (httpx logs each Bot API request at INFO, and Bot API URLs carry the bot
token), and an exception's text can quote a URL too. The filter sits on the console handler,
so whatever reaches the log is redacted, whoever wrote it. A secret an app derives from a
setting (the bot's webhook token, say) is registered with `redact_also` when the app starts.
"""

import logging
from collections.abc import Callable

from django.conf import settings

REDACTED = "[redacted]"
# SECRET_KEY_AS_SET: the key as the environment spelled it, when Django's is its hex.
SECRET_SETTINGS = (
    "BOT_TOKEN",
    "HOST_SECRET",
    "SECRET_KEY",
    "SECRET_KEY_AS_SET",
    "TELEGRAM_WEBHOOK_SECRET",
)
_derived: list[Callable[[], str]] = []


def redact_also(derive: Callable[[], str]) -> None:
    """Redact from every log line what `derive()` returns (read at each line, as settings are)."""
    if derive not in _derived:
        _derived.append(derive)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        values = [getattr(settings, name, "") for name in SECRET_SETTINGS]
        secrets = [s for s in (*values, *(derive() for derive in _derived)) if s]
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
