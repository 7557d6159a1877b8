"""`make run`: the web server (`python -m server`) and the polling bot (`manage.py runbot`)
beside it, as two processes stopped together: `python -m server.supervisor`.

Whether the bot polls is the bot's to decide, from settings: `runbot --if-configured` polls with
BOT_TOKEN and PUBLIC_URL and no TELEGRAM_WEBHOOK_SECRET, and otherwise says why not (in webhook
mode the web workers are the bot; without a token there is none) and exits. So this process
reads no settings and sets no Django up. On Render the web service runs `python -m server`
alone, and a worker service, if the operator pays for one, `manage.py runbot`.

Each child runs in a session of its own, so Ctrl-C in the terminal reaches this process only,
which then stops both: SIGTERM, and SIGKILL to whatever is left of a child's process group
after STOP_SECONDS, so that `make run` always ends within 10 s. A child also dies if this
process is killed (its parent-death signal). The web server stopping stops everything; the
bot stopping (Telegram refused the token, say) leaves the hub serving, and says so.

This is a few lines of our own rather than honcho: honcho leaves its children running when it
is killed, and pipes every line of their output (the access log, on a busy night) through
itself.
"""

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from core.logs import PLAIN_FORMAT
from server.parent import die_with_parent

BASE_DIR = Path(__file__).resolve().parent.parent
BOT = ("manage.py", "runbot", "--if-configured")
STOP_SECONDS = 8
POLL_SECONDS = 0.2

log = logging.getLogger("server.supervisor")


def _start(*command: str) -> subprocess.Popen:
    supervisor = os.getpid()
    return subprocess.Popen(  # noqa: S603 -- this interpreter, this project's commands
        [sys.executable, *command],
        cwd=BASE_DIR,
        start_new_session=True,
        # Run in the child before its command: the kernel kills it if this process dies.
        preexec_fn=lambda: die_with_parent(supervisor),
    )


class Supervisor:
    def __init__(self):
        self.web: subprocess.Popen | None = None
        self.bot: subprocess.Popen | None = None
        self.stopping = False

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._stop_signal)
        signal.signal(signal.SIGTERM, self._stop_signal)
        self.web = _start("-m", "server")
        self.bot = _start(*BOT)
        log.info("Telegram bot: process %d (manage.py runbot)", self.bot.pid)
        while not self.stopping:
            if self.web.poll() is not None:
                log.warning("the web server stopped (exit %s); stopping", self.web.returncode)
                break
            if self.bot is not None and self.bot.poll() is not None:
                if self.bot.returncode != 0:
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
        format=PLAIN_FORMAT,
    )
    sys.exit(Supervisor().run())


if __name__ == "__main__":
    main()
