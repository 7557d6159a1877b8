"""WSGI middleware: each request runs the hub's code in one of the WEB_THREADS places of its
worker, waiting for one if need be (core/bulkheads.serving), so that the threads the server
keeps for requests that wait do not all run Python at once."""

from collections.abc import Callable

from core.bulkheads import serving


class Serving:
    def __init__(self, application: Callable):
        self.application = application

    def __call__(self, environ, start_response):
        with serving():
            return self.application(environ, start_response)
