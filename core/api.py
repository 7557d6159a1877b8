"""The API's one error shape, `{"error": "<message>"}`, and the parser that bounds request bodies.

DRF's exceptions go through `exception_handler`; Django's own 400/403/404/500 pages are
replaced by the JSON views below (see `spirtuoz/urls.py`), so no client ever gets HTML. A
database or Redis cache that cannot be reached is a 503, not a 500: see `OutageMiddleware`.
"""

import io
import logging

from django.conf import settings
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

from core.outages import outage_message

logger = logging.getLogger(__name__)


def error(message: str, status_code: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status_code)


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "request body is too large"


class RateLimited(exceptions.APIException):
    """429 with Retry-After (DRF sends `wait` as that header)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, message: str, wait: int):
        super().__init__(message)
        self.wait = wait


class LimitedJSONParser(JSONParser):
    """JSON parser that refuses bodies over `API_MAX_BODY_BYTES` before decoding them."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        too_large = RequestTooLarge(f"request body is larger than {limit // 1024} KiB")
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise too_large
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise too_large
        return super().parse(io.BytesIO(body), media_type, parser_context)


def exception_handler(exc, context):
    # Imported here, not above: importing DRF's views reads DEFAULT_PARSER_CLASSES, the parser
    # in this module, and MIDDLEWARE imports this module before anything imports those views.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = {"error": _message(response.data)}
    return response


def _message(detail) -> str:
    """One readable sentence from DRF's error detail (a string, a list or a dict of them)."""
    if isinstance(detail, dict):
        if set(detail) == {"detail"}:
            return _message(detail["detail"])
        parts = []
        for field, value in detail.items():
            text = _message(value)
            parts.append(text if field == "non_field_errors" else f"{field}: {text}")
        return "; ".join(parts)
    if isinstance(detail, list):
        # A field's first problem is the one to fix first; the rest often repeat it.
        return _message(detail[0]) if detail else ""
    return str(detail)


def bad_request(request, exception=None):
    return error("bad request", status.HTTP_400_BAD_REQUEST)


def permission_denied(request, exception=None):
    return error("forbidden", status.HTTP_403_FORBIDDEN)


def not_found(request, exception=None):
    return error("not found", status.HTTP_404_NOT_FOUND)


def server_error(request):
    return error("internal server error", status.HTTP_500_INTERNAL_SERVER_ERROR)


class OutageMiddleware:
    """503 `{"error": "database unavailable"}` (or `"cache unavailable"`, for Redis) for any
    view, DRF's or Django's, that a store it needs failed, instead of a 500.

    One middleware rather than a branch in `exception_handler` too: DRF hands exceptions it
    does not know back to Django, so this hook sees the API's views and the admin's alike.
    The next request simply tries again: Django's health checks (CONN_HEALTH_CHECKS) drop
    a broken database connection, so the hub serves again once the store is back, unrestarted.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        message = outage_message(exception)
        if message is None:
            return None
        # Its first line says what failed ("connection refused", "timeout expired", ...).
        what = next(iter(str(exception).strip().splitlines()), "") or type(exception).__name__
        logger.warning("%s: %s %s: %s", message, request.method, request.path, what)
        return error(message, status.HTTP_503_SERVICE_UNAVAILABLE)
