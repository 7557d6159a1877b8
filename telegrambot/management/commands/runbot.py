from django.conf import settings
from django.core import checks
from django.core.management.base import BaseCommand, CommandError
from telegram.error import InvalidToken

from telegrambot.bot import build_application
from telegrambot.modes import polling_refusal, webhook_configured
from telegrambot.services import ALLOWED_UPDATES


class Command(BaseCommand):
    help = (
        "Run the Telegram bot with long polling until SIGINT or SIGTERM. "
        "Telegram being unreachable at start or later is logged and retried."
    )
    # Every check but those of the templates, the admin and the URL configuration: the bot
    # renders no page and serves no URL, and checking them would load every app's template tags
    # (DRF's bring psycopg and requests) and the web API into the bot's process for as long as
    # it runs, about 20 MB. `migrate`, run before the servers start, checks everything.
    requires_system_checks = [
        tag
        for name, tag in vars(checks.Tags).items()
        if not name.startswith("_")
        and tag not in (checks.Tags.admin, checks.Tags.templates, checks.Tags.urls)
    ]

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-configured",
            action="store_true",
            help="When the settings say the bot must not poll, say why and exit 0 "
            "(make run starts the bot so, whatever the settings).",
        )

    def handle(self, *args, if_configured: bool, **options) -> None:
        refusal = polling_refusal()
        if refusal and if_configured:
            self.stdout.write(_why_not_polling(refusal))
            return
        if refusal:
            raise CommandError(f"The bot cannot poll: {refusal}.")
        application = build_application(polling=True)
        try:
            # run_polling owns this (main) thread's event loop and turns SIGINT and SIGTERM
            # into a clean shutdown; bootstrap_retries=-1 waits out a Telegram outage at start.
            application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
        except InvalidToken:
            raise CommandError("Telegram refused BOT_TOKEN; check it with @BotFather.") from None
        self.stdout.write("Telegram bot stopped.")


def _why_not_polling(refusal: str) -> str:
    if webhook_configured():
        return (
            f"Telegram bot: webhook mode at {settings.PUBLIC_URL}/telegram/webhook, served by "
            "the web workers (register it with: .venv/bin/python manage.py setwebhook)"
        )
    return f"Telegram bot: not started ({refusal}); the hub runs without it"
