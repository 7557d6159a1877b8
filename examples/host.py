#!/usr/bin/env python3
"""A reference Host App for the Spirtuoz hub: copy it, and put your game where the hello is.

It serves a WebSocket on this PC, opens a room on the hub, and keeps the hub told: a heartbeat
every 15 s with how many players are connected (and within a second of a change), its new
public URL as soon as the tunnel's changes, and a close when you stop it with Ctrl-C. It greets
every player who connects: by their Telegram name when the Mini App's first message is a ticket
the hub signed with the room's token, and then keeps their seat for them if they drop and come
back. Needs Python 3.11+, `websockets` and `PyJWT`:

    pip install -r examples/requirements.txt
    cloudflared tunnel --url http://127.0.0.1:8765 2> cloudflared.log &
    HOST_SECRET=... python examples/host.py --hub https://<hub> \\
        --app-url https://<mini app> --tunnel-log cloudflared.log

The hub gives the room's token once, when it opens the room; only that token changes or closes
the room. It is kept in memory and never printed. With --token-file it is also kept in a file
only you may read, so that the host takes its room back when it restarts.

docs/host-app.md in the hub explains each step.
"""

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import re
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import jwt
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

log = logging.getLogger("host")

# A quick tunnel's address, as cloudflared prints it when it starts.
QUICK_TUNNEL_URL = re.compile(r"https://([a-z0-9-]+\.trycloudflare\.com)")
# How often the tunnel's log and the player count are looked at for something to tell the hub.
CHECK_SECONDS = 1.0
# A free Render service takes up to a minute to wake up; a close should not hold up Ctrl-C.
REQUEST_TIMEOUT = 60.0
CLOSE_TIMEOUT = 10.0
# Why a player's socket is closed at once: the close frame's reason, which the Mini App reads.
ROOM_FULL_REASON = "room full"
SEAT_TAKEN_REASON = "seat taken over"
# Closed with code 1008 and one of these, after an {"type": "error"} message that says why.
TICKET_REFUSED_REASON = "ticket refused"
TICKET_REQUIRED_REASON = "ticket required"
# How long a new socket's first message is waited for, in case it is a ticket: a Mini App sends
# it as soon as the socket opens, so a player without one waits this long for the hello.
# With --require-ticket there is no hello without one, and a slow phone gets longer.
TICKET_WAIT_SECONDS = 2.0
REQUIRED_TICKET_WAIT_SECONDS = 10.0
# Tickets are signed with HS256 only: a ticket naming any other algorithm (`none`, or RS256
# with the token passed off as a public key) is refused. The leeway forgives a PC's clock
# that is a little off the hub's.
TICKET_ALGORITHMS = ["HS256"]
TICKET_LEEWAY_SECONDS = 30
TICKET_CLAIMS = ["room", "sub", "name", "iat", "exp"]


class HubRefused(Exception):
    """The hub answered 4xx (other than 429): asking again the same way will not help."""

    def __init__(self, failure: str, status: int):
        super().__init__(failure)
        self.status = status


class HubUnreachable(Exception):
    """The hub did not answer, or answered 5xx or 429: worth asking again later."""

    def __init__(self, failure: str, retry_after: float | None = None):
        super().__init__(failure)
        self.retry_after = retry_after


