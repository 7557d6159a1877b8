"""Builds the bot: one python-telegram-bot Application, for `runbot` and the webhook alike.

Bot API calls go to {FILE_API_URL}/bot<token>/<method> and files to
{FILE_API_URL}/file/bot<token>/<path>, so a self-hosted Bot API server or a test double
stands in for Telegram by setting FILE_API_URL. Building makes no network call.
"""

import logging

from django.conf import settings
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from core.errors import outage_message
from telegrambot import cards, services
from telegrambot.handlers import add_handlers

logger = logging.getLogger(__name__)


def build_application(*, polling: bool) -> Application:
    """The bot with its handlers, and the job that keeps groups' lobby cards up to date. With
    polling=False it has no Updater: the webhook view hands it updates instead."""
    builder = (
        ApplicationBuilder()
        .token(settings.BOT_TOKEN)
        .base_url(f"{settings.FILE_API_URL}/bot")
        .base_file_url(f"{settings.FILE_API_URL}/file/bot")
    )
    builder = builder.post_init(_on_polling_start) if polling else builder.updater(None)
    application = builder.build()
    add_handlers(application)
    application.job_queue.run_repeating(
        _refresh_lobby_cards, interval=cards.SWEEP_SECONDS, first=cards.SWEEP_SECONDS
    )
    return application


async def _refresh_lobby_cards(context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        await cards.lobby_cards_refresh(bot=context.bot)
    except Exception as error:
        message = outage_message(error)
        if message is None:
            raise
        # The database is down: the next sweep tries again, a few seconds later.
        logger.warning("lobby cards not refreshed: %s", message)


async def _on_polling_start(application: Application) -> None:
    try:
        await services.bot_commands_set(bot=application.bot)
        await services.bot_menu_button_set(bot=application.bot)
    except TelegramError as error:
        # The menus are a convenience: the commands and links work without them, so keep going.
        logger.warning("Could not register the bot's commands and menu button: %r", error)
    logger.info("Telegram bot @%s is polling for updates", application.bot.username)
