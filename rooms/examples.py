"""The examples the API description shows (and Swagger UI fills in): what a Host App really
sends and gets back, short and valid, rather than strings made up from the fields' patterns.

tests/core/test_schema.py checks every example against the schema it illustrates.
"""

from drf_spectacular.utils import OpenApiExample

ROOM_CODE = "ABCD"
WS_URL = "wss://abc.trycloudflare.com/ws"
APP_URL = "https://spirtuoz-miniapp.vercel.app"
# A room token as the hub makes them: 256 bits, URL-safe base64 (rooms/tokens.py).
ROOM_TOKEN = "Lru8Tl1Xkvb7tv2n4kMHAToq04zIiuQs5-M9HN78vD4"  # noqa: S105 -- an example, no room's
# 2026-11-24 20:00 UTC, and the moments after it, in milliseconds since the epoch.
CREATED_AT = 1795550400000
LAST_SEEN = CREATED_AT + 30_000
# The ways into the room, from a hub at HUB_URL whose bot is @SpirtuozBot (rooms/links.py).
HUB_URL = "https://spirtuoz-hub.onrender.com"
LINKS = {
    "telegram": f"https://t.me/SpirtuozBot?startapp={ROOM_CODE}",
    "bot": f"https://t.me/SpirtuozBot?start={ROOM_CODE}",
    "web": f"{HUB_URL}/join/{ROOM_CODE}",
    "qr": f"{HUB_URL}/api/rooms/{ROOM_CODE}/qr.svg",
}

ROOM = {
    "room_code": ROOM_CODE,
    "ws_url": WS_URL,
    "app_url": APP_URL,
    "created_at": CREATED_AT,
    "state": "lobby",
    "players": 3,
    "max_players": 8,
    "locked": False,
    "full": False,
    "host_online": True,
    "last_seen": LAST_SEEN,
    "links": LINKS,
}
# The host's view: the room and when it expires (ROOM_TTL_SECONDS, 12 h, after its last sign).
HOST_VIEW = ROOM | {"expires_at": LAST_SEEN + 12 * 60 * 60 * 1000}
# A room just created: its default status, and its token, shown this once.
CREATED_ROOM = HOST_VIEW | {
    "players": 0,
    "max_players": None,
    "last_seen": CREATED_AT,
    "expires_at": CREATED_AT + 12 * 60 * 60 * 1000,
    "host_token": ROOM_TOKEN,
}

REGISTER_REQUESTS = [
    OpenApiExample(
        "A room under a code of your own",
        value={"room_code": ROOM_CODE, "ws_url": WS_URL, "app_url": APP_URL},
        request_only=True,
    ),
    OpenApiExample(
        "A room under a code the hub picks",
        value={"ws_url": WS_URL, "app_url": APP_URL, "max_players": 8},
        request_only=True,
    ),
]
REGISTER_RESPONSES = [
    OpenApiExample(
        "A new room and its token", value=CREATED_ROOM, response_only=True, status_codes=["201"]
    ),
    OpenApiExample(
        "Your live room, registered again",
        value=HOST_VIEW,
        response_only=True,
        status_codes=["200"],
    ),
]
HEARTBEAT_REQUEST = OpenApiExample(
    "Three players of eight", value={"players": 3, "max_players": 8}, request_only=True
)
UPDATE_REQUEST = OpenApiExample(
    "The game has started, with a new tunnel",
    value={"state": "playing", "locked": True, "ws_url": "wss://xyz.trycloudflare.com/ws"},
    request_only=True,
)
HOST_VIEW_RESPONSE = OpenApiExample(
    "Your room", value=HOST_VIEW, response_only=True, status_codes=["200"]
)
ROOM_RESPONSE = OpenApiExample("A live room", value=ROOM, response_only=True, status_codes=["200"])
