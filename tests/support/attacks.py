"""Cheap attacks on a hub, for tests/server/test_attacks.py and `make bench`: clients trickling
their bodies, and a flood of avatar requests while Telegram hangs. Loopback only."""

import contextlib
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from tests.support.fake_telegram import FakeTelegram

REGISTRATION = json.dumps(
    {"room_code": "SLOW", "ws_url": "wss://slow.example/ws", "app_url": "https://a.example"}
).encode()


@contextlib.contextmanager
def trickling(port: int, count: int, *, renew: bool = False) -> Iterator[list[dict]]:
    """`count` clients sending a registration's body a byte a second to 127.0.0.1:`port`.
    Each records how its request ended (`status`: what the server answered, None when it
    closed the connection; `seconds`); with `renew` it then starts again, until the end."""
    stop = threading.Event()
    ends: list[dict] = []

    def trickle_once() -> None:
        started, status = time.monotonic(), None
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(
                b"POST /api/host/rooms/register HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % len(REGISTRATION)
            )
            sock.settimeout(1)
            for byte in REGISTRATION:
                if stop.is_set():
                    break
                sock.send(bytes([byte]))
                try:
                    answer = sock.recv(65536)
                except TimeoutError:
                    continue
                if answer:
                    status = int(answer.split(b" ", 2)[1])
                break
        ends.append({"status": status, "seconds": time.monotonic() - started})

    def trickler() -> None:
        trickle_once()
        while renew and not stop.is_set():
            trickle_once()

    threads = [threading.Thread(target=trickler, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    try:
        yield ends
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)


@contextlib.contextmanager
def avatar_flood(
    url: str, telegram: FakeTelegram, count: int, headers: dict[str, str] | None = None
) -> Iterator[list[tuple]]:
    """Telegram hanging while `count` avatar requests at a time (half of them for one player,
    as a room loading one avatar; the rest each for another) keep coming to the hub at `url`,
    with `headers`, until the end. Yields (status, seconds) of every answer so far (status None:
    none came)."""
    stop = threading.Event()
    answers: list[tuple] = []
    telegram.hang("getUserProfilePhotos", 30)

    def ask(client: int) -> None:
        for round_ in range(1_000_000):
            if stop.is_set():
                return
            user = 900_000 + round_ * count + (0 if client < count // 2 else client)
            started = time.monotonic()
            try:
                request = urllib.request.Request(
                    f"{url}/api/users/{user}/avatar", headers=headers or {}
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = None  # no answer at all: reset, or timed out
            answers.append((status, time.monotonic() - started))

    pool = ThreadPoolExecutor(count)
    try:
        for client in range(count):
            pool.submit(ask, client)
        yield answers
    finally:
        stop.set()
        pool.shutdown(wait=True)
        telegram.heal()
