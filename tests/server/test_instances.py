"""Several instances of the hub, as Render runs a scaled-out service: two servers started as
Render starts them, on one database and one shared cache. Whatever one instance writes, every
worker of the other serves within a second (rooms.lookup.FRESH_SECONDS, half a second, is the
bound), and Telegram is asked once for both.

The database is the suite's kind: a fresh PostgreSQL database when DATABASE_URL points at
PostgreSQL (the servers cannot see pytest-django's test transactions), else a SQLite file. The
cache is the database's own, then Redis.
"""

import hashlib
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.support import AVATAR_JPEG, HOST_SECRET, REDIS_TEST_URL, redis_or_skip
from tests.support.databases import suite_kind_of_database
from tests.support.fake_telegram import FILE, FakeTelegram
from tests.support.servers import (
    Granian,
    Server,
    free_port,
    http,
    hub_environment,
)

# Starts processes or servers of its own: left out of `make test-fast`.
pytestmark = pytest.mark.slow

ROOM = {"ws_url": "wss://first.trycloudflare.com/ws", "app_url": "https://mini.app"}
HOSTS_ONLY = ("host_token", "expires_at")


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    with suite_kind_of_database(tmp_path_factory.mktemp("instances")) as url:
        yield url


@pytest.fixture(scope="module", params=["database", "redis"])
def shared_cache_environment(request):
    """The settings that give both instances one cache: the database's, or Redis under a key
    prefix of this run's own, whose keys are deleted afterwards."""
    if request.param == "database":
        yield {"REDIS_URL": ""}
        return
    client = redis_or_skip()
    prefix = f"test-instances-{uuid.uuid4().hex}"
    yield {"REDIS_URL": REDIS_TEST_URL, "REDIS_KEY_PREFIX": prefix}
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@dataclass
class Instances:
    first: Server
    second: Server
    telegram: FakeTelegram


@pytest.fixture(scope="module")
def instances(tmp_path_factory, database_url, shared_cache_environment):
    telegram = FakeTelegram().start()
    folder = tmp_path_factory.mktemp("instances")
    environment = hub_environment(database_url, 0) | shared_cache_environment
    # Two workers each: what one worker writes, every worker of both instances must serve.
    # One public address for both, as behind Render's proxy: the rooms' links are the same.
    environment |= {
        "FILE_API_URL": telegram.url,
        "BOT_TOKEN": telegram.token,
        "PUBLIC_URL": "http://hub.example",
    }
    environment["WEB_CONCURRENCY"] = "2"

    def start(name: str) -> Server:
        return Granian(environment | {"PORT": str(free_port())}, folder / f"{name}.log")

    # Started and stopped side by side, to keep the test quick.
    with ThreadPoolExecutor(2) as pool:
        servers = list(pool.map(start, ("first", "second")))
    yield Instances(*servers, telegram)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(Server.stop, servers))
    telegram.stop()


def call(server: Server, method: str, path: str, body: dict | None = None, token: str = ""):
    """(status, JSON body or None) of one request to `server`, with the host secret and, when
    given, a room token."""
    headers = {"X-Host-Secret": HOST_SECRET} | ({"X-Room-Token": token} if token else {})
    status, _, content = http(method, f"{server.url}{path}", body, **headers)
    return status, json.loads(content) if content else None


# What the tests hold every instance to: a change served everywhere within a second.
BOUND = 1.0


def seen_within(seconds: float, look):
    """What `look()` gives once it stops changing, or at `seconds`: the lookup is polled."""
    deadline = time.monotonic() + seconds
    last = look()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        last = look()
    return last


def lookups_of(telegram: FakeTelegram, user_id: int) -> int:
    calls = telegram.calls_to("getUserProfilePhotos")
    return sum(1 for call in calls if int(call.params["user_id"]) == user_id)


