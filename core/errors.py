"""The hub's one error shape, `{"error": "<message>"}`, and the one place errors become it.

- `ApplicationError` is what the hub's own rules raise (services, mostly): it carries what the
  client is told, an HTTP status and, where waiting helps, Retry-After. No view catches one.
- `exception_handler`, DRF's EXCEPTION_HANDLER, turns it and DRF's own errors into the shape;
  `application_error` does the same outside DRF (core.middleware), and
  `admin_locked_out` answers django-axes' lockouts of the admin login.
- Django's 400/403/404/500 pages and its CSRF refusal are replaced by the JSON views below
  (spirtuoz/urls.py, CSRF_FAILURE_VIEW), and core.middleware.JsonMethodNotAllowed gives every
  405 the shape, so no client ever gets HTML for an error.
- A store the hub depends on that cannot be reached (the database, a Redis cache) is no bug in
  the hub, and it ends once the store is back: `outage_message` names it, and
  `core.middleware.OutageMiddleware` answers 503 for it, in any view.
"""

import sys
from http import HTTPStatus

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

# What Django raises when the database cannot be reached or stops answering: a stopped or
# unreachable server, a connect timeout, a connection cut mid-request, and on SQLite a file
# that cannot be opened.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


class ApplicationError(Exception):
    """A refusal by the hub's own rules, with its message and HTTP status (400 unless a
    subclass or the raiser says otherwise) and, where waiting helps, seconds to Retry-After."""

    status = HTTPStatus.BAD_REQUEST
    message = "bad request"

    def __init__(self, message: str | None = None, *, status: int | None = None, retry_after=None):
        self.message = message or self.message
        self.status = status or self.status
        self.retry_after = retry_after
        super().__init__(self.message)


def error(message: str, status_code: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status_code)


def exception_handler(exc, context):
    # DRF is imported here, not above: importing its views reads DEFAULT_PARSER_CLASSES and
    # the other API settings, which the middleware imports this module before; and the bot's
    # process, which raises ApplicationErrors too, never loads DRF (about 30 MB).
    from rest_framework.response import Response
    from rest_framework.views import exception_handler as drf_exception_handler
    from rest_framework.views import set_rollback

    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response({"error": exc.message}, status=exc.status, headers=_headers(exc))
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = {"error": _message(response.data)}
    return response


def application_error(exc: ApplicationError) -> JsonResponse:
    """The answer to an ApplicationError outside DRF (a middleware's refusal): the same as
    exception_handler gives."""
    response = error(exc.message, exc.status)
    for name, value in (_headers(exc) or {}).items():
        response[name] = value
    return response


def _headers(exc: ApplicationError) -> dict | None:
    return {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None


def admin_locked_out(request, original_response=None, credentials=None) -> JsonResponse:
    """AXES_LOCKOUT_CALLABLE: the answer to a locked-out admin login, in the one shape."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = error(
        f"too many failed admin logins for this user or address; try again in {minutes} minutes",
        HTTPStatus.TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


def _encodable(text: str) -> str:
    """The message as UTF-8 can carry it: a message that quotes what a client sent may quote a
    lone surrogate, which no JSON answer can encode."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _message(detail) -> str:
    """One readable sentence from DRF's error detail (a string, a list or a dict of them)."""
    if isinstance(detail, dict):
        if set(detail) == {"detail"}:
            return _message(detail["detail"])
        parts = []
        for field, value in detail.items():
            text = _message(value)
            parts.append(text if field == "non_field_errors" else f"{_encodable(field)}: {text}")
        return "; ".join(parts)
    if isinstance(detail, list):
        # A field's first problem is the one to fix first; the rest often repeat it.
        return _message(detail[0]) if detail else ""
    return _encodable(str(detail))


def outage_message(exception: Exception) -> str | None:
    """The one error message for an unavailable store, or None for any other error.

    redis is looked up, not imported: only the Redis cache loads it, and it would cost every
    process of a hub on the database cache some 15 MB.
    """
    if isinstance(exception, DATABASE_UNAVAILABLE):
        return "database unavailable"
    redis = sys.modules.get("redis")
    if redis is not None and isinstance(exception, redis.RedisError):
        return "cache unavailable"
    return None


def bad_request(request, exception=None):
    return error("bad request", HTTPStatus.BAD_REQUEST)


def permission_denied(request, exception=None):
    return error("forbidden", HTTPStatus.FORBIDDEN)


def not_found(request, exception=None):
    return error("not found", HTTPStatus.NOT_FOUND)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: Django's CSRF refusal (the admin's forms) in the one shape too."""
    return error("forbidden", HTTPStatus.FORBIDDEN)


def server_error(request):
    return error("internal server error", HTTPStatus.INTERNAL_SERVER_ERROR)
