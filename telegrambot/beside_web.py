"""The polling bot beside the web server: gunicorn's master runs `manage.py runbot` and stops it.

gunicorn.conf.py calls `start` when gunicorn is ready and `stop` when it exits, so `make run`
(and any gunicorn started with that config) serves the hub and polls Telegram together, and
Ctrl-C or SIGTERM stops both. The bot runs in its own session, so a Ctrl-C in the terminal
reaches only gunicorn, which then stops the bot once, with SIGTERM. Without BOT_TOKEN, or in
webhook mode (TELEGRAM_WEBHOOK_SECRET set, the bot then lives in the web workers), no process
is started and a line says why.

Imports settings only: gunicorn's master never sets up Django.
"""

import subprocess
import sys
from logging import Logger
from pathlib import Path

from django.conf import settings

from telegrambot.modes import polling_refusal, webhook_configured

BASE_DIR = Path(__file__).resolve().parent.parent
STOP_TIMEOUT_SECONDS = 20

_process: subprocess.Popen | None = None


def start(log: Logger) -> None:
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
    _process = subprocess.Popen(  # noqa: S603 -- this interpreter and this project's manage.py
        [sys.executable, str(BASE_DIR / "manage.py"), "runbot"],
        cwd=BASE_DIR,
        start_new_session=True,
    )
    log.info("Telegram bot: polling in process %d (manage.py runbot)", _process.pid)


def stop(log: Logger) -> None:
    if _process is None or _process.poll() is not None:
        return
    _process.terminate()
    try:
        _process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        log.warning("Telegram bot: still running after %d s; killing it", STOP_TIMEOUT_SECONDS)
        _process.kill()
        _process.wait()
