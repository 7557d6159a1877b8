"""The hub's Prometheus metrics, summed across the server's worker processes.

prometheus-client in multiprocess mode: each worker writes its counts to files in
PROMETHEUS_MULTIPROC_DIR (server/serve.py makes a fresh directory before the workers fork),
and a scrape of any worker adds up every worker's files. Without that directory (tests,
`manage.py runserver`) the counts are this process's own. What the database knows (rooms live,
hosts online, players) is read at scrape time instead of counted (`RoomsCollector`).
"""

import os
import re
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily

from rooms.selectors import rooms_now


class _ProcessId:
    """This process's id, as prometheus-client's multiprocess values ask for it on every count
    (to notice a fork): os.getpid() is a system call each time, and a room lookup counts
    three times. Taken again in a forked child."""

    def __init__(self):
        self.forked()
        os.register_at_fork(after_in_child=self.forked)

    def forked(self) -> None:
        self.pid = os.getpid()

    def __call__(self) -> int:
        return self.pid


if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Before the first metric: each value is made with the class this names.
    values.ValueClass = values.MultiProcessValue(process_identifier=_ProcessId())

# The route label of a request no URL pattern matched: any path a client makes up stays out.
UNMATCHED = "unmatched"

REQUESTS = Counter(
    "spirtuoz_http_requests", "HTTP requests answered, by route and status.", ["route", "status"]
)
ROOM_LOOKUP_SECONDS = Histogram(
    "spirtuoz_room_lookup_seconds",
    "How long room lookups (GET /api/rooms/<code>) took to answer, replayed ones included.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
TELEGRAM_CALLS = Counter(
    "spirtuoz_telegram_calls", "Bot API calls, by method and outcome.", ["method", "outcome"]
)
RATE_LIMIT_HITS = Counter(
    "spirtuoz_rate_limit_hits",
    "Requests refused because their client was past a limit, by limit.",
    ["limit"],
)


class RoomsCollector:
    """Rooms live, hosts online and players now, read from the database at each scrape."""

    def collect(self):
        now = rooms_now()
        for name, documentation, value in (
            ("spirtuoz_rooms_live", "Rooms live now.", now.live),
            ("spirtuoz_hosts_online", "Live rooms whose host is online now.", now.hosts_online),
            ("spirtuoz_players", "Players the live rooms' hosts report now.", now.players),
        ):
            yield GaugeMetricFamily(name, documentation, value=value)


class _ThisProcess:
    """The default registry's metrics, for a scrape without the multiprocess directory."""

    def collect(self):
        return REGISTRY.collect()


def metrics_page() -> tuple[bytes, str]:
    """The text a scrape gets, and its content type."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(RoomsCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


def metrics_forget_dead_workers() -> None:
    """Tell prometheus-client about every worker whose files are in the directory but which no
    longer runs (a worker started in its place calls this), as its documentation asks."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    pids = {int(m.group(1)) for p in Path(folder).glob("*.db") if (m := _PID.search(p.name))}
    for pid in pids:
        if not _running(pid):
            multiprocess.mark_process_dead(pid, folder)


_PID = re.compile(r"_(\d+)\.db$")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
