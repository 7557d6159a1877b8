"""Reads of the room store."""

from functools import cache
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from rooms.models import Room
from rooms.validators import ROOM_CODE_RE


def room_get_live(*, code: str) -> Room | None:
    """The room the Mini App may join under `code` (any case), or None."""
    # What cannot be a code names no room, and some of it (NUL) PostgreSQL cannot even compare.
    if not ROOM_CODE_RE.fullmatch(code):
        return None
    return Room.objects.live().filter(code=code.upper()).first()


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


def room_get_live_public(*, code: str) -> dict | None:
    """What RoomOutputSerializer shows of the room room_get_live finds, or None: one query on
    the unique index over code, on the driver's own cursor, with none of the ORM's per-query
    work (errors still become Django's, and mark the connection for its checks). For the Mini
    App's lookup, the hub's busiest request (rooms/lookup.py)."""
    connection = connections[DEFAULT_DB_ALIAS]
    sql, converters = _live_public_query(connection.vendor)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, [code.upper(), now])
            row = cursor.fetchone()
        finally:
            cursor.close()
    if row is None:
        return None
    room_code, ws_url, app_url, created_at = row
    for converter, expression in converters:
        created_at = converter(created_at, expression, connection)
    return {
        "room_code": room_code,
        "ws_url": ws_url,
        "app_url": app_url,
        "created_at": int(created_at.timestamp() * 1000),
    }


@cache
def _live_public_query(vendor: str) -> tuple[str, list]:
    """The SQL of room_get_live_public in the driver's own style, and the database's
    converters for created_at."""
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    table = Room._meta.db_table
    # Only quoted names of this model go into the text; the values are parameters.
    sql = (
        f"SELECT {quote('code')}, {quote('ws_url')}, {quote('app_url')}, {quote('created_at')} "  # noqa: S608
        f"FROM {quote(table)} WHERE {quote('code')} = %s AND {quote('closed_at')} IS NULL "
        f"AND {quote('expires_at')} > %s"
    )
    if vendor == "sqlite":
        sql = sql.replace("%s", "?")  # what Django's SQLite cursor does to every query
    created_at = Room._meta.get_field("created_at")
    column = created_at.get_col(table)
    converters = connection.ops.get_db_converters(column) + created_at.get_db_converters(
        connection
    )
    return sql, [(converter, column) for converter in converters]
