"""`make run`: the web server (`python -m server`) and, when the bot polls, `manage.py runbot`
beside it, as two processes stopped together: `python -m server.supervisor`.

Whether the bot polls is decided by settings alone (telegrambot.modes): with BOT_TOKEN and
PUBLIC_URL, and no TELEGRAM_WEBHOOK_SECRET. In webhook mode the web workers are the bot, and
without a token there is none; a line says which. On Render the web service runs
`python -m server` alone and a worker service, if the operator pays for one, `runbot`.

Each child runs in a session of its own, so Ctrl-C in the terminal reaches this process only,
which then stops both: SIGTERM, and SIGKILL to whatever is left of a child's process group
after STOP_SECONDS, so that `make run` always ends within 10 s. A child also dies if this
process is killed (its parent-death signal). The web server stopping stops everything; the
bot stopping (Telegram refused the token, say) leaves the hub serving, and says so.

This is a few lines of our own rather than honcho or foreman: those neither stop children
whose supervisor was killed nor bound a child's shutdown, and they pipe every line of output
(the access log, on a busy night) through themselves.
"""

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirtuoz.settings")

from django.conf import settings

from telegrambot.modes import polling_refusal, webhook_configured

BASE_DIR = Path(__file__).resolve().parent.parent
STOP_SECONDS = 8
POLL_SECONDS = 0.2
PR_SET_PDEATHSIG = 1

log = logging.getLogger("server.supervisor")


def _die_with_this_process() -> None:
    """In a child, before it runs its command: the kernel kills it if its supervisor dies."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _start(*command: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 -- this interpreter, this project's commands
        [sys.executable, *command],
        cwd=BASE_DIR,
        start_new_session=True,
        preexec_fn=_die_with_this_process,
    )


def bot_command() -> list[str] | None:
    """`manage.py runbot` when the bot should poll beside the web server, else None (logged)."""
    if webhook_configured():
        log.info(
            "Telegram bot: webhook mode at %s/telegram/webhook, served by the web workers "
            "(register it with: .venv/bin/python manage.py setwebhook)",
            settings.PUBLIC_URL,
        )
        return None
    refusal = polling_refusal()
    if refusal:
        log.info("Telegram bot: not started (%s); the hub runs without it", refusal)
        return None
    return ["manage.py", "runbot"]


class Supervisor:
    def __init__(self):
        self.web: subprocess.Popen | None = None
        self.bot: subprocess.Popen | None = None
        self.stopping = False

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._stop_signal)
        signal.signal(signal.SIGTERM, self._stop_signal)
        self.web = _start("-m", "server")
        command = bot_command()
        if command:
            self.bot = _start(*command)
            log.info("Telegram bot: polling in process %d (manage.py runbot)", self.bot.pid)
        while not self.stopping:
            if self.web.poll() is not None:
                log.warning("the web server stopped (exit %s); stopping", self.web.returncode)
                break
            if self.bot is not None and self.bot.poll() is not None:
                log.warning(
                    "Telegram bot: stopped (exit %s); the hub serves on without it",
                    self.bot.returncode,
                )
                self.bot = None
            time.sleep(POLL_SECONDS)
        self.stop()
        return self.web.returncode or 0

    def _stop_signal(self, signum, frame) -> None:
        self.stopping = True

    def stop(self) -> None:
        children = [child for child in (self.web, self.bot) if child is not None]
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for child in children:
            try:
                child.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning(
                    "process %d still running after %d s; killing it", child.pid, STOP_SECONDS
                )
            # Whatever is left in its group (the web server's workers, say) goes too.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def main() -> None:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stdout,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    sys.exit(Supervisor().run())


if __name__ == "__main__":
    main()
