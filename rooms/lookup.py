"""GET /api/rooms/<code>, the hub's busiest request, answered by Django and replayed while the
room is unchanged.

Every player's phone looks up its room, often all at once when a party starts. `RoomLookup`
wraps the WSGI application as a shared HTTP cache in front of Django would: it keeps Django's
own 200 answers to room lookups and replays one to the next request that Django would answer
alike, for as long as the room is what it was. Nothing of the answer is made or decided here:
Django (its middleware and the DRF view) makes every answer, including every header, host
check, CORS, HSTS and init-data decision. What is decided here is only whether an answer
already seen still stands:

- The request is a plain one: GET, no query string, no Authorization (init data, and the
  ticket the answer then carries, are per player), no Cookie.
- The answer was made for the same path, Host, scheme (the raw headers Django reads it from),
  Accept (DRF negotiates on it without saying so in Vary), and every header the answer's Vary
  names. An answer that is not a 200, sets a cookie, or says `no-store` or `private` is never
  kept.
- Django has answered requests of that shape (the same headers, for any room) with the very
  same bytes twice in a row: a middleware that adds something new to every answer (a nonce,
  say) makes this step aside, on its own.
- The client is within its miss limit (rooms.limits.ROOM_LOOKUP_MISS, the view's own check).
- The room is what the answer was made for: its version (every write moves it on) was read at
  most FRESH_SECONDS ago, and the moment has not come when the room changes with time alone
  (its expiry, or its host falling silent). Past FRESH_SECONDS the version is read again, with
  one indexed query, before the answer is replayed once more.

So a registration, a heartbeat, a change or a close made through any worker of any instance is
what every instance answers within FRESH_SECONDS; an expiry, at once. Anything else goes to
Django, which answers as it always does.
"""

import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from core.logs import request_context, request_route_set
from core.middleware import DATABASE_FAILED
from rooms.limits import ROOM_LOOKUP_MISS
from rooms.selectors import RoomFreshness, room_freshness
from rooms.validators import ROOM_CODE_RE

PATH = re.compile(rf"/api/rooms/({ROOM_CODE_RE.pattern})")
# How long an answer is replayed before the room's version is read again: the bound on how
# stale any instance's answer may be.
FRESH_SECONDS = 0.5
# Answers kept per process; a client can ask for any code and send any header, so few.
MAX_ANSWERS = 10_000
# Request headers a kept answer must have been made for, whatever the answer's Vary says: where
# Django reads the host and the scheme from, and DRF's content negotiation.
ALWAYS_KEYED = ("HTTP_HOST", "HTTP_X_FORWARDED_HOST", "HTTP_ACCEPT", "wsgi.url_scheme")
# A request carrying one of these is for Django alone.
PERSONAL = ("HTTP_AUTHORIZATION", "HTTP_COOKIE")


@dataclass(frozen=True)
class _Answer:
    version: int
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass
class _Kept:
    answer: _Answer
    # Until when (time.monotonic) the version it was made for is taken as the room's.
    checked_until: float
    # When (time.time) the room changes with time alone.
    changes_at: float
    # Its shape is one Django answers alike every time: it may be replayed.
    replayable: bool
    # The URL pattern Django matched, named again in the context of each replay (for logs).
    route: str | None = None


