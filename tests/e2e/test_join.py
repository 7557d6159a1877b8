"""A player joins a room in a real browser: the hub on a live server, examples/host.py on a port
of its own, examples/miniapp/ on a third origin, Telegram faked on loopback.

The browser opens the hub's /join/<code> link, as the bot's button does, follows the redirect to
the Mini App, which looks the room up on the hub (cross-origin), connects to the host's socket,
hands it the hub's ticket and shows the host's hello and the player's photo; or waits while the
host is offline, or says the room is full; and reconnects after a drop.
"""

import json
import re
import signal
import time
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect
from websockets.sync.client import connect

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
# The Mini App's own wait between two lookups while the host is offline (OFFLINE_RETRY_MS),
# and how long it waits at most (OFFLINE_GIVE_UP_MS).
OFFLINE_RETRY_MS = 3000
OFFLINE_GIVE_UP_MS = 5 * 60 * 1000
# Its waits before each try to reconnect after a drop (RECONNECT_DELAYS_MS).
RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 15000]


def telegram_launch_fragment(bot_token: str) -> str:
    """The #fragment Telegram opens a Mini App's URL with: the player's signed init data."""
    init_data = signed(bot_token, user=json.dumps(PLAYER, separators=(",", ":")))
    return urlencode(
        {"tgWebAppData": init_data, "tgWebAppVersion": "8.0", "tgWebAppPlatform": "web"}
    )


def app_url_of(miniapp_url: str, hub_url: str) -> str:
    """The Mini App's URL for a room's app_url: it learns the hub from `?hub=` (a deployed one
    from config.js)."""
    return f"{miniapp_url}?{urlencode({'hub': hub_url})}"


def room_on_the_hub(hub_url: str, code: str) -> dict:
    status, _, body = http("GET", f"{hub_url}/api/rooms/{code}")
    assert status == 200, body
    return json.loads(body)


def wait_until_the_hub_says(hub_url: str, code: str, field: str, value) -> None:
    deadline = time.monotonic() + 10
    while room_on_the_hub(hub_url, code)[field] != value:
        assert time.monotonic() < deadline, f"room {code}'s {field} is not {value} within 10 s"
        time.sleep(0.05)


def register_room(hub_url: str, code: str, ws_url: str, app_url: str) -> None:
    """A room registered with the hub by no Host App of these tests."""
    status, _, _ = http(
        "POST",
        f"{hub_url}/api/host/rooms/register",
        {"room_code": code, "ws_url": ws_url, "app_url": app_url},
        **{"X-Host-Secret": HOST_SECRET},
    )
    assert status == 201


@pytest.fixture
def open_room(start_host, live_server, miniapp_url):
    """Starts examples/host.py with these options on a port of its own, registered with the
    hub, its room's app_url the served Mini App; returns it and its ws_url."""

    def start(*options: str):
        port = free_port()
        ws_url = f"ws://127.0.0.1:{port}/"
        host = start_host(
            "--hub", live_server.url, "--app-url", app_url_of(miniapp_url, live_server.url),
            "--port", str(port), "--ws-url", ws_url, *options,
        )  # fmt: skip
        return host, ws_url

    return start


