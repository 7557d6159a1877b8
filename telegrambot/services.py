"""What the bot changes on Telegram's side: its command menu."""

from django.conf import settings
from telegram import Bot, Update

from telegrambot import replies

# The bot reads messages only; asking for nothing else spares Telegram and the hub the rest.
ALLOWED_UPDATES = [Update.MESSAGE]


async def bot_commands_set(*, bot: Bot) -> None:
    """Register /start, /join and /help: in English for everyone, and in each other language
    of settings.LANGUAGES for users whose Telegram speaks it."""
    default = replies.language_for(settings.LANGUAGE_CODE)
    for language, _name in settings.LANGUAGES:
        await bot.set_my_commands(
            replies.commands(language=language),
            language_code=None if language == default else language,
        )
