"""Reads of the room store."""

from rooms.models import Room


def room_get_live(*, code: str) -> Room | None:
    """The room the Mini App may join under `code` (any case), or None."""
    return Room.objects.live().filter(code=code.upper()).first()