class Hub:
    """The hub's Host App endpoints: HOST_SECRET opens a room; the room's token does the rest."""

    def __init__(self, url: str, secret: str):
        self.url = url.rstrip("/")
        self.secret = secret

    def register(
        self, *, code: str | None, ws_url: str, app_url: str, status: dict, token: str | None
    ) -> dict:
        """201 and a new room with its `host_token`; or, with the live room's token, 200."""
        headers = {"X-Host-Secret": self.secret}
        if token:
            headers["X-Room-Token"] = token
        body = {"room_code": code, "ws_url": ws_url, "app_url": app_url, **status}
        return self._call("POST", "/api/host/rooms/register", headers, body)

    def heartbeat(self, code: str, token: str, status: dict) -> dict:
        return self._call("POST", f"/api/host/rooms/{code}/heartbeat", _room(token), status)

    def update(self, code: str, token: str, changes: dict) -> dict:
        return self._call("PATCH", f"/api/host/rooms/{code}", _room(token), changes)

    def close(self, code: str, token: str) -> None:
        self._call("DELETE", f"/api/host/rooms/{code}", _room(token), timeout=CLOSE_TIMEOUT)

    def join_url(self, code: str) -> str:
        return f"{self.url}/join/{code}"

    def _call(
        self,
        method: str,
        path: str,
        headers: dict,
        body: dict | None = None,
        *,
        timeout: float = REQUEST_TIMEOUT,
    ) -> dict:
        # The URL is http(s), as parse_args checks: no file:// or other scheme comes in.
        request = urllib.request.Request(  # noqa: S310
            self.url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={**headers, "Content-Type": "application/json"},
        )
        # Failures name the request by method and path only: its headers hold the secrets.
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                content = response.read()
        except urllib.error.HTTPError as error:
            try:
                message = json.loads(error.read())["error"]
            except (ValueError, KeyError, TypeError, OSError):
                message = error.reason  # e.g. a proxy's HTML page in front of a hub that is down
            failure = f"{method} {path}: {error.code} {message}"
            if 400 <= error.code < 500 and error.code != 429:
                raise HubRefused(failure, error.code) from None
            raise HubUnreachable(failure, _seconds(error.headers.get("Retry-After"))) from None
        except urllib.error.URLError as error:
            raise HubUnreachable(f"{method} {path}: {error.reason}") from None
        except OSError as error:  # the connection broke, or timed out, during the answer
            raise HubUnreachable(f"{method} {path}: {error!r}") from None
        try:
            return json.loads(content) if content else {}
        except ValueError:
            raise HubUnreachable(f"{method} {path}: the answer is not JSON") from None


class TicketRefused(Exception):
    """A ticket this room does not accept; the message says why, to the player."""


