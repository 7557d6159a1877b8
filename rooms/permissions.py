"""Who may register and close rooms: whoever holds the shared HOST_SECRET.

Every refusal is logged with why and where from, never with what was sent.
"""

import hmac
import logging

from django.conf import settings
from rest_framework import exceptions, permissions, status

logger = logging.getLogger(__name__)


class HostRegistrationNotConfigured(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "host registration is not configured"


class HostSecret(permissions.BasePermission):
    """The request carries HOST_SECRET in `X-Host-Secret`, `Authorization: Bearer`, or the
    JSON body's `host_secret`. With no HOST_SECRET on the server nobody gets in."""

    message = "invalid host secret"

    def has_permission(self, request, view) -> bool:
        expected = settings.HOST_SECRET
        if not expected:
            _log_refusal(request, "HOST_SECRET is not set on the hub")
            raise HostRegistrationNotConfigured
        given = _secret_from(request)
        if not given:
            _log_refusal(request, "no secret sent")
            raise exceptions.PermissionDenied("host secret required")
        if hmac.compare_digest(given.encode(), expected.encode()):
            return True
        _log_refusal(request, "wrong secret")
        return False


def _log_refusal(request, reason: str) -> None:
    logger.warning(
        "host auth refused (%s): %s %s from %s",
        reason,
        request.method,
        request.path,
        _client_address(request),
    )


def _client_address(request) -> str:
    """Where the request came from. Behind Render's proxy that is X-Forwarded-For, the client
    first (as the client and Cloudflare gave it: the client can prepend anything); else the
    peer's address."""
    forwarded = request.headers.get("X-Forwarded-For", "").strip()
    return forwarded or request.META.get("REMOTE_ADDR", "unknown")


def _secret_from(request) -> str:
    header = request.headers.get("X-Host-Secret", "")
    if header:
        return header
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    body = request.data
    if isinstance(body, dict) and isinstance(body.get("host_secret"), str):
        return body["host_secret"]
    return ""
