"""Writes to the room store: register, report (heartbeats and status), close and purge rooms,
and the claim that lets one web process at a time purge them (chore_claim).

Every write moves the room's `version` on and stamps `changed_at`, so that whatever shows a room
(the lookup, a group's lobby card) can tell it changed, and the lookups can ask which rooms did.
Each outcome a host or an operator would want to know of is logged; room tokens never are.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.errors import ApplicationError
from rooms.models import Chore, PlayerVisit, Room, RoomQuerySet
from rooms.tokens import room_token, room_token_matches, token_salt_new

logger = logging.getLogger(__name__)

# Four consonants without look-alikes (no L beside 1, no vowels, so no code spells a word),
# read out loud across a party: 19^4, about 130,000 codes.
ALLOCATED_CODE_ALPHABET = "BCDFGHJKMNPQRSTVWXZ"
ALLOCATED_CODE_LENGTH = 4
ALLOCATION_ATTEMPTS = 50
# What a host reports about its room, in a registration, a heartbeat or a PATCH.
STATUS_FIELDS = ("state", "players", "max_players", "locked")


class NoFreeRoomCode(ApplicationError):
    """Every code tried for a new room was held by a live room."""

    status = 503
    message = "no free room code right now; try again"


class RoomNotFound(ApplicationError):
    status = 404
    message = "room not found"


class RoomHeldByAnotherHost(ApplicationError):
    """A registration of a live room without its token, or with a wrong one."""

    status = 409

    def __init__(self, code: str, *, wrong_token: bool):
        super().__init__(f"room {code} is live and held by another host")
        self.wrong_token = wrong_token


@dataclass(frozen=True)
class Registration:
    room: Room
    created: bool
    # The new room's token, shown once: only when the registration created the room.
    token: str | None


def room_register(
    *,
    code: str | None,
    ws_url: str,
    app_url: str,
    token: str = "",
    status: dict | None = None,
) -> Registration:
    """Register a room under `code`, or under a fresh code when `code` is None.

    A code with no live room (unknown, expired or closed) starts a new room with a new token.
    A live room is registered again only with its token: its URLs are replaced (quick tunnels
    change URL on every restart), its created_at is kept, and the registration is a sign of
    life. Without the token, or with a wrong one, RoomHeldByAnotherHost and nothing changes.
    """
    if code is not None:
        registration = _room_save(
            code=code.upper(), ws_url=ws_url, app_url=app_url, token=token, status=status or {}
        )
    else:
        registration = _room_save_under_a_fresh_code(
            ws_url=ws_url, app_url=app_url, status=status or {}
        )
    logger.info(
        "room %s %s: ws_url %s",
        registration.room.code,
        "registered (new)" if registration.created else "re-registered",
        _loggable_url(ws_url),
    )
    return registration


class _CodeTaken(Exception):
    """The fresh code drawn belongs to a live room: draw another."""


def _room_save_under_a_fresh_code(*, ws_url: str, app_url: str, status: dict) -> Registration:
    for _ in range(ALLOCATION_ATTEMPTS):
        fresh = "".join(
            secrets.choice(ALLOCATED_CODE_ALPHABET) for _ in range(ALLOCATED_CODE_LENGTH)
        )
        try:
            return _room_save(
                code=fresh, ws_url=ws_url, app_url=app_url, token=None, status=status
            )
        except _CodeTaken:
            continue
    logger.warning("no free room code: %d random codes were all live rooms", ALLOCATION_ATTEMPTS)
    raise NoFreeRoomCode


def _loggable_url(url: str) -> str:
    """The URL without user info, query or fragment, where a Host App might put a token."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2], query="", fragment="").geturl()


def _room_save(
    *, code: str, ws_url: str, app_url: str, token: str | None, status: dict
) -> Registration:
    """Create the room `code`, or register its live room again with its `token`; with
    token=None (a code the hub drew), a live room raises _CodeTaken instead."""
    now = timezone.now()
    alive = {"last_seen_at": now, "expires_at": now + timedelta(seconds=settings.ROOM_TTL_SECONDS)}
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
                        token_salt=token_salt_new(),
                        **alive,
                        **status,
                    )
                return _created(room)
            except IntegrityError:
                room = Room.objects.select_for_update().get(code=code)
        if room.status(now) == Room.Status.LIVE:
            if token is None:
                raise _CodeTaken
            if not room_token_matches(token_salt=room.token_salt, given=token):
                logger.warning(
                    "room %s registration refused: %s token", code, "a wrong" if token else "no"
                )
                raise RoomHeldByAnotherHost(code, wrong_token=bool(token))
            _assign(room, ws_url=ws_url, app_url=app_url, updated_at=now, **alive, **status)
            room.save()
            return Registration(room, created=False, token=None)
        # An ended room's code starts a new room: new token, new status, new history.
        defaults = {field: Room._meta.get_field(field).get_default() for field in STATUS_FIELDS}
        _assign(
            room,
            ws_url=ws_url,
            app_url=app_url,
            created_at=now,
            updated_at=now,
            closed_at=None,
            token_salt=token_salt_new(),
            **(defaults | status),
            **alive,
        )
        room.save()
        return _created(room)