class RoomLookup:
    """WSGI middleware: replays Django's answer to a room lookup while it still stands."""

    def __init__(self, application: Callable):
        self.application = application
        # (path, keyed request headers) -> the request headers its answers vary on.
        self.vary: dict[tuple, tuple[str, ...]] = {}
        self.answers: dict[tuple, _Kept] = {}
        # Shapes of request (the key without its path) Django answered alike twice in a row.
        self.steady: set[tuple] = set()
        setting_changed.connect(self._forget, weak=False)

    def _forget(self, **kwargs) -> None:
        self.vary.clear()
        self.answers.clear()
        self.steady.clear()

    def __call__(self, environ, start_response):
        found = self._plain_lookup(environ)
        if found is None:
            return self.application(environ, start_response)
        base = (environ["PATH_INFO"], *self._keyed(environ))
        reused = _connection_ready()
        vary = self.vary.get(base)
        if vary is not None:
            key = (*base, *(environ.get(name) for name in vary))
            kept = self.answers.get(key)
            try:
                stands = (
                    kept is not None and kept.replayable and self._stands(kept, environ, found[1])
                )
            except DatabaseError as failed:
                return self._django_after(failed, reused, environ, start_response)
            if stands:
                request_route_set(kept.route)
                start_response(kept.answer.status, list(kept.answer.headers))
                return [kept.answer.body]
        return self._ask_django(environ, start_response, base, found[1], reused)

    @staticmethod
    def _plain_lookup(environ) -> re.Match | None:
        if environ["REQUEST_METHOD"] != "GET" or environ.get("QUERY_STRING"):
            return None
        if any(environ.get(name) for name in PERSONAL):
            return None
        return PATH.fullmatch(environ.get("PATH_INFO", ""))

    @staticmethod
    def _keyed(environ) -> tuple:
        proxy_header = settings.SECURE_PROXY_SSL_HEADER
        scheme_header = environ.get(proxy_header[0]) if proxy_header else None
        return (*(environ.get(name) for name in ALWAYS_KEYED), scheme_header)

    def _stands(self, kept: _Kept, environ, code: str) -> bool:
        """Whether the kept answer is still Django's answer to this client now. Raises the
        DatabaseError of a database that cannot say."""
        if time.time() >= kept.changes_at:
            return False
        # The limit's count may live in the database too, whose outage the limiter passes on.
        if ROOM_LOOKUP_MISS.wait(environ) is not None:
            return False  # Django answers the 429
        if time.monotonic() < kept.checked_until:
            return True
        freshness = room_freshness(code=code)
        if freshness is None or freshness.version != kept.answer.version:
            return False
        kept.checked_until = time.monotonic() + FRESH_SECONDS
        kept.changes_at = freshness.changes_at
        return time.time() < kept.changes_at

    def _django_after(self, failed: DatabaseError, reused: bool, environ, start_response):
        """Django's answer once the hub's own query failed. On a connection kept from an earlier
        request that had died, Django connects anew as usual. On a new connection the database
        could not be reached: Django answers the 503 at once instead of trying again."""
        if reused:
            with contextlib.suppress(DatabaseError):
                connections[DEFAULT_DB_ALIAS].close()
        else:
            environ[DATABASE_FAILED] = failed
        return self.application(environ, start_response)

    def _ask_django(self, environ, start_response, base: tuple, code: str, reused: bool):
        # Read before Django reads the room: an answer is never taken as newer than it is.
        try:
            freshness = room_freshness(code=code)
        except DatabaseError as failed:
            return self._django_after(failed, reused, environ, start_response)
        seen: dict = {}

        def start(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        answer = self.application(environ, start)
        vary = _vary_of(seen.get("status", ""), seen.get("headers", []))
        if freshness is None or vary is None:
            return answer
        try:
            body = b"".join(answer)
        finally:
            # What a WSGI server does with the iterable, where Django ends its request.
            if hasattr(answer, "close"):
                answer.close()
        self._keep(environ, base, vary, freshness, seen, body)
        return [body]

    def _keep(self, environ, base, vary, freshness: RoomFreshness, seen: dict, body) -> None:
        self.vary[base] = vary
        key = (*base, *(environ.get(name) for name in vary))
        shape = key[1:]
        answer = _Answer(freshness.version, seen["status"], tuple(seen["headers"]), body)
        previous = self.answers.get(key)
        if previous is not None and previous.answer == answer:
            self.steady.add(shape)
        if previous is None and len(self.answers) >= MAX_ANSWERS:
            del self.answers[next(iter(self.answers))]
        self.answers[key] = _Kept(
            answer,
            checked_until=time.monotonic() + FRESH_SECONDS,
            changes_at=freshness.changes_at,
            replayable=shape in self.steady,
            route=getattr(request_context(), "route", None),
        )


def _vary_of(status: str, headers: list[tuple[str, str]]) -> tuple[str, ...] | None:
    """The request headers (as WSGI environ keys) a keepable answer varies on; None for an
    answer that may not be kept."""
    if not status.startswith("200 "):
        return None
    vary: list[str] = []
    for name, value in headers:
        name = name.lower()
        if name == "set-cookie":
            return None
        if name == "cache-control" and {"no-store", "private"} & _tokens(value):
            return None
        if name == "vary":
            if "*" in _tokens(value):
                return None
            vary += [f"HTTP_{token.upper().replace('-', '_')}" for token in _tokens(value)]
    return tuple(sorted(set(vary)))


def _tokens(value: str) -> set[str]:
    return {token.strip().lower() for token in value.split(",") if token.strip()}


def _connection_ready() -> bool:
    """The default connection, managed as Django manages one around a request: closed past
    CONN_MAX_AGE or after an error, or when it was left outside autocommit. Without
    PostgreSQL's health-check query (SELECT 1) each time: a kept connection that died fails the
    first query instead. Whether a connection is kept open from an earlier request."""
    connection = connections[DEFAULT_DB_ALIAS]
    connection.close_if_unusable_or_obsolete()
    connection.health_check_done = True
    return connection.connection is not None
