"""What the hub counts as a store it depends on being unavailable, and what it then answers.

Django raises these when the database cannot be reached or stops answering: a stopped or
unreachable server, a connect timeout, a connection cut mid-request (and, on SQLite, a file
that cannot be opened); redis-py when the Redis cache cannot. That is no bug in the hub and it
ends once the store is back, so requests get 503 and may retry (spirtuoz/api.py). A module of
its own, free of DRF, because the settings import the rate limiter, which needs it too.
"""

from django.db import InterfaceError, OperationalError
from redis import RedisError

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
CACHE_UNAVAILABLE = (RedisError,)
# Each outage and its one error message.
OUTAGES = (
    (DATABASE_UNAVAILABLE, "database unavailable"),
    (CACHE_UNAVAILABLE, "cache unavailable"),
)
