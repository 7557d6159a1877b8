"""A stand-in between a Host App and the live hub, over real HTTP: it forwards each request as
it came, notes what was asked, and can play a hub that is down (a 502 page, as Render's router
answers while a service restarts)."""

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# What the Host App authenticates with; only whether each was sent is noted.
AUTH_HEADERS = ("X-Host-Secret", "X-Room-Token")
DOWN_PAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


@dataclass(frozen=True)
class Asked:
    """One request as the hub proxy saw it."""

    method: str
    path: str
    # Which of AUTH_HEADERS it carried.
    auth: tuple[str, ...]
    body: dict | None
    status: int
    # time.monotonic() when it arrived.
    at: float


class HubProxy:
    """Forwards to `hub_url` from its own `url` until stopped; `down` makes it answer 502."""

    def __init__(self, hub_url: str):
        self.hub_url = hub_url.rstrip("/")
        self.down = False
        self._asked: list[Asked] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                proxy._forward(self)

            do_POST = do_PATCH = do_DELETE = do_GET

            def log_message(self, format, *args):
                pass  # what was asked is in `asked`

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def asked(self, method: str | None = None, path: str | None = None) -> list[Asked]:
        """The requests so far, those with this method and path if given."""
        with self._lock:
            return [
                one
                for one in self._asked
                if method in (None, one.method) and path in (None, one.path)
            ]

    def answered(self, method: str, path: str) -> list[Asked]:
        """The requests of `method` on `path` that the hub answered (not the proxy's 502s)."""
        return [one for one in self.asked(method, path) if one.status < 500]

    def wait_for(self, method: str, path: str, count: int = 1, timeout: float = 10) -> list[Asked]:
        """The first `count` requests of `method` on `path` the hub answered, waiting for them."""
        deadline = time.monotonic() + timeout
        while len(answered := self.answered(method, path)) < count:
            assert time.monotonic() < deadline, (
                f"{len(answered)} of {count} {method} {path} within {timeout} s: {self.asked()}"
            )
            time.sleep(0.05)
        return answered[:count]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _forward(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        data = handler.rfile.read(length) if length else None
        if self.down:
            status, headers, content = 502, {"Content-Type": "text/html"}, DOWN_PAGE
        else:
            status, headers, content = self._ask_the_hub(handler, data)
        with self._lock:
            self._asked.append(
                Asked(
                    method=handler.command,
                    path=handler.path,
                    auth=tuple(name for name in AUTH_HEADERS if name in handler.headers),
                    body=json.loads(data) if data else None,
                    status=status,
                    at=time.monotonic(),
                )
            )
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)

    def _ask_the_hub(self, handler: BaseHTTPRequestHandler, data: bytes | None):
        forwarded = {
            name: handler.headers[name]
            for name in ("Content-Type", *AUTH_HEADERS)
            if name in handler.headers
        }
        request = urllib.request.Request(
            self.hub_url + handler.path, data=data, method=handler.command, headers=forwarded
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, answer_headers, content = (
                    response.status,
                    response.headers,
                    response.read(),
                )
        except urllib.error.HTTPError as error:
            status, answer_headers, content = error.code, error.headers, error.read()
        kept = {
            name: answer_headers[name]
            for name in ("Content-Type", "Retry-After")
            if name in answer_headers
        }
        return status, kept, content
