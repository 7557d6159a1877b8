"""What the tests share: the suite's secrets and data, and helpers that start real parts
(servers, the bot, the example Host App and a proxy in front of the hub for it, a fake
Telegram, a throwaway PostgreSQL).

No test module imports another test module; they import from here. `make bench` imports the
fake Telegram too, from a virtualenv without the test tools: nothing here imports pytest at
the top.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
HOST_SECRET = "test-host-secret-0123456789"
# The secret keys of the hubs that the tests start as subprocesses.
SERVER_SECRET_KEY = "server-test-secret-key"
PRODUCTION_SECRET_KEY = "production-like-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
PRODUCTION_HOST_SECRET = "production-like-host-secret-0123456789"
# A real 160x160 JPEG, as Telegram serves profile photos.
AVATAR_JPEG = (BASE_DIR / "tests" / "data" / "avatar.jpg").read_bytes()

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def redis_or_skip():
    """A client of the test Redis; skips the test when none runs, unless REQUIRE_REDIS=true."""
    import pytest
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("REQUIRE_REDIS") == "true":
            raise
        pytest.skip(f"no Redis at {REDIS_TEST_URL} (.ci/run starts one and requires it)")
    return client
