"""The server purges ended rooms by itself, as it must on Render's free plan, where no cron runs
`purge_rooms`: two instances of two workers each, on one database, with ROOM_PURGE_SECONDS
shortened to two seconds. An ended room goes without any request asking, and across all four
workers one purge happens per period, never two."""

import json
import re
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from itertools import pairwise

import dj_database_url
import pytest

from tests.support import HOST_SECRET
from tests.support.databases import suite_kind_of_database
from tests.support.servers import Granian, Server, free_port, http, hub_environment

# Starts processes or servers of its own: left out of `make test-fast`.
pytestmark = pytest.mark.slow

PERIOD_SECONDS = 2
# A purge is logged a moment after its claim; a busy machine may stretch that moment.
LOG_SLACK_SECONDS = 0.5
PURGED = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO rooms\.services: "
    r"purged (\d+) expired or closed room\(s\)$",
    re.MULTILINE,
)


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    folder = tmp_path_factory.mktemp("purge")
    with suite_kind_of_database(folder) as database_url:
        environment = hub_environment(database_url, 0) | {
            "WEB_CONCURRENCY": "2",
            "ROOM_PURGE_SECONDS": str(PERIOD_SECONDS),
        }

        def start(name: str) -> Server:
            return Granian(environment | {"PORT": str(free_port())}, folder / f"{name}.log")

        with ThreadPoolExecutor(2) as pool:
            servers = list(pool.map(start, ("first", "second")))
        yield servers, database_url
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(Server.stop, servers))


def purges(servers: list[Server]) -> list[tuple[datetime, int]]:
    """(when, how many rooms) of every purge any worker of any instance has logged, in order."""
    found = [
        (datetime.strptime(when, "%Y-%m-%d %H:%M:%S,%f"), int(count))
        for server in servers
        for when, count in PURGED.findall(server.log.read_text())
    ]
    return sorted(found)


def room_codes(database_url: str) -> list[str]:
    """The codes of every room row, read straight from the database the servers share."""
    config = dj_database_url.parse(database_url)
    if config["ENGINE"].endswith("sqlite3"):
        with sqlite3.connect(config["NAME"]) as database:
            return sorted(row[0] for row in database.execute("SELECT code FROM rooms_room"))
    import psycopg

    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname=config["NAME"],
    ) as database:
        return sorted(row[0] for row in database.execute("SELECT code FROM rooms_room"))


def test_an_ended_room_is_purged_with_no_request_asking(instances):
    (first, second), database_url = instances
    _, _, body = http(
        "POST",
        f"{first.url}/api/host/rooms/register",
        {"room_code": "GONE", "ws_url": "wss://a.example/ws", "app_url": "https://a.example"},
        **{"X-Host-Secret": HOST_SECRET},
    )
    token = json.loads(body)["host_token"]
    status, _, _ = http("DELETE", f"{second.url}/api/host/rooms/GONE", **{"X-Room-Token": token})
    assert status == 204
    assert room_codes(database_url) == ["GONE"]

    deadline = time.monotonic() + 3 * PERIOD_SECONDS + 5
    while room_codes(database_url) and time.monotonic() < deadline:
        time.sleep(0.2)

    assert room_codes(database_url) == []
    assert any(count == 1 for _, count in purges([first, second]))


def test_one_worker_of_either_instance_purges_each_period(instances):
    servers, _ = instances
    time.sleep(4 * PERIOD_SECONDS)

    logged = purges(servers)

    # Four workers ask about every sixth of a second; without the claim this would be dozens.
    assert len(logged) >= 3, logged
    gaps = [(later - earlier).total_seconds() for (earlier, _), (later, _) in pairwise(logged)]
    assert min(gaps) >= PERIOD_SECONDS - LOG_SLACK_SECONDS, gaps
