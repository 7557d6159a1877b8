"""Who may do what to rooms. Whoever holds the shared HOST_SECRET may create rooms; only the
Host App that created a room, holding its room token, may change or close it.

Every refusal is logged with why and where from, never with what was sent. Wrong secrets and
wrong room tokens count towards HOST_AUTH_FAIL_RATE for the client; a request that sends none
is refused without counting (it guessed nothing).
"""

import hmac
import logging

from django.conf import settings
from rest_framework import exceptions, permissions, status

from core.authentication import bearer_token
from core.ratelimit import client_address
from rooms.limits import HOST_AUTH_FAIL
from rooms.models import Room
from rooms.selectors import room_get
from rooms.services import RoomNotFound
from rooms.tokens import room_token_matches

logger = logging.getLogger(__name__)


class HostRegistrationNotConfigured(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "host registration is not configured"


class HostSecret(permissions.BasePermission):
    """The request carries HOST_SECRET in `X-Host-Secret`, `Authorization: Bearer`, or the
    JSON body's `host_secret`. With no HOST_SECRET on the server nobody gets in.
    A client that failed HOST_AUTH_FAIL_RATE times gets 429 until its window passes, even
    with the right secret, so that guessing cannot go on."""

    message = "invalid host secret"

    def has_permission(self, request, view) -> bool:
        expected = settings.HOST_SECRET
        if not expected:
            _log_refusal(request, "HOST_SECRET is not set on the hub")
            raise HostRegistrationNotConfigured
        wait = HOST_AUTH_FAIL.wait(request.META)
        if wait is not None:
            _log_refusal(request, "too many failed attempts")
            raise HOST_AUTH_FAIL.exceeded(wait)
        given = _secret_from(request)
        if given and hmac.compare_digest(given.encode(), expected.encode()):
            return True
        if not given:
            # No guess, so no failure: a browser's GET or a preflight sends no secret, and must
            # not lock the host on the same address out.
            _log_refusal(request, "no secret sent")
            raise exceptions.PermissionDenied("host secret required")
        HOST_AUTH_FAIL.hit(request.META)
        _log_refusal(request, "wrong secret")
        return False


ROOM_TOKEN_HEADER = "X-Room-Token"  # noqa: S105 -- a header's name


class RoomToken(permissions.BasePermission):
    """The request carries the room's token in X-Room-Token, checked against the room that
    holds the code, ended or not: without a token or with a wrong one, 403; a code no room ever
    held, or the right token for a room that has ended, 404. The live room is then
    `request.room`."""

    def has_permission(self, request, view) -> bool:
        wait = HOST_AUTH_FAIL.wait(request.META)
        if wait is not None:
            _log_refusal(request, "too many failed attempts")
            raise HOST_AUTH_FAIL.exceeded(wait)
        given = request.headers.get(ROOM_TOKEN_HEADER, "")
        if not given:
            _log_refusal(request, "no room token sent")
            raise exceptions.PermissionDenied("room token required")
        room = room_get(code=view.kwargs["code"])
        if room is None:
            raise RoomNotFound
        if not room_token_matches(token_salt=room.token_salt, given=given):
            HOST_AUTH_FAIL.hit(request.META)
            _log_refusal(request, "wrong room token")
            raise exceptions.PermissionDenied("invalid room token")
        if room.status() != Room.Status.LIVE:
            raise RoomNotFound
        request.room = room
        return True


def _log_refusal(request, reason: str) -> None:
    logger.warning(
        "host auth refused (%s): %s %s from %s",
        reason,
        request.method,
        request.path,
        client_address(request.META),
    )


def _secret_from(request) -> str:
    header = request.headers.get("X-Host-Secret", "")
    if header:
        return header
    token = bearer_token(request)
    if token:
        return token
    body = request.data
    if isinstance(body, dict) and isinstance(body.get("host_secret"), str):
        return body["host_secret"]
    return ""
