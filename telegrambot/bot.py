"""Builds the bot: one python-telegram-bot Application, for `runbot` and the webhook alike.

Bot API calls go to {FILE_API_URL}/bot<token>/<method> and files to
{FILE_API_URL}/file/bot<token>/<path>, so a self-hosted Bot API server or a test double
stands in for Telegram by setting FILE_API_URL. Building makes no network call.
"""

import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import HTTPXRequest

from core.errors import outage_message
from monitoring.sampler import CHECK_SECONDS
from monitoring.services import telegram_call_record, telegram_tally_flush
from telegrambot import cards, services
from telegrambot.handlers import add_handlers

logger = logging.getLogger(__name__)
# python-telegram-bot's own pool sizes: many concurrent calls, one long poll.
CALLS_POOL_SIZE = 256
UPDATES_POOL_SIZE = 1


class CountedRequest(HTTPXRequest):
    """python-telegram-bot's HTTP client, counting each Bot API call by method and outcome
    (an HTTP error or no answer at all is an error) where every other call is counted."""

    async def do_request(self, url: str, method: str, *args, **kwargs) -> tuple[int, bytes]:
        bot_api_method = url.rpartition("/")[2]
        try:
            status, payload = await super().do_request(url, method, *args, **kwargs)
        except TelegramError:
            telegram_call_record(method=bot_api_method, ok=False)
            raise
        telegram_call_record(method=bot_api_method, ok=200 <= status < 300)
        return status, payload


def build_application(*, polling: bool) -> Application:
    """The bot with its handlers, and the job that keeps groups' lobby cards up to date. With
    polling=False it has no Updater: the webhook view hands it updates instead."""
    builder = (
        ApplicationBuilder()
        .token(settings.BOT_TOKEN)
        .base_url(f"{settings.FILE_API_URL}/bot")
        .base_file_url(f"{settings.FILE_API_URL}/file/bot")
        .request(CountedRequest(connection_pool_size=CALLS_POOL_SIZE))
    )
    if polling:
        builder = builder.get_updates_request(
            CountedRequest(connection_pool_size=UPDATES_POOL_SIZE)
        ).post_init(_on_polling_start)
    else:
        builder = builder.updater(None)
    application = builder.build()
    add_handlers(application)
    application.job_queue.run_repeating(
        _refresh_lobby_cards, interval=cards.SWEEP_SECONDS, first=cards.SWEEP_SECONDS
    )
    # The dashboard's tally of this process's Bot API calls (monitoring/services.py).
    application.job_queue.run_repeating(
        _write_telegram_tally, interval=CHECK_SECONDS, first=CHECK_SECONDS
    )
    return application


async def _write_telegram_tally(context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        await sync_to_async(telegram_tally_flush)()
    except DatabaseError as error:
        # Kept for the next turn, a minute later.
        logger.warning("Telegram call tally not written: %s", outage_message(error) or error)


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
