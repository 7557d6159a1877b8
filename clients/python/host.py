"""A Host App's round with the hub through the Python client generated from its schema: register
a room, say it is alive, look it up as the Mini App does, show a player's photo, close it.

    openapi-python-client generate --url "$HUB_URL/api/schema/?format=json" \
        --config clients/python/config.yaml        # writes spirtuoz-hub-client/
    PYTHONPATH=spirtuoz-hub-client HUB_URL=http://127.0.0.1:3000 HOST_SECRET=... \
        python clients/python/host.py [PLAYER_ID]

docs/api.md#clients says more; tests/clients/test_python_client.py runs this against a live hub.
"""

import os
import sys
from http import HTTPStatus

from spirtuoz_hub_client import AuthenticatedClient, Client
from spirtuoz_hub_client.api.host_app import close_room, heartbeat_room, register_room
from spirtuoz_hub_client.api.mini_app import get_avatar_image, get_room
from spirtuoz_hub_client.models import (
    RoomCreatedOutput,
    RoomHeartbeatInputRequest,
    RoomHostOutput,
    RoomLookupOutput,
    RoomRegisterInputRequest,
)
from spirtuoz_hub_client.types import File


def main(hub_url: str, host_secret: str, player_id: int | None) -> None:
    # The host secret creates rooms (sent as `Authorization: Bearer <secret>`).
    hub = AuthenticatedClient(base_url=hub_url, token=host_secret)
    created = register_room.sync(
        client=hub,
        body=RoomRegisterInputRequest(
            ws_url="wss://abc.trycloudflare.com/ws",
            app_url="https://spirtuoz-miniapp.vercel.app",
            max_players=8,
        ),
    )
    if not isinstance(created, RoomCreatedOutput):
        sys.exit(f"registerRoom failed: {created}")
    code = created.room_code
    print(f"registered room {code}")

    # The room's token, shown only in that answer, is what changes and closes the room.
    room = AuthenticatedClient(
        base_url=hub_url, token=created.host_token, prefix="", auth_header_name="X-Room-Token"
    )
    alive = heartbeat_room.sync(code, client=room, body=RoomHeartbeatInputRequest(players=3))
    if not isinstance(alive, RoomHostOutput) or alive.players != 3:
        sys.exit(f"heartbeatRoom failed: {alive}")
    print(f"heartbeat: {alive.players} of {alive.max_players} players, expires {alive.expires_at}")

    # What a player's Mini App sees. It may send its Telegram init data (a client with
    # prefix="tma"); the hub ignores the host's Bearer secret here.
    found = get_room.sync(code.lower(), client=hub)
    if not isinstance(found, RoomLookupOutput) or found.ws_url != created.ws_url:
        sys.exit(f"getRoom failed: {found}")
    print(f"looked up {found.room_code}: {found.ws_url}, host online: {found.host_online}")

    if player_id is not None:
        # The photo for the game screen: anybody may fetch it, as an <img> does.
        photo = get_avatar_image.sync(player_id, client=Client(base_url=hub_url))
        if not isinstance(photo, File):
            sys.exit(f"getAvatarImage failed: {photo}")
        print(f"player {player_id}'s photo: {len(photo.payload.read())} bytes")

    closed = close_room.sync_detailed(code, client=room)
    if closed.status_code != HTTPStatus.NO_CONTENT:
        sys.exit(f"closeRoom failed: {closed.status_code} {closed.content!r}")
    gone = get_room.sync_detailed(code, client=hub)
    if gone.status_code != HTTPStatus.NOT_FOUND:
        sys.exit(f"room {code} still resolves after closeRoom: {gone.status_code}")
    print(f"closed room {code}")


if __name__ == "__main__":
    main(
        os.environ.get("HUB_URL", "http://127.0.0.1:3000"),
        os.environ["HOST_SECRET"],
        int(sys.argv[1]) if len(sys.argv) > 1 else None,
    )
