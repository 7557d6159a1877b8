#!/usr/bin/env python3
"""A reference Host App for the Spirtuoz hub: copy it, and put your game where the hello is.

It serves a WebSocket on this PC, registers a room with the hub and keeps it registered (every
few minutes, and at once when the public URL changes), greets every player who connects, and
closes the room when you stop it with Ctrl-C. Needs Python 3.11+ and `websockets`:

    pip install -r examples/requirements.txt
    cloudflared tunnel --url http://127.0.0.1:8765 2> cloudflared.log &
    HOST_SECRET=... python examples/host.py --hub https://<hub> \\
        --app-url https://<mini app> --tunnel-log cloudflared.log

docs/host-app.md in the hub explains each step.
"""

import argparse
import asyncio
import contextlib
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

from websockets.asyncio.server import ServerConnection, serve

log = logging.getLogger("host")

# A quick tunnel's address, as cloudflared prints it when it starts.
QUICK_TUNNEL_URL = re.compile(r"https://([a-z0-9-]+\.trycloudflare\.com)")
# How often the tunnel's log is read for a new address, and how long a failed
# registration waits before it is tried again.
CHECK_SECONDS = 1.0
RETRY_SECONDS = 10.0


class HubRefused(Exception):
    """The hub answered 4xx: the command line needs fixing, asking again will not help."""


class HubUnreachable(Exception):
    """The hub did not answer, or answered 5xx or 429: worth asking again later."""


class Hub:
    """The hub's two Host App endpoints."""

    def __init__(self, url: str, secret: str):
        self.url = url.rstrip("/")
        self.secret = secret

    def register(self, *, code: str | None, ws_url: str, app_url: str) -> dict:
        body = {"room_code": code, "ws_url": ws_url, "app_url": app_url}
        return self._call("POST", "/api/host/rooms/register", body)

    def close(self, code: str) -> None:
        self._call("DELETE", f"/api/host/rooms/{code}")

    def join_url(self, code: str) -> str:
        return f"{self.url}/join/{code}"

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        # The URL is http(s), as parse_args checks: no file:// or other scheme comes in.
        request = urllib.request.Request(  # noqa: S310
            self.url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"X-Host-Secret": self.secret, "Content-Type": "application/json"},
        )
        try:
            # A free Render service takes up to a minute to wake up.
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                content = response.read()
        except urllib.error.HTTPError as error:
            try:
                message = json.loads(error.read())["error"]
            except (ValueError, KeyError, TypeError):
                message = error.reason
            failure = f"{method} {path}: {error.code} {message}"
            if 400 <= error.code < 500 and error.code != 429:
                raise HubRefused(failure) from None
            raise HubUnreachable(failure) from None
        except urllib.error.URLError as error:
            raise HubUnreachable(f"{method} {path}: {error.reason}") from None
        except OSError as error:  # the connection broke, or timed out, during the answer
            raise HubUnreachable(f"{method} {path}: {error!r}") from None
        return json.loads(content) if content else {}


class Room:
    """The room this Host App runs, and the players connected to it."""

    def __init__(self, hub: Hub, *, code: str | None, app_url: str):
        self.hub = hub
        self.code = code
        self.app_url = app_url
        self.registered = False
        self.players: set[ServerConnection] = set()

    def register(self, ws_url: str) -> None:
        # Without a code the hub picks one, which is then kept for every re-registration.
        room = self.hub.register(code=self.code, ws_url=ws_url, app_url=self.app_url)
        self.code = room["room_code"]
        if self.registered:
            log.info("room %s registered again, with ws_url %s", self.code, ws_url)
        else:
            join_url = self.hub.join_url(self.code)
            log.info("room %s is open: players join at %s", self.code, join_url)
            self.registered = True

    async def greet(self, player: ServerConnection) -> None:
        """One player's connection, from hello to goodbye. Your game starts here."""
        self.players.add(player)
        log.info("a player joined room %s (%d connected)", self.code, len(self.players))
        try:
            hello = {"type": "hello", "room": self.code, "text": f"Hello from room {self.code}!"}
            await player.send(json.dumps(hello))
            async for message in player:
                log.info("a player says: %.200s", message)
        finally:
            self.players.discard(player)
            log.info("a player left room %s (%d connected)", self.code, len(self.players))


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


async def keep_registered(room: Room, args: argparse.Namespace) -> None:
    """Registers the room, then again every --refresh seconds and whenever the URL changes."""
    registered_url, registered_at = None, 0.0
    if public_ws_url(args) is None:
        log.info("waiting for cloudflared's address in %s", args.tunnel_log)
    while True:
        ws_url = public_ws_url(args)
        stale = time.monotonic() - registered_at >= args.refresh
        if ws_url is not None and (ws_url != registered_url or stale):
            try:
                await asyncio.to_thread(room.register, ws_url)
            except HubRefused as error:
                if registered_url is None:
                    raise  # at start-up: stop and say why
                log.error("the hub refused to keep room %s: %s", room.code, error)
                await asyncio.sleep(RETRY_SECONDS)
            except HubUnreachable as error:
                log.warning("could not register: %s; trying again in %g s", error, RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)
            else:
                registered_url, registered_at = ws_url, time.monotonic()
        await asyncio.sleep(CHECK_SECONDS)


async def host(args: argparse.Namespace) -> None:
    room = Room(Hub(args.hub, args.secret), code=args.room, app_url=args.app_url)
    # SIGTERM (e.g. from a process manager) stops the host like Ctrl-C does.
    # (Windows has no such handlers; Ctrl-C works there all the same.)
    with contextlib.suppress(NotImplementedError):
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    async with serve(room.greet, args.listen, args.port):
        log.info("WebSocket server listening on ws://%s:%d/", args.listen, args.port)
        try:
            await keep_registered(room, args)
        finally:
            if room.registered:
                await asyncio.to_thread(close_room, room)


def close_room(room: Room) -> None:
    try:
        room.hub.close(room.code)
    except (HubRefused, HubUnreachable) as error:
        log.warning("could not close room %s (%s); it expires by itself", room.code, error)
    else:
        log.info("room %s closed", room.code)


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
        "--refresh",
        type=float,
        default=300,
        help="seconds between re-registrations, which keep the room live (300)",
    )
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
    try:
        asyncio.run(host(args))
    except HubRefused as error:
        log.error("the hub refused the room: %s", error)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass  # Ctrl-C or SIGTERM: the room is closed
    return 0


if __name__ == "__main__":
    sys.exit(main())
