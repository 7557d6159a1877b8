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
connect timeout (spirtuoz/outages.py).
"""

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from redis import RedisError

from spirtuoz.outages import DATABASE_UNAVAILABLE

logger = logging.getLogger(__name__)
CACHE_ERRORS = (DatabaseError, RedisError, OSError)

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


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
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
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
    try:
        count = cache.get(_key(scope, client, window), 0)
    except DATABASE_UNAVAILABLE:
        raise
    except CACHE_ERRORS as error:
        logger.warning("rate limit %s not checked, the cache failed: %r", scope, error)
        return None
    if count < rate.count:
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
            cache.incr(key)
        except ValueError:
            # The window's counter expired between add and incr: its first mistake.
            cache.set(key, 1, timeout=rate.seconds + 1)
    except DATABASE_UNAVAILABLE:
        raise
    except CACHE_ERRORS as error:
        logger.warning("rate limit %s not counted, the cache failed: %r", scope, error)


def _key(scope: str, client: str, window: int) -> str:
    return f"ratelimit:{scope}:{client}:{window}"
