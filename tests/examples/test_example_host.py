"""examples/host.py, the reference Host App, run as its users run it against a live hub."""

import asyncio
import json
import signal
import time

import pytest
from websockets.asyncio.client import connect

from rooms.models import Room
from tests.support.host_process import HostApp
from tests.support.servers import free_port, http

# Starts processes or servers of its own: left out of `make test-fast`.
pytestmark = pytest.mark.slow

APP_URL = "https://miniapp.example/"


def hello_from(ws_url: str) -> dict:
    """The first message a player connecting to `ws_url` gets."""

    async def first_message() -> dict:
        async with connect(ws_url, open_timeout=5) as player:
            return json.loads(await asyncio.wait_for(player.recv(), 5))

    return asyncio.run(first_message())


def room_on_the_hub(hub_url: str, code: str) -> tuple[int, dict]:
    status, _, body = http("GET", f"{hub_url}/api/rooms/{code}")
    return status, json.loads(body)


@pytest.fixture
def start_host(live_server, tmp_path):
    """Starts examples/host.py against the live hub; stops what it started."""
    hosts = []

    def start(*args: str, **options) -> HostApp:
        log = tmp_path / f"host-{len(hosts)}.log"
        host = HostApp(log, "--hub", live_server.url, "--app-url", APP_URL, *args, **options)
        hosts.append(host)
        return host

    yield start
    for host in hosts:
        host.stop(signal.SIGKILL)


@pytest.mark.django_db(transaction=True)
class TestExampleHost:
    def test_it_opens_a_room_with_a_code_from_the_hub_and_greets_players(
        self, live_server, start_host
    ):
        port = free_port()
        host = start_host("--port", str(port), "--ws-url", f"ws://127.0.0.1:{port}/game")

        code, join_url = host.wait_until_open()

        assert join_url == f"{live_server.url}/join/{code}"
        status, room = room_on_the_hub(live_server.url, code)
        assert status == 200
        room.pop("created_at")
        assert room == {
            "room_code": code,
            "ws_url": f"ws://127.0.0.1:{port}/game",
            "app_url": APP_URL,
        }
        assert hello_from(f"ws://127.0.0.1:{port}/game") == {
            "type": "hello",
            "room": code,
            "text": f"Hello from room {code}!",
        }
        host.wait_for(rf"a player joined room {code} \(1 connected\)")

    def test_it_asks_for_the_code_it_is_given(self, live_server, start_host):
        host = start_host("--port", str(free_port()), "--room", "party7")

        code, _ = host.wait_until_open()

        assert code == "PARTY7"
        assert room_on_the_hub(live_server.url, "PARTY7")[0] == 200

    def test_without_a_public_url_players_on_this_pc_can_connect(self, live_server, start_host):
        port = free_port()
        host = start_host("--port", str(port))

        code, _ = host.wait_until_open()

        assert room_on_the_hub(live_server.url, code)[1]["ws_url"] == f"ws://127.0.0.1:{port}/"
        assert hello_from(f"ws://127.0.0.1:{port}/")["room"] == code

    def test_ctrl_c_closes_the_room(self, live_server, start_host):
        host = start_host("--port", str(free_port()))
        code, _ = host.wait_until_open()

        assert host.stop(signal.SIGINT) == 0

        assert room_on_the_hub(live_server.url, code) == (404, {"error": "room not found"})
        assert f"room {code} closed" in host.output()

    def test_sigterm_closes_the_room_too(self, live_server, start_host):
        host = start_host("--port", str(free_port()))
        code, _ = host.wait_until_open()

        assert host.stop(signal.SIGTERM) == 0

        assert room_on_the_hub(live_server.url, code) == (404, {"error": "room not found"})

    def test_it_re_registers_to_keep_the_room_alive(self, start_host):
        host = start_host("--port", str(free_port()), "--refresh", "0.5")
        code, _ = host.wait_until_open()
        first_expiry = Room.objects.get(code=code).expires_at

        host.wait_for(f"room {code} registered again")

        assert Room.objects.get(code=code).expires_at > first_expiry

    def test_it_follows_the_quick_tunnel_when_its_address_changes(
        self, live_server, start_host, tmp_path
    ):
        tunnel_log = tmp_path / "cloudflared.log"
        host = start_host("--port", str(free_port()), "--tunnel-log", str(tunnel_log))
        host.wait_for("waiting for cloudflared's address")
        tunnel_log.write_text(cloudflared_banner("first-words-here"))
        code, _ = host.wait_until_open()
        assert room_on_the_hub(live_server.url, code)[1]["ws_url"] == (
            "wss://first-words-here.trycloudflare.com/"
        )

        # cloudflared restarted: a quick tunnel gets a new address every time.
        tunnel_log.write_text(cloudflared_banner("second-words-now"))

        deadline = time.monotonic() + 5
        while room_on_the_hub(live_server.url, code)[1]["ws_url"] != (
            "wss://second-words-now.trycloudflare.com/"
        ):
            assert time.monotonic() < deadline, host.output()
            time.sleep(0.1)

    def test_a_wrong_secret_stops_it_with_the_hubs_answer(self, start_host):
        host = start_host("--port", str(free_port()), secret="not-the-secret")

        assert host.process.wait(15) == 1
        assert (
            "the hub refused the room: POST /api/host/rooms/register: 403 invalid host secret"
        ) in host.output()


def cloudflared_banner(words: str) -> str:
    """What `cloudflared tunnel --url http://127.0.0.1:8765` writes to stderr when it starts."""
    return (
        "2026-11-24T20:00:00Z INF Requesting new quick Tunnel on trycloudflare.com...\n"
        "2026-11-24T20:00:01Z INF +----------------------------------------------------+\n"
        "2026-11-24T20:00:01Z INF |  Your quick Tunnel has been created! Visit it at:  |\n"
        f"2026-11-24T20:00:01Z INF |  https://{words}.trycloudflare.com  |\n"
        "2026-11-24T20:00:01Z INF +----------------------------------------------------+\n"
    )
