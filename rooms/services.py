"""Writes to the room store: register, close and purge rooms. Each outcome is logged."""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError
from rooms.models import Room, RoomQuerySet
from rooms.validators import ROOM_CODE_RE

logger = logging.getLogger(__name__)

# Four letters without the look-alikes I, L and O (1, 0), read out loud across a party.
ALLOCATED_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ"
ALLOCATED_CODE_LENGTH = 4
ALLOCATION_ATTEMPTS = 50


class NoFreeRoomCode(ApplicationError):
    """Every code tried for a new room was held by a live room."""

    status = 503
    message = "no free room code right now; try again"


class _CodeTaken(Exception):
    """The code belongs to a live room that this registration must not replace."""


@dataclass(frozen=True)
class Registration:
    room: Room
    created: bool


def room_register(*, code: str | None, ws_url: str, app_url: str) -> Registration:
    """Register a room under `code`, or under a fresh code when `code` is None.

    Registering a live code again replaces its URLs (quick tunnels change URL on every
    restart), extends its expiry and keeps its created_at. A code whose room has expired
    or was closed starts a new room.
    """
    if code is not None:
        registration = _room_save(code=code.upper(), ws_url=ws_url, app_url=app_url, replace=True)
    else:
        registration = _room_save_under_a_fresh_code(ws_url=ws_url, app_url=app_url)
    logger.info(
        "room %s %s: ws_url %s",
        registration.room.code,
        "registered (new)" if registration.created else "re-registered",
        _loggable_url(ws_url),
    )
    return registration


def _room_save_under_a_fresh_code(*, ws_url: str, app_url: str) -> Registration:
    for _ in range(ALLOCATION_ATTEMPTS):
        fresh = "".join(
            secrets.choice(ALLOCATED_CODE_ALPHABET) for _ in range(ALLOCATED_CODE_LENGTH)
        )
        try:
            return _room_save(code=fresh, ws_url=ws_url, app_url=app_url, replace=False)
        except _CodeTaken:
            continue
    logger.warning("no free room code: %d random codes were all live rooms", ALLOCATION_ATTEMPTS)
    raise NoFreeRoomCode


def _loggable_url(url: str) -> str:
    """The URL without user info, query or fragment, where a Host App might put a token."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2], query="", fragment="").geturl()


def _room_save(*, code: str, ws_url: str, app_url: str, replace: bool) -> Registration:
    """Create or refresh the room `code`; with replace=False, a live room raises _CodeTaken."""
    now = timezone.now()
    expires_at = now + timedelta(seconds=settings.ROOM_TTL_SECONDS)
    with transaction.atomic():
        room = Room.objects.select_for_update().filter(code=code).first()
        if room is None:
            try:
                # A savepoint, so that losing a race to another registration of the same
                # code leaves this transaction usable.
                with transaction.atomic():
                    room = Room.objects.create(
                        code=code,
                        ws_url=ws_url,
                        app_url=app_url,
                        created_at=now,
                        updated_at=now,
                        expires_at=expires_at,
                    )
                return Registration(room=room, created=True)
            except IntegrityError:
                room = Room.objects.select_for_update().get(code=code)
        live = room.status(now) == Room.Status.LIVE
        if live and not replace:
            raise _CodeTaken
        if not live:
            room.created_at = now
            room.closed_at = None
        room.ws_url = ws_url
        room.app_url = app_url
        room.updated_at = now
        room.expires_at = expires_at
        room.save()
        return Registration(room=room, created=not live)


def rooms_close(*, rooms: RoomQuerySet) -> int:
    """Close the live rooms among `rooms`; returns how many were closed."""
    return rooms.live().update(closed_at=timezone.now())


def room_close(*, code: str) -> bool:
    """Close the live room `code` (any case) for its host; False when there is none."""
    # What cannot be a code names no room, and some of it (NUL) PostgreSQL cannot even compare.
    if not ROOM_CODE_RE.fullmatch(code):
        return False
    closed = rooms_close(rooms=Room.objects.filter(code=code.upper())) > 0
    if closed:
        logger.info("room %s closed by its host", code.upper())
    return closed


def rooms_purge() -> int:
    """Delete every expired or closed room; returns how many were deleted."""
    deleted, _ = Room.objects.ended().delete()
    logger.info("purged %d expired or closed room(s)", deleted)
    return deleted
