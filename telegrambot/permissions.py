"""Who may post to the webhook: Telegram, which echoes the secret token setwebhook gave it."""

import hmac

from rest_framework import exceptions, permissions

from telegrambot.modes import webhook_configured, webhook_secret_token

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 -- a header's name


class TelegramWebhookSecret(permissions.BasePermission):
    """`X-Telegram-Bot-Api-Secret-Token` holds the token derived from TELEGRAM_WEBHOOK_SECRET.
    Without webhook mode configured the endpoint does not exist (404)."""

    message = "invalid webhook secret"

    def has_permission(self, request, view) -> bool:
        if not webhook_configured():
            raise exceptions.NotFound("not found")
        given = request.headers.get(SECRET_HEADER, "")
        if not given:
            raise exceptions.PermissionDenied("webhook secret required")
        return hmac.compare_digest(given.encode(), webhook_secret_token().encode())
