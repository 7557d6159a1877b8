"""The outermost WSGI wrapper (server/app.py puts it around everything, the fast room lookup
included): each request's context for its log lines, its X-Request-ID echoed back, its count
by route and status (room lookups timed) for /metrics, and its access line."""

import time
from collections.abc import Callable
from functools import cache

from django.urls import resolve, reverse

from core.logs import REQUEST_ID_HEADER, request_context_begin, request_id_from
from core.ratelimit import client_address
from monitoring.metrics import UNMATCHED
from monitoring.services import request_record
from server.accesslog import access_line

REQUEST_ID_ENVIRON = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")


@cache
def room_lookup_route() -> str:
    """The URL pattern of the room lookup, as the request context names it."""
    return resolve(reverse("room-detail", kwargs={"code": "ABCD"})).route


class Observed:
    def __init__(self, application: Callable):
        self.application = application

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        context = request_context_begin(
            request_id=request_id_from(environ.get(REQUEST_ID_ENVIRON)),
            client=client_address(environ),
        )
        answered = {"status": 500}

        def start(status, headers, exc_info=None):
            answered["status"] = int(status.split(" ", 1)[0])
            headers = [
                *(pair for pair in headers if pair[0].lower() != REQUEST_ID_HEADER.lower()),
                (REQUEST_ID_HEADER, context.request_id),
            ]
            return start_response(status, headers, exc_info)

        try:
            return self.application(environ, start)
        finally:
            route = context.route or UNMATCHED
            seconds = time.perf_counter() - started
            status = answered["status"]
            request_record(
                route=route, status=status, seconds=seconds, lookup=route == room_lookup_route()
            )
            access_line(environ, status, seconds)
