"""Tickets: what a player's Mini App hands the host to say who it is, signed by the hub.

A ticket is a JWT (HS256) whose key is the room's token, which only the hub and the room's Host
App know: the Host App checks it with any JWT library, and then knows the Telegram user behind
a WebSocket, by the id Telegram signed into the player's init data. A player who comes back
after a drop presents the same `sub`, and gets their seat back.
"""

import time

import jwt

from avatars.links import avatar_image_url
from core.initdata import TelegramUser
from rooms.models import Room
from rooms.tokens import room_token

TICKET_SECONDS = 5 * 60
ALGORITHM = "HS256"


def room_ticket(*, room: Room, user: TelegramUser, base_url: str) -> str:
    now = int(time.time())
    claims = {
        "room": room.code,
        "sub": str(user.id),
        "name": user.full_name,
        "username": user.username or None,
        "avatar": avatar_image_url(user_id=user.id, base_url=base_url),
        "iat": now,
        "exp": now + TICKET_SECONDS,
    }
    key = room_token(token_salt=room.token_salt).encode()
    return jwt.encode(claims, key, algorithm=ALGORITHM)
