"""/metrics through the real server with two workers: each scrape, whichever worker answers it,
sums every worker's counts, also after a worker died and was replaced."""

import os
import signal
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support import HOST_SECRET
from tests.support.servers import Granian, free_port, http, hub_environment, manage

pytestmark = pytest.mark.slow

TOKEN = "metrics-token-of-the-server-test"
LOOKUP = (("route", "api/rooms/<str:code>"), ("status", "200"))
LOOKUPS = 40


@pytest.fixture
def metrics_folder(tmp_path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    # Left by an earlier run: the server starts from zero.
    (folder / "counter_1.db").write_bytes(b"stale")
    return folder


@pytest.fixture
def hub(tmp_path, metrics_folder):
    environment = hub_environment(f"sqlite:///{tmp_path / 'db.sqlite3'}", free_port())
    environment |= {
        "WEB_CONCURRENCY": "2",
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_folder),
    }
    manage(environment, "migrate", "--noinput", "--verbosity", "0")
    manage(environment, "createcachetable")
    server = Granian(environment, tmp_path / "server.log")
    yield server
    if server.process.poll() is None:
        server.stop()


def scrape(hub: Granian) -> dict:
    status, _, body = http("GET", f"{hub.url}/metrics", Authorization=f"Bearer {TOKEN}")
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def workers_with_counts(folder) -> set[str]:
    return {path.stem.rpartition("_")[2] for path in folder.glob("counter_*.db")}


class TestMetricsServer:
    def test_every_scrape_sums_the_counts_of_both_workers(self, hub, metrics_folder):
        status, _, _ = http(
            "POST",
            f"{hub.url}/api/host/rooms/register",
            {"room_code": "METRIC", "ws_url": "wss://a.example/ws", "app_url": "https://m.app"},
            Authorization=f"Bearer {HOST_SECRET}",
        )
        assert status == 201
        assert "1" not in workers_with_counts(metrics_folder)

        # A new connection each: the two workers share them.
        for _ in range(LOOKUPS):
            assert http("GET", f"{hub.url}/api/rooms/METRIC")[0] == 200
        http("GET", f"{hub.url}/api/rooms/NOSUCH")
        http("GET", f"{hub.url}/no/such/path")

        assert workers_with_counts(metrics_folder) == {str(pid) for pid in hub.workers()}
        for _ in range(6):
            samples = scrape(hub)
            assert samples[("spirtuoz_http_requests_total", LOOKUP)] == LOOKUPS
            assert samples[("spirtuoz_room_lookup_seconds_count", ())] == LOOKUPS + 1
            assert samples[("spirtuoz_room_lookup_seconds_bucket", (("le", "+Inf"),))] == (
                LOOKUPS + 1
            )
            route = (("route", "api/host/rooms/register"), ("status", "201"))
            assert samples[("spirtuoz_http_requests_total", route)] == 1
            unmatched = (("route", "unmatched"), ("status", "404"))
            assert samples[("spirtuoz_http_requests_total", unmatched)] == 1
            assert samples[("spirtuoz_rooms_live", ())] == 1
            assert samples[("spirtuoz_hosts_online", ())] == 1

    def test_a_dead_workers_counts_still_count_after_it_is_replaced(self, hub):
        for _ in range(LOOKUPS):
            http("GET", f"{hub.url}/healthz")
        healthz = (("route", "healthz"), ("status", "200"))
        assert scrape(hub)[("spirtuoz_http_requests_total", healthz)] == LOOKUPS

        os.kill(hub.workers()[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while hub.workers_started() < 3:
            assert time.monotonic() < deadline, hub.log.read_text()
            time.sleep(0.1)

        for _ in range(6):
            samples = scrape(hub)
            assert samples[("spirtuoz_http_requests_total", healthz)] == LOOKUPS
