"""The hub's own middleware: health checks from any Host, outages answered as 503, 405s
answered in the API's error shape, one admin login at a time, and the route of each request
for its log lines and metrics."""

import logging
import threading

from django.conf import settings
from rest_framework import status

from core.errors import ApplicationError, application_error, error, outage_message
from core.logs import request_route_set

logger = logging.getLogger(__name__)

# Set in the WSGI environ by a wrapper in front of Django (rooms.lookup) whose own query just
# failed: the DatabaseError, for OutageMiddleware to answer at once rather than wait on a
# second connection attempt.
DATABASE_FAILED = "spirtuoz.database_failed"


class HealthCheckFromAnyHost:
    """Lets platform health checks reach /healthz whatever Host header they send.

    A platform's health checker calls each instance directly, often with an internal address
    as Host, which ALLOWED_HOSTS would refuse with 400 and so mark a healthy hub as down. For
    /healthz alone, whose answer does not depend on the host, the request is given an allowed
    host instead; every other path is still checked.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            allowed = [h for h in settings.ALLOWED_HOSTS if h != "*" and not h.startswith(".")]
            if allowed:
                request.META["HTTP_HOST"] = allowed[0]
                request.META.pop("HTTP_X_FORWARDED_HOST", None)
        return self.get_response(request)


class OutageMiddleware:
    """503 `{"error": "database unavailable"}` (or `"cache unavailable"`, for Redis) for any
    view, DRF's or Django's, that a store it needs failed, instead of a 500.

    One middleware rather than a branch in the exception handler too: DRF hands exceptions it
    does not know back to Django, so this hook sees the API's views and the admin's alike.
    The next request simply tries again: Django's health checks (CONN_HEALTH_CHECKS) drop
    a broken database connection, so the hub serves again once the store is back, unrestarted.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        failed = request.META.get(DATABASE_FAILED)
        if failed is not None:
            return self.process_exception(request, failed)
        return self.get_response(request)

    def process_exception(self, request, exception):
        message = outage_message(exception)
        if message is None:
            return None
        # Its first line says what failed ("connection refused", "timeout expired", ...).
        what = next(iter(str(exception).strip().splitlines()), "") or type(exception).__name__
        logger.warning("%s: %s %s: %s", message, request.method, request.path, what)
        return error(message, status.HTTP_503_SERVICE_UNAVAILABLE)


class JsonMethodNotAllowed:
    """A 405 in the one error shape from every path, whoever refused the method: Django's
    `require_safe` answers an empty page, and a DRF view that renders HTML (Swagger UI at
    /api/docs/) an HTML one. The Allow header stays."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != status.HTTP_405_METHOD_NOT_ALLOWED:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        answer = error(f'Method "{request.method}" not allowed.', response.status_code)
        if response.has_header("Allow"):
            answer["Allow"] = response["Allow"]
        return answer


class AdminLoginBusy(ApplicationError):
    status = 503
    message = "another admin login is being checked; try again in a second"

    def __init__(self):
        super().__init__(retry_after=1)


_admin_login = threading.Lock()
# Where spirtuoz/urls.py mounts the admin, and so its login form.
ADMIN_LOGIN_PATH = "/admin/login/"


class OneAdminLoginAtATime:
    """One admin login (a POST of its form) at a time per process; another arriving meanwhile
    is refused at once with 503 and Retry-After, before its session, CSRF check, database or
    password hash, and uncounted as a failed login (nothing was checked).

    A password hash (PBKDF2, on purpose slow) costs a core for a few hundred milliseconds, and a
    login request a server thread: guessers in parallel would take both from the room lookups.
    django-axes then refuses a locked-out user or client before any hash (its backend comes
    first in AUTHENTICATION_BACKENDS)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or request.path_info != ADMIN_LOGIN_PATH:
            return self.get_response(request)
        if not _admin_login.acquire(blocking=False):
            return application_error(AdminLoginBusy())
        try:
            return self.get_response(request)
        finally:
            _admin_login.release()


class RequestRoute:
    """Names the URL pattern that matched (`api/rooms/<str:code>`, never the path itself, so a
    code or a token in it stays out) in the request's context (core/logs.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        request_route_set(request.resolver_match.route)