def _created(room: Room) -> Registration:
    return Registration(room, created=True, token=room_token(token_salt=room.token_salt))


def _assign(room: Room, **values) -> None:
    for field, value in values.items():
        setattr(room, field, value)
    room.version += 1
    room.changed_at = values.get("changed_at", timezone.now())


def room_report(*, room: Room, changes: dict) -> Room:
    """The host's sign of life (a heartbeat or a PATCH), with any changes to its status or
    URLs: the room expires ROOM_TTL_SECONDS from now. RoomNotFound when the room ended
    meanwhile (a close racing the heartbeat): nothing is changed then."""
    now = timezone.now()
    values = {
        **changes,
        "last_seen_at": now,
        "expires_at": now + timedelta(seconds=settings.ROOM_TTL_SECONDS),
        "changed_at": now,
    }
    updated = Room.objects.live(now).filter(pk=room.pk).update(**values, version=F("version") + 1)
    if not updated:
        raise RoomNotFound
    # The row as written, without reading it back: one query per heartbeat.
    _assign(room, **values)
    return room


def room_edited(*, room: Room) -> None:
    """Save an operator's edit of the room's URLs (the admin), as a change like any other."""
    room.version += 1
    room.changed_at = timezone.now()
    room.save()
    logger.info("room %s edited by an operator: ws_url %s", room.code, _loggable_url(room.ws_url))


def rooms_close(*, rooms: RoomQuerySet) -> int:
    """Close the live rooms among `rooms`; returns how many were closed."""
    now = timezone.now()
    return rooms.live().update(closed_at=now, changed_at=now, version=F("version") + 1)


def room_close(*, room: Room) -> None:
    """Close the live room for its host; RoomNotFound when it ended meanwhile."""
    if not rooms_close(rooms=Room.objects.filter(pk=room.pk)):
        raise RoomNotFound
    logger.info("room %s closed by its host", room.code)


# A player's visit is written again at most this often: every Mini App lookup is one.
VISIT_REWRITE_SECONDS = 60


def player_visit_record(*, user_id: int, room: Room) -> None:
    """Remember that the Telegram user went to `room` (the bot's rejoin offer reads it)."""
    now = timezone.now()
    recent = now - timedelta(seconds=VISIT_REWRITE_SECONDS)
    if PlayerVisit.objects.filter(user_id=user_id, room=room, seen_at__gt=recent).exists():
        return
    PlayerVisit.objects.update_or_create(user_id=user_id, defaults={"room": room, "seen_at": now})


def rooms_purge() -> int:
    """Delete every expired or closed room; returns how many were deleted."""
    deleted, _ = Room.objects.ended().delete()
    logger.info("purged %d expired or closed room(s)", deleted)
    return deleted


PURGE_CHORE = "purge_rooms"


def rooms_purge_if_due() -> int | None:
    """Purge ended rooms unless another process did within ROOM_PURGE_SECONDS: how many were
    deleted, or None when it was not this process's turn."""
    if not chore_claim(name=PURGE_CHORE, every=timedelta(seconds=settings.ROOM_PURGE_SECONDS)):
        return None
    return rooms_purge()


def chore_claim(*, name: str, every: timedelta) -> bool:
    """Whether this caller does the chore now: True for one caller per period, whichever
    process, thread or instance it is in, as long as they share the database.

    One conditional UPDATE decides: when two race, the database applies one, and the other's
    WHERE no longer matches the row it finds (PostgreSQL re-reads it after the first commits;
    SQLite runs one write at a time). The first claim ever creates the row, once.
    """
    now = timezone.now()
    if Chore.objects.filter(name=name, claimed_at__lte=now - every).update(claimed_at=now):
        return True
    try:
        with transaction.atomic():
            Chore.objects.create(name=name, claimed_at=now)
    except IntegrityError:
        return False
    return True
