"""Limits on what a client may get wrong (or cost the hub), each declared once as a `Limit` and
used wherever it counts (views, permissions, the fast room lookup, the avatars): its cache scope,
the setting with its rate, and what a client past it is told. What counts is the declaring app's
to say, by calling `hit` where it happens. A limit is per client, or (per_client=False) one
budget for all clients together.

Counters live in a shared cache of their own, settings.RATELIMIT_CACHE (a table of the database,
or Redis), so every worker and instance sees the same count, and a flood of clients, one counter
each, never culls what the hub's other cache holds (the avatars). Each counts in fixed windows
of the rate's period. A client is its socket address, or, behind TRUSTED_PROXY_COUNT proxies
(1 on Render), the address the outermost trusted proxy saw, taken from X-Forwarded-For; without
trusted proxies that header is ignored, so a client cannot forge another address.

A limit that cannot reach its cache lets the request through (and logs it): a party goes on
while the cache is down, and guessing stays as slow as the failing cache makes it. Except when
the cache is the database and the database is unavailable: every limited request needs the
database next, so the error goes on to become the 503 at once, rather than after a second
connect timeout (core.errors.DATABASE_UNAVAILABLE).

Each process remembers for CLEAR_MEMO_SECONDS that a client was within its limit, so that a
room full of players looking up their room costs the cache one read per client and second, not
one per lookup. The slack this leaves, across workers and instances only: after another process
counted the mistake that blocks a client, this one may still answer that client for up to
CLEAR_MEMO_SECONDS; a mistake counted here (`hit` learns the new count) blocks the client
here at once, so at most one more miss per process gets through.
"""

import logging
import math
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from rest_framework.exceptions import Throttled

from core.errors import DATABASE_UNAVAILABLE
from monitoring.services import rate_limit_hit_record

logger = logging.getLogger(__name__)

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
CLEAR_MEMO_SECONDS = 1.0
# Beyond this many clients remembered, the memo starts again from empty.
CLEAR_MEMO_SIZE = 10_000
# Counter key -> time.monotonic() until which this process takes the client as within its limit.
_clear_until: dict[str, float] = {}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate | None":
        """`30/minute` (or second, hour, day); `off` for no limit. ValueError when malformed."""
        if text.strip().lower() == "off":
            return None
        count, _, period = text.partition("/")
        seconds = PERIODS.get(period.strip().lower())
        if seconds is None or not count.strip().isdigit() or int(count) <= 0:
            raise ValueError(f"{text!r} is not a rate such as 30/minute, or off")
        return cls(int(count), seconds)


@lru_cache(maxsize=64)
def _parsed(text: str) -> Rate | None:
    return Rate.parse(text)


class LimitExceeded(Throttled):
    """429 with Retry-After: "<the limit's refusal> try again in N s"."""

    extra_detail_singular = extra_detail_plural = "try again in {wait} s"


@dataclass(frozen=True)
class Limit:
    scope: str
    # The name of the setting that holds its rate ("30/minute", or "off").
    setting: str
    # What a client past the limit is told, before "try again in N s".
    refusal: str
    # False: one count shared by every client (a budget of the hub's, such as Telegram calls).
    per_client: bool = True

    @property
    def rate(self) -> Rate | None:
        return _parsed(getattr(settings, self.setting))

    def wait(self, meta: Mapping) -> int | None:
        """Seconds until the client of `meta` (a request's META, or a WSGI environ) may try
        again, or None when it is within the limit."""
        rate = self.rate
        if rate is None:
            return None
        now = time.time()
        window = int(now // rate.seconds)
        key = self._key(meta, window)
        if _clear_until.get(key, 0.0) > time.monotonic():
            return None
        try:
            count = counters().get(key, 0)
        except DATABASE_UNAVAILABLE:
            raise
        except cache_errors() as error:
            logger.warning("rate limit %s not checked, the cache failed: %r", self.scope, error)
            return None
        if count < rate.count:
            if len(_clear_until) >= CLEAR_MEMO_SIZE:
                _clear_until.clear()
            _clear_until[key] = time.monotonic() + CLEAR_MEMO_SECONDS
            return None
        return max(1, math.ceil((window + 1) * rate.seconds - now))

    def check(self, meta: Mapping) -> None:
        """LimitExceeded (429) when the client must wait."""
        wait = self.wait(meta)
        if wait is not None:
            raise self.exceeded(wait)

    def exceeded(self, wait: int) -> LimitExceeded:
        self.refused()
        return LimitExceeded(wait=wait, detail=self.refusal)

    def refused(self) -> None:
        """Count one request this limit refused (/metrics); `exceeded` counts its own."""
        rate_limit_hit_record(limit=self.scope)

    def hit(self, meta: Mapping) -> None:
        """Count one mistake against the client."""
        rate = self.rate
        if rate is None:
            return
        key = self._key(meta, int(time.time() // rate.seconds))
        try:
            store = counters()
            store.add(key, 0, timeout=rate.seconds + 1)
            try:
                count = store.incr(key)
            except ValueError:
                # The window's counter expired between add and incr: its first mistake.
                store.set(key, count := 1, timeout=rate.seconds + 1)
        except DATABASE_UNAVAILABLE:
            raise
        except cache_errors() as error:
            logger.warning("rate limit %s not counted, the cache failed: %r", self.scope, error)
            return
        if count >= rate.count:
            _clear_until.pop(key, None)

    def _key(self, meta: Mapping, window: int) -> str:
        client = client_address(meta) if self.per_client else "all"
        return f"ratelimit:{self.scope}:{client}:{window}"


def counters():
    """The cache the counters live in (settings.RATELIMIT_CACHE)."""
    return caches[settings.RATELIMIT_CACHE]


def client_address(meta: Mapping) -> str:
    """The client's address, from a request's META or a WSGI environ (they hold the same keys)."""
    remote = meta.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted > 0:
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "").split(",")
        hops = [hop.strip() for hop in forwarded if hop.strip()]
        if len(hops) >= trusted:
            return hops[-trusted]
    return remote


def request_client_address(request) -> str:
    """The client of a request, for django-axes (AXES_CLIENT_IP_CALLABLE)."""
    return client_address(request.META)


def rate_settings_check() -> None:
    """Every setting named *_RATE must be a rate: checked once when Django starts, so that a
    typo stops the hub at start rather than at the first request that counts."""
    from django.core.exceptions import ImproperlyConfigured

    for name in dir(settings):
        if name.endswith("_RATE") and name.isupper():
            try:
                Rate.parse(getattr(settings, name))
            except (ValueError, AttributeError) as error:
                raise ImproperlyConfigured(f"{name}: {error}") from None


def limit_memo_forget() -> None:
    """Forget which clients were within their limits (the tests start each case afresh)."""
    _clear_until.clear()


def cache_errors() -> tuple[type[Exception], ...]:
    """What a failing cache raises: the database's errors, OSError, and RedisError once redis is
    loaded. The Redis cache loads redis before it can fail, and importing redis only for this
    would cost every hub process about 15 MB on the database cache."""
    redis = sys.modules.get("redis")
    return (DatabaseError, OSError, redis.RedisError) if redis else (DatabaseError, OSError)
