"""The access log: one line per request on stdout, in granian's format and under its logger's
name ("granian.access"), so that log searches written for granian's own access log keep
working; granian's own is off (server/serve.py).

Under load, logging cost a worker more than answering a room lookup did: made on the request's
thread, each line's record, filters and format held the GIL a few microseconds, and every
microsecond a request holds it is paid several times over by the worker's other threads
waiting for it (bench/RESULTS.md). So a request's thread only notes what its line needs
(`access_line`: a tuple, with the request's id, route and client) and goes on; a thread of the
worker's own makes the lines every WRITE_SECONDS, through the logging of the access logger
(its record, the hub's filters with the redaction, its formatter: settings.LOGGING), and
`BackgroundStreamHandler` writes them in one write. Lines keep their order and the moment
their request was answered. A forked worker starts its thread on its first line, and writes
what is still waiting when it exits.

The hub's requests are noted by monitoring/wsgi.py, which times them anyway; `AccessLogged`
notes those of another WSGI app (the bench's floor).
"""

import atexit
import contextlib
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing import util

from core.logs import ACCESS_FORMAT, ACCESS_LOGGER, request_context

# How often the waiting lines are made and written: how late an access line may appear.
WRITE_SECONDS = 0.05
# At most this many lines go into one write.
BATCH_LINES = 1000
# How long a flush, at exit for one, waits for the writer.
FLUSH_TIMEOUT_SECONDS = 5

_access = logging.getLogger(ACCESS_LOGGER)


class _Every:
    """A queue of this process, drained by a thread of its own every WRITE_SECONDS: `put`
    from any thread, `take(items)` called with what was drained, in order, on that thread.
    The thread starts with the process's first `put` (a forked worker starts its own) and
    what is queued is taken once more when the process exits."""

    def __init__(self, name: str, take: Callable[[list], None]):
        self.name = name
        self.take = take
        self._started = False
        self._forked()
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self) -> None:
        # A new process (or this one's start): what was queued before a fork is the parent's,
        # and the parent's thread did not come along.
        self._items: queue.SimpleQueue = queue.SimpleQueue()
        self._starting = threading.Lock()
        self._taking = threading.Lock()
        self._started = False

    def put(self, item) -> None:
        if not self._started:
            self._start()
        self._items.put(item)

    def drain(self) -> None:
        """Take what is queued now (the thread does it every WRITE_SECONDS)."""
        with self._taking:
            items = []
            with contextlib.suppress(queue.Empty):
                while True:
                    items.append(self._items.get_nowait())
            if items:
                self.take(items)

    def _start(self) -> None:
        with self._starting:
            if self._started:
                return
            threading.Thread(target=self._run, name=self.name, daemon=True).start()
            # Exits: a normal one, and a multiprocessing child's (granian's workers).
            atexit.register(self.drain)
            util.Finalize(self, self.drain, exitpriority=0)
            self._started = True

    def _run(self) -> None:
        while True:
            time.sleep(WRITE_SECONDS)
            self.drain()


class BackgroundStreamHandler(logging.Handler):
    """A handler that writes its lines to stdout from a thread of its own, many in one write:
    a logging.StreamHandler writes and flushes each line under a lock."""

    def __init__(self):
        super().__init__()
        self._lines = _Every("log-writer", self._write)

    def handle(self, record: logging.LogRecord) -> bool:
        # No handler lock: formatting needs none, and the queue is thread-safe.
        if not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except (TypeError, ValueError, KeyError):
            self.handleError(record)
            return
        self._lines.put(line)

    def flush(self) -> None:
        """Write every line queued so far."""
        self._lines.drain()

    def _write(self, lines: list[str]) -> None:
        try:
            for start in range(0, len(lines), BATCH_LINES):
                sys.stdout.write("\n".join(lines[start : start + BATCH_LINES]) + "\n")
            sys.stdout.flush()
        except (OSError, ValueError):
            # As StreamHandler does: a log that cannot be written never stops the server.
            self.handleError(logging.makeLogRecord({"msg": "access log write failed"}))


def access_facts(environ, status: int, seconds: float) -> tuple:
    """What the access line of the request of `environ`, answered `status` in `seconds`,
    says: taken on the request's thread, in its context."""
    context = request_context()
    return (
        time.time(),
        environ.get("REMOTE_ADDR", "-"),
        environ.get("REQUEST_METHOD", "-"),
        environ.get("PATH_INFO", ""),
        environ.get("SERVER_PROTOCOL", "-"),
        status,
        seconds * 1000,
        getattr(context, "request_id", None),
        getattr(context, "route", None),
        getattr(context, "client", None),
    )


class AccessRecord(logging.LogRecord):
    """An access line's record, made in a fraction of the time logging.LogRecord takes: what
    is the same on every access line of a process (its logger, level, process, and the
    thread that makes them) is copied from the first one made there."""

    _constant: dict | None = None

    @classmethod
    def made(cls, message: str, answered: float, fields: dict) -> "AccessRecord":
        if cls._constant is None:
            first = _access.makeRecord(_access.name, logging.INFO, "", 0, "", (), None)
            cls._constant = vars(first)
        record = cls.__new__(cls)
        record.__dict__.update(cls._constant)
        record.__dict__.update(fields)
        record.msg, record.created = message, answered
        record.msecs = int(answered % 1 * 1000) + 0.0
        return record


def _forget_constant() -> None:
    AccessRecord._constant = None


os.register_at_fork(after_in_child=_forget_constant)


def access_record(facts: tuple) -> logging.LogRecord:
    """The access line's record: the JSON format also writes its status, duration (ms) and
    the request's fields as fields of their own."""
    answered, addr, method, path, protocol, status, milliseconds, *request = facts
    if not path.isprintable():
        # A decoded %0A would start a line of its own in the plain format.
        path = path.encode("unicode_escape").decode("ascii")
    message = ACCESS_FORMAT % {
        "addr": addr,
        "method": method,
        "path": path,
        "protocol": protocol,
        "status": status,
        "dt_ms": milliseconds,
    }
    request_id, route, client = request
    fields = {
        "status": status,
        "duration": round(milliseconds, 3),
        "request_id": request_id,
        "route": route,
        "client": client,
    }
    return AccessRecord.made(message, answered, fields)


def _make_lines(batch: list[tuple]) -> None:
    for facts in batch:
        _access.handle(access_record(facts))
    for handler in _access.handlers:
        handler.flush()


_waiting = _Every("access-log", _make_lines)


def access_line(environ, status: int, seconds: float) -> None:
    """The access line of the request of `environ`, answered `status` in `seconds`, to be
    made and written in a moment."""
    if _access.isEnabledFor(logging.INFO):
        _waiting.put(access_facts(environ, status, seconds))


def access_log_flush() -> None:
    """Make and write every access line noted so far (tests, and a process about to exit)."""
    _waiting.drain()


class AccessLogged:
    """WSGI middleware: an access line for each request."""

    def __init__(self, application: Callable):
        self.application = application

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        answered = {"status": 500}

        def start(status, headers, exc_info=None):
            answered["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            return self.application(environ, start)
        finally:
            access_line(environ, answered["status"], time.perf_counter() - started)
