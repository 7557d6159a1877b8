"""Serve the hub as `make run` does: with granian by default, with gunicorn when SERVER=gunicorn.

granian, a WSGI server written in Rust, parses HTTP outside the interpreter: on the same two cores
it answers several times more requests per second than gunicorn's gthread workers, whose HTTP
parsing in Python caps a bare WSGI app below an in-memory Node server (bench/RESULTS.md).
gunicorn stays supported, with `gunicorn.conf.py`, for hosts and habits built around it.

Either way: WEB_CONCURRENCY worker processes (default 2) of THREADS threads each, the address
from Django's settings (HOST and PORT, so `.env` applies), one access line per request on stdout,
the same start-up banner, and the polling bot beside the workers (telegrambot/beside_web.py:
a thread of this process under granian, a process of its own under gunicorn), stopped with
them. Like gunicorn's master, this process reads settings only until its workers are forked:
they set Django up, and so does the bot's thread afterwards.

One difference: gunicorn replaces a worker that dies, while granian (as configured here, so
that nothing is forked beside the bot's thread) then stops with exit status 1, for the host to
restart the hub as it restarts any crashed service (Render does).
"""

import logging
import os
import socket
import sys
import threading
import time
from logging import Logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirtuoz.settings")

from django.conf import settings

from server.accesslog import BackgroundStreamHandler
from telegrambot import beside_web

WSGI_APP = "spirtuoz.wsgi:application"
SERVERS = ("granian", "gunicorn")
# Threads per worker: requests that wait (an avatar lookup holds one for up to 10 s) need a
# few, and every thread keeps a database connection of its own.
THREADS = 4
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOGGER = "server.serve"


def workers() -> int:
    return int(os.environ.get("WEB_CONCURRENCY", "2"))


def server_name() -> str:
    """SERVER from the environment or `.env` (which reading settings loads), checked."""
    settings.HOST  # noqa: B018 -- loads .env into the environment
    name = os.environ.get("SERVER", "").strip().lower() or SERVERS[0]
    if name not in SERVERS:
        raise SystemExit(f"SERVER must be granian or gunicorn, not {name!r}")
    return name


def banner(log: Logger) -> None:
    all_interfaces = settings.HOST in ("0.0.0.0", "::")  # noqa: S104
    shown_host = "127.0.0.1" if all_interfaces else settings.HOST
    log.info(
        "Spirtuoz hub listening on http://%s:%s (admin at /admin/). "
        "Create an admin user with: .venv/bin/python manage.py createsuperuser",
        shown_host,
        settings.PORT,
    )


def serve_granian(app: str) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    stdout = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
    server = Granian(
        app,
        address=settings.HOST,
        port=settings.PORT,
        interface=Interfaces.WSGI,
        websockets=False,
        workers=workers(),
        blocking_threads=THREADS,
        log_access=True,
        log_dictconfig={
            "formatters": {
                "plain": {"format": LOG_FORMAT},
                "access": {"format": "%(message)s"},
            },
            "handlers": {
                "console": {**stdout, "formatter": "plain"},
                "access": {"()": BackgroundStreamHandler, "formatter": "access"},
            },
            "loggers": {
                "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
                "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
                LOGGER: {"handlers": ["console"], "level": "INFO", "propagate": False},
            },
        },
    )
    readiness = Readiness(logging.getLogger(LOGGER))
    server.on_startup(readiness.watch)
    server.on_reload(readiness.reload)
    server.on_shutdown(readiness.stop)
    server.serve()


class Readiness:
    """The banner and the bot once the hub takes connections, as gunicorn's when_ready has them.

    granian's workers open the listening socket only once they have loaded the app, so startup
    hooks run while connections are still refused. A thread waits until one is accepted; it
    starts only after the workers are forked, as a child forked while another thread is inside
    the C library may inherit its locks held, and hang.
    """

    POLL_SECONDS = 0.05

    def __init__(self, log: Logger):
        self.log = log
        self.lock = threading.Lock()
        self.stopping = False
        self.forks = 0
        self.started = False

    def watch(self) -> None:
        os.register_at_fork(after_in_parent=self._forked)

    def _forked(self) -> None:
        self.forks += 1
        if self.forks >= workers() and not self.started:
            self.started = True
            threading.Thread(target=self._when_ready, name="readiness", daemon=True).start()

    def _when_ready(self) -> None:
        all_interfaces = {"0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104
        host = all_interfaces.get(settings.HOST, settings.HOST)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        while not self.stopping:
            with socket.socket(family) as probe:
                probe.settimeout(1)
                if probe.connect_ex((host, settings.PORT)) != 0:
                    time.sleep(self.POLL_SECONDS)
                    continue
            with self.lock:
                if not self.stopping:
                    banner(self.log)
                    beside_web.start(self.log, in_process=True)
            return

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            beside_web.stop(self.log)

    def reload(self) -> None:
        """granian's reload (SIGHUP) forks new workers from this process, which must not run the
        bot's thread then (telegrambot/beside_web.py): it stops, and polls again on restart."""
        with self.lock:
            beside_web.stop(self.log)
        self.log.warning("Telegram bot: stopped for the reload; restart the hub to poll again")


def main(argv: list[str]) -> None:
    """`python -m server [MODULE:APP]`: the hub, or another WSGI app served the same
    way (`make bench` serves its floor app so)."""
    app = argv[0] if argv else WSGI_APP
    if server_name() == "gunicorn":
        # Replaced by gunicorn itself, so that signals reach its master directly.
        command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", app]
        os.execv(sys.executable, command)  # noqa: S606 -- this interpreter, a fixed command
    serve_granian(app)


if __name__ == "__main__":
    main(sys.argv[1:])
