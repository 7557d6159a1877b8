"""examples/host.py, the reference Host App, run as its users run it against a live hub.

Where a test needs to see what the host asked, or a hub that is down, the host talks to the live
hub through a HubProxy, over real HTTP as well."""

import asyncio
import contextlib
import itertools
import json
import signal
import stat
import time

import jwt
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as connect_and_wait

from rooms import services
from rooms.models import Room
from rooms.tokens import room_token
from tests.support.fake_telegram import TOKEN
from tests.support.host_process import HostApp
from tests.support.hub_proxy import HubProxy
from tests.support.initdata import signed
from tests.support.servers import free_port, http

# Starts processes or servers of its own: left out of `make test-fast`.
pytestmark = pytest.mark.slow

APP_URL = "https://miniapp.example/"
REGISTER = "/api/host/rooms/register"
# A heartbeat this often keeps the tests short; the host ticks at most once a second.
QUICK_BEAT = "0.3"
# Two players from Telegram.
ANYA = {"id": 4242, "first_name": "Anya", "username": "anya", "language_code": "en"}
BORIS = {"id": 5151, "first_name": "Boris", "last_name": "Ivanov", "language_code": "ru"}


def hello_from(ws_url: str) -> dict:
    """The first message a player connecting to `ws_url` gets."""

    async def first_message() -> dict:
        async with connect(ws_url, open_timeout=5) as player:
            return json.loads(await asyncio.wait_for(player.recv(), 5))

    return asyncio.run(first_message())


@contextlib.contextmanager
def a_player(ws_url: str):
    """A player connected to `ws_url`, greeted by the host, until the block ends (the sync
    client: no event loop to keep running meanwhile)."""
    with connect_and_wait(ws_url, open_timeout=5) as player:
        assert json.loads(player.recv(timeout=5))["type"] == "hello"
        yield player


def ticket_from_the_hub(hub_url: str, code: str, user: dict) -> str:
    """The ticket the hub hands `user`'s Mini App with its lookup of room `code`."""
    init_data = signed(TOKEN, user=json.dumps(user, separators=(",", ":")))
    status, _, body = http("GET", f"{hub_url}/api/rooms/{code}", Authorization=f"tma {init_data}")
    assert status == 200, body
    return json.loads(body)["ticket"]


def ticket_signed(key: str, **claims) -> str:
    """A ticket made here, not by the hub: with `key`, for ANYA unless `claims` say otherwise."""
    now = int(time.time())
    claims = {"sub": str(ANYA["id"]), "name": "Anya", "iat": now, "exp": now + 300, **claims}
    return jwt.encode(claims, key.encode(), algorithm="HS256")


@contextlib.contextmanager
def a_player_with(ws_url: str, ticket: str):
    """A player who hands the host `ticket` as their first message; yields the socket and the
    host's hello."""
    with connect_and_wait(ws_url, open_timeout=5) as player:
        player.send(json.dumps({"type": "ticket", "ticket": ticket}))
        yield player, json.loads(player.recv(timeout=5))


def refusal_of(ws_url: str, ticket: str | None) -> tuple[dict, int, str]:
    """What the host says to a player with `ticket` (or none) it does not let in: its message,
    and the close frame's code and reason."""
    with connect_and_wait(ws_url, open_timeout=5) as player:
        if ticket is not None:
            player.send(json.dumps({"type": "ticket", "ticket": ticket}))
        message = json.loads(player.recv(timeout=15))
        with pytest.raises(ConnectionClosed) as closed:
            player.recv(timeout=5)
    return message, closed.value.rcvd.code, closed.value.rcvd.reason


def room_on_the_hub(hub_url: str, code: str) -> tuple[int, dict]:
    status, _, body = http("GET", f"{hub_url}/api/rooms/{code}")
    return status, json.loads(body)


