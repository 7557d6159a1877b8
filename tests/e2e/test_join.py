"""A player joins a room in a real browser: the hub on a live server, examples/host.py on a port
of its own, examples/miniapp/ on a third origin, Telegram faked on loopback.

The browser opens the hub's /join/<code> link, as the bot's button does, follows the redirect to
the Mini App, which looks the room up on the hub (cross-origin), connects to the host's socket,
and shows the host's hello and the player's photo.
"""

import json
import signal
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.support import AVATAR_JPEG, HOST_SECRET
from tests.support.initdata import signed
from tests.support.servers import free_port, http

# Starts processes or servers of its own: left out of `make test-fast`.
pytestmark = pytest.mark.slow

PLAYER = {"id": 4242, "first_name": "Anya", "language_code": "en"}
# The photo's size in tests/data/avatar.jpg.
AVATAR_SIZE = 160
# Loaded, decoded and shown: what a player sees as a photo.
AVATAR_SHOWN = "img => img.complete && img.naturalWidth > 0 && !img.hidden"


def telegram_launch_fragment(bot_token: str) -> str:
    """The #fragment Telegram opens a Mini App's URL with: the player's signed init data."""
    init_data = signed(bot_token, user=json.dumps(PLAYER, separators=(",", ":")))
    return urlencode(
        {"tgWebAppData": init_data, "tgWebAppVersion": "8.0", "tgWebAppPlatform": "web"}
    )


@pytest.fixture
def host(start_host, live_server, miniapp_url):
    """examples/host.py registered with the hub, its room's app_url the served Mini App.

    The Mini App learns the hub from `?hub=` in its app_url (a deployed one from config.js).
    """
    port = free_port()
    app_url = f"{miniapp_url}?{urlencode({'hub': live_server.url})}"
    return start_host(
        "--hub", live_server.url, "--app-url", app_url,
        "--port", str(port), "--ws-url", f"ws://127.0.0.1:{port}/",
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
class TestJoinInBrowser:
    def test_a_player_from_telegram_meets_the_host_and_sees_their_photo(
        self, page, page_log, host, live_server, miniapp_url, fake_telegram, settings
    ):
        # As deployed: signed init data required, cross-origin reads only from the Mini App.
        settings.REQUIRE_TELEGRAM_INIT_DATA = True
        settings.CORS_ALLOW_ALL_ORIGINS = False
        settings.CORS_ALLOWED_ORIGINS = [miniapp_url.rstrip("/")]
        fake_telegram.add_photo(PLAYER["id"], AVATAR_JPEG)
        code, join_url = host.wait_until_open()

        page.goto(f"{join_url}#{telegram_launch_fragment(fake_telegram.token)}")

        expect(page.locator("#hello")).to_have_text(f"Hello from room {code}!")
        expect(page.locator("#status")).to_have_text(f"Connected to room {code}.")
        expect(page.locator("#title")).to_have_text(f"Room {code}")
        assert page.url.startswith(f"{miniapp_url}?hub=")
        assert f"room={code}" in page.url
        avatar = page.locator("#avatar")
        expect(avatar).to_be_visible()
        page.wait_for_function(AVATAR_SHOWN, arg=avatar.element_handle())
        assert avatar.evaluate("img => img.naturalWidth") == AVATAR_SIZE
        assert avatar.get_attribute("src").startswith(
            f"{live_server.url}/api/users/{PLAYER['id']}/avatar.jpg?v="
        )
        host.wait_for(rf"a player joined room {code} \(1 connected\)")
        # No script error, and nothing failed but Telegram's script (blocked: no Telegram here).
        assert [line for line in page_log if line.startswith(("uncaught", "request failed"))] == [
            "request failed: https://telegram.org/js/telegram-web-app.js (net::ERR_FAILED)"
        ]

    def test_in_a_plain_browser_the_user_parameter_names_the_player(
        self, page, host, live_server, miniapp_url, fake_telegram
    ):
        fake_telegram.add_photo(PLAYER["id"], AVATAR_JPEG)
        code, _ = host.wait_until_open()
        query = urlencode({"hub": live_server.url, "room": code.lower(), "user": PLAYER["id"]})

        page.goto(f"{miniapp_url}?{query}")

        expect(page.locator("#hello")).to_have_text(f"Hello from room {code}!")
        page.wait_for_function(AVATAR_SHOWN, arg=page.locator("#avatar").element_handle())

    def test_the_player_is_told_when_the_host_goes_away(self, page, host):
        code, join_url = host.wait_until_open()
        page.goto(join_url)
        expect(page.locator("#hello")).to_have_text(f"Hello from room {code}!")

        host.stop(signal.SIGINT)

        expect(page.locator("#status")).to_have_text("The host ended the connection.")
        expect(page.locator("#status")).to_have_class("error")

    def test_an_unknown_room_is_reported(self, page, live_server, miniapp_url):
        page.goto(f"{miniapp_url}?{urlencode({'hub': live_server.url, 'room': 'GONE'})}")

        expect(page.locator("#status")).to_have_text(
            "Room GONE was not found or has already ended. Ask the host for a fresh code."
        )
        expect(page.locator("#status")).to_have_class("error")
        expect(page.locator("#hello")).to_be_hidden()

    def test_a_host_that_cannot_be_reached_is_reported(self, page, live_server, miniapp_url):
        app_url = f"{miniapp_url}?{urlencode({'hub': live_server.url})}"
        status, _, _ = http(
            "POST",
            f"{live_server.url}/api/host/rooms/register",
            {"room_code": "DARK", "ws_url": f"ws://127.0.0.1:{free_port()}/", "app_url": app_url},
            **{"X-Host-Secret": HOST_SECRET},
        )
        assert status == 201

        page.goto(f"{live_server.url}/join/DARK")

        expect(page.locator("#status")).to_have_text(
            "Could not connect to the host of room DARK. Is the Host App still running?"
        )
        expect(page.locator("#hello")).to_be_hidden()
