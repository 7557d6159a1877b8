"""Request bodies read whole, bounded in size and time, before the hub sees the request.

granian hands a request to a worker thread as soon as its head has arrived, and reading its
body then blocks that thread until the client has sent it all: a client trickling a byte a
second held a thread for minutes, and a few hundred of them every thread of the hub. So
`BoundedBody` reads each body in a reader thread of its own, for at most REQUEST_BODY_SECONDS:

- a body not whole by then gets 408, and its connection is closed (granian closes a
  connection whose body was not read), which ends the reader's wait too;
- at most REQUEST_BODY_READERS bodies per worker are read at once; a request that finds every
  reader busy waits up to READER_WAIT_SECONDS for one (a whole body is read in microseconds,
  so a burst of hosts' heartbeats waits its turn), as many at once as there are readers; any
  other gets 503 at once. So trickling clients hold those readers and those waits alone
  (server/serve.py gives each worker threads for both beside the WEB_THREADS), and however
  fast they come back, lookups keep their threads;
- a body larger than Django would read (DATA_UPLOAD_MAX_MEMORY_SIZE) gets 413 unread;
- a chunked body (no Content-Length) is read like any other and handed on with its length,
  which Django needs to read it at all.

A request without a body (a room lookup) goes straight through: no reader, no wait.
"""

import io
import json
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as ReadTimeout
from functools import cache
from http import HTTPStatus

from django.conf import settings

from core.bulkheads import RETRY_AFTER_SECONDS, Slot, size

READERS = "REQUEST_BODY_READERS"
# How long a request with a body waits for a reader before its 503.
READER_WAIT_SECONDS = 0.1


def _answer(start_response: Callable, status: HTTPStatus, message: str, *extra_headers):
    """The hub's one error shape (core/errors.py), from the WSGI layer."""
    body = json.dumps({"error": message}).encode()
    start_response(
        f"{status.value} {status.phrase}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *extra_headers],
    )
    return [body]


@cache
def _readers(count: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(count, thread_name_prefix="body-reader")


def _read(stream, limit: int) -> bytes:
    return stream.read(limit + 1)


def _reader() -> Slot | None:
    """A reader's slot, at once or after a wait in the waiting room; None when both are full
    or the wait ran out."""
    slot = Slot(READERS)
    if slot.take():
        return slot
    waiting = Slot(READERS, purpose=" waiting")
    if not waiting.take():
        return None
    try:
        return slot if slot.take(wait=READER_WAIT_SECONDS) else None
    finally:
        waiting.release()


class BoundedBody:
    """WSGI middleware: reads a request's body whole, in time, before the application runs."""

    def __init__(self, application: Callable):
        self.application = application

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        declared = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not chunked and declared in ("", "0"):
            return self.application(environ, start_response)
        limit = max(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.API_MAX_BODY_BYTES)
        if not chunked and not declared.isdigit():
            return _answer(start_response, HTTPStatus.BAD_REQUEST, "bad Content-Length")
        if not chunked and int(declared) > limit:
            return _answer(
                start_response,
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"request body is larger than {limit // 1024} KiB",
            )
        slot = _reader()
        if slot is None:
            return _answer(
                start_response,
                HTTPStatus.SERVICE_UNAVAILABLE,
                "too many requests are still sending their bodies; try again shortly",
                ("Retry-After", str(RETRY_AFTER_SECONDS)),
            )
        reading: Future = _readers(size(READERS)).submit(_read, environ["wsgi.input"], limit)
        # The slot is the reader's: it is free again once the read ends, not when we stop waiting.
        reading.add_done_callback(lambda _: slot.release())
        try:
            body = reading.result(timeout=settings.REQUEST_BODY_SECONDS)
        except ReadTimeout:
            return _answer(
                start_response,
                HTTPStatus.REQUEST_TIMEOUT,
                f"the request body did not arrive within {settings.REQUEST_BODY_SECONDS} s",
            )
        if len(body) > limit:
            return _answer(
                start_response,
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"request body is larger than {limit // 1024} KiB",
            )
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.application(environ, start_response)
