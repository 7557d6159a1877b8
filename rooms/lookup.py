"""GET /api/rooms/<code>, the hub's busiest request, answered by Django once and replayed while
the room is unchanged.

Every player's phone looks up its room, often all at once when a party starts. `RoomLookup`
wraps the WSGI application as a shared HTTP cache in front of Django would: it keeps Django's
own 200 answers to room lookups and replays one to the next request that Django would answer
alike, for as long as the room's row is what it was. Nothing of the answer is made or decided
here: Django (its middleware and the DRF view) makes every answer, including every header, host
check, CORS, HSTS and init-data decision. What is decided here is only whether an answer
already seen still stands:

- The request is a plain one: GET, no query string, no Authorization (init data, and the
  ticket the answer then carries, are per player), no Cookie.
- The answer was made for the same path, Host, scheme (the raw headers Django reads it from),
  Accept (DRF negotiates on it without saying so in Vary), and every header the answer's Vary
  names. An answer that is not a 200, sets a cookie, or says `no-store` or `private` is never
  kept.
- Django answered that request twice in a row with the very same bytes: a middleware that
  adds something new to every answer (a nonce, say) makes this step aside, on its own.
- The client is within its miss limit (rooms.limits.ROOM_LOOKUP_MISS, the view's own check).
- The room's version, read with one indexed SELECT per request, is the one the answer was made
  for: a re-registration, a close or an expiry is seen on the very next request, on every
  worker and instance.

Anything else goes to Django, which answers as it always does.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from rooms.limits import ROOM_LOOKUP_MISS
from rooms.selectors import room_version
from rooms.validators import ROOM_CODE_RE

PATH = re.compile(rf"/api/rooms/({ROOM_CODE_RE.pattern})")
# Answers kept per process; a client can ask for any code and send any header, so few.
MAX_ANSWERS = 10_000
# Request headers a kept answer must have been made for, whatever the answer's Vary says: where
# Django reads the host and the scheme from, and DRF's content negotiation.
ALWAYS_KEYED = ("HTTP_HOST", "HTTP_X_FORWARDED_HOST", "HTTP_ACCEPT", "wsgi.url_scheme")
# A request carrying one of these is for Django alone.
PERSONAL = ("HTTP_AUTHORIZATION", "HTTP_COOKIE")


@dataclass(frozen=True)
class _Answer:
    version: object
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    # Django gave these bytes twice in a row: they may be replayed.
    confirmed: bool = field(default=False, compare=False)


class RoomLookup:
    """WSGI middleware: replays Django's answer to a room lookup while it still stands."""

    def __init__(self, application: Callable):
        self.application = application
        # (path, keyed request headers) -> the request headers its answers vary on.
        self.vary: dict[tuple, tuple[str, ...]] = {}
        self.answers: dict[tuple, _Answer] = {}
        setting_changed.connect(self._forget, weak=False)

    def _forget(self, **kwargs) -> None:
        self.vary.clear()
        self.answers.clear()

    def __call__(self, environ, start_response):
        found = self._plain_lookup(environ)
        if found is None:
            return self.application(environ, start_response)
        base = (environ["PATH_INFO"], *self._keyed(environ))
        version = self._version(environ, found.group(1))
        if version is None:
            return self.application(environ, start_response)
        vary = self.vary.get(base)
        key = (*base, *(environ.get(name) for name in vary)) if vary is not None else None
        kept = self.answers.get(key) if key is not None else None
        if kept is not None and kept.confirmed and kept.version == version:
            start_response(kept.status, list(kept.headers))
            return [kept.body]
        return self._ask_django(environ, start_response, base, version)

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

    @staticmethod
    def _version(environ, code: str):
        """The room's version, or None to let Django answer: the room is not live (Django
        answers 404 and counts the miss), the client must wait (429), or the database failed
        (Django answers 503, as for any request)."""
        _refresh_connection()
        try:
            # The limit's count may live in the database too (the default cache), whose
            # outage the limiter passes on: Django then answers the 503.
            if ROOM_LOOKUP_MISS.wait(environ) is not None:
                return None
            return room_version(code=code)
        except DatabaseError:
            return None

    def _ask_django(self, environ, start_response, base: tuple, version):
        seen: dict = {}

        def start(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        answer = self.application(environ, start)
        vary = _vary_of(seen.get("status", ""), seen.get("headers", []))
        if vary is None:
            return answer
        try:
            body = b"".join(answer)
        finally:
            # What a WSGI server does with the iterable, where Django ends its request.
            if hasattr(answer, "close"):
                answer.close()
        self.vary[base] = vary
        key = (*base, *(environ.get(name) for name in vary))
        answer = _Answer(version, seen["status"], tuple(seen["headers"]), body)
        previous = self.answers.get(key)
        if previous is None and len(self.answers) >= MAX_ANSWERS:
            del self.answers[next(iter(self.answers))]
        self.answers[key] = replace(answer, confirmed=previous == answer)
        return [body]


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


def _refresh_connection() -> None:
    """What Django does for every connection when a request starts and ends, for the one
    connection used here: close it past CONN_MAX_AGE or after an error, or when it was left
    outside autocommit. Without PostgreSQL's health-check query (SELECT 1) per request: a
    connection that died fails the version query, Django then answers in its place, and its
    request handling replaces the connection as usual."""
    connection = connections[DEFAULT_DB_ALIAS]
    connection.close_if_unusable_or_obsolete()
    connection.health_check_done = True