def wait_until(condition, timeout: float = 10, what: str = "the condition"):
    """condition()'s first true value, asking every 0.05 s for up to `timeout` s."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.05)
    return value


def token_of(code: str) -> str:
    """The token the hub gave the live room `code` (the hub keeps only its salt)."""
    return room_token(token_salt=Room.objects.get(code=code).token_salt)


@pytest.fixture
def start_host(live_server, tmp_path, transactional_db):
    """Starts examples/host.py against the live hub (or `hub`); stops what it started, and
    checks that no room token the hub handed out ever showed in what the host printed."""
    hosts = []

    def start(*args: str, hub: str | None = None, **options) -> HostApp:
        log = tmp_path / f"host-{len(hosts)}.log"
        hub = hub or live_server.url
        host = HostApp(log, "--hub", hub, "--app-url", APP_URL, *args, **options)
        hosts.append(host)
        return host

    yield start
    for host in hosts:
        host.stop(signal.SIGKILL)
    tokens = [room_token(token_salt=room.token_salt) for room in Room.objects.all()]
    for host in hosts:
        assert not [token for token in tokens if token in host.output()], "a room token leaked"


@pytest.fixture
def proxy(live_server):
    proxy = HubProxy(live_server.url)
    yield proxy
    proxy.stop()


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
        room.pop("last_seen")
        assert room.pop("links")["web"] == join_url
        assert room == {
            "room_code": code,
            "ws_url": f"ws://127.0.0.1:{port}/game",
            "app_url": APP_URL,
            "state": "lobby",
            "players": 0,
            "max_players": None,
            "locked": False,
            "full": False,
            "host_online": True,
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

    def test_its_heartbeats_tell_the_hub_how_many_players_are_connected(
        self, live_server, start_host, proxy
    ):
        port = free_port()
        host = start_host("--port", str(port), "--heartbeat", "60", hub=proxy.url)
        code, _ = host.wait_until_open()

        players = lambda: room_on_the_hub(live_server.url, code)[1]["players"]  # noqa: E731
        with a_player(f"ws://127.0.0.1:{port}/"):
            wait_until(lambda: players() == 1, what="1 player on the hub")
            with a_player(f"ws://127.0.0.1:{port}/"):
                wait_until(lambda: players() == 2, what="2 players on the hub")
            wait_until(lambda: players() == 1, what="1 player on the hub")
        wait_until(lambda: players() == 0, what="no player on the hub")

        # Each within a second of its change, long before the 60 s heartbeat was due.
        beats = proxy.asked("POST", f"/api/host/rooms/{code}/heartbeat")
        assert [beat.body for beat in beats] == [
            {"players": count, "max_players": None} for count in (1, 2, 1, 0)
        ]
        # The room's token, never the shared secret, and one registration only.
        assert {beat.auth for beat in beats} == {("X-Room-Token",)}
        assert [(a.method, a.path, a.auth) for a in proxy.asked("POST", REGISTER)] == [
            ("POST", REGISTER, ("X-Host-Secret",))
        ]

    def test_it_beats_every_heartbeat_seconds_which_keeps_the_room_alive(self, start_host, proxy):
        host = start_host("--port", str(free_port()), "--heartbeat", QUICK_BEAT, hub=proxy.url)
        code, _ = host.wait_until_open()
        registered = Room.objects.get(code=code)

        beats = proxy.wait_for("POST", f"/api/host/rooms/{code}/heartbeat", count=3)

        gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(beats)]
        # A beat is sent no sooner than QUICK_BEAT after the one before was answered.
        assert min(gaps) >= float(QUICK_BEAT) * 0.9, gaps
        assert [beat.body for beat in beats] == [{"players": 0, "max_players": None}] * 3
        room = Room.objects.get(code=code)
        assert room.last_seen_at > registered.last_seen_at
        assert room.expires_at > registered.expires_at
        assert room.updated_at == registered.updated_at  # a sign of life, not a registration
        assert len(proxy.asked("POST", REGISTER)) == 1

    def test_it_turns_away_players_beyond_max_players(self, live_server, start_host):
        port = free_port()
        host = start_host("--port", str(port), "--max-players", "1")
        code, _ = host.wait_until_open()

        with a_player(f"ws://127.0.0.1:{port}/"):
            room = wait_until(
                lambda: (found := room_on_the_hub(live_server.url, code)[1])["full"] and found,
                what="a full room on the hub",
            )
            with (
                connect_and_wait(f"ws://127.0.0.1:{port}/", open_timeout=5) as second,
                pytest.raises(ConnectionClosed) as closed,
            ):
                second.recv(timeout=5)

        assert (room["players"], room["max_players"]) == (1, 1)
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1013, "room full")
        host.wait_for(f"a player was turned away: room {code} is full")
        assert f"room {code} (2 connected)" not in host.output()

    def test_ctrl_c_closes_the_room_with_its_token(self, live_server, start_host, proxy):
        host = start_host("--port", str(free_port()), hub=proxy.url)
        code, _ = host.wait_until_open()

        assert host.stop(signal.SIGINT) == 0

        assert room_on_the_hub(live_server.url, code) == (404, {"error": "room not found"})
        assert Room.objects.get(code=code).closed_at is not None  # closed, not merely expired
        assert [(a.method, a.auth, a.status) for a in proxy.asked("DELETE")] == [
            ("DELETE", ("X-Room-Token",), 204)
        ]
        assert f"room {code} closed" in host.output()

    def test_sigterm_closes_the_room_too(self, live_server, start_host):
        host = start_host("--port", str(free_port()))
        code, _ = host.wait_until_open()

        assert host.stop(signal.SIGTERM) == 0

        assert room_on_the_hub(live_server.url, code) == (404, {"error": "room not found"})

    def test_its_room_token_never_shows_in_what_it_prints(self, start_host, tmp_path):
        tunnel_log = tmp_path / "cloudflared.log"
        tunnel_log.write_text(cloudflared_banner("first-words-here"))
        host = start_host(
            "--port", str(free_port()), "--tunnel-log", str(tunnel_log),
            "--heartbeat", QUICK_BEAT,
        )  # fmt: skip
        code, _ = host.wait_until_open()
        token = token_of(code)
        tunnel_log.write_text(cloudflared_banner("second-words-now"))
        host.wait_for(f"room {code} moved")
        time.sleep(3 * float(QUICK_BEAT))  # a few heartbeats

        host.stop(signal.SIGINT)

        assert f"room {code} closed" in host.output()
        assert token not in host.output()

    def test_a_new_tunnel_address_is_sent_with_a_patch(
        self, live_server, start_host, proxy, tmp_path
    ):
        tunnel_log = tmp_path / "cloudflared.log"
        host = start_host(
            "--port", str(free_port()), "--tunnel-log", str(tunnel_log), hub=proxy.url
        )
        host.wait_for("waiting for cloudflared's address")
        tunnel_log.write_text(cloudflared_banner("first-words-here"))
        code, _ = host.wait_until_open()
        first = room_on_the_hub(live_server.url, code)[1]
        assert first["ws_url"] == "wss://first-words-here.trycloudflare.com/"

        # cloudflared restarted: a quick tunnel gets a new address every time.
        tunnel_log.write_text(cloudflared_banner("second-words-now"))

        [patch] = proxy.wait_for("PATCH", f"/api/host/rooms/{code}")
        assert patch.auth == ("X-Room-Token",)
        assert patch.body == {
            "ws_url": "wss://second-words-now.trycloudflare.com/",
            "players": 0,
            "max_players": None,
        }
        now = room_on_the_hub(live_server.url, code)[1]
        assert now["ws_url"] == "wss://second-words-now.trycloudflare.com/"
        assert now["created_at"] == first["created_at"]  # the same room
        assert len(proxy.asked("POST", REGISTER)) == 1
        host.wait_for(
            f"room {code} moved: players now connect to wss://second-words-now.trycloudflare.com/"
        )

    def test_a_room_ended_on_the_hub_is_opened_again_under_its_code(self, live_server, start_host):
        host = start_host("--port", str(free_port()), "--heartbeat", QUICK_BEAT)
        code, _ = host.wait_until_open()
        ended = Room.objects.get(code=code)

        # An operator closes it in the admin (or it expired): the next heartbeat is a 404.
        services.rooms_close(rooms=Room.objects.filter(code=code))

        host.wait_for(
            rf"room {code} has ended on the hub \(closed, or expired\); opening a new room"
        )
        assert host.wait_until_open(times=2)[0] == code
        reopened = Room.objects.get(code=code)
        assert reopened.closed_at is None
        assert reopened.created_at > ended.created_at  # a new room, with a new token
        assert reopened.token_salt != ended.token_salt
        assert room_on_the_hub(live_server.url, code)[0] == 200
        # It keeps the new room's token: its close works.
        assert host.stop(signal.SIGINT) == 0
        assert Room.objects.get(code=code).closed_at is not None

    def test_a_room_taken_by_another_host_meanwhile_is_opened_again_under_a_new_code(
        self, live_server, start_host
    ):
        host = start_host("--port", str(free_port()), "--heartbeat", QUICK_BEAT)
        code, _ = host.wait_until_open()

        # The room ends, and at once another host opens the same code: this host's token is
        # refused (403), and its code is held (409).
        services.rooms_close(rooms=Room.objects.filter(code=code))
        services.room_register(code=code, ws_url="wss://other.example/", app_url=APP_URL)

        host.wait_for(f"room {code} is no longer this host's: the hub refused its token")
        new_code, _ = host.wait_until_open(times=2)
        assert new_code != code
        assert room_on_the_hub(live_server.url, new_code)[0] == 200
        assert room_on_the_hub(live_server.url, code)[1]["ws_url"] == "wss://other.example/"

    def test_it_keeps_the_room_alive_through_a_hub_that_is_briefly_down(self, start_host, proxy):
        host = start_host("--port", str(free_port()), "--heartbeat", QUICK_BEAT, hub=proxy.url)
        code, _ = host.wait_until_open()
        heartbeat = f"/api/host/rooms/{code}/heartbeat"

        proxy.down = True
        host.wait_for(
            rf"could not reach the hub: POST {heartbeat}: 502 Bad Gateway; trying again in 1 s"
        )
        host.wait_for("trying again in 2 s")  # waiting longer each time
        proxy.down = False

        host.wait_for(f"the hub answers again: room {code} is alive")
        # And beats on as before.
        proxy.wait_for("POST", heartbeat, count=len(proxy.answered("POST", heartbeat)) + 2)
        assert host.process.poll() is None
        assert len(proxy.asked("POST", REGISTER)) == 1  # the same room throughout

    def test_it_waits_for_a_hub_that_is_down_when_it_starts(self, start_host, proxy):
        proxy.down = True
        host = start_host("--port", str(free_port()), hub=proxy.url)
        host.wait_for(
            rf"could not open the room: POST {REGISTER}: 502 Bad Gateway; trying again in 1 s"
        )

        proxy.down = False

        code, _ = host.wait_until_open()
        assert Room.objects.filter(code=code).exists()

    def test_with_a_token_file_a_restarted_host_takes_its_room_back(
        self, live_server, start_host, tmp_path
    ):
        token_file = tmp_path / "room.json"
        first = start_host("--port", str(free_port()), "--token-file", str(token_file))
        code, _ = first.wait_until_open()
        created_at = room_on_the_hub(live_server.url, code)[1]["created_at"]
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert json.loads(token_file.read_text()) == {
            "hub": live_server.url,
            "room_code": code,
            "host_token": token_of(code),
        }
        first.stop(signal.SIGKILL)  # a crash: the room is not closed

        again = start_host("--port", str(free_port()), "--token-file", str(token_file))

        again.wait_for(f"room {code} taken back with its token")
        assert again.wait_until_open()[0] == code
        assert room_on_the_hub(live_server.url, code)[1]["created_at"] == created_at
        assert again.stop(signal.SIGINT) == 0
        assert Room.objects.get(code=code).closed_at is not None
        assert not token_file.exists()  # a closed room's token is of no more use

    def test_without_a_token_file_a_restarted_host_cannot_take_its_code_back(self, start_host):
        first = start_host("--port", str(free_port()), "--room", "PARTY8")
        first.wait_until_open()
        first.stop(signal.SIGKILL)

        again = start_host("--port", str(free_port()), "--room", "PARTY8")

        assert again.process.wait(15) == 1
        assert (
            "the hub refused the room: POST /api/host/rooms/register: 409 "
            "room PARTY8 is live and held by another host"
        ) in again.output()
        assert "use --token-file to take a room back after a restart" in again.output()

    def test_the_old_refresh_option_is_accepted_and_ignored(self, start_host):
        host = start_host("--port", str(free_port()), "--refresh", "300")

        host.wait_until_open()

        assert "--refresh is ignored" in host.output()

    @pytest.mark.parametrize(("option", "value"), [("--heartbeat", "0"), ("--max-players", "-1")])
    def test_it_refuses_a_count_that_is_not_positive(self, start_host, option, value):
        host = start_host(option, value)

        assert host.process.wait(15) == 2
        assert f"argument {option}: must be greater than zero, not {value}" in host.output()

    def test_a_wrong_secret_stops_it_with_the_hubs_answer(self, start_host):
        host = start_host("--port", str(free_port()), secret="not-the-secret")

        assert host.process.wait(15) == 1
        assert (
            "the hub refused the room: POST /api/host/rooms/register: 403 invalid host secret"
        ) in host.output()


@pytest.mark.django_db(transaction=True)
class TestExampleHostTickets:
    """Players who came through Telegram hand the host the hub's ticket, which it verifies with
    the room's token: it greets them by name and keeps their seat for them."""

    @pytest.fixture(autouse=True)
    def _bot_token(self, settings):
        settings.BOT_TOKEN = TOKEN  # the hub checks the players' init data with it

    def test_a_player_with_a_ticket_is_greeted_by_their_telegram_name(
        self, live_server, start_host
    ):
        port = free_port()
        host = start_host("--port", str(port))
        code, _ = host.wait_until_open()
        ticket = ticket_from_the_hub(live_server.url, code, ANYA)

        with a_player_with(f"ws://127.0.0.1:{port}/", ticket) as (_, hello):
            assert hello == {
                "type": "hello",
                "room": code,
                "text": f"Hello, Anya! Welcome to room {code}: you have seat 1.",
                "name": "Anya",
                "seat": 1,
                "score": 0,
                "back": False,
            }
            host.wait_for(r"Anya \(Telegram user 4242\) takes seat 1")
            host.wait_for(rf"a player joined room {code} \(1 connected\)")

    def test_a_player_who_drops_and_comes_back_gets_their_seat_back(self, live_server, start_host):
        port = free_port()
        ws_url = f"ws://127.0.0.1:{port}/"
        host = start_host("--port", str(port))
        code, _ = host.wait_until_open()

        anya = ticket_from_the_hub(live_server.url, code, ANYA)
        boris = ticket_from_the_hub(live_server.url, code, BORIS)
        with a_player_with(ws_url, anya) as (_, first), a_player_with(ws_url, boris) as (_, other):
            assert (other["name"], other["seat"]) == ("Boris Ivanov", 2)
        host.wait_for(rf"a player left room {code} \(0 connected\)")
        # Anya comes back with a fresh ticket: the same Telegram user, not a new player.
        again = ticket_from_the_hub(live_server.url, code, ANYA)
        with a_player_with(ws_url, again) as (_, back):
            pass

        assert first["seat"] == back["seat"] == 1
        assert back == {
            **first,
            "text": f"Welcome back, Anya! Room {code} kept seat 1 for you.",
            "back": True,
        }
        host.wait_for(r"Anya \(Telegram user 4242\) is back in seat 1")

    def test_a_player_back_while_their_old_socket_lingers_takes_its_place(
        self, live_server, start_host
    ):
        # A locked phone's socket may not have closed yet when its player comes back.
        port = free_port()
        ws_url = f"ws://127.0.0.1:{port}/"
        host = start_host("--port", str(port), "--max-players", "1")
        code, _ = host.wait_until_open()

        with a_player_with(ws_url, ticket_from_the_hub(live_server.url, code, ANYA)) as (old, _):
            again = ticket_from_the_hub(live_server.url, code, ANYA)
            with a_player_with(ws_url, again) as (_, back):
                with pytest.raises(ConnectionClosed) as closed:
                    old.recv(timeout=5)
                assert (back["seat"], back["back"]) == (1, True)  # though the room is full
                assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
                    1008,
                    "seat taken over",
                )
                host.wait_for(rf"a player left room {code} \(1 connected\)")
        assert "turned away" not in host.output()

    @pytest.mark.parametrize(
        ("forge", "error"),
        [
            (
                lambda code, token: ticket_signed(
                    "a-key-that-is-not-the-room-token-0123", room=code
                ),
                "not valid",
            ),
            (
                lambda code, token: ticket_signed(
                    token, room=code, iat=1, exp=int(time.time()) - 60
                ),
                "your ticket has expired: open the room again",
            ),
            (lambda code, token: ticket_signed(token, room="ELSEWHERE"), "is for room ELSEWHERE"),
            (
                lambda code, token: jwt.encode(
                    {"room": code, "sub": "1", "name": "Eve"}, None, "none"
                ),
                "not valid",
            ),
        ],
        ids=["forged", "expired", "for-another-room", "unsigned"],
    )
    def test_a_ticket_it_cannot_verify_is_refused_with_a_reason(self, start_host, forge, error):
        port = free_port()
        host = start_host("--port", str(port))
        code, _ = host.wait_until_open()

        message, close_code, reason = refusal_of(
            f"ws://127.0.0.1:{port}/", forge(code, token_of(code))
        )

        assert message["type"] == "error"
        assert error in message["text"]
        assert (close_code, reason) == (1008, "ticket refused")
        host.wait_for(f"a player was refused: {message['text']}")
        assert "a player joined" not in host.output()

    def test_a_tampered_ticket_from_the_hub_is_refused(self, live_server, start_host):
        port = free_port()
        host = start_host("--port", str(port))
        code, _ = host.wait_until_open()
        header, _, signature = ticket_from_the_hub(live_server.url, code, ANYA).split(".")
        claims = jwt.utils.base64url_encode(json.dumps({"room": code, "sub": "1"}).encode())

        message, close_code, _ = refusal_of(
            f"ws://127.0.0.1:{port}/", f"{header}.{claims.decode()}.{signature}"
        )

        assert message == {"type": "error", "text": "your ticket is not valid for this room"}
        assert close_code == 1008

    def test_with_require_ticket_a_player_without_one_is_refused(self, live_server, start_host):
        port = free_port()
        ws_url = f"ws://127.0.0.1:{port}/"
        host = start_host("--port", str(port), "--require-ticket")
        code, _ = host.wait_until_open()

        # An older Mini App, or a socket opened by hand: it sends nothing.
        assert refusal_of(ws_url, None) == (
            {"type": "error", "text": "this room lets in only players from Telegram"},
            1008,
            "ticket required",
        )
        with a_player_with(ws_url, ticket_from_the_hub(live_server.url, code, ANYA)) as (_, hello):
            assert hello["name"] == "Anya"
        assert "a player joined room" in host.output()


def cloudflared_banner(words: str) -> str:
    """What `cloudflared tunnel --url http://127.0.0.1:8765` writes to stderr when it starts."""
    return (
        "2026-11-24T20:00:00Z INF Requesting new quick Tunnel on trycloudflare.com...\n"
        "2026-11-24T20:00:01Z INF +----------------------------------------------------+\n"
        "2026-11-24T20:00:01Z INF |  Your quick Tunnel has been created! Visit it at:  |\n"
        f"2026-11-24T20:00:01Z INF |  https://{words}.trycloudflare.com  |\n"
        "2026-11-24T20:00:01Z INF +----------------------------------------------------+\n"
    )
