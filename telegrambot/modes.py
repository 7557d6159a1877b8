"""How the bot gets its updates, decided by settings alone: long polling, or a webhook.

TELEGRAM_WEBHOOK_SECRET set means webhook mode; unset means polling. Telegram delivers updates
one way at a time (polling deletes a webhook, a webhook makes getUpdates fail), so the two are
never active together. This module imports no Django app and no python-telegram-bot, so that
`make run`'s supervisor (server/supervisor.py) can decide without setting Django up.
"""

import hashlib

from django.conf import settings


def webhook_configured() -> bool:
    return bool(settings.BOT_TOKEN and settings.TELEGRAM_WEBHOOK_SECRET)


def webhook_secret_token() -> str:
    """The secret_token registered with Telegram and expected back in every webhook request.

    Telegram accepts 1-256 characters from A-Z, a-z, 0-9, `_` and `-`, while a generated
    TELEGRAM_WEBHOOK_SECRET (Render's generateValue, say) may hold others. Both sides use this
    hex digest of the setting instead, which always fits. Empty when the setting is unset.
    """
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    return hashlib.sha256(secret.encode()).hexdigest() if secret else ""


def polling_refusal() -> str | None:
    """Why `manage.py runbot` must not poll with the current settings, or None when it may."""
    if not settings.BOT_TOKEN:
        return "BOT_TOKEN is not set"
    if settings.TELEGRAM_WEBHOOK_SECRET:
        return (
            "TELEGRAM_WEBHOOK_SECRET is set, so the bot runs in webhook mode inside the web "
            "server; polling would delete the webhook. To poll instead, unset "
            "TELEGRAM_WEBHOOK_SECRET and run `manage.py setwebhook --delete`"
        )
    if not settings.PUBLIC_URL:
        return "PUBLIC_URL is not set; the join buttons need the hub's public https:// URL"
    return None
