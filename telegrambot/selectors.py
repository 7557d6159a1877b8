"""Reads the bot makes from its async handlers, in a process that may run for weeks."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from rooms.selectors import room_get_live, room_to_rejoin

T = TypeVar("T")


def in_fresh_connection(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """`function` for a handler: run on asgiref's one thread for sync code, with its database
    connection checked before and after. Django closes broken and outlived connections only
    around requests, and the bot serves none: without this, one database restart or idle
    disconnect would break every lookup until the bot restarts."""

    def checked(**kwargs) -> T:
        close_old_connections()
        try:
            return function(**kwargs)
        finally:
            close_old_connections()

    return sync_to_async(checked)


room_aget_live = in_fresh_connection(room_get_live)
room_aget_to_rejoin = in_fresh_connection(room_to_rejoin)