def ticket_claims(ticket: str, *, token: str | None, code: str | None) -> dict:
    """The claims of a ticket the hub signed with this room's token for this room."""
    if token is None:
        raise TicketRefused("this room is not open yet: try again in a moment")
    try:
        claims = jwt.decode(
            ticket,
            token.encode(),
            algorithms=TICKET_ALGORITHMS,
            leeway=TICKET_LEEWAY_SECONDS,
            options={"require": TICKET_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise TicketRefused("your ticket has expired: open the room again") from None
    except jwt.InvalidTokenError:
        raise TicketRefused("your ticket is not valid for this room") from None
    if claims["room"] != code:
        raise TicketRefused(f"your ticket is for room {claims['room']}, not {code}")
    if not isinstance(claims["sub"], str) or not isinstance(claims["name"], str):
        raise TicketRefused("your ticket is not valid for this room")
    return claims


def ticket_in(message: str | bytes | None) -> str | None:
    """The ticket a {"type": "ticket", "ticket": "<jwt>"} message carries, or None."""
    try:
        parsed = json.loads(message) if message is not None else None
    except ValueError:
        return None
    if isinstance(parsed, dict) and parsed.get("type") == "ticket":
        ticket = parsed.get("ticket")
        return ticket if isinstance(ticket, str) else ""
    return None


@dataclasses.dataclass
class Seat:
    """A Telegram user's place in the room, kept by their `sub` while they are away: a game
    keeps their score here."""

    number: int
    name: str
    score: int = 0
    connection: ServerConnection | None = None


def _room(token: str) -> dict:
    return {"X-Room-Token": token}


def _seconds(retry_after: str | None) -> float | None:
    try:
        return float(retry_after) if retry_after else None
    except ValueError:
        return None  # an HTTP date: the backoff's own wait will do


class TokenFile:
    """The room's code and token kept across restarts, in a JSON file only its owner may read.

    It names the hub too, so that one hub's token is never sent to another. It is removed when
    the room is closed, since a closed room's token is of no more use."""

    def __init__(self, path: Path, hub_url: str):
        self.path = path
        self.hub_url = hub_url

    def load(self) -> tuple[str, str] | None:
        """(code, token) of the room this file holds on this hub, or None."""
        try:
            saved = json.loads(self.path.read_text())
            hub, code, token = saved["hub"], saved["room_code"], saved["host_token"]
            loose = os.name == "posix" and self.path.stat().st_mode & 0o077
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("the token file %s cannot be read; it will be replaced", self.path)
            return None
        if loose:
            log.warning("the token file %s is readable by others: chmod 600 it", self.path)
        if hub != self.hub_url:
            log.info("the token file %s is for another hub; it will be replaced", self.path)
            return None
        return code, token

    def save(self, code: str, token: str) -> None:
        # Written beside the file and renamed over it, so that a crash never leaves half a file;
        # created for its owner alone, and kept so however it was created before.
        part = self.path.with_name(self.path.name + ".part")
        try:
            descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.chmod(part, 0o600)
            with os.fdopen(descriptor, "w") as file:
                json.dump({"hub": self.hub_url, "room_code": code, "host_token": token}, file)
            os.replace(part, self.path)
        except OSError as error:
            log.warning("could not write the token file %s: %s", self.path, error.strerror)

    def remove(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as error:
            log.warning("could not remove the token file %s: %s", self.path, error.strerror)


class Room:
    """The room this Host App runs, what the hub was last told of it, and its players.

    open(), report() and close() talk to the hub and run in a thread of their own; the event
    loop only reads `code` and the players."""

    def __init__(
        self,
        hub: Hub,
        *,
        code: str | None,
        app_url: str,
        max_players: int | None,
        token_file: TokenFile | None,
        require_ticket: bool = False,
    ):
        self.hub = hub
        self.code = code
        self.app_url = app_url
        self.max_players = max_players
        self.token_file = token_file
        # Known only once the hub has opened the room; never printed.
        self.token: str | None = None
        # The ws_url and player count the hub has for the room.
        self.ws_url: str | None = None
        self.reported_players: int | None = None
        self.players: set[ServerConnection] = set()
        # Players who came with a ticket, by its `sub`: their seat outlives their socket.
        self.require_ticket = require_ticket
        self.seats: dict[str, Seat] = {}
        self.closing: set[asyncio.Task] = set()  # the sockets of seats taken over

    def status(self) -> dict:
        """What the hub is told of the room with every registration and heartbeat."""
        return {"players": len(self.players), "max_players": self.max_players}

    def open(self, ws_url: str, status: dict) -> None:
        """Takes back the room the token file holds, if it is still this host's; else opens a
        new room under --room (a live room there, held by another host, raises HubRefused 409)
        or under a code the hub picks."""
        saved = self._saved()
        if saved is not None:
            code, token = saved
            try:
                room = self._register(code, ws_url, status, token)
            except HubRefused as refusal:
                if refusal.status != 409:
                    raise
                log.warning("room %s is no longer this host's: the hub refused its token", code)
            else:
                if "host_token" not in room:  # 200: the live room, still this host's
                    log.info("room %s taken back with its token", code)
                self._opened(room, token, ws_url, status)
                return
        self._opened(self._register(self.code, ws_url, status, None), None, ws_url, status)

    def _saved(self) -> tuple[str, str] | None:
        """The token file's (code, token), when it holds the room this host asks for."""
        saved = self.token_file.load() if self.token_file else None
        if saved is not None and self.code not in (None, saved[0]):
            log.info(
                "the token file holds room %s, not %s; it will be replaced", saved[0], self.code
            )
            return None
        return saved

    def report(self, ws_url: str, status: dict, *, due: bool) -> bool:
        """Tells the hub what changed since it was last told: a new ws_url (PATCH), a new player
        count (a heartbeat), or nothing but that the room is alive when `due` (a heartbeat).
        Whether it asked the hub anything.

        A room the hub has ended (404: an operator closed it, or it expired) or whose token it
        refuses (403: the hub's SECRET_KEY changed) is opened anew, under its code if it is free,
        else under one the hub picks."""
        try:
            if ws_url != self.ws_url:
                self.hub.update(self.code, self.token, {"ws_url": ws_url, **status})
                log.info("room %s moved: players now connect to %s", self.code, ws_url)
            elif due or status["players"] != self.reported_players:
                self.hub.heartbeat(self.code, self.token, status)
            else:
                return False
        except HubRefused as refusal:
            if refusal.status == 404:
                self._reopen(ws_url, status, "has ended on the hub (closed, or expired)")
            elif refusal.status == 403:
                self._reopen(ws_url, status, "is no longer this host's: the hub refused its token")
            else:
                raise
            return True
        self.ws_url, self.reported_players = ws_url, status["players"]
        return True

    def close(self) -> None:
        try:
            self.hub.close(self.code, self.token)
        except HubRefused as refusal:
            if refusal.status != 404:
                log.warning("could not close room %s: %s", self.code, refusal)
                return
            log.info("room %s had already ended", self.code)
        except HubUnreachable as error:
            log.warning(
                "could not close room %s (%s); it shows its host offline, and expires by itself",
                self.code,
                error,
            )
            return
        else:
            log.info("room %s closed", self.code)
        if self.token_file:
            self.token_file.remove()

    def _reopen(self, ws_url: str, status: dict, why: str) -> None:
        log.warning("room %s %s; opening a new room", self.code, why)
        try:
            room = self._register(self.code, ws_url, status, None)
        except HubRefused as refusal:
            if refusal.status != 409:
                raise
            room = self._register(None, ws_url, status, None)  # its code is held: the hub picks
        self._opened(room, None, ws_url, status)

    def _register(self, code: str | None, ws_url: str, status: dict, token: str | None) -> dict:
        return self.hub.register(
            code=code, ws_url=ws_url, app_url=self.app_url, status=status, token=token
        )

    def _opened(self, room: dict, token: str | None, ws_url: str, status: dict) -> None:
        """Keeps the hub's answer to a registration of `ws_url` and `status`: the room's code,
        and a new room's token (else `token`, which registered it again)."""
        self.code = room["room_code"]
        self.token = room.get("host_token", token)
        self.ws_url, self.reported_players = ws_url, status["players"]
        if self.token_file:
            self.token_file.save(self.code, self.token)
        log.info("room %s is open: players join at %s", self.code, self.hub.join_url(self.code))

    async def greet(self, player: ServerConnection) -> None:
        """One player's connection, from hello to goodbye. Your game starts here."""
        with contextlib.suppress(ConnectionClosed):  # the player left: nothing more to do
            first = await self._first_message(player)
            ticket = ticket_in(first)
            if ticket is None and self.require_ticket:
                await self._refuse(
                    player, "this room lets in only players from Telegram", TICKET_REQUIRED_REASON
                )
                return
            seat = None
            if ticket is not None:
                try:
                    claims = ticket_claims(ticket, token=self.token, code=self.code)
                except TicketRefused as refusal:
                    await self._refuse(player, str(refusal), TICKET_REFUSED_REASON)
                    return
                first = None  # the ticket was said, not a word of the game
                seat = self.seats.get(claims["sub"])
            # A player back while their old socket lingers takes its place, not another one.
            if self._full() and (seat is None or seat.connection is None):
                log.info("a player was turned away: room %s is full", self.code)
                await player.close(CloseCode.TRY_AGAIN_LATER, ROOM_FULL_REASON)
                return
            self.players.add(player)
            try:
                log.info("a player joined room %s (%d connected)", self.code, len(self.players))
                if ticket is None:
                    text = f"Hello from room {self.code}!"
                    await player.send(
                        json.dumps({"type": "hello", "room": self.code, "text": text})
                    )
                else:
                    seat = await self._seat(player, claims)
                if first is not None:
                    log.info("a player says: %.200s", first)
                async for message in player:
                    log.info("a player says: %.200s", message)
            finally:
                self.players.discard(player)
                if seat is not None and seat.connection is player:
                    seat.connection = None
                log.info("a player left room %s (%d connected)", self.code, len(self.players))

    async def _first_message(self, player: ServerConnection) -> str | bytes | None:
        """The socket's first message, if it comes soon: a Mini App's ticket, if it has one."""
        wait = REQUIRED_TICKET_WAIT_SECONDS if self.require_ticket else TICKET_WAIT_SECONDS
        try:
            return await asyncio.wait_for(player.recv(), wait)
        except TimeoutError:
            return None

    def _full(self) -> bool:
        return self.max_players is not None and len(self.players) >= self.max_players

    async def _seat(self, player: ServerConnection, claims: dict) -> Seat:
        """Seats the ticket's player, in the seat they had if they were here before, and
        greets them by the name Telegram gave the hub."""
        seat = self.seats.get(claims["sub"])
        back = seat is not None
        if seat is None:
            seat = Seat(number=len(self.seats) + 1, name=claims["name"])
            self.seats[claims["sub"]] = seat
        seat.name = claims["name"]
        replaced, seat.connection = seat.connection, player
        if replaced is not None:
            # Their other window, or a socket dead on a locked phone, whose close may wait
            # for an answer that never comes: closed meanwhile, not before the hello.
            closing = asyncio.create_task(
                replaced.close(CloseCode.POLICY_VIOLATION, SEAT_TAKEN_REASON)
            )
            self.closing.add(closing)
            closing.add_done_callback(self.closing.discard)
        log.info(
            "%s (Telegram user %s) %s seat %d",
            seat.name,
            claims["sub"],
            "is back in" if back else "takes",
            seat.number,
        )
        if back:
            text = f"Welcome back, {seat.name}! Room {self.code} kept seat {seat.number} for you."
        else:
            text = f"Hello, {seat.name}! Welcome to room {self.code}: you have seat {seat.number}."
        hello = {
            "type": "hello",
            "room": self.code,
            "text": text,
            "name": seat.name,
            "seat": seat.number,
            "score": seat.score,
            "back": back,
        }
        await player.send(json.dumps(hello))
        return seat

    async def _refuse(self, player: ServerConnection, why: str, reason: str) -> None:
        """Tells the player why they are not let in, and closes their socket (1008)."""
        log.info("a player was refused: %s", why)
        await player.send(json.dumps({"type": "error", "text": why}))
        await player.close(CloseCode.POLICY_VIOLATION, reason)


class Backoff:
    """How long to wait after each failure in a row: 1 s, twice as long each time up to 30 s,
    or longer when the hub's Retry-After asks for it."""

    FIRST = 1.0
    LONGEST = 30.0

    def __init__(self):
        self.failures = 0

    def wait(self, error: HubUnreachable | HubRefused) -> float:
        seconds = min(self.FIRST * 2**self.failures, self.LONGEST)
        self.failures += 1
        return max(seconds, getattr(error, "retry_after", None) or 0)

    def reset(self) -> bool:
        """Forget the failures; whether there were any."""
        failed, self.failures = self.failures > 0, 0
        return failed


def public_ws_url(args: argparse.Namespace) -> str | None:
    """Where players reach this Host App now: --ws-url, or the newest quick tunnel address in
    cloudflared's log (None until cloudflared has printed one)."""
    if args.tunnel_log is None:
        return args.ws_url or f"ws://127.0.0.1:{args.port}/"
    try:
        found = QUICK_TUNNEL_URL.findall(args.tunnel_log.read_text(errors="replace"))
    except FileNotFoundError:
        return None
    return f"wss://{found[-1]}/" if found else None


async def keep_the_hub_told(room: Room, args: argparse.Namespace) -> None:
    """Opens the room, then reports to the hub for as long as the host runs: a heartbeat every
    --heartbeat seconds and within CHECK_SECONDS of a change in players, and a PATCH when the
    public URL changes. While the hub cannot be reached it tries again, waiting longer each
    time (Backoff); a refusal at start-up (a wrong secret, a bad URL, a code held by another
    host) stops the host with the hub's message, a refusal later is logged and tried again."""
    if public_ws_url(args) is None:
        log.info("waiting for cloudflared's address in %s", args.tunnel_log)
    while (ws_url := public_ws_url(args)) is None:
        await asyncio.sleep(CHECK_SECONDS)
    backoff = Backoff()
    while room.token is None:
        try:
            await asyncio.to_thread(room.open, ws_url, room.status())
        except HubUnreachable as error:
            wait = backoff.wait(error)
            log.warning("could not open the room: %s; trying again in %g s", error, wait)
            await asyncio.sleep(wait)
    backoff.reset()
    told_at = time.monotonic()
    tick = min(CHECK_SECONDS, args.heartbeat)
    while True:
        await asyncio.sleep(tick)
        due = time.monotonic() - told_at >= args.heartbeat
        try:
            asked = await asyncio.to_thread(
                room.report, public_ws_url(args) or room.ws_url, room.status(), due=due
            )
        except (HubUnreachable, HubRefused) as error:
            wait = backoff.wait(error)
            if isinstance(error, HubUnreachable):
                log.warning("could not reach the hub: %s; trying again in %g s", error, wait)
            else:  # a refusal this file does not expect: say so, and keep the party going
                log.error("the hub refused: %s; trying again in %g s", error, wait)
            await asyncio.sleep(wait)
            continue
        if asked:
            told_at = time.monotonic()
            if backoff.reset():
                log.info("the hub answers again: room %s is alive", room.code)


async def host(args: argparse.Namespace) -> None:
    hub = Hub(args.hub, args.secret)
    token_file = TokenFile(args.token_file, hub.url) if args.token_file else None
    room = Room(
        hub,
        code=args.room.upper() if args.room else None,
        app_url=args.app_url,
        max_players=args.max_players,
        token_file=token_file,
        require_ticket=args.require_ticket,
    )
    # SIGTERM (e.g. from a process manager) stops the host like Ctrl-C does.
    # (Windows has no such handlers; Ctrl-C works there all the same.)
    with contextlib.suppress(NotImplementedError):
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    async with serve(room.greet, args.listen, args.port):
        log.info("WebSocket server listening on ws://%s:%d/", args.listen, args.port)
        try:
            await keep_the_hub_told(room, args)
        finally:
            # Closed on the hub first, so the bot says the room has ended before players'
            # sockets close.
            if room.token is not None:
                await asyncio.to_thread(room.close)


def positive(kind):
    """An argparse type: a number of `kind` (int, float) greater than zero, and finite."""

    def parse(text: str):
        value = kind(text)
        if not 0 < value < float("inf"):  # NaN too
            raise argparse.ArgumentTypeError(f"must be greater than zero, not {text}")
        return value

    parse.__name__ = kind.__name__  # what argparse names in "invalid int value"
    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--hub",
        default=os.environ.get("SPIRTUOZ_HUB_URL", "http://127.0.0.1:3000"),
        help="the hub's URL (default: $SPIRTUOZ_HUB_URL, else http://127.0.0.1:3000)",
    )
    parser.add_argument(
        "--secret",
        default=os.environ.get("HOST_SECRET"),
        help="the hub's HOST_SECRET (default: $HOST_SECRET; prefer the variable, since "
        "other users of this PC can read command lines)",
    )
    parser.add_argument(
        "--app-url",
        default=os.environ.get("SPIRTUOZ_APP_URL"),
        help="the Mini App's https:// URL, where the hub sends players (default: "
        "$SPIRTUOZ_APP_URL)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--ws-url",
        help="the public ws:// or wss:// URL players connect to (default: "
        "ws://127.0.0.1:PORT/, which only this PC can reach)",
    )
    where.add_argument(
        "--tunnel-log",
        type=Path,
        help="cloudflared's output (`cloudflared tunnel --url http://127.0.0.1:PORT "
        "2> FILE`): the ws_url is wss:// on its newest trycloudflare.com address, followed "
        "as it changes",
    )
    parser.add_argument(
        "--room", help="the room code to ask for, 4-12 letters or digits (default: the hub picks)"
    )
    parser.add_argument("--port", type=int, default=8765, help="the WebSocket port (8765)")
    parser.add_argument(
        "--listen",
        default="127.0.0.1",
        help="the address to listen on (127.0.0.1: only this PC, and the tunnel, can connect)",
    )
    parser.add_argument(
        "--heartbeat",
        type=positive(float),
        default=15.0,
        help="seconds between heartbeats, which keep the room live and its host online; keep "
        "it well under the hub's HOST_HEARTBEAT_TIMEOUT (45 s by default) (15)",
    )
    parser.add_argument(
        "--max-players",
        type=positive(int),
        help="how many players may be connected at once; more are turned away, and the "
        "Mini App says the room is full (default: no cap)",
    )
    parser.add_argument(
        "--token-file",
        type=Path,
        help="keep the room's code and token in this file (mode 600) and take the room back "
        "with them after a restart (default: in memory only; a restart opens a new room)",
    )
    parser.add_argument(
        "--require-ticket",
        action="store_true",
        help="let in only players whose Mini App sends a ticket the hub signed for this room, "
        "which it does for players who came through Telegram (default: players without one "
        "are let in too, without a name or a seat)",
    )
    # Before heartbeats the room was kept live by registering it again every --refresh
    # seconds; old command lines still start.
    parser.add_argument("--refresh", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error("the hub's secret is needed: set HOST_SECRET or pass --secret")
    if not args.app_url:
        parser.error("the Mini App's URL is needed: pass --app-url or set SPIRTUOZ_APP_URL")
    if not args.hub.startswith(("https://", "http://")):
        parser.error("--hub must be an https:// (or http://) URL")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("websockets").setLevel(logging.WARNING)  # this file logs what matters
    if args.refresh is not None:
        log.warning("--refresh is ignored: a heartbeat every --heartbeat seconds keeps the room")
    try:
        asyncio.run(host(args))
    except HubRefused as error:
        log.error("the hub refused the room: %s", error)
        if error.status == 409:
            log.error(
                "another host holds that room. If it was this host, stopped without closing it, "
                "the room expires by itself; use --token-file to take a room back after a "
                "restart, or ask for another code"
            )
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass  # Ctrl-C or SIGTERM: the room is closed
    return 0


if __name__ == "__main__":
    sys.exit(main())
