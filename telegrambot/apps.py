from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class TelegramBotConfig(AppConfig):
    name = "telegrambot"
    verbose_name = "Telegram bot"

    def ready(self) -> None:
        from core.logs import redact_also
        from telegrambot.modes import webhook_secret_token

        checks.register(check_public_url, checks.Tags.compatibility)
        redact_also(webhook_secret_token)


def check_public_url(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.BOT_TOKEN and not settings.PUBLIC_URL.startswith("https://"):
        return [
            checks.Warning(
                "PUBLIC_URL is not an https:// URL, and Telegram opens Mini App buttons "
                "only on https:// URLs: the bot's join buttons will be refused.",
                hint="Set PUBLIC_URL to the hub's public https:// address (a tunnel, locally).",
                id="telegrambot.W001",
            )
        ]
    return []
