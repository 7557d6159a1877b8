import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from telegram.error import TelegramError

from telegrambot import services
from telegrambot.bot import build_application


class Command(BaseCommand):
    help = (
        "Register {PUBLIC_URL}/telegram/webhook with Telegram, with the secret token derived "
        "from TELEGRAM_WEBHOOK_SECRET, the bot's command menu and its menu button (the Mini "
        "App at {PUBLIC_URL}/join/). With --delete, remove "
        "the webhook so that `runbot` can poll."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--delete", action="store_true", help="Remove the webhook.")

    def handle(self, *args, delete: bool, **options) -> None:
        if not settings.BOT_TOKEN:
            raise CommandError("BOT_TOKEN is not set.")
        if not delete:
            if not settings.TELEGRAM_WEBHOOK_SECRET:
                raise CommandError("TELEGRAM_WEBHOOK_SECRET is not set; the webhook needs it.")
            if not settings.PUBLIC_URL.startswith("https://"):
                raise CommandError(
                    "PUBLIC_URL must be the hub's public https:// URL; Telegram posts only there."
                )
        try:
            message = asyncio.run(_delete() if delete else _register())
        except TelegramError as error:
            raise CommandError(f"Telegram refused: {error}") from None
        self.stdout.write(message)


async def _register() -> str:
    async with build_application(polling=False) as application:
        url = await services.bot_webhook_set(bot=application.bot)
        await services.bot_commands_set(bot=application.bot)
        await services.bot_menu_button_set(bot=application.bot)
    return f"Webhook set: Telegram posts updates to {url}"


async def _delete() -> str:
    async with build_application(polling=False) as application:
        await services.bot_webhook_delete(bot=application.bot)
    return "Webhook removed; `manage.py runbot` can poll now."
