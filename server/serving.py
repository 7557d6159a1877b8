"""WSGI middleware: each request Django answers runs in one of the WEB_THREADS places of its
worker, waiting for one if need be (core/bulkheads.serving), so that the threads the server
keeps for requests that wait do not all run Django at once. Room lookups the hub replays
(rooms/lookup.py) are answered before it: they are over in microseconds and never wait."""

from collections.abc import Callable

from core.bulkheads import serving


class Serving:
    def __init__(self, application: Callable):
        self.application = application

    def __call__(self, environ, start_response):
        with serving():
            return self.application(environ, start_response)
