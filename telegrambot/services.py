"""What the bot changes on Telegram's side: its command menu, its menu button and its webhook."""

from django.conf import settings
from django.urls import reverse
from telegram import Bot, MenuButtonWebApp, Update, WebAppInfo

from rooms.services import player_visit_record
from telegrambot import replies
from telegrambot.modes import webhook_secret_token
from telegrambot.selectors import in_fresh_connection

# The bot reads messages and inline queries (@bot ABCD in any chat); asking for nothing else
# spares Telegram and the hub the rest.
ALLOWED_UPDATES = [Update.MESSAGE, Update.INLINE_QUERY]


player_avisit_record = in_fresh_connection(player_visit_record)


async def bot_commands_set(*, bot: Bot) -> None:
    """Register /start, /join and /help: in English for everyone, and in each other language
    of settings.LANGUAGES for users whose Telegram speaks it."""
    default = replies.language_for(settings.LANGUAGE_CODE)
    for language, _name in settings.LANGUAGES:
        await bot.set_my_commands(
            replies.commands(language=language),
            language_code=None if language == default else language,
        )


async def bot_menu_button_set(*, bot: Bot) -> bool:
    """The button beside the chat's text field opens the Mini App at {PUBLIC_URL}/join/, which
    asks for a code. Telegram opens only https:// Mini Apps: without one, nothing is set."""
    if not settings.PUBLIC_URL.startswith("https://"):
        return False
    url = settings.PUBLIC_URL + reverse("room-join-entry")
    await bot.set_chat_menu_button(
        menu_button=MenuButtonWebApp(replies.MENU_BUTTON_TEXT, WebAppInfo(url=url))
    )
    return True


def webhook_url() -> str:
    return settings.PUBLIC_URL + reverse("telegram-webhook")


async def bot_webhook_set(*, bot: Bot) -> str:
    """Have Telegram post updates to this hub's webhook, with the derived secret token."""
    url = webhook_url()
    await bot.set_webhook(
        url, secret_token=webhook_secret_token(), allowed_updates=ALLOWED_UPDATES
    )
    return url


async def bot_webhook_delete(*, bot: Bot) -> None:
    await bot.delete_webhook()
