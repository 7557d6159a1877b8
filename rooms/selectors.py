"""Reads of the room store."""

from datetime import timedelta
from functools import cache
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from rooms.models import PlayerVisit, Room, online_since
from rooms.validators import ROOM_CODE_RE


def room_get(*, code: str) -> Room | None:
    """The room that holds `code` (any case), live or ended, or None."""
    # What cannot be a code names no room, and some of it (NUL) PostgreSQL cannot even compare.
    if not ROOM_CODE_RE.fullmatch(code):
        return None
    return Room.objects.filter(code=code.upper()).first()


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


def room_version(*, code: str) -> tuple | None:
    """A value that changes whenever what the live room `code` (any case) shows does, or None
    when no live room has it: its version (every write moves it on) and whether its host is
    online (which changes with time alone). One query on the unique index over code, on the
    driver's own cursor, with none of the ORM's per-query work (errors still become Django's,
    and mark the connection for its checks). The room lookup asks it on every request
    (rooms/lookup.py)."""
    connection = connections[DEFAULT_DB_ALIAS]
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(
                _version_query(connection.vendor),
                [adapt(online_since(now)), code.upper(), adapt(now)],
            )
            row = cursor.fetchone()
        finally:
            cursor.close()
    return None if row is None else (row[0], bool(row[1]))


@cache
def _version_query(vendor: str) -> str:
    """The SQL of room_version in the driver's own parameter style."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    # Only quoted names of this model go into the text; the values are parameters.
    sql = (
        f"SELECT {quote('version')}, {quote('last_seen_at')} >= %s "  # noqa: S608
        f"FROM {quote(Room._meta.db_table)} "
        f"WHERE {quote('code')} = %s AND {quote('closed_at')} IS NULL "
        f"AND {quote('expires_at')} > %s"
    )
    return sql.replace("%s", "?") if vendor == "sqlite" else sql  # as Django's SQLite cursor does