@pytest.fixture
def host(open_room):
    return open_room()[0]


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

        # The host verified the hub's ticket: it knows the player by their Telegram name.
        expect(page.locator("#hello")).to_have_text(
            f"Hello, Anya! Welcome to room {code}: you have seat 1."
        )
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
        host.wait_for(r"Anya \(Telegram user 4242\) takes seat 1")
        # No script error, and nothing failed but Telegram's script (blocked: no Telegram here).
        assert [line for line in page_log if line.startswith(("uncaught", "request failed"))] == [
            "request failed: https://telegram.org/js/telegram-web-app.js (net::ERR_FAILED)"
        ]

    def test_a_dropped_player_is_back_in_their_seat_without_a_tap(
        self, page, page_log, host, fake_telegram
    ):
        code, join_url = host.wait_until_open()
        # The page's sockets reach the host through the browser's own relay, which the test
        # cuts at both ends, as a restarting tunnel would.
        relayed = []
        page.route_web_socket(
            re.compile(r"^ws://127\.0\.0\.1:"),
            lambda socket: relayed.append((socket, socket.connect_to_server())),
        )
        lookups = []

        def count_lookups(request):
            if request.method == "GET" and f"/api/rooms/{code}" in request.url:
                lookups.append(request.url)

        page.on("request", count_lookups)
        page.goto(f"{join_url}#{telegram_launch_fragment(fake_telegram.token)}")
        expect(page.locator("#hello")).to_have_text(
            f"Hello, Anya! Welcome to room {code}: you have seat 1."
        )

        to_page, to_host = relayed[0]
        to_host.close()
        to_page.close(code=1001, reason="tunnel restarting")

        # Looked up again (a fresh ticket), connected again, and known again.
        expect(page.locator("#hello")).to_have_text(
            f"Welcome back, Anya! Room {code} kept seat 1 for you.", timeout=10_000
        )
        expect(page.locator("#status")).to_have_text(f"Connected to room {code}.")
        assert len(relayed) == 2
        assert len(lookups) == 2  # each socket with a ticket of its own
        host.wait_for(r"Anya \(Telegram user 4242\) is back in seat 1")
        assert "seat 2" not in host.output()
        assert [line for line in page_log if line.startswith("uncaught")] == []

    def test_after_a_drop_it_tries_a_few_times_then_says_the_host_stays_away(
        self, page, host, fake_telegram
    ):
        code, join_url = host.wait_until_open()
        relayed = []
        cut = False

        def relay(socket):
            if cut:
                socket.close()  # the tunnel is down: nothing gets through to the host
            else:
                relayed.append((socket, socket.connect_to_server()))

        page.route_web_socket(re.compile(r"^ws://127\.0\.0\.1:"), relay)
        lookups = []

        def count_lookups(request):
            if request.method == "GET" and f"/api/rooms/{code}" in request.url:
                lookups.append(request.url)

        page.on("request", count_lookups)
        # The page's timers run on a clock the test moves on.
        page.clock.install()
        page.goto(f"{join_url}#{telegram_launch_fragment(fake_telegram.token)}")
        expect(page.locator("#hello")).to_have_text(
            f"Hello, Anya! Welcome to room {code}: you have seat 1."
        )

        cut = True
        to_page, to_host = relayed[0]
        to_host.close()
        to_page.close(code=1001, reason="tunnel down")
        expect(page.locator("#status")).to_have_text(
            f"Lost the connection to room {code}. Reconnecting…"
        )
        # Well past the six waits (30.5 s), in steps, with real time between them for the
        # page's lookups.
        for _ in range(45):
            page.clock.run_for(1000)
            page.wait_for_timeout(50)

        expect(page.locator("#status")).to_have_text(
            f"Lost the connection to the host of room {code}. Is the Host App still running?"
        )
        expect(page.locator("#status")).to_have_class("error")
        assert len(lookups) == 1 + len(RECONNECT_DELAYS_MS)
        assert len(relayed) == 1

    def test_a_player_in_a_full_room_who_opens_it_again_keeps_their_seat(
        self, page, open_room, live_server, fake_telegram
    ):
        host, _ = open_room("--max-players", "1")
        code, join_url = host.wait_until_open()
        launch = f"{join_url}#{telegram_launch_fragment(fake_telegram.token)}"
        page.goto(launch)
        expect(page.locator("#hello")).to_have_text(
            f"Hello, Anya! Welcome to room {code}: you have seat 1."
        )
        wait_until_the_hub_says(live_server.url, code, "full", True)

        # Anya opens the room again elsewhere (her old socket is still open, and counted).
        again = page.context.new_page()
        again.route(re.compile(r"^https://telegram\.org/"), lambda route: route.abort())
        again.goto(launch)

        expect(again.locator("#hello")).to_have_text(
            f"Welcome back, Anya! Room {code} kept seat 1 for you."
        )
        expect(page.locator("#status")).to_have_text(f"You are in room {code} in another window.")
        expect(page.locator("#hello")).to_be_hidden()
        assert "turned away" not in host.output()

    def test_the_player_is_told_when_the_host_refuses_players_without_a_ticket(
        self, page, open_room
    ):
        host, _ = open_room("--require-ticket")
        code, join_url = host.wait_until_open()

        page.goto(join_url)  # a plain browser: no init data, so no ticket

        expect(page.locator("#status")).to_have_text(
            f"The host of room {code} did not let you in: "
            "this room lets in only players from Telegram.",
            timeout=20_000,  # the host waits 10 s for a ticket before it gives up
        )
        expect(page.locator("#status")).to_have_class("error")
        expect(page.locator("#hello")).to_be_hidden()

    def test_opened_without_a_code_it_offers_the_last_room_joined(
        self, page, host, live_server, miniapp_url
    ):
        code, join_url = host.wait_until_open()
        page.goto(join_url)
        expect(page.locator("#hello")).to_have_text(f"Hello from room {code}!")

        page.goto(app_url_of(miniapp_url, live_server.url))

        expect(page.locator("#status")).to_have_text(
            "No room code. Open this app with the bot's join button."
        )
        page.get_by_role("link", name=f"Back to room {code}").click()
        expect(page.locator("#hello")).to_have_text(f"Hello from room {code}!")

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
        app_url = app_url_of(miniapp_url, live_server.url)
        register_room(live_server.url, "DARK", f"ws://127.0.0.1:{free_port()}/", app_url)

        page.goto(f"{live_server.url}/join/DARK")

        expect(page.locator("#status")).to_have_text(
            "Could not connect to the host of room DARK. Is the Host App still running?"
        )
        expect(page.locator("#hello")).to_be_hidden()

    def test_the_player_waits_while_the_host_is_offline_and_joins_once_it_is_back(
        self, page, open_room, live_server, miniapp_url, settings
    ):
        settings.HOST_HEARTBEAT_TIMEOUT = 2
        host, _ = open_room("--heartbeat", "0.3")
        code, _ = host.wait_until_open()
        # The host's PC goes to sleep: no heartbeat, and no answer on its socket.
        host.process.send_signal(signal.SIGSTOP)
        wait_until_the_hub_says(live_server.url, code, "host_online", False)

        page.goto(f"{miniapp_url}?{urlencode({'hub': live_server.url, 'room': code})}")

        expect(page.locator("#status")).to_have_text(
            f"The host of room {code} is offline. Retrying…"
        )
        expect(page.locator("#status")).not_to_have_class("error")
        # It wakes up: its overdue heartbeat goes out at once, and the page's next lookup
        # (within OFFLINE_RETRY_MS) finds it online.
        host.process.send_signal(signal.SIGCONT)
        expect(page.locator("#hello")).to_have_text(
            f"Hello from room {code}!", timeout=OFFLINE_RETRY_MS + 5000
        )
        expect(page.locator("#status")).to_have_text(f"Connected to room {code}.")

    def test_the_player_stops_waiting_for_a_host_offline_for_minutes(
        self, page, live_server, miniapp_url, settings
    ):
        settings.HOST_HEARTBEAT_TIMEOUT = 1
        app_url = app_url_of(miniapp_url, live_server.url)
        register_room(live_server.url, "ASLEEP", f"ws://127.0.0.1:{free_port()}/", app_url)
        wait_until_the_hub_says(live_server.url, "ASLEEP", "host_online", False)
        # The page's timers and Date run on a clock the test moves on.
        page.clock.install()
        page.goto(f"{miniapp_url}?{urlencode({'hub': live_server.url, 'room': 'ASLEEP'})}")
        expect(page.locator("#status")).to_have_text(
            "The host of room ASLEEP is offline. Retrying…"
        )

        # Almost the whole wait: it looks the room up again, and goes on waiting.
        with page.expect_response(lambda response: "/api/rooms/ASLEEP" in response.url):
            page.clock.run_for(OFFLINE_GIVE_UP_MS - 10_000)
        page.wait_for_timeout(300)  # real time, for the page to read the answer
        expect(page.locator("#status")).to_have_text(
            "The host of room ASLEEP is offline. Retrying…"
        )
        # Past it: the next lookup is the last.
        page.clock.run_for(20_000)

        expect(page.locator("#status")).to_have_text(
            "The host of room ASLEEP is still offline. Try again later."
        )
        expect(page.locator("#status")).to_have_class("error")

    def test_a_full_room_is_reported_and_not_joined(self, page, open_room, live_server):
        host, ws_url = open_room("--max-players", "1")
        code, join_url = host.wait_until_open()
        sockets = []
        page.on("websocket", lambda socket: sockets.append(socket.url))

        with connect(ws_url, open_timeout=5) as player:
            player.recv(timeout=5)  # the hello: the one place is taken
            wait_until_the_hub_says(live_server.url, code, "full", True)

            page.goto(join_url)

            expect(page.locator("#status")).to_have_text(f"Room {code} is full.")
            expect(page.locator("#status")).to_have_class("error")

        expect(page.locator("#hello")).to_be_hidden()
        assert sockets == []  # not even tried

    def test_a_room_that_fills_up_meanwhile_is_reported_full(
        self, page, open_room, live_server, miniapp_url
    ):
        # The hub still says there is room, but the host has just filled its last place.
        host, ws_url = open_room("--max-players", "1")
        host.wait_until_open()
        register_room(live_server.url, "LATE", ws_url, app_url_of(miniapp_url, live_server.url))

        with connect(ws_url, open_timeout=5) as player:
            player.recv(timeout=5)

            page.goto(f"{live_server.url}/join/LATE")

            expect(page.locator("#status")).to_have_text("Room LATE is full.")
            host.wait_for("a player was turned away")
        expect(page.locator("#hello")).to_be_hidden()
