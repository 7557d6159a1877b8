"""Serve the hub with granian: `python -m server [MODULE:APP]`, as `make run` and Render do.

granian, a WSGI server written in Rust, parses HTTP outside the interpreter: on the same two
cores it answers several times more requests per second than a server parsing HTTP in Python
(bench/RESULTS.md). WEB_CONCURRENCY worker processes (default 2) of WEB_THREADS threads each
(default 4) that serve rooms, and threads beside them for requests that wait (threads()), on the
address from Django's settings (HOST and PORT, so `.env` applies), one
access line per request on stdout, and a banner once connections are taken.

The main process reads settings only; each worker, forked from it, sets Django up itself. A
worker that dies is replaced; one that takes longer than WORKERS_KILL_SECONDS to stop is killed
(granian's own shutdown can hang when stopped while its workers start); and each worker dies
with the main process (server/app.py asks the kernel for that), so no orphan keeps serving the
port. The Telegram bot is not this process's business: `make run` starts `manage.py runbot`
beside it (server/supervisor.py).
"""

import atexit
import logging
import multiprocessing
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from logging import Logger
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirtuoz.settings")

from django.conf import settings

from core.logs import ACCESS_LOGGER
from server.accesslog import BackgroundStreamHandler

WSGI_APP = "server.app:application"
# A connection that has sent no request, or no whole request head, for this long is closed: an
# idle keep-alive connection and a client that connects and says nothing alike.
IDLE_CONNECTION_SECONDS = 20
# Connections each worker holds open at once (granian's "backpressure"; one beyond waits in the
# listen queue): each costs a few kilobytes, and a thousand idle ones must not lock clients out.
CONNECTIONS_PER_WORKER = 2048
# How long a stopping worker may take before it is killed: Ctrl-C must always stop the hub.
WORKERS_KILL_SECONDS = 5
LOGGER = "server"


def workers() -> int:
    return int(os.environ.get("WEB_CONCURRENCY", "2"))


def threads() -> int:
    """Threads per worker that serve rooms (every thread keeps a database connection of its
    own), plus one for each slot of the bulkheads (core/bulkheads.py): requests that wait on a
    client's body (reading it, or waiting for a reader) or on Telegram hold those, never
    these."""
    bulkheads = (
        2 * settings.REQUEST_BODY_READERS,
        settings.TELEGRAM_CONCURRENCY,
        settings.TELEGRAM_WAITERS,
    )
    return settings.WEB_THREADS + sum(bulkheads)


def banner(log: Logger) -> None:
    all_interfaces = settings.HOST in ("0.0.0.0", "::")  # noqa: S104
    shown_host = "127.0.0.1" if all_interfaces else settings.HOST
    log.info(
        "Spirtuoz hub listening on http://%s:%s (admin at /admin/). "
        "Create an admin user with: .venv/bin/python manage.py createsuperuser",
        shown_host,
        settings.PORT,
    )


def serve(app: str) -> None:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings

    server = Granian(
        app,
        address=settings.HOST,
        port=settings.PORT,
        interface=Interfaces.WSGI,
        websockets=False,
        # HTTP/1.1 only: Render's proxy speaks it, and granian's HTTP/1-or-2 detection waits
        # for a first byte with no timeout, so a silent connection would be held for ever.
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(header_read_timeout=IDLE_CONNECTION_SECONDS * 1000),
        backpressure=CONNECTIONS_PER_WORKER,
        workers=workers(),
        blocking_threads=threads(),
        respawn_failed_workers=True,
        workers_kill_timeout=WORKERS_KILL_SECONDS,
        # The access lines are the hub's own (server/accesslog.py).
        log_access=False,
        log_dictconfig=log_config(),
    )
    log = logging.getLogger(LOGGER)
    server.on_startup(lambda: _announce_when_ready(log))
    server.serve()


def log_config() -> dict:
    """granian's logging, with the hub's formatters and filters (settings.LOGGING): the same
    format, request fields and redaction on its lines and access lines as on Django's."""
    handler = {"formatter": settings.LOG_FORMAT, "filters": list(settings.LOGGING["filters"])}
    return {
        "formatters": settings.LOGGING["formatters"],
        "filters": settings.LOGGING["filters"],
        "handlers": {
            "console": {**handler, "class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
            "access": {**handler, "()": BackgroundStreamHandler},
        },
        "loggers": {
            "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
            ACCESS_LOGGER: {"handlers": ["access"], "level": "INFO", "propagate": False},
            LOGGER: {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


def _announce_when_ready(log: Logger) -> None:
    """The banner once a connection is accepted: the workers take connections only once they
    have loaded the app, a moment after granian says it listens. The thread holds no lock a
    forked worker could inherit: it only connects and sleeps."""

    def wait_then_announce() -> None:
        all_interfaces = {"0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104
        host = all_interfaces.get(settings.HOST, settings.HOST)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        while True:
            with socket.socket(family) as probe:
                probe.settimeout(1)
                if probe.connect_ex((host, settings.PORT)) == 0:
                    banner(log)
                    return
            time.sleep(0.05)

    threading.Thread(target=wait_then_announce, name="readiness", daemon=True).start()


def metrics_folder_prepare() -> None:
    """An empty PROMETHEUS_MULTIPROC_DIR for the workers' metrics (monitoring/metrics.py), set
    before they fork: the one given, emptied of an earlier run's files, or a fresh temporary
    one, removed when the server stops."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        return
    folder = tempfile.mkdtemp(prefix="spirtuoz-metrics-")
    server = os.getpid()
    # Forked workers inherit the exit hook; only this process removes the folder.
    atexit.register(lambda: os.getpid() == server and shutil.rmtree(folder, ignore_errors=True))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder


def main(argv: list[str]) -> None:
    """The hub, or another WSGI app served the same way (`make bench` serves its floor so)."""
    # Forked workers (Python 3.14 would spawn them): they start faster, and spawning needs a
    # resource-tracker process beside them.
    multiprocessing.set_start_method("fork", force=True)
    metrics_folder_prepare()
    serve(argv[0] if argv else WSGI_APP)


if __name__ == "__main__":
    main(sys.argv[1:])