class TestInstances:
    def test_a_room_registered_through_one_is_served_by_the_other(self, instances):
        status, registered = call(instances.first, "POST", "/api/host/rooms/register", ROOM)
        assert status == 201

        status, room = call(instances.second, "GET", f"/api/rooms/{registered['room_code']}")

        public = {key: value for key, value in registered.items() if key not in HOSTS_ONLY}
        assert (status, room) == (200, public)

    def test_a_re_registration_a_status_change_and_a_close_show_on_the_other_within_a_second(
        self, instances
    ):
        _, registered = call(instances.first, "POST", "/api/host/rooms/register", ROOM)
        code, token = registered["room_code"], registered["host_token"]
        lookup = f"/api/rooms/{code}"
        assert call(instances.second, "GET", lookup)[0] == 200

        status, _ = call(
            instances.second,
            "POST",
            "/api/host/rooms/register",
            {**ROOM, "room_code": code, "ws_url": "wss://second.trycloudflare.com/ws"},
            token=token,
        )
        assert status == 200
        ws_url = seen_within(BOUND, lambda: call(instances.first, "GET", lookup)[1]["ws_url"])
        call(instances.first, "POST", f"/api/host/rooms/{code}/heartbeat", {"players": 5}, token)
        players = seen_within(BOUND, lambda: call(instances.second, "GET", lookup)[1]["players"])
        deleted = call(instances.first, "DELETE", f"/api/host/rooms/{code}", token=token)
        closed = seen_within(BOUND, lambda: call(instances.second, "GET", lookup))

        assert (ws_url, players) == ("wss://second.trycloudflare.com/ws", 5)
        assert deleted == (204, None)
        assert closed == (404, {"error": "room not found"})

    def test_every_worker_of_both_serves_a_change_within_a_second(self, instances):
        _, registered = call(instances.first, "POST", "/api/host/rooms/register", ROOM)
        code, token = registered["room_code"], registered["host_token"]
        servers = [instances.first, instances.second] * 4
        # Each lookup on a new connection, so that both workers of each instance answer some.
        assert {call(server, "GET", f"/api/rooms/{code}")[0] for server in servers} == {200}

        for ws_url in ("wss://third.trycloudflare.com/ws", "wss://fourth.trycloudflare.com/ws"):
            call(
                instances.second,
                "POST",
                "/api/host/rooms/register",
                {**ROOM, "room_code": code, "ws_url": ws_url},
                token=token,
            )
            time.sleep(BOUND)
            seen = {call(server, "GET", f"/api/rooms/{code}")[1]["ws_url"] for server in servers}
            assert seen == {ws_url}

        call(instances.first, "DELETE", f"/api/host/rooms/{code}", token=token)
        time.sleep(BOUND)
        assert {call(server, "GET", f"/api/rooms/{code}")[0] for server in servers} == {404}

    def test_an_avatar_fetched_through_one_is_cached_for_the_other(
        self, instances, shared_cache_environment
    ):
        instances.telegram.add_photo(7, AVATAR_JPEG)
        downloads_before = instances.telegram.count(FILE)

        status, avatar = call(instances.first, "GET", "/api/users/7/avatar")
        image = http("GET", f"{instances.second.url}/api/users/7/avatar.jpg")

        version = hashlib.sha256(AVATAR_JPEG).hexdigest()[:16]
        assert status == 200
        assert avatar["avatar"].startswith(
            f"http://hub.example/api/users/7/avatar.jpg?v={version}&"
        )
        assert (image[0], image[2]) == (200, AVATAR_JPEG)
        assert lookups_of(instances.telegram, 7) == 1
        assert instances.telegram.count(FILE) - downloads_before == 1
        prefix = shared_cache_environment.get("REDIS_KEY_PREFIX")
        if prefix:
            # Redis really holds it: the database cache, shared all the same, would otherwise
            # hide a REDIS_URL that the instances ignored.
            assert redis_or_skip().exists(f"{prefix}:1:avatar:7")

    def test_lookups_at_once_on_both_cost_telegram_one_lookup(self, instances):
        instances.telegram.add_photo(8, AVATAR_JPEG)
        instances.telegram.delay("getUserProfilePhotos", 0.3)
        urls = [
            f"{server.url}/api/users/8/avatar.jpg"
            for server in (instances.first, instances.second)
        ]

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda url: http("GET", url), urls * 4))
        instances.telegram.heal()

        assert [(status, body) for status, _, body in answers] == [(200, AVATAR_JPEG)] * 8
        assert lookups_of(instances.telegram, 8) == 1
