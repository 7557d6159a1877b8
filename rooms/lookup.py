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
- The room is what the answer was made for: no change to it newer than the answer's version
  is known, and the moment has not come when the room changes with time alone (its expiry, or
  its host falling silent). What changed is known from the change feed: every write stamps the
  room's `changed_at` (rooms.services), and each process asks, at most every FRESH_SECONDS and
  with one indexed query for all rooms at once, which rooms changed since its last question
  (less CHANGES_MARGIN_SECONDS, for commits still under way and clocks a little apart). Until
  that question has been answered within FRESH_SECONDS, nothing is replayed: a database that
  cannot answer sends every lookup to Django.

So a registration, a heartbeat, a change or a close made through any worker of any instance is
what every instance answers within FRESH_SECONDS (and the time one query takes); an expiry, at
once. The cost does not grow with the lookups: two small queries a second per process, however
many players ask. Anything else goes to Django, which answers as it always does.
"""

import contextlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils import timezone

from core.logs import request_context, request_route_set
from core.middleware import DATABASE_FAILED
from rooms.limits import ROOM_LOOKUP_MISS
from rooms.selectors import RoomFreshness, room_changes, room_freshness
from rooms.validators import ROOM_CODE_RE

PATH = re.compile(rf"/api/rooms/({ROOM_CODE_RE.pattern})")
# How long what the change feed said is taken as all that changed: the bound on how stale any
# instance's answer may be.
FRESH_SECONDS = 0.5
# How far back each question to the feed reaches before the previous one: a write stamped by a
# clock this much behind, or committed this long after its stamp, is still seen.
CHANGES_MARGIN_SECONDS = 5
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
    # When (time.time) the room changes with time alone.
    changes_at: float
    # Its shape is one Django answers alike every time: it may be replayed.
    replayable: bool
    # The URL pattern Django matched, named again in the context of each replay (for logs).
    route: str | None = None


class _Changes:
    """The newest version of each room the change feed has told this process of."""

    def __init__(self):
        self.versions: dict[str, int] = {}
        self.since = timezone.now() - timedelta(seconds=CHANGES_MARGIN_SECONDS)
        # Until when (time.monotonic) the versions are taken as all that changed.
        self.fresh_until = 0.0
        self._reading = threading.Lock()

    def newest(self, code: str) -> int | None:
        """The newest version of the room `code` known to have changed, None if none is; first
        asks the feed if its last answer is older than FRESH_SECONDS (DatabaseError if the
        database cannot answer)."""
        if time.monotonic() >= self.fresh_until:
            with self._reading:
                if time.monotonic() >= self.fresh_until:
                    self._read()
        return self.versions.get(code)

    def _read(self) -> None:
        asked_at = timezone.now()
        for code, version in room_changes(since=self.since):
            if version > self.versions.get(code, -1):
                self.versions[code] = version
        self.since = asked_at - timedelta(seconds=CHANGES_MARGIN_SECONDS)
        self.fresh_until = time.monotonic() + FRESH_SECONDS


class RoomLookup:
    """WSGI middleware: replays Django's answer to a room lookup while it still stands."""

    def __init__(self, application: Callable):
        self.application = application
        # (path, keyed request headers) -> the request headers its answers vary on.
        self.vary: dict[tuple, tuple[str, ...]] = {}
        self.answers: dict[tuple, _Kept] = {}
        # Shapes of request (the key without its path) Django answered alike twice in a row.
        self.steady: set[tuple] = set()
        self.changes = _Changes()
        setting_changed.connect(self._forget, weak=False)

    def _forget(self, **kwargs) -> None:
        self.vary.clear()
        self.answers.clear()
        self.steady.clear()
        # Anew, from now on: no answer kept before is left to compare with what it forgets.
        self.changes = _Changes()

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
        newest = self.changes.newest(code.upper())
        if len(self.changes.versions) > MAX_ANSWERS:
            self._forget()  # the rooms it knows of, bounded as the answers are
            return False
        return newest is None or newest <= kept.answer.version

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
