"""Reads the bot makes from its async handlers, in a process that may run for weeks."""

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from rooms.models import Room
from rooms.selectors import room_get_live


def _room_get_live_fresh(*, code: str) -> Room | None:
    # Django closes broken and outlived connections only around requests (request_started
    # and request_finished), and the bot serves none: without this, one database restart
    # or idle disconnect would break every lookup until the bot restarts.
    close_old_connections()
    try:
        return room_get_live(code=code)
    finally:
        close_old_connections()


async def room_aget_live(*, code: str) -> Room | None:
    """`rooms.selectors.room_get_live` for a handler: on asgiref's one thread for sync code,
    whose database connection is checked before and after each use."""
    return await sync_to_async(_room_get_live_fresh)(code=code)
