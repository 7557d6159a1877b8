"""Serve the hub as `make run` does: with granian by default, with gunicorn when SERVER=gunicorn.

granian, a WSGI server written in Rust, parses HTTP outside the interpreter: on the same two cores
it answers several times more requests per second than gunicorn's gthread workers, whose HTTP
parsing in Python caps a bare WSGI app below an in-memory Node server (bench/RESULTS.md).
gunicorn stays supported, with `gunicorn.conf.py`, for hosts and habits built around it.

Either way: WEB_CONCURRENCY worker processes (default 2) of THREADS threads each, the address
from Django's settings (HOST and PORT, so `.env` applies), one access line per request on stdout,
the same start-up banner, and the polling bot beside the workers (telegrambot/beside_web.py),
stopped with them. Like gunicorn's master, this process reads settings only and never sets up
Django: the workers do.
"""

import logging
import os
import sys
from logging import Logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirtuoz.settings")

from django.conf import settings

from telegrambot import beside_web

WSGI_APP = "spirtuoz.wsgi:application"
SERVERS = ("granian", "gunicorn")
# Threads per worker: requests that wait (an avatar lookup holds one for up to 10 s) need a
# few, and every thread keeps a database connection of its own.
THREADS = 4
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOGGER = "spirtuoz.serve"


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


def serve_granian() -> None:
    from granian import Granian
    from granian.constants import Interfaces

    stdout = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
    server = Granian(
        WSGI_APP,
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
                "access": {**stdout, "formatter": "access"},
            },
            "loggers": {
                "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
                "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
                LOGGER: {"handlers": ["console"], "level": "INFO", "propagate": False},
            },
        },
    )
    log = logging.getLogger(LOGGER)
    server.on_startup(lambda: (banner(log), beside_web.start(log)))
    server.on_shutdown(lambda: beside_web.stop(log))
    server.serve()


def main() -> None:
    if server_name() == "gunicorn":
        # Replaced by gunicorn itself, so that signals reach its master directly.
        command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
        os.execv(sys.executable, command)  # noqa: S606 -- this interpreter, a fixed command
    serve_granian()


if __name__ == "__main__":
    main()
