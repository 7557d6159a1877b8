"""Bulkheads: a few slots per worker process for requests that wait on somebody else (a client
still sending its body, Telegram), so that such waits never hold the threads that serve rooms.

server/serve.py gives each worker a thread for every bulkhead's slot on top of its WEB_THREADS;
a request that finds every slot of its bulkhead taken is refused at once (503, Retry-After)
rather than queued behind the others. Slots are per process: each worker has its own.

So many threads would all run the hub's code at once under load, taking turns at the GIL (room
lookups fell to a quarter of their rate), so `serving()` lets WEB_THREADS of them run it at a
time: a request holds its place while it works, and gives it up while it holds a slot (waits).
"""

import contextlib
import threading
from collections.abc import Iterator
from functools import cache

from django.conf import settings

# What a request refused for want of a slot is told to wait before it tries again.
RETRY_AFTER_SECONDS = 1


@cache
def _semaphore(name: str, size: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(size)


# The place in `serving()` the current thread holds, if any.
_held = threading.local()


@contextlib.contextmanager
def serving() -> Iterator[None]:
    """A place among the WEB_THREADS requests of this worker that run the hub's code at once,
    waited for and held throughout, except while the request waits in a bulkhead's slot."""
    places = _semaphore("WEB_THREADS", size("WEB_THREADS"))
    places.acquire()
    _held.places = places
    try:
        yield
    finally:
        _held.places = None
        places.release()


class Slot:
    """One request's slot in a bulkhead: taken once, on the first take(), held until
    release(). A request that never needs to wait never takes one."""

    def __init__(self, setting: str, purpose: str = ""):
        self.setting = setting
        # Slots of another purpose, as many as the setting says (a waiting room, say).
        self.purpose = purpose
        self._held: threading.BoundedSemaphore | None = None
        # The serving() place given up while the slot is held, to take again after.
        self._place: threading.BoundedSemaphore | None = None

    def take(self, wait: float = 0) -> bool:
        """Whether this request holds a slot now: False when every slot is taken (and none
        came free within `wait` seconds)."""
        if self._held is None:
            semaphore = _semaphore(self.setting + self.purpose, size(self.setting))
            if semaphore.acquire(timeout=wait) if wait else semaphore.acquire(blocking=False):
                self._held = semaphore
                self._place = getattr(_held, "places", None)
                if self._place is not None:
                    self._place.release()
        return self._held is not None

    def release(self) -> None:
        if self._held is not None:
            self._held.release()
            self._held = None
        if self._place is not None:
            self._place.acquire()
            self._place = None


def size(setting: str) -> int:
    """A bulkhead's slots per worker: the named setting."""
    return getattr(settings, setting)
