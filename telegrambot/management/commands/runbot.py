from django.core import checks
from django.core.management.base import BaseCommand, CommandError
from telegram.error import InvalidToken

from telegrambot.bot import build_application
from telegrambot.modes import polling_refusal
from telegrambot.services import ALLOWED_UPDATES


class Command(BaseCommand):
    help = (
        "Run the Telegram bot with long polling until SIGINT or SIGTERM. "
        "Telegram being unreachable at start or later is logged and retried."
    )
    # Every check but the URL configuration's: the bot serves no URL, and loading the web API
    # to check it would cost the bot's process about 15 MB for as long as it runs.
    requires_system_checks = [
        tag for name, tag in vars(checks.Tags).items() if not name.startswith("_")
        and tag != checks.Tags.urls
    ]  # fmt: skip

    def handle(self, *args, **options) -> None:
        refusal = polling_refusal()
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
