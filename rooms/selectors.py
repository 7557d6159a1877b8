"""Reads of the room store."""

from urllib.parse import unquote_plus, urlsplit, urlunsplit

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
