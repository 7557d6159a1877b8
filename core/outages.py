"""What the hub counts as a store it depends on being unavailable, and what it then answers.

Django raises these when the database cannot be reached or stops answering: a stopped or
unreachable server, a connect timeout, a connection cut mid-request (and, on SQLite, a file
that cannot be opened); redis-py when the Redis cache cannot. That is no bug in the hub and it
ends once the store is back, so requests get 503 and may retry (core/api.py). A module of
its own, free of DRF, because the settings import the rate limiter, which needs it too.
"""

import sys

from django.db import InterfaceError, OperationalError

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def outage_message(error: Exception) -> str | None:
    """The one error message for an unavailable store, or None for any other error.

    redis is looked up, not imported: only the Redis cache loads it, and it would cost every
    process of a hub on the database cache some 15 MB (bench/RESULTS.md).
    """
    if isinstance(error, DATABASE_UNAVAILABLE):
        return "database unavailable"
    redis = sys.modules.get("redis")
    if redis is not None and isinstance(error, redis.RedisError):
        return "cache unavailable"
    return None
