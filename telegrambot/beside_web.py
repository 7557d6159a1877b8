"""The polling bot beside the web server, started when the server is ready and stopped with it.

Under gunicorn (gunicorn.conf.py), the master runs `manage.py runbot` as a process of its own:
gunicorn forks workers all its life (it replaces any that die), and a process forked while a
bot thread runs beside could inherit that thread's locks held. The bot runs in its own session,
so a Ctrl-C in the terminal reaches only gunicorn, which then stops the bot once, with SIGTERM.

Under granian (server/serve.py), the bot polls on a thread of the server process itself,
started once the workers are forked: granian forks them only at start, and one process fewer
saves the hub about 25 MB (one more interpreter and Django). The server process sets Django up
only then, so the workers never inherit it.

Either way `make run` serves the hub and polls Telegram together, and Ctrl-C or SIGTERM stops
both. Without BOT_TOKEN, or in webhook mode (TELEGRAM_WEBHOOK_SECRET set, the bot then lives in
the web workers), no bot is started and a line says why.

Imports settings only until the bot starts in process: server processes never set up Django
before they fork their workers.
"""

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from logging import Logger
from pathlib import Path

from django.conf import settings

from telegrambot.modes import polling_refusal, webhook_configured

BASE_DIR = Path(__file__).resolve().parent.parent
STOP_TIMEOUT_SECONDS = 20

_process: subprocess.Popen | None = None
_thread: threading.Thread | None = None
_stop_polling: Callable[[], None] | None = None


def start(log: Logger, *, in_process: bool = False) -> None:
    global _process
    if webhook_configured():
        log.info(
            "Telegram bot: webhook mode at %s/telegram/webhook, served by the web workers "
            "(register it with: .venv/bin/python manage.py setwebhook)",
            settings.PUBLIC_URL,
        )
        return
    refusal = polling_refusal()
    if refusal:
        log.info("Telegram bot: not started (%s); the hub runs without it", refusal)
        return
    if in_process:
        _start_thread(log)
        return
    _process = subprocess.Popen(  # noqa: S603 -- this interpreter and this project's manage.py
        [sys.executable, str(BASE_DIR / "manage.py"), "runbot"],
        cwd=BASE_DIR,
        start_new_session=True,
    )
    log.info("Telegram bot: polling in process %d (manage.py runbot)", _process.pid)


def _start_thread(log: Logger) -> None:
    """What `manage.py runbot` does, on a thread and an event loop of its own. The checks
    runbot makes at start were made by `migrate`, which `make run` runs first."""
    global _thread, _stop_polling
    import django

    django.setup()
    from telegram.error import InvalidToken

    from telegrambot.bot import build_application
    from telegrambot.services import ALLOWED_UPDATES

    application = build_application(polling=True)
    loop = asyncio.new_event_loop()

    def poll() -> None:
        asyncio.set_event_loop(loop)
        try:
            application.run_polling(
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=-1,
                stop_signals=None,
                close_loop=False,
            )
        except InvalidToken:
            log.error("Telegram bot: Telegram refused BOT_TOKEN; check it with @BotFather.")
            return
        finally:
            loop.close()
        log.info("Telegram bot stopped.")

    def stop_polling() -> None:
        loop.call_soon_threadsafe(application.stop_running)

    _stop_polling = stop_polling
    _thread = threading.Thread(target=poll, name="telegram-bot", daemon=True)
    _thread.start()
    log.info("Telegram bot: polling in the server process %d (thread telegram-bot)", os.getpid())


def stop(log: Logger) -> None:
    global _thread
    if _thread is not None:
        if _thread.is_alive():
            # RuntimeError: the loop closed just now, as the bot stopped on its own.
            with contextlib.suppress(RuntimeError):
                _stop_polling()
            _thread.join(STOP_TIMEOUT_SECONDS)
            if _thread.is_alive():
                log.warning(
                    "Telegram bot: still running after %d s; it ends with the process",
                    STOP_TIMEOUT_SECONDS,
                )
        _thread = None
    if _process is None or _process.poll() is not None:
        return
    _process.terminate()
    try:
        _process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        log.warning("Telegram bot: still running after %d s; killing it", STOP_TIMEOUT_SECONDS)
        _process.kill()
        _process.wait()
