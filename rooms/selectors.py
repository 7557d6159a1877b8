"""Reads of the room store."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from rooms.models import PlayerVisit, Room, online_since, online_until
from rooms.validators import ROOM_CODE_RE


def room_get(*, code: str) -> Room | None:
    """The room that holds `code` (any case), live or ended, or None."""
    # What cannot be a code names no room, and some of it (NUL) PostgreSQL cannot even compare.
    if not ROOM_CODE_RE.fullmatch(code):
        return None
    # Codes are unique: no ORDER BY (the model's ordering is the admin's), one row at most.
    return next(iter(Room.objects.filter(code=code.upper()).order_by()[:1]), None)


def room_get_live(*, code: str) -> Room | None:
    """The room the Mini App may join under `code` (any case), or None."""
    room = room_get(code=code)
    return room if room is not None and room.status() == Room.Status.LIVE else None


def room_to_rejoin(*, user_id: int) -> Room | None:
    """The live room the Telegram user last went to within ROOM_TTL_SECONDS, or None."""
    since = timezone.now() - timedelta(seconds=settings.ROOM_TTL_SECONDS)
    visit = (
        PlayerVisit.objects.filter(
            user_id=user_id, seen_at__gt=since, room__in=Room.objects.live()
        )
        .select_related("room")
        .first()
    )
    return visit.room if visit is not None else None


def room_join_url(*, room: Room) -> str:
    """The room's app_url with `room=<CODE>` in its query; its other parameters stay as the
    Host App wrote them, and a `room` parameter it already had is replaced."""
    parts = urlsplit(room.app_url)
    kept = [
        pair
        for pair in parts.query.split("&")
        if pair and unquote_plus(pair.partition("=")[0]) != "room"
    ]
    return urlunsplit(parts._replace(query="&".join([*kept, f"room={room.code}"])))


@dataclass(frozen=True)
class RoomFreshness:
    """What a kept answer about a live room depends on: its version (every write moves it on),
    and when (time.time) it changes with time alone: it expires, or its host falls silent."""

    version: int
    changes_at: float


def room_changes(*, since: datetime) -> list[tuple[str, int]]:
    """(code, version) of every room changed at or after `since`, ended ones included: one
    query on the index over changed_at (the lookups' change feed, rooms/lookup.py)."""
    return list(Room.objects.filter(changed_at__gte=since).values_list("code", "version"))


def room_freshness(*, code: str) -> RoomFreshness | None:
    """The live room's freshness, or None when no live room has `code` (any case): one query
    on the unique index over code (rooms/lookup.py reads it to replay the room's answer)."""
    now = timezone.now()
    row = (
        Room.objects.live(now)
        .filter(code=code.upper())
        .values_list("version", "last_seen_at", "expires_at")
        .first()
    )
    if row is None:
        return None
    version, last_seen_at, expires_at = row
    changes_at = expires_at
    if last_seen_at >= online_since(now):
        # Just after the last moment it shows its host online.
        changes_at = min(expires_at, online_until(last_seen_at) + timedelta(milliseconds=1))
    return RoomFreshness(version=version, changes_at=changes_at.timestamp())


@dataclass(frozen=True)
class RoomsNow:
    """How the night is going, right now."""

    live: int
    hosts_online: int
    players: int


def rooms_now() -> RoomsNow:
    """Live rooms, those of them whose host is online, and the players they report: one query."""
    now = timezone.now()
    counts = Room.objects.live(now).aggregate(
        live=Count("pk"),
        hosts_online=Count("pk", filter=Q(last_seen_at__gte=online_since(now))),
        players=Coalesce(Sum("players"), 0),
    )
    return RoomsNow(**counts)
