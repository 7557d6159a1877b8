"""Limits on what a client may get wrong: misses when looking up rooms, wrong host secrets.

Counters live in Django's cache (the database's or Redis), so every worker and instance sees
the same count. Each counts in fixed windows of the rate's period. A client is its socket
address, or, behind TRUSTED_PROXY_COUNT proxies (1 on Render), the address the outermost
trusted proxy saw, taken from X-Forwarded-For; without trusted proxies that header is ignored,
so a client cannot forge another address.

A limit that cannot reach its cache lets the request through (and logs it): a party goes on
while the cache is down, and guessing stays as slow as the failing cache makes it. Except when
the cache is the database and the database is unavailable: every limited request needs the
database next, so the error goes on to become the 503 at once, rather than after a second
connect timeout (core/outages.py).

Each process remembers for CLEAR_MEMO_SECONDS that a client was within its limit, so that a
room full of players looking up their room costs the cache one read per client and second, not
one per lookup. The slack this leaves, across workers and instances only: after another process
counted the mistake that blocks a client, this one may still answer that client for up to
CLEAR_MEMO_SECONDS; a mistake counted here (limit_hit learns the new count) blocks the client
here at once, so at most one more miss per process gets through.
"""

import logging
import math
import sys
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

from core.outages import DATABASE_UNAVAILABLE

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


def client_address(request) -> str:
    return client_address_of(request.META)


def client_address_of(meta) -> str:
    """client_address from a request's META, or from a WSGI environ, which holds the same keys."""
    remote = meta.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted > 0:
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "").split(",")
        hops = [hop.strip() for hop in forwarded if hop.strip()]
        if len(hops) >= trusted:
            return hops[-trusted]
    return remote


def limit_wait(*, scope: str, client: str, rate: Rate | None) -> int | None:
    """Seconds until the client may try again, or None when it is within its limit."""
    if rate is None:
        return None
    now = time.time()
    window = int(now // rate.seconds)
    key = _key(scope, client, window)
    if _clear_until.get(key, 0.0) > time.monotonic():
        return None
    try:
        count = cache.get(key, 0)
    except DATABASE_UNAVAILABLE:
        raise
    except cache_errors() as error:
        logger.warning("rate limit %s not checked, the cache failed: %r", scope, error)
        return None
    if count < rate.count:
        if len(_clear_until) >= CLEAR_MEMO_SIZE:
            _clear_until.clear()
        _clear_until[key] = time.monotonic() + CLEAR_MEMO_SECONDS
        return None
    return max(1, math.ceil((window + 1) * rate.seconds - now))


def limit_hit(*, scope: str, client: str, rate: Rate | None) -> None:
    """Count one mistake against the client."""
    if rate is None:
        return
    key = _key(scope, client, int(time.time() // rate.seconds))
    try:
        cache.add(key, 0, timeout=rate.seconds + 1)
        try:
            count = cache.incr(key)
        except ValueError:
            # The window's counter expired between add and incr: its first mistake.
            cache.set(key, count := 1, timeout=rate.seconds + 1)
    except DATABASE_UNAVAILABLE:
        raise
    except cache_errors() as error:
        logger.warning("rate limit %s not counted, the cache failed: %r", scope, error)
        return
    if count >= rate.count:
        _clear_until.pop(key, None)


def limit_memo_forget() -> None:
    """Forget which clients were within their limits (the tests start each case afresh)."""
    _clear_until.clear()


def cache_errors() -> tuple[type[Exception], ...]:
    """What a failing cache raises: the database's errors, OSError, and RedisError once redis is
    loaded. The Redis cache loads redis before it can fail, and importing redis only for this
    would cost every hub process about 15 MB on the database cache."""
    redis = sys.modules.get("redis")
    return (DatabaseError, OSError, redis.RedisError) if redis else (DatabaseError, OSError)


def _key(scope: str, client: str, window: int) -> str:
    return f"ratelimit:{scope}:{client}:{window}"
