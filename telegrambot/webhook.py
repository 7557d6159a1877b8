"""Webhook mode inside the web server: one bot per web process, on an event loop of its own.

granian serves the hub as a WSGI app from threads, while python-telegram-bot is
asyncio. An async Django view would not help under WSGI: Django runs it on a fresh event loop
per request, and the Application, with its HTTP client, must stay on the one loop it was
initialised on. So each web process starts, on its first webhook request, a daemon thread
running an event loop, initialises there the same Application that `runbot` polls with (getMe
tells it its username), and hands it each update with `run_coroutine_threadsafe`. The view
waits for the handlers, up to HANDLE_TIMEOUT_SECONDS, and then answers 200 whatever they did:
Telegram redelivers an update answered otherwise, and a redelivery would repeat replies.

Nothing starts at import, so no two processes ever share a loop.
"""

import asyncio
import contextlib
import logging
import threading
from collections.abc import Coroutine

from asgiref.sync import sync_to_async
from django.db import connections
from telegram import Update
from telegram.error import TelegramError

from core.errors import ApplicationError
from telegrambot.bot import build_application

logger = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 20
HANDLE_TIMEOUT_SECONDS = 20


class BotUnavailable(ApplicationError):
    """The bot could not be initialised: Telegram did not answer getMe. Nothing was answered
    yet, so Telegram's redelivery of the update repeats nothing."""

    status = 503
    message = "the bot cannot reach Telegram right now; try again"


class NotAnUpdate(ApplicationError):
    """The body is JSON but not a Telegram update."""

    def __init__(self, why: str):
        super().__init__(f"not a Telegram update: {why}")


class WebhookBot:
    def __init__(self):
        self.application = build_application(polling=False)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="telegram-webhook-bot", daemon=True
        )

    def start(self) -> None:
        """getMe, then the job queue (the lobby cards' sweep)."""
        self._thread.start()
        try:
            self._run(self.application.initialize(), START_TIMEOUT_SECONDS)
            self._run(self.application.start(), START_TIMEOUT_SECONDS)
        except (TelegramError, TimeoutError) as error:
            logger.warning("The Telegram bot could not start: %r", error)
            self.close()
            raise BotUnavailable from error

    def parse(self, data: dict) -> Update:
        if type(data.get("update_id")) is not int:
            raise NotAnUpdate("update_id must be an integer")
        try:
            return Update.de_json(data, self.application.bot)
        except (TypeError, KeyError, AttributeError, ValueError) as error:
            raise NotAnUpdate(str(error)) from error

    def handle(self, update: Update) -> None:
        """Run the handlers on the update; errors in them are logged by the error handler."""
        try:
            self._run(self.application.process_update(update), HANDLE_TIMEOUT_SECONDS)
        except TimeoutError:
            # The handlers go on in the background; their reply still reaches the player.
            logger.warning(
                "Update %s still being handled after %s s; acknowledged anyway",
                update.update_id,
                HANDLE_TIMEOUT_SECONDS,
            )

    def close(self) -> None:
        """Shut the bot down and close the database connection its handlers used.

        The tests call this; a web process that exits needs nothing of the kind.
        """
        if self.application.running:
            self._run(self.application.stop(), START_TIMEOUT_SECONDS)
        self._run(self.application.shutdown(), START_TIMEOUT_SECONDS)
        self._run(sync_to_async(connections.close_all)(), START_TIMEOUT_SECONDS)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def _run(self, coroutine: Coroutine, timeout: float):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)


_bot: WebhookBot | None = None
_bot_lock = threading.Lock()


def webhook_bot() -> WebhookBot:
    """This process's bot, started on first use; raises BotUnavailable if it cannot start
    (the next request tries again)."""
    global _bot
    with _bot_lock:
        if _bot is None:
            bot = WebhookBot()
            bot.start()
            _bot = bot
        return _bot


def webhook_bot_start_soon() -> None:
    """Start this process's bot on a thread of its own, off every request: in webhook mode
    each web worker's bot sweeps the lobby cards, whether or not an update has come its way.
    If Telegram cannot be reached, the first webhook request tries again."""

    def start() -> None:
        # Logged by WebhookBot.start; the first webhook request tries again.
        with contextlib.suppress(BotUnavailable):
            webhook_bot()

    threading.Thread(target=start, name="telegram-webhook-start", daemon=True).start()


def webhook_bot_close() -> None:
    """Close this process's bot, if it started; the next request starts a new one."""
    global _bot
    with _bot_lock:
        if _bot is not None:
            _bot.close()
            _bot = None
