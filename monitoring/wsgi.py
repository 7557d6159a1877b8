"""The outermost WSGI wrapper (server/app.py puts it around everything, the fast room lookup
included): each request's context for its log lines, and its X-Request-ID echoed back."""

from collections.abc import Callable

from core.logs import REQUEST_ID_HEADER, request_context_begin, request_id_from
from core.ratelimit import client_address

REQUEST_ID_ENVIRON = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")


class Observed:
    def __init__(self, application: Callable):
        self.application = application

    def __call__(self, environ, start_response):
        context = request_context_begin(
            request_id=request_id_from(environ.get(REQUEST_ID_ENVIRON)),
            client=client_address(environ),
        )

        def start(status, headers, exc_info=None):
            headers = [
                *(pair for pair in headers if pair[0].lower() != REQUEST_ID_HEADER.lower()),
                (REQUEST_ID_HEADER, context.request_id),
            ]
            return start_response(status, headers, exc_info)

        return self.application(environ, start)
