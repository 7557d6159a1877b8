"""Bulkheads: a few slots per worker process for requests that wait on somebody else (a client
still sending its body, Telegram), so that such waits never hold the threads that serve rooms.

server/serve.py gives each worker WEB_THREADS threads on top of every bulkhead's slots; a
request that finds every slot of its bulkhead taken is refused at once (503, Retry-After)
rather than queued behind the others. Slots are per process: each worker has its own.
"""

import threading
from functools import cache

from django.conf import settings

from core.errors import ApplicationError

RETRY_AFTER_SECONDS = 1


class Busy(ApplicationError):
    status = 503
    message = "the hub is busy; try again shortly"

    def __init__(self, message: str | None = None):
        super().__init__(message, retry_after=RETRY_AFTER_SECONDS)


@cache
def _semaphore(setting: str, size: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(size)


class Slot:
    """One request's slot in a bulkhead: taken once, on the first take(), held until
    release(). A request that never needs to wait never takes one."""

    def __init__(self, setting: str):
        self.setting = setting
        self._held: threading.BoundedSemaphore | None = None

    def take(self) -> bool:
        """Whether this request holds a slot now: False when every slot is taken."""
        if self._held is None:
            semaphore = _semaphore(self.setting, size(self.setting))
            if semaphore.acquire(blocking=False):
                self._held = semaphore
        return self._held is not None

    def release(self) -> None:
        if self._held is not None:
            self._held.release()
            self._held = None


def size(setting: str) -> int:
    """A bulkhead's slots per worker: the named setting."""
    return getattr(settings, setting)
