"""Who may register and close rooms: whoever holds the shared HOST_SECRET."""

import hmac

from django.conf import settings
from rest_framework import exceptions, permissions, status


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
            raise HostRegistrationNotConfigured
        given = _secret_from(request)
        if not given:
            raise exceptions.PermissionDenied("host secret required")
        return hmac.compare_digest(given.encode(), expected.encode())


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
