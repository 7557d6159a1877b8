"""Reads of the room store."""

from rooms.models import Room
from rooms.validators import ROOM_CODE_RE


def room_get_live(*, code: str) -> Room | None:
    """The room the Mini App may join under `code` (any case), or None."""
    # What cannot be a code names no room, and some of it (NUL) PostgreSQL cannot even compare.
    if not ROOM_CODE_RE.fullmatch(code):
        return None
    return Room.objects.live().filter(code=code.upper()).first()
